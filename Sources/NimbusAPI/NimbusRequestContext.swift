import Hummingbird
import NimbusKernel

/// Per-request context: Hummingbird's core storage, the negotiated microversion and the caller.
public struct NimbusRequestContext: Hummingbird.RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var microversion = APIVersion.min
    public var requestID = ""
    /// The caller; noauth (no validator) makes every request the admin of project "admin".
    public var auth = AuthContext(userID: "admin", userName: "admin", projectID: "admin", projectName: "admin",
                                  roles: ["admin", "member", "reader"])

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// True when the negotiated microversion is at least 2.`minor`.
    func at(_ minor: Int) -> Bool { microversion >= APIVersion(2, minor) }
}
