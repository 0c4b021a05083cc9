import Foundation

/// One dnsmasq per network (as Neutron's DHCP agent runs it): static leases only, from a hosts file of
/// `mac,ip` lines reloaded on SIGHUP; its files live in `$state_path/dhcp/<network id>/`.
struct DHCPServer {
    let directory: String
    var hostsFile: String { (directory as NSString).appendingPathComponent("host") }
    var leaseFile: String { (directory as NSString).appendingPathComponent("leases") }
    var pidFile: String { (directory as NSString).appendingPathComponent("pid") }

    /// The running dnsmasq we started for this network: the pid file's process, if its command line names our
    /// hosts file (a stale pid file must not make us signal someone else's process).
    var pid: Int32? {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1,
              let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
        return String(decoding: cmdline, as: UTF8.self).contains(hostsFile) ? pid : nil
    }

    /// Running and not a zombie (a container's init may be slow to reap the daemon we stopped).
    static func alive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return !stat[close...].hasPrefix(") Z")
    }

    func writeHosts(_ entries: [String]) throws {
        try Data((entries.sorted().joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: hostsFile),
                                                                                options: .atomic)
    }

    /// Starts dnsmasq on `device` (which holds `gateway`) unless it runs; otherwise makes it reread the hosts.
    func startOrReload(device: String, network: IPv4Network, gateway: String, dns: [String], mtu: Int?) throws {
        if let pid {
            kill(pid, SIGHUP)
            return
        }
        var args = ["dnsmasq", "--conf-file=/dev/null", "--no-hosts", "--no-resolv", "--port=0", "--bind-interfaces",
                    "--interface=\(device)", "--except-interface=lo", "--listen-address=\(gateway)",
                    "--dhcp-range=set:net0,\(network.networkAddress),static,\(network.netmask),86400s",
                    "--dhcp-hostsfile=\(hostsFile)", "--dhcp-leasefile=\(leaseFile)", "--pid-file=\(pidFile)",
                    "--dhcp-authoritative", "--dhcp-option=3,\(gateway)"]
        // Without a DNS server of its own (port 0) dnsmasq would offer none; offer the subnet's.
        let servers = dns.filter(IPv4Network.isAddress)
        args.append(servers.isEmpty ? "--dhcp-option=6" : "--dhcp-option=6,\(servers.joined(separator: ","))")
        if let mtu, (68...65535).contains(mtu) { args.append("--dhcp-option=26,\(mtu)") }
        // dnsmasq forks and its parent exits once it listens; the pid file names the daemon.
        try HostCommands.run(args)
    }

    /// Stops dnsmasq and removes the hosts, lease and pid files (and the directory).
    func stop() {
        if let pid {
            kill(pid, SIGTERM)
            for _ in 0..<50 where Self.alive(pid) { usleep(100_000) }
            if Self.alive(pid) { kill(pid, SIGKILL) }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
