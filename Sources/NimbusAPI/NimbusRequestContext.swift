import Hummingbird

/// Per-request context: Hummingbird's core storage plus the negotiated microversion.
public struct NimbusRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var microversion = APIVersion.min
    public var requestID = ""

    public init(source: Source) {
        coreContext = .init(source: source)
    }
}
