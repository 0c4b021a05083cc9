import ConductorRPC
import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusRPC
import NimbusStore
import Testing

/// The database proxy computes use (`ConductorAPI`), called over the bus as a compute calls it.
@Suite struct ConductorProxyTests {
    @Test func instanceUpdateNamesTheErrorsComputesActOn() async throws {
        try await withHarness(try await ConductorHarness.start()) { h in
            let uuid = try #require(try await h.createInstances(Make.spec().build()).first)

            // A guarded update that matches: saved, and the new row comes back.
            let claimed = try await h.db.call(ConductorAPI.instanceUpdate, ConductorAPI.InstanceUpdateArgs(
                uuid: uuid, update: InstanceUpdate(taskState: .some(nil), host: .some("host1"),
                                                   expectedTaskStates: [.scheduling])))
            #expect(claimed.host == "host1" && claimed.taskState == nil)
            #expect(try await h.store.instance(uuid)?.host == "host1")

            // Computes recognise these two by Nova's names (deleted during the build / taken over).
            do {
                _ = try await h.db.call(ConductorAPI.instanceUpdate, ConductorAPI.InstanceUpdateArgs(
                    uuid: uuid, update: InstanceUpdate(vmState: .active, expectedTaskStates: [.spawning])))
                Issue.record("an update guarded by a stale task state was saved")
            } catch let e as RemoteError {
                #expect(e.type == ConductorAPI.unexpectedTaskState)
            }
            do {
                _ = try await h.db.call(ConductorAPI.instanceUpdate, ConductorAPI.InstanceUpdateArgs(
                    uuid: UUID(), update: InstanceUpdate(vmState: .active)))
                Issue.record("an update of an unknown instance succeeded")
            } catch let e as RemoteError {
                #expect(e.type == ConductorAPI.instanceNotFound)
            }
            #expect(try await h.db.call(ConductorAPI.instanceGet, ConductorAPI.UUIDArg(UUID())) == nil)
            #expect(try await h.db.call(ConductorAPI.instancesOnHost, ConductorAPI.HostArg("host1")).map(\.uuid) == [uuid])

            _ = try await h.db.call(ConductorAPI.instanceDestroy, ConductorAPI.UUIDArg(uuid))
            #expect(try await h.db.call(ConductorAPI.instanceGet, ConductorAPI.UUIDArg(uuid)) == nil)
            #expect(try await h.db.call(ConductorAPI.instancesDeleted, [uuid, UUID()]) == [uuid])
        }
    }

    @Test func registrationIsStoredAndAnnounced() async throws {
        try await withHarness(try await ConductorHarness.start()) { h in
            let s = try await h.db.call(ConductorAPI.serviceRegister, ConductorAPI.RegisterService(
                host: "host9", binary: "nova-compute", topic: "compute"))
            #expect(s.host == "host9" && s.binary == "nova-compute")
            #expect(h.registered.uuids == [s.uuid], "the service directory is told")
            let beat = try await h.db.call(ConductorAPI.serviceHeartbeat, ConductorAPI.UUIDArg(s.uuid))
            #expect(beat.uuid == s.uuid && beat.lastSeenUp != nil)
            #expect(try await h.store.services(binary: "nova-compute").map(\.host) == ["host9"])
        }
    }

    @Test func releaseAndFaultsGoToTheStore() async throws {
        try await withHarness(try await ConductorHarness.start()) { h in
            let uuid = try #require(try await h.createInstances(Make.spec().build()).first)
            let node = try #require(h.nodes["host1"])
            #expect(try await h.store.claim(consumer: uuid, node: node.uuid, resources: Make.flavor().resources))
            #expect(try await h.db.call(ConductorAPI.allocationRelease, ConductorAPI.UUIDArg(uuid)) == 1)
            #expect(try await h.db.call(ConductorAPI.allocationRelease, ConductorAPI.UUIDArg(uuid)) == 0)
            _ = try await h.db.call(ConductorAPI.instanceFaultCreate,
                                    InstanceFault(instanceUUID: uuid, code: 500, message: "boom", host: "host1"))
            #expect(try await h.store.latestFault(uuid)?.message == "boom")
        }
    }
}
