import Foundation
import NimbusKernelTestKit
import NimbusTestCloud
@testable import NimbusAPI
import NimbusJSON
import NimbusKernel
@testable import NimbusStore
import Testing

/// The listing writes servers straight to bytes (`JSONObjectWriter`, in parts on several cores); a single
/// server goes through `JSONPairs` to a `JSON` tree. Both come from `ServerView.detailFields`: they must agree
/// for every microversion and caller, whatever the strings hold.
@Suite struct ViewFieldsTests {
    static let flavor = Flavor(id: "f\"1", name: "tiny \\ é", memoryMB: 512, vcpus: 1, rootGB: 1,
                               extraSpecs: ["hw:cpu_policy": "dedicated"])

    static func servers(_ n: Int) -> [APIServer] {
        (0..<n).map { k in
            var i = InstanceRecord(name: "s\(k) \"quoted\"\n", projectID: "p\(k % 3)", userID: "u", flavor: flavor,
                                   imageRef: k % 4 == 0 ? "" : "img-\(k)", vmState: k % 5 == 0 ? .error : .active,
                                   taskState: k % 2 == 0 ? nil : .rebooting, powerState: .running,
                                   host: k % 7 == 0 ? nil : "host-\(k % 3)", node: "node-\(k % 3)",
                                   availabilityZone: k % 2 == 0 ? "az\\1" : nil, reservationID: "r-\(k)",
                                   launchIndex: k, keyName: k % 3 == 0 ? nil : "key", metadata: ["a": "1", "q\"": "x\u{1}y"],
                                   userData: k % 2 == 0 ? "dXNlcg==" : nil,
                                   createdAt: Date(timeIntervalSince1970: 1_700_000_000 + Double(k) * 0.123456),
                                   updatedAt: k % 2 == 0 ? nil : Date(timeIntervalSince1970: 1_700_000_100),
                                   launchedAt: Date(timeIntervalSince1970: 1_700_000_050.5))
            if k == 1 { i.createdAt = Date(timeIntervalSince1970: -70_000_000_000) }  // year 0-: Foundation's path
            var fields = ServerAPIFields(lockedBy: k % 2 == 0 ? "owner" : nil, lockedReason: k % 2 == 0 ? "why" : nil,
                                         description: k % 3 == 0 ? nil : "d é \"", hostname: "s\(k)",
                                         tags: k % 2 == 0 ? [] : ["t1", "t\"2"])
            fields.schedulerHints = k % 2 == 0 ? [:] : ["group": ["g1"], "same_host": ["a", "b"]]
            return APIServer(instance: i, fields: fields)
        }
    }

    static func context(_ minor: Int, admin: Bool) -> ServerViewContext {
        var v = ServerViewContext(base: "http://h\"x\\:1", microversion: APIVersion(2, minor), isAdmin: admin,
                                  defaultAZ: "nova")
        v.hostAZ = ["host-1": "zone \"1\""]
        v.hostStatus = ["host-0": "UP", "host-1": "MAINTENANCE"]
        return v
    }

    static func faults(_ servers: [APIServer]) -> [UUID: InstanceFault] {
        Dictionary(uniqueKeysWithValues: servers.filter { $0.instance.vmState == .error }.map {
            ($0.instance.uuid, InstanceFault(instanceUUID: $0.instance.uuid, code: 500, message: "boom \"", details: "t\n",
                                             createdAt: Date(timeIntervalSince1970: 1_700_000_200)))
        })
    }

    @Test(arguments: [1, 3, 16, 26, 47, 71, 73, 90, 96, 98, 100])
    func writerMatchesPairs(minor: Int) throws {
        let servers = Self.servers(12)
        let faults = Self.faults(servers)
        for admin in [true, false] {
            let v = Self.context(minor, admin: admin).preparedForListing(servers)
            for s in servers {
                var sink = JSONSink(capacity: 16)
                defer { sink.deallocate() }
                var writer = JSONObjectWriter(sink)
                ServerView.detailFields(s, v, fault: faults[s.instance.uuid], groups: [s.instance.uuid],
                                        hints: s.fields.schedulerHints, into: &writer)
                sink = writer.finish()
                let written = try JSON.decode(Data(sink.bytes))
                let pairs = ServerView.detail(s, v, fault: faults[s.instance.uuid], groups: [s.instance.uuid],
                                              hints: s.fields.schedulerHints)
                #expect(written == pairs, "2.\(minor) admin \(admin)")
            }
        }
    }

    @Test func listingInPartsEqualsListingWhole() async throws {
        let servers = Self.servers(37)
        let faults = Self.faults(servers)
        let v = Self.context(100, admin: true).preparedForListing(servers)
        var outputs: [[UInt8]] = []
        for parts in [1, 2, 3, 5, 37, 100] {
            var sink = JSONSink(capacity: 8)
            await ServerView.writeListing(servers, v, faults: faults, parts: parts, to: &sink)
            outputs.append(Array(sink.bytes))
            sink.deallocate()
        }
        #expect(Set(outputs).count == 1)
        let decoded = try JSON.decode(Data("[".utf8 + outputs[0] + "]".utf8))
        #expect(decoded.array?.count == 37)
        #expect(decoded.array?.map { $0["name"]?.string } == servers.map { $0.instance.name })
        #expect(ServerView.listingParts(10) == 1)
        #expect(ServerView.listingParts(1000) == min(ProcessInfo.processInfo.activeProcessorCount, 6))
    }
}
