import Foundation
import NimbusKernel
import Synchronization

extension LinuxBridgeBackend {
    static let bridgeNetfilter = "/proc/sys/net/bridge/bridge-nf-call-iptables"
    static let forwardJump = ["FORWARD", "-m", "physdev", "--physdev-is-bridged", "-j", FirewallRules.sgChain]
    static let metadataJump = ["PREROUTING", "-j", FirewallRules.metadataChain]
    static let zoneJump = ["PREROUTING", "-j", FirewallRules.zoneChain]

    /// Rewrites every port's chains, the metadata DNAT and the conntrack zones in one `iptables-restore`, then
    /// hooks them into FORWARD and the nat and raw PREROUTING; with no port left, unhooks and deletes them all. Runs on the backend's queue.
    func syncFirewall() throws {
        let all = ports.withLock { Array($0.values) }
        let stale = staleChains.withLock { s in defer { s = [] }; return s }
        guard !all.isEmpty else { return removeFirewall(stale: stale) }
        if all.contains(where: \.portSecurity) { try Self.ensureBridgeNetfilter() }
        let input = FirewallRules.restoreInput(ports: all, metadataPort: metadataPortNumber, stale: stale)
        try HostCommands.run(["iptables-restore", "-w", "--noflush"], input: input)
        if !HostCommands.succeeds(["iptables", "-w", "-C"] + Self.forwardJump) {
            try HostCommands.run(["iptables", "-w", "-I", "FORWARD", "1"] + Array(Self.forwardJump.dropFirst()))
        }
        for (table, jump) in [("nat", Self.metadataJump), ("raw", Self.zoneJump)]
        where !HostCommands.succeeds(["iptables", "-w", "-t", table, "-C"] + jump) {
            try HostCommands.run(["iptables", "-w", "-t", table, "-I", "PREROUTING", "1"] + Array(jump.dropFirst()))
        }
    }

    private func removeFirewall(stale: [String]) {
        while HostCommands.succeeds(["iptables", "-w", "-D"] + Self.forwardJump) {}
        while HostCommands.succeeds(["iptables", "-w", "-t", "nat", "-D"] + Self.metadataJump) {}
        while HostCommands.succeeds(["iptables", "-w", "-t", "raw", "-D"] + Self.zoneJump) {}
        for chain in [FirewallRules.sgChain] + stale {
            _ = HostCommands.succeeds(["iptables", "-w", "-F", chain])
        }
        for chain in [FirewallRules.sgChain] + stale {
            _ = HostCommands.succeeds(["iptables", "-w", "-X", chain])
        }
        for (table, chain) in [("nat", FirewallRules.metadataChain), ("raw", FirewallRules.zoneChain)] {
            _ = HostCommands.succeeds(["iptables", "-w", "-t", table, "-F", chain])
            _ = HostCommands.succeeds(["iptables", "-w", "-t", table, "-X", chain])
        }
    }

    /// Bridged traffic reaches iptables only with br_netfilter and `bridge-nf-call-iptables = 1`; without it a
    /// port's rules would silently not apply, so plugging fails instead.
    static func ensureBridgeNetfilter() throws {
        if !FileManager.default.fileExists(atPath: bridgeNetfilter) { _ = HostCommands.succeeds(["modprobe", "br_netfilter"]) }
        let value = (try? String(contentsOfFile: bridgeNetfilter, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        if value == "1" { return }
        if value != nil, (try? Data("1\n".utf8).write(to: URL(fileURLWithPath: bridgeNetfilter))) != nil { return }
        throw HostCommands.Failure(command: ["sysctl", "net.bridge.bridge-nf-call-iptables=1"], status: -1,
                                   output: "bridged traffic bypasses iptables here: security groups cannot be enforced")
    }
}
