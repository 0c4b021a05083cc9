import ArgumentParser
import NimbusStore
import NimbusStorePostgres

extension ManageCommand.DB {
    /// `nova-manage db version`: the last migration applied, on either engine.
    struct Version: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the database schema version.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let runtime = try common.runtime(label: "nimbus.manage")
            if let url = runtime.postgresConnection {
                let store = try PostgresStore(url: url, logger: runtime.logger)
                defer { store.close() }
                print(try await store.appliedMigrations().last ?? "empty")
            } else {
                print(try runtime.openStore(migrate: false).appliedMigrations().last ?? "empty")
            }
        }
    }
}
