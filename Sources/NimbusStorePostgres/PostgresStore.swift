import Foundation
import Logging
import NimbusStore
import PostgresNIO

/// The PostgreSQL engine of the store, for several controllers sharing one database. postgres-nio's pool
/// runs on SwiftNIO event loops; nothing here blocks the cooperative pool. So far it implements the claims
/// area (`ClaimStore`); the other areas follow the same shape.
public final class PostgresStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    /// Where the database is, for error messages (no password).
    let location: String
    /// The pool's background task (`PostgresClient.run()`), cancelled by `close()`.
    private let runner: Task<Void, Never>

    public init(url: String, logger: Logger = Logger(label: "nimbus.store.postgres")) throws {
        let parsed = try PostgresURL(url)
        location = "\(parsed.user)@\(parsed.socketPath ?? "\(parsed.host):\(parsed.port)")/\(parsed.database)"
        // The pool's own warnings include one for every lease made before run() has started (each first
        // call); failures reach callers as errors anyway.
        var background = logger
        background.logLevel = .error
        let client = PostgresClient(configuration: parsed.configuration, backgroundLogger: background)
        self.client = client
        self.logger = logger
        runner = Task { await client.run() }
    }

    /// Stops the pool: open connections close, later calls fail.
    public func close() { runner.cancel() }

    deinit { runner.cancel() }

    /// Runs `body` in a transaction, again (up to 5 times) when PostgreSQL aborts it for a serialization
    /// failure or a deadlock: both mean "another worker won; re-read and decide again".
    func transaction<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await client.withTransaction(logger: logger) { conn in try await body(conn) }
            } catch let e as PostgresTransactionError where attempt < 4 && Self.isRetryable(e) {
                attempt += 1
                try await Task.sleep(for: .milliseconds(Double(attempt) * Double.random(in: 1...5)))
            } catch let e as PostgresTransactionError {
                // The caller's own error (generation conflict, not found) is what it should see.
                if let inner = e.closureError { throw inner }
                throw e
            }
        }
    }

    /// postgres-nio hides the server's message from `description` (it may hold data); an operator running
    /// `db sync` needs it, so it is surfaced (SQLSTATE and message, never the query's values).
    func readable(_ error: any Error) -> any Error {
        let e = (error as? PostgresTransactionError).flatMap { $0.closureError ?? $0.commitError ?? $0.beginError } ?? error
        if e is StoreError { return e }
        guard let p = e as? PSQLError else { return StoreError.conflict("cannot use PostgreSQL at \(location): \(e)") }
        if let info = p.serverInfo {
            return StoreError.conflict("PostgreSQL error \(info[.sqlState] ?? "?"): \(info[.message] ?? "")")
        }
        return StoreError.conflict("PostgreSQL: \(p.code)")
    }

    static func isRetryable(_ e: PostgresTransactionError) -> Bool {
        let code = [e.closureError, e.commitError].compactMap { ($0 as? PSQLError)?.serverInfo?[.sqlState] }.first
        return code == PostgresError.Code.serializationFailure.raw || code == PostgresError.Code.deadlockDetected.raw
    }
}
