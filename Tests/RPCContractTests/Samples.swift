import ComputeRPC
import ConductorRPC
import Foundation
import NimbusKernel
import NimbusRPC
import SchedulerRPC

/// One sample value per wire type, with every optional field set, so a renamed, removed or retyped field
/// shows in the fixtures. Fixed UUIDs and dates keep the fixtures stable. Dictionaries with non-string keys
/// encode as arrays in dictionary order, so such samples hold one entry.
enum Samples {
    static func uuid(_ n: Int) -> UUID {
        UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", n)) ?? UUID()
    }

    static let date = Date(timeIntervalSince1970: 1_700_000_000.25)
    static let resources = Resources(vcpus: 2, memoryMB: 2048, diskGB: 20)

    static let flavor = Flavor(id: "2", name: "m1.small", memoryMB: 2048, vcpus: 2, rootGB: 20, ephemeralGB: 1,
                               swapMB: 512, rxtxFactor: 1.5, isPublic: false, disabled: false,
                               description: "small", extraSpecs: ["hw:cpu_policy": "dedicated"])

    static let spec: RequestSpec = {
        var s = RequestSpec(flavor: flavor, imageRef: "img-1", imageProperties: ["hw_architecture": "x86_64"],
                            projectID: "p1", userID: "u1", numInstances: 2, availabilityZone: "az1",
                            schedulerHints: ["group": [uuid(9).uuidString.lowercased()]], ignoreHosts: ["h0"],
                            requestedHost: "h1", isRebuild: false)
        s.instanceGroup = InstanceGroupInfo(uuid: uuid(9), policy: .antiAffinity, rules: ["max_server_per_host": "1"],
                                            memberHosts: [uuid(8): "h2"])
        s.forceHosts = ["h1"]
        s.currentHost = "h3"
        s.pciRequests = [PCIRequest(alias: "gpu", count: 1, specs: [["vendor_id": "10de", "product_id": "1eb8"]])]
        return s
    }()

    static let selection = Selection(host: "h1", nodename: "h1.example", nodeUUID: uuid(2), resources: resources)
    static let alternate = Selection(host: "h2", nodename: "h2.example", nodeUUID: uuid(3), resources: resources)

    static let instance = InstanceRecord(
        uuid: uuid(1), name: "vm-1", projectID: "p1", userID: "u1", flavor: flavor, imageRef: "img-1",
        vmState: .active, taskState: .rebooting, powerState: .running, host: "h1", node: "h1.example",
        availabilityZone: "az1", reservationID: "r-abcdefgh", launchIndex: 0, keyName: "key",
        metadata: ["role": "web"], userData: "I2Nsb3VkLWNvbmZpZw==", createdAt: date, updatedAt: date,
        launchedAt: date, terminatedAt: date, deletedAt: date)

    static let instanceUpdate = InstanceUpdate(vmState: .active, taskState: .some(nil), powerState: .running,
                                               host: .some("h1"), node: .some(nil), launchedAt: date,
                                               terminatedAt: date, expectedTaskStates: [.spawning, nil])

    static let fault = InstanceFault(instanceUUID: uuid(1), code: 500, message: "boom", details: "trace",
                                     host: "h1", createdAt: date)

    static let service = ServiceRecord(uuid: uuid(4), host: "h1", binary: "nova-compute", topic: "compute",
                                       reportCount: 3, disabled: true, disabledReason: "maintenance",
                                       forcedDown: false, lastSeenUp: date, createdAt: date, updatedAt: date,
                                       rpcEndpoint: "tcp://10.0.0.1:5555", rpcPublicKey: "key")

    static let hostResources = HostResources(
        hypervisorHostname: "h1.example", vcpus: 8, memoryMB: 16384, localGB: 100, hypervisorType: "QEMU",
        hypervisorVersion: 8_002_000, hostIP: "10.0.0.1", cpuInfo: "{\"arch\": \"x86_64\"}",
        supportedInstances: [["x86_64", "qemu", "hvm"]],
        numaTopology: NUMATopology(cells: [NUMACell(id: 0, cpus: [0, 1], memoryMB: 8192, cpuUsage: 1,
                                                    memoryUsage: 512, pinnedCPUs: [1])]),
        pciPools: [PCIPool(vendorID: "10de", productID: "1eb8", count: 2, numaNode: 0)],
        metrics: ["cpu.percent": 0.5])

    static let inventory = InventorySettings(reserved: Resources(vcpus: 0, memoryMB: 512, diskGB: 1), cpuRatio: 4,
                                             ramRatio: 1.5, diskRatio: 1, initialCPURatio: 4, initialRAMRatio: 1,
                                             initialDiskRatio: 1)

    static let computeNode = ComputeNodeRecord(
        uuid: uuid(2), host: "h1", resources: hostResources, reserved: inventory.reserved, cpuAllocationRatio: 4,
        ramAllocationRatio: 1.5, diskAllocationRatio: 1, used: resources, numInstances: 1, numIOOps: 0,
        failedBuilds: 0, generation: 7, updatedAt: date)

    static let imageMeta = ConductorAPI.ImageMeta(
        id: "img-1", status: "active", size: 1024, checksum: "d41d8cd98f00b204e9800998ecf8427e", osHashAlgo: "sha512",
        osHashValue: "cf83e1357eefb8bd", diskFormat: "qcow2", properties: ["hw_architecture": "x86_64"])

    static let migration = MigrationRecord(
        id: 7, uuid: uuid(6), instanceUUID: uuid(1), kind: .resize, status: "finished", sourceCompute: "h1",
        sourceNode: "h1.example", destCompute: "h2", destNode: "h2.example", destHost: "10.0.0.2", oldFlavor: flavor,
        newFlavor: Flavor(id: "3", name: "m1.medium", memoryMB: 4096, vcpus: 2, rootGB: 40), oldVMState: .stopped,
        projectID: "p1", userID: "u1", createdAt: date, updatedAt: date)
    static let operation = InstanceOperation(instance: instance, requestID: "req-1", hard: true, length: 10)

    static let vncConsole = ConsoleConnectInfo(consoleType: "novnc", host: "192.0.2.10", port: 5901,
                                               internalAccessPath: "path-1",
                                               accessURLBase: "http://127.0.0.1:6080/vnc_auto.html")
    static let serialConsole = ConsoleConnectInfo(consoleType: "serial", host: "192.0.2.10", port: 10000,
                                                  internalAccessPath: "path-2", accessURLBase: "ws://127.0.0.1:6083/")

    static let buildRequest = BuildInstanceRequest(instance: instance, spec: spec, selection: selection,
                                                   alternates: [alternate], attempt: 1, retryEnabled: true)

    static let reschedule = RescheduleRequest(instanceUUID: uuid(1), spec: spec, alternates: [alternate], attempt: 1,
                                              failedHost: "h1", error: "spawn failed")
}
