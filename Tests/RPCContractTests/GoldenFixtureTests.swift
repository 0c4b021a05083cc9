import ComputeRPC
import ConductorRPC
import Foundation
import NimbusKernel
import NimbusRPC
import SchedulerRPC
import Synchronization
import Testing

/// Every RPC method's arguments and reply against its golden fixture (Fixtures/<api>/<method>.json).
@Suite struct GoldenFixtureTests {
    /// The methods each test below checks, to prove no descriptor is left without a fixture.
    static let checked: [String: Set<String>] = [
        SchedulerAPI.name: ["select_destinations"],
        ComputeTaskAPI.name: ["schedule_and_build_instances", "build_instances", "migrate_server", "unshelve_instance",
                              "rebuild_instance", "live_migrate_instance", "migrate_server_live"],
        ConductorAPI.name: [
            "service_register", "service_heartbeat", "service_stopped", "compute_node_update", "instance_update",
            "instance_get", "instance_destroy", "instances_deleted", "instances_on_host", "instance_fault_create",
            "allocation_release", "image_get", "image_data", "build_result", "action_event", "compute_node_capabilities",
            "migration_step", "image_upload", "image_delete", "shelve_offload_finish",
            "evacuations_from_host", "compute_services",
        ],
        ComputeManagerAPI.name: [
            "build_and_run_instance", "terminate_instance", "reboot_instance", "stop_instance", "start_instance",
            "pause_instance", "unpause_instance", "suspend_instance", "resume_instance", "get_console_output", "get_host_uptime",
            "prep_resize", "resize_instance", "finish_resize", "confirm_resize", "revert_resize", "finish_revert_resize",
            "rebuild_instance", "rescue_instance", "unrescue_instance", "trigger_crash_dump",
            "get_vnc_console", "get_serial_console", "validate_console_port", "snapshot_instance", "soft_delete_instance", "restore_instance",
            "shelve_instance", "shelve_offload_instance", "unshelve_instance",
            "live_migration", "post_live_migration_at_destination", "live_migration_force_complete",
            "live_migration_abort",
        ],
    ]

    @Test func everyDescriptorHasAFixtureTest() {
        let apis: [(String, [RPCMethodInfo])] = [
            (SchedulerAPI.name, SchedulerAPI.methods), (ComputeTaskAPI.name, ComputeTaskAPI.methods),
            (ConductorAPI.name, ConductorAPI.methods), (ComputeManagerAPI.name, ComputeManagerAPI.methods),
        ]
        for (api, methods) in apis {
            #expect(Set(methods.map(\.name)) == Self.checked[api], "\(api): descriptors and fixture tests differ")
            #expect(Set(methods.map(\.name)).count == methods.count, "\(api): a method name is declared twice")
        }
    }

    @Test func scheduler() throws {
        try GoldenFixture.check(SchedulerAPI.selectDestinations,
                                args: SelectDestinationsArgs(spec: Samples.spec, instanceUUIDs: [Samples.uuid(1)]),
                                reply: [[Samples.selection, Samples.alternate]])
    }

    @Test func computeTask() throws {
        try GoldenFixture.check(ComputeTaskAPI.scheduleAndBuildInstances,
                                args: ScheduleAndBuildArgs(spec: Samples.spec, instanceUUIDs: [Samples.uuid(1)]),
                                reply: Empty())
        try GoldenFixture.check(ComputeTaskAPI.buildInstances, args: Samples.reschedule, reply: Empty())
        try GoldenFixture.check(ComputeTaskAPI.migrateServer, args: MigrateServerArgs(
            instanceUUID: Samples.uuid(1), kind: .resize, newFlavor: Samples.flavor, requestedHost: "h2",
            allowSameHost: true, requestID: "req-1", userID: "u1"), reply: Empty())
        try GoldenFixture.check(ComputeTaskAPI.unshelveInstance, args: UnshelveArgs(
            instanceUUID: Samples.uuid(1), availabilityZone: .some("az1"), host: "h2", requestID: "req-1"), reply: Empty())
        try GoldenFixture.check(ComputeTaskAPI.rebuildInstance, args: EvacuateArgs(
            instanceUUID: Samples.uuid(1), host: "h2", force: true, targetStopped: true, requestID: "req-1",
            userID: "u1"), reply: Empty())
        try GoldenFixture.check(ComputeTaskAPI.liveMigrateInstance, args: LiveMigrateArgs(
            instanceUUID: Samples.uuid(1), host: "h2", force: true, blockMigration: false, requestID: "req-1",
            userID: "u1"), reply: Empty())
        try GoldenFixture.check(ComputeTaskAPI.migrateServerLive, args: LiveMigrateArgs(
            instanceUUID: Samples.uuid(1), host: "h2", force: true, blockMigration: false, requestID: "req-1",
            userID: "u1"), reply: LiveMigratePrecheck(error: "No valid host was found."))
    }

    @Test func conductor() throws {
        typealias C = ConductorAPI
        let uuidArg = C.UUIDArg(Samples.uuid(1))
        try GoldenFixture.check(C.serviceRegister, args: C.RegisterService(
            host: "h1", binary: "nova-compute", topic: "compute", rpcEndpoint: "tcp://10.0.0.1:5555",
            rpcPublicKey: "key"), reply: Samples.service)
        try GoldenFixture.check(C.serviceHeartbeat, args: uuidArg, reply: Samples.service)
        try GoldenFixture.check(C.serviceStopped, args: uuidArg, reply: Empty())
        try GoldenFixture.check(C.computeNodeUpdate, args: C.NodeUpdate(
            host: "h1", resources: Samples.hostResources, inventory: Samples.inventory), reply: Samples.computeNode)
        try GoldenFixture.check(C.instanceUpdate, args: C.InstanceUpdateArgs(uuid: Samples.uuid(1),
                                                                             update: Samples.instanceUpdate),
                                reply: Samples.instance)
        try GoldenFixture.check(C.instanceGet, args: uuidArg, reply: Samples.instance)
        try GoldenFixture.check(C.instanceDestroy, args: uuidArg, reply: Empty())
        try GoldenFixture.check(C.instancesDeleted, args: [Samples.uuid(1), Samples.uuid(5)], reply: [Samples.uuid(5)])
        try GoldenFixture.check(C.instancesOnHost, args: C.HostArg("h1"), reply: [Samples.instance])
        try GoldenFixture.check(C.instanceFaultCreate, args: Samples.fault, reply: Empty())
        try GoldenFixture.check(C.allocationRelease, args: uuidArg, reply: 1)
        try GoldenFixture.check(C.imageGet, args: C.ImageRef(id: "img-1"), reply: Samples.imageMeta)
        try GoldenFixture.check(C.imageData, args: C.ImageChunk(id: "img-1", offset: 0, length: 4),
                                reply: Data("QCOW".utf8))
        try GoldenFixture.check(C.buildResult, args: C.BuildResult(node: "h1.example", success: false), reply: Empty())
        try GoldenFixture.check(C.actionEvent, args: C.ActionEvent(
            instance: Samples.uuid(1), requestID: "req-1", event: "compute__do_build_and_run_instance", host: "h1",
            start: Samples.date, finish: Samples.date, result: "Error", traceback: "trace"), reply: Empty())
        try GoldenFixture.check(C.computeNodeCapabilities, args: C.NodeCapabilities(
            node: "h1.example", capabilities: DriverCapabilities([.pause, .imageTypeRaw]),
            traits: ["COMPUTE_IMAGE_TYPE_RAW"]), reply: Empty())
        try GoldenFixture.check(C.migrationStep, args: MigrationStep(
            migrationUUID: Samples.uuid(6), expectedStatuses: ["post-migrating"], status: "finished", destCompute: "h2",
            destNode: "h2.example", destHost: "10.0.0.2", instance: Samples.instanceUpdate, flavor: Samples.flavor,
            allocations: .restoreSource),
            reply: C.MigrationStepResult(migration: Samples.migration, instance: Samples.instance))
        try GoldenFixture.check(C.imageUpload, args: C.ImageUpload(
            id: "img-1", offset: 4, data: Data("QCOW".utf8), final: true, diskFormat: "qcow2", containerFormat: "bare"),
            reply: C.ImageUploadResult(size: 8, status: "active"))
        try GoldenFixture.check(C.imageDelete, args: C.ImageRef(id: "img-1"), reply: Empty())
        try GoldenFixture.check(C.shelveOffloadFinish, args: uuidArg, reply: Samples.instance)
        try GoldenFixture.check(C.evacuationsFromHost, args: C.HostArg("h1"), reply: [Samples.migration])
        try GoldenFixture.check(C.computeServices, args: Empty(), reply: [Samples.service])
    }

    @Test func compute() throws {
        typealias C = ComputeManagerAPI
        try GoldenFixture.check(C.buildAndRunInstance, args: Samples.buildRequest, reply: Empty())
        for m in [C.terminateInstance, C.rebootInstance, C.stopInstance, C.startInstance, C.pauseInstance,
                  C.unpauseInstance, C.suspendInstance, C.resumeInstance, C.unrescueInstance,
                  C.triggerCrashDump, C.softDeleteInstance, C.restoreInstance, C.shelveOffloadInstance] {
            try GoldenFixture.check(m, args: Samples.operation, reply: Empty())
        }
        for m in [C.prepResize, C.resizeInstance, C.finishResize, C.confirmResize, C.revertResize, C.finishRevertResize,
                  C.liveMigration, C.postLiveMigrationAtDestination, C.liveMigrationForceComplete, C.liveMigrationAbort] {
            try GoldenFixture.check(m, args: MigrationOperation(instance: Samples.instance, migration: Samples.migration,
                                                                requestID: "req-1"), reply: Empty())
        }
        try GoldenFixture.check(C.rebuildInstance, args: RebuildOperation(
            instance: Samples.instance, oldVMState: .stopped, imageProperties: ["hw_disk_bus": "virtio"],
            preserveEphemeral: true, requestID: "req-1", migration: Samples.migration, targetStopped: true), reply: Empty())
        try GoldenFixture.check(C.rescueInstance, args: RescueOperation(instance: Samples.instance,
                                                                         rescueImageRef: "img-2", requestID: "req-1"),
                                reply: Empty())
        try GoldenFixture.check(C.snapshotInstance, args: SnapshotOperation(instance: Samples.instance, imageID: "img-3",
                                                                             requestID: "req-1"), reply: Empty())
        try GoldenFixture.check(C.shelveInstance, args: SnapshotOperation(instance: Samples.instance, imageID: "img-3",
                                                                          requestID: "req-1"), reply: Empty())
        try GoldenFixture.check(C.unshelveInstance, args: UnshelveOperation(
            instance: Samples.instance, imageID: "img-3", selection: Samples.selection, requestID: "req-1"), reply: Empty())
        try GoldenFixture.check(C.getConsoleOutput, args: Samples.operation, reply: "line 1\nline 2\n")
        try GoldenFixture.check(C.getHostUptime, args: Empty(), reply: " 08:32:11 up 93 days, 18:25, 12 users,  load average: 0.20, 0.12, 0.14")
        try GoldenFixture.check(C.getVNCConsole, args: ConsoleRequest(instance: Samples.instance, consoleType: "novnc"),
                                reply: Samples.vncConsole)
        try GoldenFixture.check(C.getSerialConsole, args: ConsoleRequest(instance: Samples.instance, consoleType: "serial"),
                                reply: Samples.serialConsole)
        try GoldenFixture.check(C.validateConsolePort, args: ConsolePortCheck(instance: Samples.instance, port: 5901,
                                                                               consoleType: "novnc"), reply: true)
    }

    /// The check itself: a stored fixture whose field was renamed (as if the type had changed) fails, naming the
    /// method and the field, and says the version was not bumped.
    @Test func aChangedFieldFailsNamingTheMethodAndTheField() throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("fixtures-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = ConductorAPI.buildResult
        let args = ConductorAPI.BuildResult(node: "n", success: true)
        guard case .object(var doc) = try GoldenFixture.document(m, args: args, reply: Empty()),
              case .object(var stored) = doc["args"]
        else { throw CancellationError() }
        stored["succeeded"] = stored.removeValue(forKey: "success")
        doc["args"] = .object(stored)
        let file = dir.appendingPathComponent(ConductorAPI.name).appendingPathComponent(m.name + ".json")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try WireJSON.object(doc).canonical().write(to: file)

        let seen = Mutex<[String]>([])
        try withKnownIssue {
            try GoldenFixture.check(m, args: args, reply: Empty(), in: dir, update: nil)
        } matching: { issue in
            let text = issue.comments.map(\.rawValue).joined()
            seen.withLock { $0.append(text) }
            return text.hasPrefix("conductor.build_result")  // every failure names the method
        }
        let messages = seen.withLock { $0 }
        #expect(messages.contains {
            $0.contains("the wire form changed without a version bump") && $0.contains("field args.success added (bool)")
                && $0.contains("field args.succeeded removed (was bool)")
        })
        #expect(messages.contains { $0.contains("args: the fixture no longer decodes as BuildResult") })
        // Regenerating refuses too: the shape changed and neither `since` nor the API version moved.
        try withKnownIssue {
            try GoldenFixture.check(m, args: args, reply: Empty(), in: dir, update: "1")
        } matching: { issue in issue.comments.contains { $0.rawValue.contains("refusing to rewrite") } }
        #expect(try WireJSON.parse(Data(contentsOf: file)) == .object(doc))  // left as it was
    }
}
