import Foundation
import Logging
import NimbusKernel

/// A simulated hypervisor (Nova's `fake.FakeDriver`): one instance per compute host, any number of hosts per
/// process. Sizes come from `[fake]` (and per-host `[fake:<host>]`) options; faults can be injected
/// (`fail_spawn_hosts`, `spawn_latency_ms`) so reschedules and errors can be shown.
public actor FakeDriver: VirtDriver, ConsoleOutputDriver, PausableDriver, SuspendableDriver, VNCConsoleDriver,
    SerialConsoleDriver, LifecycleEventDriver, ImageFileDriver
{
    public static let name = "fake.FakeDriver"
    public static let configOptions: [ConfigOption] = FakeOptions.all

    struct Guest {
        var instance: InstanceRecord
        var state: PowerState
        var console: [String]
    }

    let host: String
    var resources: HostResources
    let failSpawn: Bool
    let failSnapshot: Bool
    let latency: Duration
    /// `[fake] fetch_images`.
    public nonisolated let needsImageFiles: Bool
    let logger: Logger
    var guests: [UUID: Guest] = [:]
    /// Live migrations in flight on this source, and what was asked of them (FakeDriver+LiveMigration).
    var liveJobs: [UUID: LiveJob] = [:]
    let liveMigrationTime: Duration
    let consoleServers = FakeConsoleServers()
    nonisolated let events: (stream: AsyncStream<LifecycleEvent>, continuation: AsyncStream<LifecycleEvent>.Continuation)

    public init(context: PluginContext) throws {
        let host = context.host ?? "fake-host"
        let c = context.config
        // Per-host sections ([fake:host1] vcpus = 4) override the shared [fake] values.
        func int(_ option: TypedOption<Int>) throws -> Int { try option.read(c, instance: host) }
        self.host = host
        self.resources = HostResources(
            hypervisorHostname: host, vcpus: try int(FakeOptions.vcpus), memoryMB: try int(FakeOptions.memoryMB),
            localGB: try int(FakeOptions.localGB), hypervisorType: "fake",
            hypervisorVersion: try int(FakeOptions.hypervisorVersion), hostIP: "127.0.0.1",
            cpuInfo: #"{"arch": "x86_64", "model": "fake", "vendor": "Nimbus"}"#,
            supportedInstances: [["x86_64", "fake", "hvm"], ["i686", "fake", "hvm"]])
        try FakeInventory.apply(to: &self.resources, config: c, host: host)
        self.failSpawn = (FakeOptions.failSpawnHosts.read(c) ?? []).contains(host)
        self.failSnapshot = (FakeOptions.failSnapshotHosts.read(c) ?? []).contains(host)
        self.latency = .milliseconds(try int(FakeOptions.spawnLatencyMS))
        self.liveMigrationTime = .milliseconds(try int(FakeOptions.liveMigrationMS))
        self.needsImageFiles = try FakeOptions.fetchImages.read(c)
        self.logger = context.logger
        self.events = AsyncStream.makeStream(of: LifecycleEvent.self, bufferingPolicy: .bufferingNewest(1000))
    }

    public nonisolated func lifecycleEvents() -> AsyncStream<LifecycleEvent> { events.stream }

    /// The refining protocols it conforms to, plus the image formats it accepts (it reads no image, so any).
    public nonisolated var capabilities: DriverCapabilities {
        var c = DriverCapabilities.conformances(of: self)
        c.supported.formUnion([.imageTypeRaw, .imageTypeQcow2, .imageTypeISO, .imageTypeAKI, .imageTypeARI,
                               .imageTypeAMI])
        return c
    }

    /// Simulates the guest changing state by itself (shut down from inside, crashed), as a hypervisor
    /// would report: the state changes and a lifecycle event is emitted.
    public func simulate(_ instance: UUID, becomes state: PowerState) throws {
        guard var g = guests[instance] else { throw VirtDriverError.instanceNotFound(instance) }
        g.state = state
        g.console.append("[simulated] guest is now \(state)")
        guests[instance] = g
        events.continuation.yield(LifecycleEvent(instanceUUID: instance, powerState: state))
    }

    public func initHost() async throws {}

    public func hostResources() async throws -> HostResources { resources }

    public func spawn(_ request: SpawnRequest) async throws {
        let id = request.instance.uuid
        if latency > .zero { try await Task.sleep(for: latency) }
        if failSpawn { throw VirtDriverError.spawnFailed("fault injected: [fake] fail_spawn_hosts includes \(host)") }
        guard guests[id] == nil else { throw VirtDriverError.instanceExists(id) }
        var boot = [
            "Nimbus fake hypervisor \(host)",
            "Booting \(request.instance.name) (\(id.uuidString.lowercased())) from image \(request.instance.imageRef)",
        ]
        if let path = request.imagePath {
            // Proves the bytes arrived: a real hypervisor would read them.
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
            guard let size else { throw VirtDriverError.spawnFailed("image file \(path) is missing") }
            boot.append("Image file: \(size) bytes")
        }
        if let drive = request.configDrivePath {
            // Recorded where the tests can read it (console output): a real hypervisor would attach the file.
            let size = (try? FileManager.default.attributesOfItem(atPath: drive)[.size] as? NSNumber)?.intValue
            guard let size else { throw VirtDriverError.spawnFailed("config drive \(drive) is missing") }
            boot.append("Config drive: \(drive) (\(size) bytes)")
        }
        boot.append("\(request.instance.name) login:")
        guests[id] = Guest(instance: request.instance, state: .running, console: boot)
    }

    private func guest(_ instance: InstanceRecord) throws -> Guest {
        guard let g = guests[instance.uuid] else { throw VirtDriverError.instanceNotFound(instance.uuid) }
        return g
    }

    private func set(_ instance: InstanceRecord, _ state: PowerState, log line: String) throws {
        var g = try guest(instance)
        g.state = state
        g.console.append(line)
        guests[instance.uuid] = g
    }

    public func destroy(_ instance: InstanceRecord) async throws {
        guests[instance.uuid] = nil
        await consoleServers.close(instance.uuid)
    }

    public func reboot(_ instance: InstanceRecord, hard: Bool) async throws {
        try set(instance, .running, log: hard ? "reset (hard reboot)" : "reboot: Restarting system")
    }

    public func powerOff(_ instance: InstanceRecord) async throws { try set(instance, .shutdown, log: "reboot: Power down") }
    public func powerOn(_ instance: InstanceRecord) async throws { try set(instance, .running, log: "Booting (power on)") }
    public func pause(_ instance: InstanceRecord) async throws {
        guard try guest(instance).state == .running else { throw VirtDriverError.invalidState("pause needs a running guest") }
        try set(instance, .paused, log: "paused")
    }
    public func unpause(_ instance: InstanceRecord) async throws { try set(instance, .running, log: "unpaused") }
    public func suspend(_ instance: InstanceRecord) async throws { try set(instance, .suspended, log: "PM: suspend entry") }
    public func resume(_ instance: InstanceRecord) async throws { try set(instance, .running, log: "PM: resume") }

    public func instanceInfo(_ instance: InstanceRecord) async throws -> InstanceInfo {
        let g = try guest(instance)
        return InstanceInfo(powerState: g.state, memoryMB: g.instance.flavor.memoryMB, vcpus: g.instance.flavor.vcpus)
    }

    public func listInstances() async throws -> [UUID] { Array(guests.keys) }

    public func consoleOutput(_ instance: InstanceRecord) async throws -> String {
        // Like Nova's fake ("FAKE CONSOLE OUTPUT\nANOTHER\nLAST LINE"): no newline after the last line, so a
        // `length` of N returns N lines.
        try guest(instance).console.joined(separator: "\n")
    }

    public func vncConsole(_ instance: InstanceRecord) async throws -> ConsoleAddress {
        _ = try guest(instance)
        return ConsoleAddress(host: "127.0.0.1", port: try await consoleServers.port(instance.uuid, .vnc, name: instance.name))
    }

    public func serialConsole(_ instance: InstanceRecord) async throws -> ConsoleAddress {
        _ = try guest(instance)
        return ConsoleAddress(host: "127.0.0.1", port: try await consoleServers.port(instance.uuid, .serial, name: instance.name))
    }
}
