import ArgumentParser
import Foundation
import NimbusKernel
import NimbusStore
import NimbusStorePostgres

struct ManageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manage", abstract: "Administration (nova-manage).",
        subcommands: [DB.self, ServiceCmd.self, ManageTransportCommand.self, ManageSchedulerCommand.self,
                      ManageBootstrapCommand.self, ManageAuditCommand.self, ManageConfigCommand.self])

    struct DB: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "db", subcommands: [Sync.self, Version.self])

        struct Sync: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema.")
            @OptionGroup var common: CommonOptions

            func run() async throws {
                let runtime = try common.runtime(label: "nimbus.manage")
                if let url = runtime.postgresConnection {
                    let store = try PostgresStore(url: url, logger: runtime.logger)
                    defer { store.close() }
                    let applied = try await store.migrate()
                    print(applied.isEmpty ? "Database is up to date (\(try await store.appliedMigrations().last ?? "empty"))."
                          : "Applied \(applied.joined(separator: ", ")).")
                    return
                }
                let store = try runtime.openStore(migrate: false)
                let applied = try store.migrate()
                print(applied.isEmpty ? "Database \(store.path) is up to date (\(try store.appliedMigrations().last ?? "empty"))."
                      : "Applied \(applied.joined(separator: ", ")) to \(store.path).")
            }
        }
    }

    struct ServiceCmd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "service", subcommands: [List.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List services with their up/down state.")
            @OptionGroup var common: CommonOptions

            func run() async throws {
                let runtime = try common.runtime(label: "nimbus.manage")
                let store = try runtime.openStore(migrate: false)
                let timing = try ServiceTiming(config: runtime.config)
                let rows = try await store.services()
                print(pad(["Binary", "Host", "Zone", "Status", "State", "Updated At"]))
                for s in rows {
                    let state = s.isUp(serviceDownTime: timing.serviceDownTime) ? ":-)" : "XXX"
                    print(pad([s.binary, s.host, s.binary == "nova-compute" ? "nova" : "internal",
                               s.disabled ? "disabled" : "enabled", state,
                               (s.lastSeenUp ?? s.createdAt).formatted(.iso8601)]))
                }
            }

            func pad(_ cols: [String]) -> String {
                zip(cols, [18, 24, 10, 10, 6, 24]).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                    .joined(separator: " ")
            }
        }
    }
}
