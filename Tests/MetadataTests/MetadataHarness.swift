import Foundation
import Logging
import NimbusKernel
import NimbusKernelTestKit
import NimbusMetadata
import NimbusStore

/// The metadata service on 127.0.0.1 (free port) over a real store holding instances, key pairs and a network
/// on 127.0.0.0/24, so a guest "at" 127.0.0.N is a client whose socket is bound to that address.
final class MetadataHarness: StoppableHarness {
    let store: NimbusStore
    let server: MetadataServer
    let port: Int
    let task: Task<Void, any Error>
    let networkID: String
    let subnetID: String

    static func start(_ settings: MetadataSettings = MetadataSettings()) async throws -> MetadataHarness {
        let dir = NSTemporaryDirectory() + "nimbus-metadata-\(UUID().uuidString.prefix(8))"
        let store = try NimbusStore(path: dir + "/nimbus.sqlite")
        _ = try store.migrate()
        var logger = Logger(label: "metadata-tests")
        logger.logLevel = .critical
        var s = settings
        s.host = "127.0.0.1"
        s.port = 0
        let server = MetadataServer(settings: s, store: store, logger: logger)
        let task = Task { try await server.run() }
        let port = await server.boundPort()
        let net = NetworkRecord(name: "private", projectID: "p-demo", mtu: 1450)
        try await store.saveNetwork(net, insert: true)
        let subnet = SubnetRecord(networkID: net.id, projectID: "p-demo", ipVersion: 4, cidr: "127.0.0.0/24",
                                  gatewayIP: "127.0.0.254", allocationPools: [IPRange(start: "127.0.0.1", end: "127.0.0.200")],
                                  enableDHCP: true, dnsNameservers: ["192.0.2.53"])
        try await store.createSubnet(subnet)
        return MetadataHarness(store: store, server: server, port: port, task: task, networkID: net.id, subnetID: subnet.id)
    }

    private init(store: NimbusStore, server: MetadataServer, port: Int, task: Task<Void, any Error>, networkID: String,
                 subnetID: String) {
        self.store = store
        self.server = server
        self.port = port
        self.task = task
        self.networkID = networkID
        self.subnetID = subnetID
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    /// An instance of project `project` with a port holding `ip` (none when nil).
    @discardableResult
    func instance(_ name: String, ip: String?, project: String = "p-demo", key: String? = nil, userData: Data? = nil,
                  meta: [String: String] = [:]) async throws -> UUID {
        var i = InstanceRecord(name: name, projectID: project, userID: "u-\(name)",
                               flavor: Flavor(id: "1", name: "m1.tiny", memoryMB: 512, vcpus: 1, rootGB: 1),
                               imageRef: "8a3f0c2e-0000-4000-8000-000000000001", availabilityZone: "nova",
                               reservationID: "r-\(name)", keyName: key, metadata: meta,
                               userData: userData?.base64EncodedString())
        i.vmState = .active
        try await store.createInstances([i], spec: Make.spec().build(), requestID: "req-\(name)")
        if let key {
            try await store.createKeypair(KeypairRecord(userID: "u-\(name)", name: key, type: "ssh",
                                                        publicKey: "ssh-ed25519 AAAA\(name) \(name)@test", fingerprint: "f"),
                                          limit: nil)
        }
        if let ip {
            _ = try await store.createPort(PortRecord(networkID: networkID, projectID: project,
                                                      deviceID: i.uuid.uuidString.lowercased(), deviceOwner: "compute:nova",
                                                      bindingVifType: "bridge"),
                                           requests: [FixedIPRequest(subnetID: subnetID, ipAddress: ip)])
        }
        return i.uuid
    }

    /// A request as a guest at `from` sends it (the socket is bound to that loopback address).
    /// The blocking socket calls run on a thread of their own: on the cooperative pool they could take every
    /// thread the server's handlers need (2 cores), and each request would wait out the receive timeout.
    func get(_ path: String, from: String = "127.0.0.1", method: String = "GET", body: Data? = nil,
             headers: [String: String] = [:]) async throws -> RawAnswer {
        let port = port
        return try await withCheckedThrowingContinuation { c in
            Thread.detachNewThread {
                c.resume(with: Result { try RawHTTP.send(method, path, to: port, from: from, body: body, headers: headers) })
            }
        }
    }
}
