/// A driver that can boot a guest from a rescue image with its own disk attached (Nova's `rescue` /
/// `unrescue`). Without it the compute answers NotImplementedError and the server ends ERROR, as Nova's.
public protocol RescuableDriver: VirtDriver {
    func rescue(_ instance: InstanceRecord, imageRef: String) async throws
    func unrescue(_ instance: InstanceRecord) async throws
}
