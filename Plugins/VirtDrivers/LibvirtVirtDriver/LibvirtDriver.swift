import CLibvirt
import Foundation
import Logging
import NimbusKernel

/// Real guests through the libvirt C API (`compute_driver = libvirt.LibvirtDriver`). Each instance is a
/// domain named `instance-<uuid>` with the instance's UUID; files live under `[libvirt] instances_path/<uuid>`.
public final class LibvirtDriver: VirtDriver, ConsoleOutputDriver, PausableDriver, SuspendableDriver, SerialConsoleDriver,
    VNCConsoleDriver, LifecycleEventDriver, ImageFileDriver
{
    public static let name = "libvirt.LibvirtDriver"
    public static var configOptions: [ConfigOption] { LibvirtSettings.options }

    let settings: LibvirtSettings
    let connection: LibvirtConnection
    let events = LifecycleEventHub()
    let host: String
    let logger: Logger

    /// The refining protocols it conforms to, plus the image formats it boots: raw and qcow2 bases
    /// (`DiskImages`), aki/ari/ami for direct kernel boot. Nova's libvirt driver also claims iso (a CD-ROM
    /// guest), which Nimbus does not build.
    public var capabilities: DriverCapabilities {
        var c = DriverCapabilities.conformances(of: self)
        c.supported.formUnion([.imageTypeRaw, .imageTypeQcow2, .imageTypeAKI, .imageTypeARI, .imageTypeAMI])
        return c
    }

    public init(context: PluginContext) throws {
        settings = try LibvirtSettings(config: context.config)
        host = context.host ?? ProcessInfo.processInfo.hostName
        logger = context.logger
        connection = LibvirtConnection(uri: settings.uri, logger: context.logger, events: events)
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

    /// The test hypervisor keeps no files; a real one boots from the fetched image.
    public var needsImageFiles: Bool { !settings.isTestDriver }

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

    /// Defines and starts the domain. On the test hypervisor (no QEMU, no files) only the XML is made; on a
    /// real one the instance directory gets the disk overlay and the console log. A failure removes what
    /// spawn made, so the compute manager can reschedule cleanly.
    public func spawn(_ request: SpawnRequest) async throws {
        let i = request.instance
        if (try? await withDomain(i) { _, _ in true }) == true { throw VirtDriverError.instanceExists(i.uuid) }
        var guest = GuestConfig(
            domainType: settings.domainType, name: GuestConfig.domainName(i.uuid), uuid: i.uuid, displayName: i.name,
            projectID: i.projectID, flavor: i.flavor, vncListen: settings.vncListen, cpuMode: settings.cpuMode)
        guest.network = settings.network
        guest.vifs = request.vifs
        if let serial = settings.serial { guest.serialTCP = try SerialPorts.acquire(host: serial.host, in: serial.ports) }
        let props = request.imageProperties
        // Kernel and ramdisk come as files the compute fetched for the image's kernel_id / ramdisk_id, never as
        // property values (user input naming a host path); the [libvirt] ones apply when the image names none.
        guest.kernel = request.kernelPath ?? settings.kernel
        guest.ramdisk = request.ramdiskPath ?? (request.kernelPath == nil ? settings.ramdisk : nil)
        guest.commandLine = props["os_command_line"] ?? settings.commandLine
        let dir = instanceDir(i.uuid)
        do {
            if !settings.isTestDriver {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                guest.consoleLogPath = (dir as NSString).appendingPathComponent("console.log")
                if let image = request.imagePath {
                    let disk = try await DiskImages.instanceDisk(
                        image: image, imageRef: i.imageRef, instanceDir: dir, instancesPath: settings.instancesPath,
                        sizeGB: i.flavor.rootGB, imagesType: settings.imagesType)
                    guest.diskPath = disk.path
                    guest.diskFormat = disk.format
                    guest.diskCache = disk.cache
                }
                if let drive = request.configDrivePath {  // Nova's <instance dir>/disk.config
                    let copy = (dir as NSString).appendingPathComponent("disk.config")
                    try? FileManager.default.removeItem(atPath: copy)
                    try FileManager.default.copyItem(atPath: drive, toPath: copy)
                    guest.configDrivePath = copy
                }
            } else {
                guest.configDrivePath = request.configDrivePath
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
        } catch {
            if !settings.isTestDriver { try? FileManager.default.removeItem(atPath: dir) }
            throw error
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
}
