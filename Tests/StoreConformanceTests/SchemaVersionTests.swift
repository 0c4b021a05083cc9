import Foundation
import NimbusKernelTestKit
import NimbusStore
import NimbusStorePostgres
import Testing

/// Both engines name their schema by the same migration identifiers (`nimbus manage db version`).
@Suite struct SchemaVersionTests {
    @Test func postgresMigrationsAreSQLiteOnesAndApplyOnceUnderConcurrency() async throws {
        let url = try await TestPostgres.newDatabase()
        let a = try PostgresStore(url: url), b = try PostgresStore(url: url)
        defer { a.close(); b.close() }
        // Two processes running `db sync` at once: each migration is applied by exactly one.
        async let fromA = a.migrate()
        async let fromB = b.migrate()
        let (ra, rb) = try await (fromA, fromB)
        let applied = try await a.appliedMigrations()
        #expect((ra + rb).sorted() == applied)
        #expect(try await b.migrate().isEmpty)
        let sqlite = try NimbusStore(path: NSTemporaryDirectory() + "nimbus-schema-\(UUID().uuidString)/n.sqlite")
        try sqlite.migrate()
        #expect(Set(applied).isSubset(of: Set(try sqlite.appliedMigrations())))
        #expect(applied.first == "001_initial")
    }

    @Test func connectionURLs() throws {
        let tcp = try PostgresURL("postgresql://nova:s%40cret@db.example.net:5433/nimbus")
        #expect(tcp.user == "nova" && tcp.password == "s@cret" && tcp.host == "db.example.net" && tcp.port == 5433)
        #expect(tcp.database == "nimbus" && tcp.socketPath == nil)
        let sock = try PostgresURL("postgresql+psycopg2://nimbus@localhost/nimbus?host=/run/postgresql")
        #expect(sock.socketPath == "/run/postgresql/.s.PGSQL.5432")
        for bad in ["sqlite:///x", "postgresql://h", "postgresql://h/", "postgresql://h/a/b", "mysql://h/db"] {
            #expect(throws: StoreError.self) { try PostgresURL(bad) }
        }
    }
}
