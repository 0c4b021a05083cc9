import Foundation
import Testing

/// Issue 16's compute simulator: `nimbus compute --simulate N` is N computes to the controller — N service
/// records and nodes, each with its own CURVE key (the controller allows exactly those keys), heartbeating and
/// taking builds over real ZeroMQ connections.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ComputeSimulatorTests {
    let root = NSTemporaryDirectory() + "nimbus-sim-\(UUID().uuidString.prefix(8))"
    let hosts = 12

    func write(_ path: String, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    func configs() throws -> (controller: String, scheduler: String, compute: String) {
        let conductorPort = try freePort(), schedulerPort = try freePort()
        let common = """
            [DEFAULT]
            transport_url = zmq://127.0.0.1:\(conductorPort)
            report_interval = 1
            service_down_time = 4
            rpc_response_timeout = 10
            osapi_compute_listen = 127.0.0.1
            osapi_compute_listen_port = 0
            compute_driver = fake.FakeDriver
            [api]
            auth_strategy = noauth2
            [database]
            connection = sqlite:///\(root)/nimbus.sqlite
            [fake]
            vcpus = 4
            memory_mb = 4608
            [quota]
            instances = -1
            cores = -1
            ram = -1
            [zmq]
            curve_enabled = true
            topic_endpoints = scheduler=127.0.0.1:\(schedulerPort)
            """
        try write("\(root)/controller.conf", common + """

            curve_allowed_clients_file = \(root)/controller-allowed
            [DEFAULT]
            host = controller
            state_path = \(root)/controller
            """)
        try write("\(root)/scheduler.conf", "[zmq]\nbind_address = tcp://127.0.0.1:\(schedulerPort)\n")
        try write("\(root)/compute.conf", common + """

            bind_address = tcp://127.0.0.1:0
            curve_server_public_key_file = \(root)/controller/zmq/curve.pub
            curve_allowed_clients_file = \(root)/controller/zmq/curve.pub
            [DEFAULT]
            host = sim
            state_path = \(root)/sim
            """)
        return ("\(root)/controller.conf", "\(root)/scheduler.conf", "\(root)/compute.conf")
    }

    @Test func simulatedComputesRegisterHeartbeatAndTakeBuildsOverCurve() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let conf = try configs()
        try runNimbus(["manage", "zmq", "keygen", "--config-file", conf.controller])
        // The simulator makes one keypair per host and prints the public keys for the controller's allow-list.
        let keys = try runNimbus(["compute", "--simulate", "\(hosts)", "--print-public-keys", "--config-file", conf.compute])
            .split(separator: "\n").filter { $0.split(separator: " ").count == 2 && $0.split(separator: " ")[1].hasPrefix("sim-") }
        #expect(keys.count == hosts)
        #expect(Set(keys.map { $0.prefix(40) }).count == hosts)
        // All but the last host are allowed: that one must be refused, proving each host uses its own key.
        try write("\(root)/controller-allowed", keys.dropLast().joined(separator: "\n") + "\n")
        try runNimbus(["manage", "db", "sync", "--config-file", conf.controller])

        var daemons: [String: Daemon] = [:]
        defer { for d in daemons.values { d.terminate() } }
        daemons["conductor"] = try Daemon("conductor", ["conductor", "--config-file", conf.controller], logDir: root)
        daemons["scheduler"] = try Daemon("scheduler", ["scheduler", "--config-file", conf.controller,
                                                        "--config-file", conf.scheduler], logDir: root)
        daemons["api"] = try Daemon("api", ["api", "--config-file", conf.controller], logDir: root)
        daemons["sim"] = try Daemon("sim", ["compute", "--simulate", "\(hosts)", "--config-file", conf.compute], logDir: root)

        var api = ""
        try await waitUntil("the API logs its port") {
            guard let line = daemons["api"]!.log.split(separator: "\n").first(where: { $0.contains("listening on http://") }),
                  let range = line.range(of: "http://127.0.0.1:") else { return false }
            api = "http://127.0.0.1:" + line[range.upperBound...].prefix { $0.isNumber } + "/v2.1"
            return true
        }
        var up: Set<String> = []
        try await waitUntil("\(hosts - 1) simulated hypervisors are up") {
            let (_, body) = try await http("GET", "\(api)/os-hypervisors")
            up = Set((body["hypervisors"] as? [[String: Any]] ?? []).filter { $0["state"] as? String == "up" }
                .compactMap { $0["hypervisor_hostname"] as? String })
            return up.count == hosts - 1
        }
        #expect(up == Set((1..<hosts).map { "sim-\($0)" }))
        try await waitUntil("the controller refuses sim-\(hosts)'s key", within: 10) {
            daemons["conductor"]!.log.contains("not in the allow-list") && daemons["sim"]!.log.contains("handshake")
        }

        // 22 builds of a 2-vCPU flavor fill the 11 allowed hosts (4 vCPUs each) exactly.
        let (flavor, _) = try await http("POST", "\(api)/flavors",
                                         ["flavor": ["name": "m1.small", "id": "2", "ram": 1024, "vcpus": 2, "disk": 1]])
        #expect(flavor == 200)
        let (status, _) = try await http("POST", "\(api)/servers", [
            "server": ["name": "sim", "imageRef": "cirros", "flavorRef": "2", "min_count": 22, "max_count": 22]])
        #expect(status == 202)
        var placed: [String: Int] = [:]
        try await waitUntil("22 servers are ACTIVE") {
            let (_, body) = try await http("GET", "\(api)/servers/detail")
            let servers = body["servers"] as? [[String: Any]] ?? []
            placed = [:]
            for s in servers { placed[s["OS-EXT-SRV-ATTR:host"] as? String ?? "", default: 0] += 1 }
            return servers.count == 22 && servers.allSatisfy { $0["status"] as? String == "ACTIVE" }
        }
        #expect(placed == Dictionary(uniqueKeysWithValues: (1..<hosts).map { ("sim-\($0)", 2) }))

        // SIGTERM stops every simulated host as a compute stops: its service goes down.
        daemons["sim"]!.terminate()
        try await waitUntil("the simulated hosts show down", within: 15) {
            let (_, body) = try await http("GET", "\(api)/os-hypervisors")
            return (body["hypervisors"] as? [[String: Any]] ?? []).allSatisfy { $0["state"] as? String == "down" }
        }
    }

    @Test func badSimulateCountsAndRealDriversAreRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let conf = try configs()
        for n in ["0", "-3", "20001"] {
            #expect(throws: IntegrationError.self) { try runNimbus(["compute", "--simulate", n, "--config-file", conf.compute]) }
        }
        let error = #expect(throws: IntegrationError.self) {
            try runNimbus(["compute", "--simulate", "2", "--config-file", conf.compute, "--set", "DEFAULT.compute_driver=libvirt.LibvirtDriver"])
        }
        #expect(error?.description.contains("fake driver only") == true)
    }
}
