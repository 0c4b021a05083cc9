import Foundation

/// What a driver says about one guest (Nova's `InstanceInfo`).
public struct InstanceInfo: Codable, Sendable, Hashable {
    public var powerState: PowerState
    public var memoryMB: Int
    public var vcpus: Int

    public init(powerState: PowerState, memoryMB: Int = 0, vcpus: Int = 0) {
        self.powerState = powerState
        self.memoryMB = memoryMB
        self.vcpus = vcpus
    }
}

/// Errors every driver reports in the same terms, so the compute manager can map them.
public enum VirtDriverError: Error, Sendable, Hashable, CustomStringConvertible {
    case instanceNotFound(UUID)
    case instanceExists(UUID)
    case spawnFailed(String)
    case invalidState(String)
    case unsupported(String)
    case hypervisor(code: Int, message: String)

    public var description: String {
        switch self {
        case .instanceNotFound(let id): "Instance \(id.uuidString.lowercased()) could not be found."
        case .instanceExists(let id): "Instance \(id.uuidString.lowercased()) already exists."
        case .spawnFailed(let why): "Build of instance failed: \(why)"
        case .invalidState(let why): "Invalid instance state: \(why)"
        case .unsupported(let what): "Driver does not support \(what)."
        case .hypervisor(let code, let message): "Hypervisor error \(code): \(message)"
        }
    }
}

/// Everything a driver needs to build a guest.
public struct SpawnRequest: Codable, Sendable, Hashable {
    public var instance: InstanceRecord
    /// Local path of the image bytes, fetched by the compute for drivers that ask for them (`ImageFileDriver`).
    public var imagePath: String?
    /// Local paths of the images the image's `kernel_id` / `ramdisk_id` properties name (direct kernel boot).
    /// Never taken from a property value: those are user input.
    public var kernelPath: String?
    public var ramdiskPath: String?
    public var imageProperties: [String: String]
    /// The config drive the compute built (an ISO 9660 image labelled config-2), to attach as a read-only cdrom.
    public var configDrivePath: String?
    /// The instance's ports as the network backend plugged them: a NIC each, on its bridge, with its MAC.
    public var vifs: [PluggedVIF]

    public init(instance: InstanceRecord, imagePath: String? = nil, kernelPath: String? = nil,
                ramdiskPath: String? = nil, imageProperties: [String: String] = [:], configDrivePath: String? = nil,
                vifs: [PluggedVIF] = []) {
        self.instance = instance
        self.configDrivePath = configDrivePath
        self.imagePath = imagePath
        self.kernelPath = kernelPath
        self.ramdiskPath = ramdiskPath
        self.imageProperties = imageProperties
        self.vifs = vifs
    }
}

/// A hypervisor driver's small required core. Optional features are refining protocols
/// (`ConsoleOutputDriver`, `PausableDriver`, …) the compute checks with `as? any …`; `capabilities`
/// declares them (and Nova's other `supports_*` keys) so the API can refuse an action up front.
public protocol VirtDriver: Sendable {
    /// The `compute_driver` value that selects this driver, e.g. `fake.FakeDriver`.
    static var name: String { get }
    static var configOptions: [ConfigOption] { get }
    /// What this driver supports (Nova's `driver.capabilities`). The default is what its refining-protocol
    /// conformances give; a driver adds Nova's other keys (image types, …). Reported with the node's
    /// resources; `VirtDriverConformance` checks it agrees with the conformances.
    var capabilities: DriverCapabilities { get }
    /// `context.host` is the compute host this instance of the driver serves.
    init(context: PluginContext) throws
    func initHost() async throws
    func hostResources() async throws -> HostResources
    func spawn(_ request: SpawnRequest) async throws
    func destroy(_ instance: InstanceRecord) async throws
    func reboot(_ instance: InstanceRecord, hard: Bool) async throws
    func powerOff(_ instance: InstanceRecord) async throws
    func powerOn(_ instance: InstanceRecord) async throws
    func instanceInfo(_ instance: InstanceRecord) async throws -> InstanceInfo
    func listInstances() async throws -> [UUID]
}

extension VirtDriver {
    public static var configOptions: [ConfigOption] { [] }
    public var capabilities: DriverCapabilities { .conformances(of: self) }
}

/// A driver that boots from image bytes on local disk: before `spawn` the compute fetches the image (and the
/// kernel and ramdisk its properties name) into its image cache and passes the paths in the `SpawnRequest`.
public protocol ImageFileDriver: VirtDriver {
    /// False when this configuration needs no bytes (e.g. libvirt's `test:///` hypervisor).
    var needsImageFiles: Bool { get }
}

public protocol ConsoleOutputDriver: VirtDriver {
    func consoleOutput(_ instance: InstanceRecord) async throws -> String
}

/// Nova's `get_host_uptime`: what the host's `uptime` command prints (only libvirt in Nova says; the fake
/// driver does not, so the API answers 501 for it, as Nova does).
public protocol HostUptimeDriver: VirtDriver {
    func hostUptime() async throws -> String
}

public protocol PausableDriver: VirtDriver {
    func pause(_ instance: InstanceRecord) async throws
    func unpause(_ instance: InstanceRecord) async throws
}

public protocol SuspendableDriver: VirtDriver {
    func suspend(_ instance: InstanceRecord) async throws
    func resume(_ instance: InstanceRecord) async throws
}

/// Where a guest's console server listens (Nova's `ConsoleVNC` / `ConsoleSerial`).
public struct ConsoleAddress: Codable, Sendable, Hashable {
    public var host: String
    public var port: Int
    /// When set, the proxy sends `CONNECT <path> HTTP/1.1` first and needs a 200 (Nova's fake driver sets it).
    public var internalAccessPath: String?
    public init(host: String, port: Int, internalAccessPath: String? = nil) {
        self.host = host
        self.port = port
        self.internalAccessPath = internalAccessPath
    }
}

public protocol VNCConsoleDriver: VirtDriver {
    func vncConsole(_ instance: InstanceRecord) async throws -> ConsoleAddress
}

/// A guest serial port reachable over TCP (libvirt `<serial type='tcp'>`), for `get_serial_console`.
public protocol SerialConsoleDriver: VirtDriver {
    func serialConsole(_ instance: InstanceRecord) async throws -> ConsoleAddress
}

/// A power-state change the hypervisor noticed by itself (libvirt lifecycle events).
public struct LifecycleEvent: Sendable, Hashable {
    public var instanceUUID: UUID
    public var powerState: PowerState
    public init(instanceUUID: UUID, powerState: PowerState) {
        self.instanceUUID = instanceUUID
        self.powerState = powerState
    }
}

public protocol LifecycleEventDriver: VirtDriver {
    func lifecycleEvents() -> AsyncStream<LifecycleEvent>
}
