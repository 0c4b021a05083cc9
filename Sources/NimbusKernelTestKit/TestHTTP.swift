import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP answer as tests read it: status, headers (lowercased names), the raw body and the body as a JSON
/// object when it is one. Nova, Keystone and Glance error bodies are `{"<fault>": {"code", "message"}}`-like,
/// so `fault` and `message` read the first value.
public struct HTTPAnswer {
    public var status: Int
    public var headers: [String: String]
    public var body: [String: Any]
    public var raw: Data

    public subscript(_ k: String) -> Any? { body[k] }
    public var fault: [String: Any]? { body.values.first as? [String: Any] }
    public var message: String { fault?["message"] as? String ?? "" }
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// The one HTTP client of the test suites (real requests over 127.0.0.1 through URLSession).
public enum TestHTTP {
    /// `body` is sent as is when it is `Data`, else as JSON (with `Content-Type: application/json` unless
    /// `headers` names another).
    public static func send(_ method: String, _ url: String, body: Any? = nil, headers: [String: String] = [:])
        async throws -> HTTPAnswer
    {
        guard let u = URL(string: url) else { throw TestFailure("not a URL: \(url)") }
        var req = URLRequest(url: u)
        req.httpMethod = method
        if let body {
            req.httpBody = try body as? Data ?? JSONSerialization.data(withJSONObject: body)
            req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (k, v) in headers { req.setValue(v, forHTTPHeaderField: k) }
        let (data, response) = try await URLSession.shared.data(for: req)
        let http = response as? HTTPURLResponse
        var hs: [String: String] = [:]
        for (k, v) in http?.allHeaderFields ?? [:] { hs[String(describing: k).lowercased()] = String(describing: v) }
        let json = data.isEmpty ? [:] : ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
        return HTTPAnswer(status: http?.statusCode ?? 0, headers: hs, body: json, raw: data)
    }
}

/// A failed test precondition, thrown by helpers (Swift Testing records the thrown error with its text).
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Polls a condition; the bound only keeps a broken build from hanging the suite (never a timing assertion).
public func waitUntil(_ what: String, within seconds: Double = 30, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TestFailure("timed out waiting until \(what)")
}

/// A server a test starts and must stop.
public protocol StoppableHarness: Sendable {
    func stop() async
}

/// Runs `body` with a started harness and stops it afterwards, awaited, also when `body` throws (a
/// `defer { Task { await h.stop() } }` left servers running into the next test).
public func withHarness<H: StoppableHarness, T>(_ harness: H, _ body: (H) async throws -> T) async throws -> T {
    do {
        let result = try await body(harness)
        await harness.stop()
        return result
    } catch {
        await harness.stop()
        throw error
    }
}
