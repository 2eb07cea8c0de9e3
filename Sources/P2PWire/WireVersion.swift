/// The versions of the wire formats this build speaks (see `docs/wire-format.md`).
public enum WireVersion {
    /// The version byte of a link frame (offset 4 of its header).
    public static let current: UInt8 = 1
    /// The version byte of a gateway batch (offset 4 of its header).
    public static let batch: UInt8 = 1
}
