/// A driver that can copy a guest's root disk to a file (Nova's `driver.snapshot`, which extracts the disk and
/// uploads it; here the compute does the upload, so the driver only writes the file). Without it the API refuses
/// createImage and shelve of a server on that host with 409, before any state changes.
public protocol SnapshotDriver: VirtDriver {
    /// Writes the guest's disk to `path` (a new file) and says what format it is in.
    func snapshot(_ instance: InstanceRecord, to path: String) async throws -> SnapshotFormat
}

/// Glance's `disk_format` / `container_format` of a snapshot.
public struct SnapshotFormat: Codable, Sendable, Hashable {
    public var diskFormat: String
    public var containerFormat: String
    public init(diskFormat: String, containerFormat: String = "bare") {
        self.diskFormat = diskFormat
        self.containerFormat = containerFormat
    }
}
