import Foundation
import NimbusStore
import PostgresNIO

/// `[database] connection = postgresql://user:password@host:port/dbname`, as SQLAlchemy and libpq spell it
/// (`postgres://` too). A unix socket directory goes in `?host=/run/postgresql` (libpq's rule: the socket is
/// `<dir>/.s.PGSQL.<port>`). No TLS yet: a remote database is reached over a trusted network or a tunnel.
public struct PostgresURL: Sendable, Hashable {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    /// The socket file when `?host=` names a directory.
    public var socketPath: String?

    public static func isPostgres(_ connection: String) -> Bool {
        connection.hasPrefix("postgresql://") || connection.hasPrefix("postgres://")
            || connection.hasPrefix("postgresql+") // SQLAlchemy's driver suffix, e.g. postgresql+psycopg2://
    }

    public init(_ text: String) throws {
        guard Self.isPostgres(text), let u = URLComponents(string: Self.plainScheme(text)) else {
            throw StoreError.badConnection(text)
        }
        user = u.user.flatMap { $0.removingPercentEncoding } ?? "nimbus"
        password = u.password?.removingPercentEncoding
        port = u.port ?? 5432
        let db = u.path.hasPrefix("/") ? String(u.path.dropFirst()) : u.path
        guard !db.isEmpty, !db.contains("/"), port > 0, port < 65536 else { throw StoreError.badConnection(text) }
        database = db
        let socketDir = u.queryItems?.first(where: { $0.name == "host" })?.value
        if let socketDir, socketDir.hasPrefix("/") {
            host = socketDir
            socketPath = socketDir + "/.s.PGSQL.\(port)"
        } else {
            host = socketDir ?? u.host ?? "localhost"
            socketPath = nil
        }
    }

    static func plainScheme(_ s: String) -> String {
        guard let r = s.range(of: "://") else { return s }
        return "postgresql" + s[r.lowerBound...]
    }

    var configuration: PostgresClient.Configuration {
        if let socketPath {
            return .init(unixSocketPath: socketPath, username: user, password: password, database: database)
        }
        return .init(host: host, port: port, username: user, password: password, database: database, tls: .disable)
    }
}
