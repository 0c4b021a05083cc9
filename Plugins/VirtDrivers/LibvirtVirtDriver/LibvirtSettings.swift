import Foundation
import NimbusKernel

/// `[libvirt]` and `[vnc]` options, resolved once.
struct LibvirtSettings: Sendable {
    static let options: [ConfigOption] = [
        .init("libvirt", "virt_type", .choice(["kvm", "qemu", "test"]), default: "kvm"),
        .init("libvirt", "connection_uri", .string, help: "Default: qemu:///system (test:///default for virt_type=test)."),
        .init("libvirt", "images_type", .choice(["qcow2", "default", "raw", "flat"]), default: "default",
              help: "qcow2/default: an overlay on the cached base image; raw/flat: a full raw copy per instance."),
        .init("libvirt", "cpu_mode", .choice(["host-model", "host-passthrough", "custom", "none"])),
        .init("libvirt", "instances_path", .string, help: "Default: $state_path/instances."),
        .init("libvirt", "shutdown_timeout", .float, default: "60",
              help: "Seconds a soft reboot or power off waits for the guest before forcing it."),
        .init("libvirt", "network", .string, default: "user",
              help: "The guest NIC (virtio): user (QEMU user networking), none, or a libvirt network's name."),
        .init("libvirt", "kernel", .string, help: "Kernel for direct boot when the image names none."),
        .init("libvirt", "ramdisk", .string, help: "Initrd for direct boot with [libvirt] kernel."),
        .init("libvirt", "os_command_line", .string, help: "Kernel command line when the image names none."),
        .init("vnc", "server_listen", .string, default: "127.0.0.1"),
    ]

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
    var vncListen: String

    init(config c: NimbusConfig) throws {
        virtType = c.string("libvirt", "virt_type", default: "kvm")
        uri = c.string("libvirt", "connection_uri") ?? (virtType == "test" ? "test:///default" : "qemu:///system")
        imagesType = c.string("libvirt", "images_type", default: "default")
        cpuMode = c.string("libvirt", "cpu_mode").flatMap { $0 == "none" ? nil : $0 }
        let state = c.string("DEFAULT", "state_path", default: "./state")
        instancesPath = c.string("libvirt", "instances_path") ?? (state as NSString).appendingPathComponent("instances")
        shutdownTimeout = try c.double("libvirt", "shutdown_timeout", default: 60)
        network = switch c.string("libvirt", "network", default: "user") {
        case "none", "": nil
        case "user": .user
        case let name: .network(name)
        }
        kernel = c.string("libvirt", "kernel")
        ramdisk = c.string("libvirt", "ramdisk")
        commandLine = c.string("libvirt", "os_command_line")
        vncListen = c.string("vnc", "server_listen", default: "127.0.0.1")
    }

    /// libvirt's in-process test hypervisor: no files, no QEMU.
    var isTestDriver: Bool { uri.hasPrefix("test:") }
    var domainType: String { isTestDriver ? "test" : (virtType == "test" ? "qemu" : virtType) }
}
