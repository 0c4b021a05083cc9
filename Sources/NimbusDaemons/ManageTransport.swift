import ArgumentParser
import Foundation
import NimbusKernel

/// `nimbus manage <transport> <task>`, e.g. `nimbus manage zmq keygen`: tasks the registered transports offer.
struct ManageTransportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zmq", abstract: "Transport administration, e.g. `keygen` for ZeroMQ CURVE keys.")

    @Argument(help: "The task, e.g. keygen.") var task: String
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let rt = try common.runtime(label: "nimbus.manage")
        guard let entry = rt.registry.transports["zmq"] else { throw ValidationError("no zmq transport in this build") }
        guard let command = entry.adminCommands.first(where: { $0.name == task }) else {
            throw ValidationError("unknown task '\(task)'; known: \(entry.adminCommands.map(\.name).joined(separator: ", "))")
        }
        print(try command.run(rt.config))
    }
}
