import Foundation

/// PostgreSQL for tests (scripts/test-postgres.sh): one cluster per test process, started on first use in a
/// temporary directory, reachable only through its unix socket, stopped and removed when the process exits.
/// Each test takes a database of its own from it.
public enum TestPostgres {
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    struct Cluster: Sendable {
        var directory: String
        var port: Int
    }

    static let cluster: Result<Cluster, Failure> = {
        // Short: a unix socket path is limited to 107 bytes.
        let c = Cluster(directory: "/tmp/npg-" + UUID().uuidString.prefix(8).lowercased(),
                        port: Int.random(in: 20000...60000))
        let (rc, out) = RealQEMU.sh("test-postgres.sh", ["start", c.directory, String(c.port)])
        guard rc == 0 else {
            _ = RealQEMU.sh("test-postgres.sh", ["stop", c.directory])
            return .failure(Failure(message: "cannot start PostgreSQL: \(out)"))
        }
        atexit { TestPostgres.stopCluster() }
        return .success(c)
    }()

    static func stopCluster() {
        if case .success(let c) = cluster { _ = RealQEMU.sh("test-postgres.sh", ["stop", c.directory]) }
    }

    /// A new, empty database's `[database] connection` URL
    /// (`postgresql://nimbus@localhost:PORT/NAME?host=DIR`, the socket directory as libpq spells it).
    public static func newDatabase() async throws -> String {
        try await offPool { try newDatabaseBlocking() }
    }

    static func newDatabaseBlocking() throws -> String {
        let c = try cluster.get()
        let name = "t" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let (rc, out) = RealQEMU.sh("test-postgres.sh", ["createdb", c.directory, String(c.port), name])
        guard rc == 0 else { throw Failure(message: "createdb \(name): \(out)") }
        return "postgresql://nimbus@localhost:\(c.port)/\(name)?host=\(c.directory)"
    }
}
