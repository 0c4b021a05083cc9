import Foundation
import NimbusRPC
import Testing

/// Nova's object-fingerprint test, for RPC methods: a checked-in JSON fixture per method holds the wire form
/// of its arguments and reply (built from `Samples`). Today's types must encode to it and decode from it.
/// `NIMBUS_UPDATE_FIXTURES=1` rewrites fixtures, but refuses a changed shape unless the method's `since` or
/// the API version was bumped (`NIMBUS_UPDATE_FIXTURES=force` overrides, for a change that is not a wire change).
enum GoldenFixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static var updateMode: String? { ProcessInfo.processInfo.environment["NIMBUS_UPDATE_FIXTURES"] }

    /// The fixture document for `method` from today's types and samples.
    static func document<API, A, R>(_ m: RPCMethod<API, A, R>, args: A, reply: R) throws -> WireJSON {
        .object([
            "api": .string(API.name), "api_version": .string(API.version.description), "method": .string(m.name),
            "kind": .string(m.kind.rawValue), "since": .string(m.since.description),
            "args": try WireJSON.parse(Envelope.encodeBody(args)),
            "reply": try WireJSON.parse(Envelope.encodeBody(reply)),
        ])
    }

    /// Checks one method against its fixture; every failure names the method and what changed.
    static func check<API, A, R>(_ m: RPCMethod<API, A, R>, args: A, reply: R, in directory: URL = directory,
                                 update: String? = updateMode,
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        let id = "\(API.name).\(m.name)"
        let current = try document(m, args: args, reply: reply)
        let file = directory.appendingPathComponent(API.name).appendingPathComponent(m.name + ".json")
        let stored = try? WireJSON.parse(Data(contentsOf: file))
        if let mode = update, stored != current {
            if let stored, mode != "force", !bumped(stored, current), shapeChanged(stored, current) {
                Issue.record("""
                    \(id): refusing to rewrite the fixture: its wire shape changed but neither `since` \
                    (\(m.since)) nor the \(API.name) API version (\(API.version)) was bumped: \
                    \(current.differences(from: stored).joined(separator: "; "))
                    """, sourceLocation: sourceLocation)
                return
            }
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try current.canonical().write(to: file)
            return
        }
        guard let stored else {
            Issue.record("\(id): no fixture at \(file.path); create it with NIMBUS_UPDATE_FIXTURES=1",
                         sourceLocation: sourceLocation)
            return
        }
        if stored != current {
            let why = bumped(stored, current)
                ? "the version was bumped; regenerate the fixture with NIMBUS_UPDATE_FIXTURES=1"
                : "the wire form changed without a version bump: bump `since` (and the \(API.name) API version) "
                    + "or restore the type"
            Issue.record("\(id): \(why): \(current.differences(from: stored).joined(separator: "; "))",
                         sourceLocation: sourceLocation)
        }
        // Today's types decode the stored form and encode it back unchanged (nothing dropped or renamed).
        roundTrip(A.self, stored["args"], "\(id) args", sourceLocation)
        roundTrip(R.self, stored["reply"], "\(id) reply", sourceLocation)
    }

    static func roundTrip<T: Codable>(_: T.Type, _ json: WireJSON?, _ what: String, _ sourceLocation: SourceLocation) {
        guard let json else {
            Issue.record("\(what): missing from the fixture", sourceLocation: sourceLocation)
            return
        }
        do {
            let again = try WireJSON.parse(Envelope.encodeBody(try Envelope.decodeBody(T.self, from: json.data)))
            if again != json {
                let diff = again.differences(from: json).joined(separator: "; ")
                Issue.record("\(what): the fixture does not survive a decode/encode round trip: \(diff)",
                             sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("\(what): the fixture no longer decodes as \(T.self): \(error)", sourceLocation: sourceLocation)
        }
    }

    static func bumped(_ stored: WireJSON, _ current: WireJSON) -> Bool {
        stored["since"] != current["since"] || stored["api_version"] != current["api_version"]
    }

    static func shapeChanged(_ stored: WireJSON, _ current: WireJSON) -> Bool {
        stored["args"]?.shape() != current["args"]?.shape() || stored["reply"]?.shape() != current["reply"]?.shape()
    }
}
