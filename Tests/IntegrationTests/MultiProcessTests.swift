import Foundation
import Testing

/// Issue 4's acceptance: api, scheduler, conductor and three computes as separate processes over ZeroMQ with
/// CURVE on 127.0.0.1; 30 servers; one compute killed with SIGKILL; a compute with an unknown key refused.
@Suite(.serialized, .timeLimit(.minutes(10))) struct MultiProcessTests {
    let root = NSTemporaryDirectory() + "nimbus-mp-\(UUID().uuidString.prefix(8))"

    func write(_ path: String, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    func publicKey(_ stateDir: String) throws -> String {
        try String(contentsOfFile: "\(stateDir)/zmq/curve.pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func controllerAndComputesAsProcessesOverCurve() async throws {
        let conductorPort = try freePort(), schedulerPort = try freePort()
        let common = """
            [DEFAULT]
            transport_url = zmq://127.0.0.1:\(conductorPort)
            report_interval = 1
            service_down_time = 4
            rpc_response_timeout = 10
            osapi_compute_listen = 127.0.0.1
            osapi_compute_listen_port = 0
            [api]
            auth_strategy = noauth2
            [database]
            connection = sqlite:///\(root)/nimbus.sqlite
            [fake]
            vcpus = 16
            memory_mb = 16896
            [quota]
            instances = -1
            cores = -1
            ram = -1
            [zmq]
            curve_enabled = true
            topic_endpoints = scheduler=127.0.0.1:\(schedulerPort)
            """
        // The controller daemons share one state dir and keypair; each compute has its own.
        let ctl = "\(root)/controller"
        try write("\(root)/controller.conf", common + """

            curve_allowed_clients_file = \(root)/controller-allowed
            [DEFAULT]
            host = controller
            state_path = \(ctl)
            """)
        try write("\(root)/scheduler.conf", "[zmq]\nbind_address = tcp://127.0.0.1:\(schedulerPort)\n")
        try runNimbus(["manage", "zmq", "keygen", "--config-file", "\(root)/controller.conf"])
        func computeConf(_ host: String) throws -> String {
            let path = "\(root)/\(host).conf"
            try write(path, common + """

                bind_address = tcp://127.0.0.1:0
                curve_server_public_key_file = \(ctl)/zmq/curve.pub
                curve_allowed_clients_file = \(root)/\(host)-allowed
                [DEFAULT]
                host = \(host)
                state_path = \(root)/\(host)
                """)
            try runNimbus(["manage", "zmq", "keygen", "--config-file", path])
            try write("\(root)/\(host)-allowed", try publicKey(ctl) + "\n")  // computes accept the controller
            return path
        }
        let computes = ["c1", "c2", "c3"]
        var confs: [String: String] = [:]
        for c in computes + ["rogue"] { confs[c] = try computeConf(c) }
        try write("\(root)/controller-allowed",
                  try computes.map { try publicKey("\(root)/\($0)") }.joined(separator: "\n") + "\n")
        try runNimbus(["manage", "db", "sync", "--config-file", "\(root)/controller.conf"])

        var daemons: [String: Daemon] = [:]
        defer { for d in daemons.values { d.terminate() } }
        let ctlArgs = ["--config-file", "\(root)/controller.conf"]
        daemons["conductor"] = try Daemon("conductor", ["conductor"] + ctlArgs, logDir: root)
        daemons["scheduler"] = try Daemon("scheduler", ["scheduler"] + ctlArgs + ["--config-file", "\(root)/scheduler.conf"],
                                          logDir: root)
        daemons["api"] = try Daemon("api", ["api"] + ctlArgs, logDir: root)
        for c in computes { daemons[c] = try Daemon(c, ["compute", "--config-file", confs[c]!], logDir: root) }

        var api = ""
        try await waitUntil("the API logs its port") {
            guard let line = daemons["api"]!.log.split(separator: "\n").first(where: { $0.contains("listening on http://") }),
                  let range = line.range(of: "http://127.0.0.1:") else { return false }
            api = "http://127.0.0.1:" + line[range.upperBound...].prefix { $0.isNumber } + "/v2.1"
            return true
        }
        try await waitUntil("three hypervisors are up") {
            let (_, body) = try await http("GET", "\(api)/os-hypervisors")
            return (body["hypervisors"] as? [[String: Any]])?.filter { $0["state"] as? String == "up" }.count == 3
        }

        let (flavorStatus, _) = try await http("POST", "\(api)/flavors",
                                               ["flavor": ["name": "m1.tiny", "id": "1", "ram": 512, "vcpus": 1, "disk": 1]])
        #expect(flavorStatus == 200)
        let (status, _) = try await http("POST", "\(api)/servers", [
            "server": ["name": "mp", "imageRef": "cirros", "flavorRef": "1", "min_count": 30, "max_count": 30]])
        #expect(status == 202)
        var hostOf: [String: String] = [:]
        try await waitUntil("30 servers are ACTIVE") {
            let (_, body) = try await http("GET", "\(api)/servers/detail")
            let servers = body["servers"] as? [[String: Any]] ?? []
            hostOf = Dictionary(servers.map { ($0["id"] as? String ?? "", $0["OS-EXT-SRV-ATTR:host"] as? String ?? "") },
                                uniquingKeysWith: { a, _ in a })
            return servers.count == 30 && servers.allSatisfy { $0["status"] as? String == "ACTIVE" }
        }
        #expect(Set(hostOf.values) == Set(computes))

        // kill -9 one compute: its row goes down after service_down_time; the others' servers stay ACTIVE.
        daemons["c3"]!.kill9()
        try await waitUntil("c3 shows down", within: 4 + 3) {
            let (_, body) = try await http("GET", "\(api)/os-services?binary=nova-compute")
            return (body["services"] as? [[String: Any]])?.first { $0["host"] as? String == "c3" }?["state"] as? String == "down"
        }
        let (_, after) = try await http("GET", "\(api)/servers/detail")
        for s in after["servers"] as? [[String: Any]] ?? [] where (s["OS-EXT-SRV-ATTR:host"] as? String) != "c3" {
            #expect(s["status"] as? String == "ACTIVE")
        }
        // New builds go to the live hosts and none stays in BUILD.
        _ = try await http("POST", "\(api)/servers", [
            "server": ["name": "late", "imageRef": "cirros", "flavorRef": "1", "min_count": 4, "max_count": 4]])
        try await waitUntil("late builds settle", within: 10 + 5) {
            let (_, body) = try await http("GET", "\(api)/servers/detail")
            let late = (body["servers"] as? [[String: Any]] ?? []).filter { ($0["name"] as? String)?.hasPrefix("late") == true }
            return late.count == 4 && late.allSatisfy { $0["status"] as? String == "ACTIVE" }
                && late.allSatisfy { $0["OS-EXT-SRV-ATTR:host"] as? String != "c3" }
        }

        // Deletes: on a live host the API casts terminate_instance to that compute (found through the services
        // table); on the dead host the API deletes locally. Both disappear.
        let onLive = try #require(hostOf.first { $0.value == "c1" }?.key)
        let onDead = try #require(hostOf.first { $0.value == "c3" }?.key)
        for id in [onLive, onDead] { #expect(try await http("DELETE", "\(api)/servers/\(id)").0 == 204) }
        try await waitUntil("both deletes finish", within: 15) {
            let live = try await http("GET", "\(api)/servers/\(onLive)").0
            let dead = try await http("GET", "\(api)/servers/\(onDead)").0
            return live == 404 && dead == 404
        }

        // A compute whose key the controller does not know is refused and never registers.
        daemons["rogue"] = try Daemon("rogue", ["compute", "--config-file", confs["rogue"]!], logDir: root)
        try await waitUntil("the rogue compute reports the refusal", within: 20) {
            daemons["rogue"]!.log.lowercased().contains("refused") || daemons["rogue"]!.log.contains("handshake")
        }
        let (_, services) = try await http("GET", "\(api)/os-services")
        #expect(!(services["services"] as? [[String: Any]] ?? []).contains { $0["host"] as? String == "rogue" })
    }
}
