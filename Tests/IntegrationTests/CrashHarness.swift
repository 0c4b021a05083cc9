import Foundation
import NimbusKernel
import Testing

/// A cloud whose processes a test kills with SIGKILL and restarts on the same state (issue 10's crash-safety
/// checks). Config: report_interval 1 s and service_down_time 3 s, so recovery happens within seconds; no
/// reserved host memory, so a node's usage is exactly the flavors of its servers.
struct CrashCloud {
    let root = NSTemporaryDirectory() + "nimbus-crash-\(UUID().uuidString.prefix(8))"
    var database: String { "\(root)/state/nimbus.sqlite" }

    /// Options shared by every process; `extra` is appended (later sections repeat earlier ones harmlessly).
    func common(spawnLatencyMS: Int, rpcTimeout: Int = 10, extra: String = "") -> String {
        """
        [DEFAULT]
        report_interval = 1
        service_down_time = 3
        rpc_response_timeout = \(rpcTimeout)
        osapi_compute_listen = 127.0.0.1
        osapi_compute_listen_port = 0
        reserved_host_memory_mb = 0
        state_path = \(root)/state
        [api]
        auth_strategy = noauth2
        [identity]
        enabled = false
        [image]
        enabled = false
        [database]
        connection = sqlite:///\(database)
        [fake]
        vcpus = 64
        memory_mb = 65536
        spawn_latency_ms = \(spawnLatencyMS)
        [quota]
        instances = -1
        cores = -1
        ram = -1
        \(extra)
        """
    }

    func write(_ name: String, _ text: String) throws -> String {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let path = "\(root)/\(name)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The compute API's base URL, from the `listening on` line of `daemon`'s log.
    func apiURL(_ daemon: Daemon) async throws -> String {
        var url = ""
        try await waitUntil("\(daemon.name) logs its API port", within: 30) {
            guard let line = daemon.log.split(separator: "\n").last(where: { $0.contains("listening on http://127.0.0.1:") }),
                  let range = line.range(of: "http://127.0.0.1:") else { return false }
            url = "http://127.0.0.1:" + line[range.upperBound...].prefix { $0.isNumber } + "/v2.1"
            return true
        }
        return url
    }

    /// Runs SQL on the store with the sqlite3 shell (the test reads or plants state as a crash leaves it).
    @discardableResult
    func sql(_ statement: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sqlite3", "-cmd", ".timeout 5000", database, statement]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try ProcessSpawn.run(p)
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw IntegrationError("sqlite3 failed: \(out)") }
        return out.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

func servers(_ api: String) async throws -> [[String: Any]] {
    let (status, body) = try await http("GET", "\(api)/servers/detail")
    guard status == 200 else { throw IntegrationError("GET /servers/detail answered \(status)") }
    return body["servers"] as? [[String: Any]] ?? []
}

func taskState(_ s: [String: Any]) -> String? { s["OS-EXT-STS:task_state"] as? String }

func createServers(_ api: String, _ name: String, count: Int) async throws {
    let (status, body) = try await http("POST", "\(api)/servers", [
        "server": ["name": name, "imageRef": "cirros", "flavorRef": "1", "min_count": count, "max_count": count]])
    guard status == 202 else { throw IntegrationError("POST /servers answered \(status): \(body)") }
}

/// Nil when every hypervisor's usage (vCPUs, RAM, disk, running_vms) is exactly the m1.tiny flavors (1 vCPU,
/// 512 MB, 1 GB) of the servers the API shows on it, and `nimbus manage audit` finds every claim backed by a
/// live instance and every node's usage equal to its claims; otherwise what differs.
func usageMismatch(_ api: String, config: String) async throws -> String? {
    let list = try await servers(api)
    let (_, body) = try await http("GET", "\(api)/os-hypervisors/detail")
    var problems: [String] = []
    for h in body["hypervisors"] as? [[String: Any]] ?? [] {
        let node = h["hypervisor_hostname"] as? String ?? ""
        let n = list.filter { $0["OS-EXT-SRV-ATTR:hypervisor_hostname"] as? String == node }.count
        let got = ["vcpus_used", "memory_mb_used", "local_gb_used", "running_vms"].map { h[$0] as? Int ?? -1 }
        if got != [n, n * 512, n, n] { problems.append("\(node): \(n) servers but usage \(got)") }
    }
    do { try runNimbus(["manage", "audit", "--config-file", config]) } catch { problems.append("\(error)") }
    return problems.isEmpty ? nil : problems.joined(separator: "; ")
}

/// Polls until usage agrees with servers and claims; on the deadline the test fails naming the difference.
func expectConsistentUsage(_ api: String, config: String, within seconds: Double = 20) async throws {
    var last: String?
    do {
        try await waitUntil("usage matches servers and claims", within: seconds) {
            last = try await usageMismatch(api, config: config)
            return last == nil
        }
    } catch {
        Issue.record("usage never matched servers and claims: \(last ?? "\(error)")")
        throw error
    }
}

/// Deletes every server, then waits until none is left and every host's usage is back to zero.
func deleteAllAndExpectEmpty(_ api: String, config: String) async throws {
    for s in try await servers(api) {
        _ = try await http("DELETE", "\(api)/servers/\(s["id"] as? String ?? "")")
    }
    try await waitUntil("every server is gone", within: 30) { try await servers(api).isEmpty }
    try await expectConsistentUsage(api, config: config)
}
