/// The version of the link-frame wire format this build speaks (see `docs/wire-format.md`).
public enum WireVersion {
    public static let current: UInt8 = 1
}
