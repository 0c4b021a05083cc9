import ArgumentParser
import Foundation
import Logging
import NimbusKernel
import Synchronization

/// The public entry point for `nimbus` binaries: the stock one passes `.builtin()`, a custom build adds its
/// own plugins: `await Nimbus.main(registry: .builtin().registering(filter: RackFilter.self))`.
public enum Nimbus {
    private static let current = Mutex(PluginRegistry())

    /// The registry the commands build daemons from (set once by `main`).
    public static var registry: PluginRegistry { current.withLock { $0 } }

    public static func main(registry: PluginRegistry, arguments: [String]? = nil) async {
        current.withLock { $0 = registry }
        DaemonLogLevel.current.withLock {
            $0 = ProcessInfo.processInfo.environment["NIMBUS_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        }
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = DaemonLogLevel.current.withLock { $0 }
            return h
        }
        PrometheusMetrics.bootstrap()
        await NimbusCommand.main(arguments)
    }
}

struct NimbusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nimbus",
        abstract: "Nimbus: an OpenStack Nova-compatible compute controller.",
        subcommands: [AllInOneCommand.self, APICommand.self, SchedulerCommand.self, ConductorCommand.self,
                      ComputeCommand.self, NoVNCProxyCommand.self, SerialProxyCommand.self, MetadataCommand.self, ManageCommand.self,
                      BenchCommand.self])
}

/// Options every subcommand takes, as Nova's services do.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("config-file"), help: "A nova.conf-style file; repeatable, later files override earlier ones.")
    var configFiles: [String] = []

    @Option(name: .customLong("set"), help: "Override one option: --set section.option=value (repeatable).")
    var overrides: [String] = []

    func runtime(label: String) throws -> NimbusRuntime {
        var values: [String: String] = [:]
        for o in overrides {
            guard let eq = o.firstIndex(of: "=") else {
                throw ValidationError("--set expects section.option=value, got '\(o)'")
            }
            values[String(o[..<eq])] = String(o[o.index(after: eq)...])
        }
        let logger = Logger(label: label)
        OpenFileLimit.raiseToHard(logger: logger)
        return try NimbusRuntime(registry: Nimbus.registry, configFiles: configFiles, overrides: values, logger: logger)
    }
}
