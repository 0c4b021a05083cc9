/// One named check of a conformance suite; a failed check throws `ConformanceFailure`.
public struct ConformanceCheck<Subject: Sendable>: Sendable, CustomStringConvertible {
    public let name: String
    public let run: @Sendable (Subject) async throws -> Void

    public init(_ name: String, _ run: @escaping @Sendable (Subject) async throws -> Void) {
        self.name = name
        self.run = run
    }

    public var description: String { name }
}

public struct ConformanceFailure: Error, CustomStringConvertible {
    public let check: String
    public let message: String

    public var description: String { "\(check): \(message)" }
}

func require(_ condition: Bool, _ check: String, _ message: @autoclosure () -> String) throws {
    if !condition { throw ConformanceFailure(check: check, message: message()) }
}
