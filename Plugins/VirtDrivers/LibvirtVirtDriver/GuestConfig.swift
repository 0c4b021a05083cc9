import Foundation
import NimbusKernel

/// The libvirt domain definition of one instance, built from typed values (nova/virt/libvirt/config.py's
/// idea without its size): CPU and memory from the flavor, a virtio disk on a qcow2 overlay, a serial
/// console written to a file, VNC graphics, and Nova-style `<metadata>` naming the instance.
struct GuestConfig: Sendable {
    enum Network: Sendable, Hashable {
        case user  // QEMU user networking: no host setup, outbound only
        case network(String)  // a libvirt network by name
    }

    var domainType: String  // kvm, qemu, or test for libvirt's test driver
    var name: String
    var uuid: UUID
    var displayName: String
    var projectID: String
    var flavor: Flavor
    var diskPath: String?
    var diskFormat = "qcow2"
    var diskCache = "none"
    var network: Network?
    /// The instance's ports (Nova's LibvirtConfigGuestInterface for a bridge VIF); when any, they replace `network`.
    var vifs: [PluggedVIF] = []
    var consoleLogPath: String?
    var vncListen: String?
    /// A TCP serial port in bind mode (`[serial_console] enabled`), port 0 also logging to `consoleLogPath`.
    var serialTCP: SerialTCP?
    var kernel: String?
    var ramdisk: String?
    var commandLine: String?
    var cpuMode: String?
    /// The config drive (ISO 9660), attached as a read-only cdrom.
    var configDrivePath: String?

    struct SerialTCP: Sendable, Hashable {
        var host: String
        var port: Int
    }

    static func domainName(_ uuid: UUID) -> String { "instance-" + uuid.uuidString.lowercased() }

    func xml() -> String {
        var os: [XMLNode] = [XMLNode("type", [("arch", "x86_64")], text: "hvm")]
        if let kernel {
            os.append(XMLNode("kernel", text: kernel))
            if let ramdisk { os.append(XMLNode("initrd", text: ramdisk)) }
            if let commandLine { os.append(XMLNode("cmdline", text: commandLine)) }
        } else {
            os.append(XMLNode("boot", [("dev", "hd")]))
        }
        var devices: [XMLNode] = []
        if let diskPath {
            devices.append(XMLNode("disk", [("type", "file"), ("device", "disk")], [
                XMLNode("driver", [("name", "qemu"), ("type", diskFormat), ("cache", diskCache)]),
                XMLNode("source", [("file", diskPath)]),
                XMLNode("target", [("dev", "vda"), ("bus", "virtio")]),
            ]))
        }
        if let configDrivePath {
            // Nova's get_config_drive_type: an ISO is a cdrom, on ide for the default (pc) machine type we boot.
            devices.append(XMLNode("disk", [("type", "file"), ("device", "cdrom")], [
                XMLNode("driver", [("name", "qemu"), ("type", "raw")]),
                XMLNode("source", [("file", configDrivePath)]),
                XMLNode("target", [("dev", "hda"), ("bus", "ide")]),
                XMLNode("readonly"),
            ]))
        }
        for vif in vifs {
            devices.append(XMLNode("interface", [("type", "bridge")], [
                XMLNode("mac", [("address", vif.macAddress)]), XMLNode("source", [("bridge", vif.bridge)]),
                XMLNode("target", [("dev", vif.device)]), XMLNode("model", [("type", "virtio")]),
            ]))
        }
        switch vifs.isEmpty ? network : nil {
        case .user:
            devices.append(XMLNode("interface", [("type", "user")], [XMLNode("model", [("type", "virtio")])]))
        case .network(let name):
            devices.append(XMLNode("interface", [("type", "network")], [
                XMLNode("source", [("network", name)]), XMLNode("model", [("type", "virtio")]),
            ]))
        case nil: break
        }
        if let serialTCP {
            // Nova's _create_serial_consoles: bind mode on proxyclient_address, raw protocol, the log beside it.
            devices.append(XMLNode("serial", [("type", "tcp")], [
                XMLNode("source", [("mode", "bind"), ("host", serialTCP.host), ("service", String(serialTCP.port))]),
                XMLNode("protocol", [("type", "raw")]),
            ] + (consoleLogPath.map { [XMLNode("log", [("file", $0), ("append", "off")])] } ?? []) + [
                XMLNode("target", [("port", "0")]),
            ]))
        } else if let consoleLogPath {
            devices.append(XMLNode("serial", [("type", "file")], [
                XMLNode("source", [("path", consoleLogPath)]),
                XMLNode("target", [("port", "0")]),
            ]))
        }
        if let vncListen {
            devices.append(XMLNode("graphics", [("type", "vnc"), ("autoport", "yes"), ("listen", vncListen)]))
        }
        var children: [XMLNode] = [
            XMLNode("name", text: name),
            XMLNode("uuid", text: uuid.uuidString.lowercased()),
            XMLNode("metadata", [], [
                XMLNode("nova:instance", [("xmlns:nova", "http://openstack.org/xmlns/libvirt/nova/1.1")], [
                    XMLNode("nova:name", text: displayName),
                    XMLNode("nova:flavor", [("name", flavor.name)], [
                        XMLNode("nova:memory", text: String(flavor.memoryMB)),
                        XMLNode("nova:disk", text: String(flavor.rootGB)),
                        XMLNode("nova:vcpus", text: String(flavor.vcpus)),
                    ]),
                    XMLNode("nova:owner", [], [XMLNode("nova:project", [("uuid", projectID)])]),
                ]),
            ]),
            XMLNode("memory", [("unit", "MiB")], text: String(flavor.memoryMB)),
            XMLNode("vcpu", text: String(flavor.vcpus)),
            XMLNode("os", [], os),
        ]
        if let cpuMode, domainType != "test" { children.append(XMLNode("cpu", [("mode", cpuMode)])) }
        children.append(XMLNode("on_poweroff", text: "destroy"))
        children.append(XMLNode("on_reboot", text: "restart"))
        children.append(XMLNode("on_crash", text: "destroy"))
        children.append(XMLNode("devices", [], devices))
        return XMLNode("domain", [("type", domainType)], children).render()
    }
}
