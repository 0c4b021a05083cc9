import Foundation

/// The request id (`req-<uuid>`) of the operation a task works for; carried across RPC so every
/// service's log lines for one API request share it, as Nova's context does.
public enum RequestContext {
    @TaskLocal public static var requestID: String?

    public static func newRequestID() -> String { "req-" + UUID().uuidString.lowercased() }
}
