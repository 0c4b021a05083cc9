import ArgumentParser
import Foundation
import Logging
import NimbusCompute
import NimbusKernel
import ServiceLifecycle
import Synchronization

/// `nimbus compute --simulate N`: N fake compute services in one process, each a whole `nova-compute` as far
/// as the controller can tell — its own service record and node (`<host>-<i>`), its own transport (a ZeroMQ
/// identity and bound endpoint, and with CURVE its own keypair), its own heartbeats, resource reports and
/// build handling. It exists to measure a controller against thousands of computes on one machine.
struct ComputeSimulator: Service {
    /// Enough for the scale target (10,000) with room; each host costs a transport (threads, descriptors).
    static let maxHosts = 20_000

    let runtime: NimbusRuntime
    let count: Int
    /// Start one host every `stagger`: spreads registrations and, with it, heartbeats over report_interval.
    let stagger: Duration

    var hosts: [String] { (1...count).map { "\(runtime.host)-\($0)" } }

    /// With ZeroMQ + CURVE each simulated host has its own keypair under `$state_path/zmq/simulated/`, created
    /// when missing; the controller must allow them. Returns the config each host runs with.
    /// (The option names are the ZeroMQ plugin's: the kernel has no per-identity notion of key files.)
    func config(for host: String) throws -> NimbusConfig {
        guard CoreOptions.transportURL.read(runtime.config).hasPrefix("zmq") else { return runtime.config }
        let dir = (runtime.statePath as NSString).appendingPathComponent("zmq/simulated")
        // A compute needs few sockets: libzmq's default keeps each host's context small (its slot table is
        // sized by ZMQ_MAX_SOCKETS, and there are thousands of contexts here).
        var values = ["zmq.max_sockets": "1023"]
        if usesCurve {
            values["zmq.curve_secret_key_file"] = "\(dir)/\(host).key"
            values["zmq.curve_public_key_file"] = "\(dir)/\(host).pub"
        }
        let config = try runtime.config.overriding(values, source: "compute simulator (\(host))")
        if usesCurve, !FileManager.default.fileExists(atPath: "\(dir)/\(host).key") {
            guard let keygen = runtime.registry.transports["zmq"]?.adminCommands.first(where: { $0.name == "keygen" })
            else { throw ValidationError("this build's zmq transport cannot generate keys") }
            _ = try keygen.run(config)
        }
        return config
    }

    /// Whether the ZeroMQ plugin's `curve_enabled` is on, read through the plugin's own declaration.
    static func usesCurve(_ config: NimbusConfig, _ registry: PluginRegistry) -> Bool {
        guard CoreOptions.transportURL.read(config).hasPrefix("zmq"),
              let option = registry.transports["zmq"]?.options.first(where: { $0.name == "curve_enabled" }) else { return false }
        return ["true", "1", "yes", "on"].contains((config.rawValue(of: option) ?? option.defaultValue ?? "").lowercased())
    }

    var usesCurve: Bool { Self.usesCurve(runtime.config, runtime.registry) }

    /// Every simulated host's public key, one per line (for the controller's `curve_allowed_clients_file`).
    func publicKeys() throws -> String {
        let dir = (runtime.statePath as NSString).appendingPathComponent("zmq/simulated")
        return try hosts.map { host in
            _ = try config(for: host)
            let text = try String(contentsOfFile: "\(dir)/\(host).pub", encoding: .utf8)
            return text.trimmingCharacters(in: .whitespacesAndNewlines) + " " + host
        }.joined(separator: "\n")
    }

    func run() async throws {
        var quiet = runtime.logger
        // Thousands of hosts logging each heartbeat would drown the log; warnings still come through.
        if quiet.logLevel < .warning { quiet.logLevel = .warning }
        runtime.logger.info("starting simulated computes",
                            metadata: ["count": "\(count)", "first": "\(runtime.host)-1", "curve": "\(usesCurve)"])
        let groups = Mutex<[ServiceGroup]>([])
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { tasks in
                for host in hosts {
                    if Task.isCancelled || Task.isShuttingDownGracefully { break }
                    let group = try await startHost(host, logger: quiet)
                    groups.withLock { $0.append(group) }
                    tasks.addTask { try await group.run() }
                    try? await Task.sleep(for: stagger)
                }
                runtime.logger.info("simulated computes started", metadata: ["count": "\(groups.withLock { $0.count })"])
            }
        } onGracefulShutdown: {
            for group in groups.withLock({ $0 }) { Task { await group.triggerGracefulShutdown() } }
        }
    }

    private func startHost(_ host: String, logger: Logger) async throws -> ServiceGroup {
        let config = try config(for: host)
        let transport = try runtime.registry.makeTransport(url: CoreOptions.transportURL.read(config),
                                                           context: PluginContext(config: config, logger: logger))
        let addressed = transport as? any AddressedTransport
        let endpoint = try await addressed?.bind()
        let service = try ComputeService(host: host, registry: runtime.registry, transport: transport, config: config,
                                         logger: logger, rpcEndpoint: endpoint, rpcPublicKey: addressed?.publicKey)
        return ServiceGroup(configuration: .init(services: [.init(service: TransportShutdown(transport: transport)),
                                                            .init(service: service)], logger: logger))
    }
}
