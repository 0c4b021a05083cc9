import Foundation
import NimbusKernel

/// `[libvirt]` and `[vnc]` options, resolved once.
struct LibvirtSettings: Sendable {
    static let options: [ConfigOption] = [
        .init("libvirt", "virt_type", .choice(["kvm", "qemu", "test"]), default: "kvm"),
        .init("libvirt", "connection_uri", .string, help: "Default: qemu:///system (test:///default for virt_type=test)."),
        .init("libvirt", "images_type", .choice(["qcow2", "default", "raw"]), default: "default"),
        .init("libvirt", "cpu_mode", .choice(["host-model", "host-passthrough", "custom", "none"])),
        .init("libvirt", "instances_path", .string, help: "Default: $state_path/instances."),
        .init("libvirt", "shutdown_timeout", .float, default: "60", help: "Seconds a soft reboot/power off waits."),
        .init("vnc", "server_listen", .string, default: "127.0.0.1"),
    ]

    var virtType: String
    var uri: String
    var cpuMode: String?
    var instancesPath: String
    var shutdownTimeout: Double
    var vncListen: String

    init(config c: NimbusConfig) throws {
        virtType = c.string("libvirt", "virt_type", default: "kvm")
        uri = c.string("libvirt", "connection_uri") ?? (virtType == "test" ? "test:///default" : "qemu:///system")
        cpuMode = c.string("libvirt", "cpu_mode").flatMap { $0 == "none" ? nil : $0 }
        let state = c.string("DEFAULT", "state_path", default: "./state")
        instancesPath = c.string("libvirt", "instances_path") ?? (state as NSString).appendingPathComponent("instances")
        shutdownTimeout = try c.double("libvirt", "shutdown_timeout", default: 60)
        vncListen = c.string("vnc", "server_listen", default: "127.0.0.1")
    }

    /// libvirt's in-process test hypervisor: no files, no QEMU.
    var isTestDriver: Bool { uri.hasPrefix("test:") }
    var domainType: String { isTestDriver ? "test" : (virtType == "test" ? "qemu" : virtType) }
}
