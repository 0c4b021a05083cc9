import CLibvirt
import Foundation
import Logging
import NimbusKernel

/// Real guests through the libvirt C API (`compute_driver = libvirt.LibvirtDriver`). Each instance is a
/// domain named `instance-<uuid>` with the instance's UUID; files live under `[libvirt] instances_path/<uuid>`.
public final class LibvirtDriver: VirtDriver, ConsoleOutputDriver, PausableDriver, SuspendableDriver,
    VNCConsoleDriver
{
    public static let name = "libvirt.LibvirtDriver"
    public static var configOptions: [ConfigOption] { LibvirtSettings.options }

    let settings: LibvirtSettings
    let connection: LibvirtConnection
    let host: String
    let logger: Logger

    public init(context: PluginContext) throws {
        settings = try LibvirtSettings(config: context.config)
        host = context.host ?? ProcessInfo.processInfo.hostName
        logger = context.logger
        connection = LibvirtConnection(uri: settings.uri, logger: context.logger)
    }

    // MARK: helpers (closures run on the connection's libvirt queue)

    static func check(_ rc: Int32, _ what: String, _ instance: InstanceRecord? = nil) throws {
        if rc < 0 { throw LibvirtError.last(what).driverError(instance) }
    }

    /// Looks the instance's domain up by UUID and runs `body` with it.
    func withDomain<T: Sendable>(_ instance: InstanceRecord, _ body: @escaping @Sendable (OpaquePointer, OpaquePointer) throws -> T)
        async throws -> T
    {
        let id = instance.uuid.uuidString.lowercased()
        return try await connection.perform { conn in
            guard let dom = virDomainLookupByUUIDString(conn, id) else {
                throw LibvirtError.last("virDomainLookupByUUIDString").driverError(instance)
            }
            defer { virDomainFree(dom) }
            return try body(conn, dom)
        }
    }

    static func state(_ dom: OpaquePointer) throws -> PowerState {
        var state: Int32 = 0
        var reason: Int32 = 0
        try check(virDomainGetState(dom, &state, &reason, 0), "virDomainGetState")
        return DomainState.powerState(state)
    }

    func instanceDir(_ uuid: UUID) -> String {
        (settings.instancesPath as NSString).appendingPathComponent(uuid.uuidString.lowercased())
    }

    // MARK: VirtDriver

    public func initHost() async throws {
        if !settings.isTestDriver {
            try FileManager.default.createDirectory(atPath: settings.instancesPath, withIntermediateDirectories: true)
        }
        _ = try await connection.perform { conn in virConnectIsAlive(conn) }
    }

    public func hostResources() async throws -> HostResources {
        let test = settings.isTestDriver
        let host = self.host
        let path = settings.isTestDriver ? "/" : settings.instancesPath
        return try await connection.perform { conn in try HostInfo.read(conn, computeHost: host, diskPath: path, test: test) }
    }

    public func spawn(_ request: SpawnRequest) async throws {
        let i = request.instance
        if (try? await withDomain(i) { _, _ in true }) == true { throw VirtDriverError.instanceExists(i.uuid) }
        var guest = GuestConfig(
            domainType: settings.domainType, name: GuestConfig.domainName(i.uuid), uuid: i.uuid, displayName: i.name,
            projectID: i.projectID, flavor: i.flavor, vncListen: settings.vncListen, cpuMode: settings.cpuMode)
        if !settings.isTestDriver {
            let dir = instanceDir(i.uuid)
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            guest.consoleLogPath = (dir as NSString).appendingPathComponent("console.log")
            if let base = request.imagePath {
                guest.diskPath = try await DiskImages.overlay(base: base, in: dir, sizeGB: i.flavor.rootGB)
            }
            guest.kernel = request.imageProperties["kernel"]
            guest.ramdisk = request.imageProperties["ramdisk"]
            guest.commandLine = request.imageProperties["os_command_line"]
        }
        let xml = guest.xml()
        try await connection.perform { conn in
            guard let dom = virDomainDefineXML(conn, xml) else {
                throw VirtDriverError.spawnFailed("\(LibvirtError.last("virDomainDefineXML"))")
            }
            defer { virDomainFree(dom) }
            if virDomainCreate(dom) < 0 {
                let error = LibvirtError.last("virDomainCreate")
                _ = virDomainUndefine(dom)
                throw VirtDriverError.spawnFailed("\(error)")
            }
        }
        logger.info("spawned domain", metadata: ["instance": "\(i.uuid)", "uri": "\(settings.uri)"])
    }

    public func destroy(_ instance: InstanceRecord) async throws {
        do {
            try await withDomain(instance) { _, dom in
                if virDomainIsActive(dom) == 1 { try Self.check(virDomainDestroy(dom), "virDomainDestroy", instance) }
                let flags = VIR_DOMAIN_UNDEFINE_MANAGED_SAVE.rawValue | VIR_DOMAIN_UNDEFINE_NVRAM.rawValue
                if virDomainUndefineFlags(dom, flags) < 0 {
                    virResetLastError()
                    try Self.check(virDomainUndefine(dom), "virDomainUndefine", instance)
                }
            }
        } catch VirtDriverError.instanceNotFound {
            // Already gone: destroy is idempotent, as Nova treats InstanceNotFound here.
        }
        if !settings.isTestDriver { try? FileManager.default.removeItem(atPath: instanceDir(instance.uuid)) }
    }

    public func reboot(_ instance: InstanceRecord, hard: Bool) async throws {
        if !hard {
            let soft = try await withDomain(instance) { _, dom in virDomainReboot(dom, 0) == 0 }
            if soft, try await waitFor(instance, .running) { return }
            logger.info("soft reboot did not complete; rebooting hard", metadata: ["instance": "\(instance.uuid)"])
        }
        try await withDomain(instance) { _, dom in
            if virDomainIsActive(dom) == 1 { try Self.check(virDomainDestroy(dom), "virDomainDestroy", instance) }
            try Self.check(virDomainCreate(dom), "virDomainCreate", instance)
        }
    }

    /// Polls the domain's state (off the cooperative pool: each poll is one queued libvirt call).
    func waitFor(_ instance: InstanceRecord, _ wanted: PowerState) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(settings.shutdownTimeout)
        while ContinuousClock.now < deadline {
            if try await withDomain(instance, { _, dom in try Self.state(dom) }) == wanted { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// Nova's clean shutdown: ACPI first, then destroy when the guest does not stop in time.
    public func powerOff(_ instance: InstanceRecord) async throws {
        let asked = try await withDomain(instance) { _, dom in
            try Self.state(dom) == .shutdown ? false : virDomainShutdown(dom) == 0
        }
        if asked, try await waitFor(instance, .shutdown) { return }
        try await withDomain(instance) { _, dom in
            if virDomainIsActive(dom) == 1 { try Self.check(virDomainDestroy(dom), "virDomainDestroy", instance) }
        }
    }

    public func powerOn(_ instance: InstanceRecord) async throws {
        try await withDomain(instance) { _, dom in
            if virDomainIsActive(dom) != 1 { try Self.check(virDomainCreate(dom), "virDomainCreate", instance) }
        }
    }

    public func pause(_ instance: InstanceRecord) async throws {
        try await withDomain(instance) { _, dom in try Self.check(virDomainSuspend(dom), "virDomainSuspend", instance) }
    }

    public func unpause(_ instance: InstanceRecord) async throws {
        try await withDomain(instance) { _, dom in try Self.check(virDomainResume(dom), "virDomainResume", instance) }
    }

    /// Suspend is a managed save (the guest's memory goes to disk), as Nova's libvirt driver does.
    public func suspend(_ instance: InstanceRecord) async throws {
        try await withDomain(instance) { _, dom in
            try Self.check(virDomainManagedSave(dom, 0), "virDomainManagedSave", instance)
        }
    }

    public func resume(_ instance: InstanceRecord) async throws {
        try await withDomain(instance) { _, dom in try Self.check(virDomainCreate(dom), "virDomainCreate", instance) }
    }

    public func instanceInfo(_ instance: InstanceRecord) async throws -> InstanceInfo {
        try await withDomain(instance) { _, dom in
            var info = virDomainInfo()
            try Self.check(virDomainGetInfo(dom, &info), "virDomainGetInfo", instance)
            return InstanceInfo(powerState: try Self.state(dom), memoryMB: Int(info.memory / 1024),
                                vcpus: Int(info.nrVirtCpu))
        }
    }

    public func listInstances() async throws -> [UUID] {
        try await connection.perform { conn in
            var domains: UnsafeMutablePointer<OpaquePointer?>?
            let n = virConnectListAllDomains(conn, &domains, 0)
            try Self.check(n, "virConnectListAllDomains")
            defer { free(domains) }
            var out: [UUID] = []
            for k in 0..<Int(n) {
                guard let dom = domains?[k] else { continue }
                defer { virDomainFree(dom) }
                guard let name = virDomainGetName(dom), String(cString: name).hasPrefix("instance-") else { continue }
                var buf = [CChar](repeating: 0, count: Int(VIR_UUID_STRING_BUFLEN))
                if virDomainGetUUIDString(dom, &buf) == 0, let id = UUID(uuidString: String(cString: buf)) {
                    out.append(id)
                }
            }
            return out
        }
    }

    public func consoleOutput(_ instance: InstanceRecord) async throws -> String {
        _ = try await withDomain(instance) { _, _ in true }  // unknown instance → instanceNotFound
        let path = (instanceDir(instance.uuid) as NSString).appendingPathComponent("console.log")
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    public func vncConsole(_ instance: InstanceRecord) async throws -> ConsoleAddress {
        let listen = settings.vncListen
        return try await withDomain(instance) { _, dom in
            guard let raw = virDomainGetXMLDesc(dom, 0) else { throw LibvirtError.last("virDomainGetXMLDesc").driverError(instance) }
            defer { free(raw) }
            let xml = String(cString: raw)
            guard let r = xml.range(of: #"<graphics type='vnc' port='(-?\d+)'"#, options: .regularExpression),
                  let port = Int(xml[r].split(separator: "'")[3]), port > 0
            else { throw VirtDriverError.invalidState("the guest has no VNC port (is it running?)") }
            return ConsoleAddress(host: listen, port: port)
        }
    }
}
