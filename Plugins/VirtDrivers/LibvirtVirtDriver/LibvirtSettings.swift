import Foundation
import NimbusKernel

/// `[libvirt]` and `[vnc]` options, resolved once.
struct LibvirtSettings: Sendable {
    static let virtTypeOption = TypedOption<String>("libvirt", "virt_type", kind: .choice(["kvm", "qemu", "test"]),
                                                    default: "kvm")
    static let connectionURI = TypedOption<String>(
        "libvirt", "connection_uri", describedAs: "qemu:///system (test:///default for virt_type=test)",
        computed: { LibvirtSettings.virtTypeOption.read($0) == "test" ? "test:///default" : "qemu:///system" })
    static let imagesTypeOption = TypedOption<String>(
        "libvirt", "images_type", kind: .choice(["qcow2", "default", "raw", "flat"]), default: "default",
        help: "qcow2/default: an overlay on the cached base image; raw/flat: a full raw copy per instance.")
    static let cpuModeOption = TypedOption<String?>("libvirt", "cpu_mode",
                                                    kind: .choice(["host-model", "host-passthrough", "custom", "none"]))
    static let instancesPathOption = TypedOption<String>(
        "libvirt", "instances_path", describedAs: "$state_path/instances",
        computed: { (CoreOptions.statePath.read($0) as NSString).appendingPathComponent("instances") })
    static let shutdownTimeoutOption = TypedOption<Double>(
        "libvirt", "shutdown_timeout", default: 60,
        help: "Seconds a soft reboot or power off waits for the guest before forcing it.")
    static let networkOption = TypedOption<String>(
        "libvirt", "network", default: "user",
        help: "The guest NIC (virtio): user (QEMU user networking), none, or a libvirt network's name.")
    static let kernelOption = TypedOption<String?>("libvirt", "kernel", help: "Kernel for direct boot when the image names none.")
    static let ramdiskOption = TypedOption<String?>("libvirt", "ramdisk", help: "Initrd for direct boot with [libvirt] kernel.")
    static let osCommandLine = TypedOption<String?>("libvirt", "os_command_line",
                                                    help: "Kernel command line when the image names none.")
    static let vncServerListen = TypedOption<String>("vnc", "server_listen", default: "127.0.0.1")

    static let options: [ConfigOption] = ([
        virtTypeOption, connectionURI, imagesTypeOption, cpuModeOption, instancesPathOption, shutdownTimeoutOption,
        networkOption, kernelOption, ramdiskOption, osCommandLine, vncServerListen,
    ] as [any AnyTypedOption]).map(\.declaration)

    var virtType: String
    var uri: String
    var imagesType: String
    var cpuMode: String?
    var instancesPath: String
    var shutdownTimeout: Double
    var network: GuestConfig.Network?
    var kernel: String?
    var ramdisk: String?
    var commandLine: String?
    /// nil when `[vnc] enabled` is false: no graphics device.
    var vncListen: String?
    /// What `get_vnc_console` answers as the host (`[vnc] server_proxyclient_address`).
    var vncProxyClient: String
    /// `[serial_console]` when enabled: the address guests' TCP serial ports bind and the port range.
    var serial: (host: String, ports: ClosedRange<Int>)?

    init(config c: NimbusConfig) throws {
        virtType = Self.virtTypeOption.read(c)
        uri = Self.connectionURI.read(c)
        imagesType = Self.imagesTypeOption.read(c)
        cpuMode = Self.cpuModeOption.read(c).flatMap { $0 == "none" ? nil : $0 }
        instancesPath = Self.instancesPathOption.read(c)
        shutdownTimeout = try Self.shutdownTimeoutOption.read(c)
        network = switch Self.networkOption.read(c) {
        case "none", "": nil
        case "user": .user
        case let name: .network(name)
        }
        kernel = Self.kernelOption.read(c)
        ramdisk = Self.ramdiskOption.read(c)
        commandLine = Self.osCommandLine.read(c)
        vncListen = try ConsoleOptions.vncEnabled.read(c) ? Self.vncServerListen.read(c) : nil
        vncProxyClient = ConsoleOptions.vncProxyClientAddress.read(c)
        if try ConsoleOptions.serialEnabled.read(c) {
            let raw = ConsoleOptions.serialPortRange.read(c)
            let bounds = raw.split(separator: ":").compactMap { Int($0) }
            guard bounds.count == 2, bounds[0] > 0, bounds[0] <= bounds[1], bounds[1] <= 65535 else {
                throw ConfigError.invalidValue(source: "config", section: "serial_console", option: "port_range",
                                               value: raw, expected: "min:max TCP ports")
            }
            serial = (ConsoleOptions.serialProxyClientAddress.read(c), bounds[0]...bounds[1])
        }
    }

    /// libvirt's in-process test hypervisor: no files, no QEMU.
    var isTestDriver: Bool { uri.hasPrefix("test:") }
    var domainType: String { isTestDriver ? "test" : (virtType == "test" ? "qemu" : virtType) }
}
