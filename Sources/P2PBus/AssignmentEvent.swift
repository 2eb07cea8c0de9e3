/// A change of the partitions a consumer-group member owns.
public enum AssignmentEvent: Sendable, Hashable {
    /// The member now owns these partitions (sorted).
    case assigned([Int])
    /// The member no longer owns these partitions (sorted); called before another member takes them.
    case revoked([Int])
}
