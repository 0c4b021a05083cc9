import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import Testing

/// The store's side of crash safety (issue 10): build ownership, failing builds by Nova's allocation rule,
/// atomic delete, the claims audit and reconcile, and file modes.
@Suite struct CrashSafetyStoreTests {
    /// A store with one node and one instance; `claimed` claims the flavor on the node for it.
    func fixture(host: String? = nil, claimed: Bool) async throws -> (NimbusStore, ComputeNodeRecord, InstanceRecord) {
        let store = try openStore()
        let node = try await addNode(store, "n1", vcpus: 8, ram: 8192)
        let vm = Make.instance(host: host)
        try await store.createInstances([vm], spec: Make.spec(vm.flavor).build(), requestID: "r")
        if let host { try await store.updateInstance(vm.uuid, InstanceUpdate(taskState: .some(nil), node: .some(host))) }
        if claimed {
            #expect(try await store.claim(consumer: vm.uuid, node: node.uuid, resources: vm.flavor.resources))
        }
        return (store, node, vm)
    }

    func used(_ store: NimbusStore, _ node: ComputeNodeRecord) async throws -> Resources? {
        try await store.computeNode(node.uuid)?.used
    }

    @Test func transferIsACompareAndSetOnPendingBuilds() async throws {
        let (store, _, vm) = try await fixture(claimed: false)
        let a = NimbusStore.conductorOwner(UUID()), b = NimbusStore.conductorOwner(UUID())
        #expect(try await store.transferBuilds([vm.uuid], from: nil, to: a) == [vm.uuid])
        #expect(try await store.transferBuilds([vm.uuid], from: nil, to: b).isEmpty)  // a late duplicate loses
        #expect(try await store.pendingBuilds().map(\.owner) == [a])
        // Once its compute starts it (host set), the build is no longer pending: nobody can take it.
        try await store.updateInstance(vm.uuid, InstanceUpdate(taskState: .some(nil), host: .some("n1")))
        #expect(try await store.pendingBuilds().isEmpty)
        #expect(try await store.transferBuilds([vm.uuid], from: a, to: b).isEmpty)
    }

    @Test func failingABuildThatNeverReachedAHostFreesItsClaimInTheSameWrite() async throws {
        let (store, node, vm) = try await fixture(claimed: true)
        let owner = NimbusStore.conductorOwner(UUID())
        let fault = InstanceFault(instanceUUID: vm.uuid, code: 500, message: "conductor died")
        #expect(try await !store.failInstance(fault, when: .pending(owner: owner)))  // not that owner's build
        try await store.transferBuilds([vm.uuid], from: nil, to: owner)
        #expect(try await store.failInstance(fault, when: .pending(owner: owner)))
        #expect(try await store.instance(vm.uuid)?.vmState == .error)
        #expect(try await store.latestFault(vm.uuid)?.message == "conductor died")
        #expect(try await store.allocations(consumer: vm.uuid).isEmpty)
        #expect(try await used(store, node) == .zero)
    }

    @Test func failingABuildOnAHostKeepsItsClaimUntilDeleted() async throws {
        let (store, node, vm) = try await fixture(host: "n1", claimed: true)
        let fault = InstanceFault(instanceUUID: vm.uuid, code: 500, message: "compute died", host: "n1")
        #expect(try await store.failInstance(fault, when: .buildingOn(host: "n1")))
        #expect(try await !store.failInstance(fault, when: .buildingOn(host: "n1")))  // no longer building
        #expect(try await used(store, node) == vm.flavor.resources)
        #expect(try await store.auditAllocations().isClean)
        try await store.markDeleted(vm.uuid)
        #expect(try await used(store, node) == .zero)
        #expect(try await store.auditAllocations().isClean)
    }

    @Test func reconcileFreesClaimsOfDeletedUnknownAndHostlessInstances() async throws {
        let (store, node, vm) = try await fixture(claimed: true)
        // An unknown consumer, and an ERROR instance that never reached a host but holds a claim.
        let stranger = UUID()
        #expect(try await store.claim(consumer: stranger, node: node.uuid, resources: Resources(vcpus: 1, memoryMB: 64, diskGB: 0)))
        try await store.updateInstance(vm.uuid, InstanceUpdate(vmState: .error, taskState: .some(nil)))
        let audit = try await store.auditAllocations()
        #expect(Set(audit.findings.map(\.kind)) == [.orphaned, .hostless])
        #expect(try await store.reconcileAllocations().findings.count == 2)
        #expect(try await store.auditAllocations().isClean)
        #expect(try await used(store, node) == .zero)
    }

    @Test func reconcileRestoresTheClaimOfAnInstanceOnAHostAndFixesDriftedUsage() async throws {
        let (store, node, vm) = try await fixture(host: "n1", claimed: true)
        try await store.updateInstance(vm.uuid, InstanceUpdate(vmState: .error, taskState: .some(nil)))
        try await store.releaseAllocations(consumer: vm.uuid)  // what a restarted compute's recovery does
        #expect(try await store.auditAllocations().findings.map(\.kind) == [.missing])
        try await store.reconcileAllocations()
        #expect(try await store.allocations(consumer: vm.uuid).map(\.resources) == [vm.flavor.resources])
        #expect(try await used(store, node) == vm.flavor.resources)
        #expect(try await store.auditAllocations().isClean)
    }

    @Test func aBuildHandedBackForRescheduleIsUnownedAndAFailedOneCannotBeRevived() async throws {
        let (store, _, vm) = try await fixture(claimed: false)
        try await store.transferBuilds([vm.uuid], from: nil, to: NimbusStore.computeOwner("n1"))
        try await store.updateInstance(vm.uuid, InstanceUpdate(taskState: .some(.spawning), host: .some("n1")))
        try await store.updateInstance(vm.uuid, InstanceUpdate(taskState: .some(.scheduling), host: .some(nil)))
        #expect(try await store.pendingBuilds().map(\.owner) == [nil])
        try await store.failInstance(InstanceFault(instanceUUID: vm.uuid, code: 500, message: "x"), when: .pending(owner: nil))
        await #expect(throws: StoreError.self) {
            try await store.updateInstance(vm.uuid, InstanceUpdate(taskState: .some(.scheduling), host: .some(nil)))
        }
    }

    @Test func theDatabaseFilesAreOwnerOnly() async throws {
        let path = tempDB()
        let store = try openStore(path)
        _ = try await store.createFlavor(Make.flavor("w"))  // a write: -wal and -shm exist
        func mode(_ p: String) -> Int? {
            (try? FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? NSNumber)?.intValue
        }
        #expect(mode((path as NSString).deletingLastPathComponent) == 0o711)
        for file in [path, path + "-wal", path + "-shm"] { #expect(mode(file) == 0o600, "\(file)") }
    }
}
