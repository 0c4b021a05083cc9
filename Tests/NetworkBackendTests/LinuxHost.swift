import Foundation
import Logging
import NimbusKernel

@testable import LinuxBridgeNetworkBackend

enum LinuxHost {
    static var canPlumb: Bool {
        getuid() == 0 && ["ip", "dnsmasq", "iptables-restore", "busybox"].allSatisfy { HostCommands.locate($0) != nil }
            && (ok("modprobe br_netfilter") || FileManager.default.fileExists(atPath: LinuxBridgeBackend.bridgeNetfilter))
    }

    @discardableResult
    static func sh(_ script: String) throws -> String { try HostCommands.run(["sh", "-c", script]) }
    static func ok(_ script: String) -> Bool { HostCommands.succeeds(["sh", "-c", script]) }

    /// `ok` and `sh` on a thread of their own, for commands that block for seconds (ping, `nc -w`): the
    /// cooperative pool has one thread per core, and blocking it stalls every other test in the process.
    static func okOffPool(_ script: String) async -> Bool {
        await withCheckedContinuation { c in Thread { c.resume(returning: ok(script)) }.start() }
    }

    static func shOffPool(_ script: String) async throws -> String {
        try await withCheckedThrowingContinuation { c in Thread { c.resume(with: Result { try sh(script) }) }.start() }
    }

    /// One network, one port and one namespace "guest", with names no other test run uses.
    struct Fixture {
        let tag = String(UUID().uuidString.lowercased().prefix(8))
        let network: HostNetwork
        let prefix: String
        let instance = UUID()
        let portID = UUID().uuidString.lowercased()
        let mac: String
        let stateDir = NSTemporaryDirectory() + "nimbus-lb-\(UUID().uuidString.prefix(8))"
        let metadataPort = 18000 + Int.random(in: 0..<1000)
        let context: PluginContext
        var ip: String { prefix + ".5" }
        var namespace: String { "nimbus-t-" + tag }

        init() throws {
            prefix = "10.\(Int.random(in: 200...250)).\(Int.random(in: 0...255))"
            network = HostNetwork(id: UUID().uuidString.lowercased(), cidr: prefix + ".0/24", gatewayIP: prefix + ".1")
            mac = String(format: "fa:16:3e:%02x:%02x:%02x", Int.random(in: 0...255), Int.random(in: 0...255), Int.random(in: 0...255))
            var logger = Logger(label: "linuxbridge-tests")
            logger.logLevel = .warning
            context = PluginContext(config: try NimbusConfig(overrides: [
                "DEFAULT.state_path": stateDir, "linux_bridge.metadata_port": String(metadataPort)]), logger: logger)
        }

        func port(rules: [SecurityRule]) -> HostPort {
            HostPort(id: portID, instance: instance, macAddress: mac, fixedIPs: [ip], network: network, rules: rules)
        }

        /// What the hypervisor does for a guest NIC, with a namespace as the guest: the tap end on the bridge,
        /// the other end in the namespace with the port's MAC.
        func startGuest(tap: String, bridge: String) throws {
            try sh("""
                ip netns add \(namespace) && ip link add \(tap) type veth peer name g-\(tag) && \
                ip link set g-\(tag) netns \(namespace) && ip link set \(tap) master \(bridge) up && \
                ip -n \(namespace) link set g-\(tag) address \(mac) name eth0 && ip -n \(namespace) link set eth0 up && \
                ip -n \(namespace) link set lo up
                """)
        }

        func inGuest(_ script: String) throws -> String {
            try sh("ip netns exec \(namespace) sh -c '\(script)'")
        }

        /// Runs busybox udhcpc in the guest as the test guest's init does; the address it was leased.
        func leaseInGuest() throws -> String {
            let script = stateDir + "/udhcpc.sh"
            try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
            try Data("""
                #!/bin/sh
                [ "$1" = bound ] || exit 0
                ip addr add $ip/$mask dev $interface
                ip route add default via $router dev $interface
                echo $ip > \(stateDir)/lease
                """.utf8).write(to: URL(fileURLWithPath: script))
            try sh("chmod +x \(script)")
            try inGuest("busybox udhcpc -i eth0 -n -q -f -t 10 -T 1 -s \(script)")
            return try String(contentsOfFile: stateDir + "/lease", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func listenInGuest(port: Int) throws {
            try sh("ip netns exec \(namespace) busybox nc -ll -p \(port) -e /bin/echo guest-listener >/dev/null 2>&1 & echo $! > \(stateDir)/guest-nc.pid")
        }

        func listenOnHost(port: Int) throws {
            try sh("busybox nc -ll -p \(port) -e /bin/echo host-listener >/dev/null 2>&1 & echo $! > \(stateDir)/host-nc.pid")
        }

        func removeGuest() {
            for f in ["guest-nc.pid", "host-nc.pid"] {
                if let pid = (try? String(contentsOfFile: stateDir + "/" + f, encoding: .utf8)).flatMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
                    kill(pid, SIGTERM)
                }
            }
            // libvirt deletes a guest's tap when the guest goes; here the tap end goes first (which removes its peer),
            // as a namespace's devices leave only when the kernel gets to it.
            _ = ok("ip netns pids \(namespace) | xargs -r kill -KILL")
            _ = ok("ip link del dev \(NetworkDeviceNames.tap(port: portID))")
            _ = ok("ip netns del \(namespace)")
        }

        func dnsmasqRunning() -> Bool {
            let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
            return pids.contains { pid in
                guard let c = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
                let cmd = String(decoding: c, as: UTF8.self)
                return cmd.contains("dnsmasq") && cmd.contains(stateDir) && DHCPServer.alive(pid)
            }
        }

        /// What the network left behind on the host: devices, chains, DHCP files, a dnsmasq process.
        func leftovers() -> [String] {
            let suffix = String(NetworkDeviceNames.bridge(network: network.id).dropFirst(4))
            let tapSuffix = String(NetworkDeviceNames.tap(port: portID).dropFirst(5))
            var left: [String] = []
            for d in ["nbr-", "nvh-", "nvb-"].map({ $0 + suffix }) + ["ntap-" + tapSuffix] where ok("ip link show dev \(d)") {
                left.append(d)
            }
            let rules = ((try? sh("iptables -w -S; iptables -w -t nat -S; iptables -w -t raw -S")) ?? "").split(separator: "\n")
            left += rules.filter { $0.contains(tapSuffix) || $0.contains(suffix) || $0.contains("nimbus-") }.map(String.init)
            if FileManager.default.fileExists(atPath: stateDir + "/dhcp/" + network.id) { left.append("dhcp directory") }
            if dnsmasqRunning() { left.append("dnsmasq") }
            return left
        }
    }
}
