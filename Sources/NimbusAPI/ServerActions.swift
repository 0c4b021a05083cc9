import ComputeRPC
import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusRPC
import NimbusStore

/// `POST /servers/{id}/action`: power actions cast to the compute after the API sets the task state
/// (guarded by `expected_task_state = None`, so two racing requests cannot both start), lock/unlock in the
/// API alone, console output as a call.
extension ComputeAPI {
    func addServerActionRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.post("servers/:id/action") { req, ctx in try await serverAction(req, ctx) }
    }

    /// Power actions: allowed vm_states, the task state the API sets, the compute method.
    struct PowerAction {
        var name: String
        var vmStates: [VMState]
        var task: TaskState
        var method: ComputeManagerAPI.Operation
    }

    static let powerActions: [String: PowerAction] = [
        "os-stop": .init(name: "stop", vmStates: [.active, .error], task: .poweringOff, method: ComputeManagerAPI.stopInstance),
        "os-start": .init(name: "start", vmStates: [.stopped], task: .poweringOn, method: ComputeManagerAPI.startInstance),
        "pause": .init(name: "pause", vmStates: [.active], task: .pausing, method: ComputeManagerAPI.pauseInstance),
        "unpause": .init(name: "unpause", vmStates: [.paused], task: .unpausing, method: ComputeManagerAPI.unpauseInstance),
        "suspend": .init(name: "suspend", vmStates: [.active], task: .suspending, method: ComputeManagerAPI.suspendInstance),
        "resume": .init(name: "resume", vmStates: [.suspended], task: .resuming, method: ComputeManagerAPI.resumeInstance),
        "unrescue": .init(name: "unrescue", vmStates: [.rescued], task: .unrescuing, method: ComputeManagerAPI.unrescueInstance),
    ]

    func serverAction(_ req: Request, _ ctx: NimbusRequestContext) async throws -> Response {
        let body = try await Self.object(req)
        guard body.values.count == 1, let (name, args) = body.values.first else {
            throw NovaError.badRequest("Malformed request body: exactly one action expected")
        }
        let known = Set(Self.powerActions.keys).union(["reboot", "lock", "unlock", "os-getConsoleOutput",
                                                       "forceDelete", "os-resetState", "restore"])
            .union(Self.moveActions).union(["rebuild", "rescue", "trigger_crash_dump", "createImage"]).union(Self.shelveActions)
            .union(["evacuate", "os-migrateLive"])
        if Self.isUnimplementedAction(name) { return try await unimplementedAction(name, args, ctx) }
        guard known.contains(name) else { throw NovaError.badRequest("There is no such action: \(name)") }
        let s = try await server(ctx.parameters.get("id"), ctx, write: "os_compute_api:servers:\(name)")
        if Self.moveActions.contains(name) { return try await moveAction(name, args, s, ctx) }
        if name == "rebuild" { return try await rebuildAction(req, args, s, ctx) }
        if name == "rescue" { return try await rescueAction(args, s, ctx) }
        if name == "trigger_crash_dump" { return try await crashDumpAction(args, s, ctx) }
        if name == "createImage" { return try await createImageAction(args, s, ctx) }
        if Self.shelveActions.contains(name) { return try await shelveAction(name, args, s, ctx) }
        if name == "evacuate" { return try await evacuateAction(args, s, ctx) }
        if name == "os-migrateLive" { return try await liveMigrateAction(args, s, ctx) }
        let i = s.instance
        let id = i.uuid.uuidString.lowercased()
        let locked = s.fields.lockedBy != nil && !ctx.auth.isAdmin
        func lockCheck() throws { if locked { throw NovaError.conflict("Instance \(id) is locked") } }
        func noArgs() throws {
            if !args.isNull, args.object?.isEmpty != true {
                throw Fields.invalid(name, args, "\(args.brief) is not of type 'null'")
            }
        }
        switch name {
        case "reboot":
            guard let o = args.object else { throw Fields.invalid("reboot", args, "is not of type 'object'") }
            let f = Fields(o, path: "reboot")
            try f.only(["type"])
            let type = try f.string("type", required: true)!.uppercased()
            guard type == "SOFT" || type == "HARD" else {
                throw Fields.invalid("type", .string(type), "'\(type)' is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']")
            }
            try lockCheck()
            let hard = type == "HARD"
            let states: [VMState] = hard ? [.active, .stopped, .paused, .suspended, .error] : [.active]
            let tasks: [TaskState?] = hard ? [nil, .rebooting, .rebootPending, .rebootStarted, .rebootingHard,
                                              .rebootPendingHard, .rebootStartedHard]
                                           : [nil]
            try await cast(i, action: "reboot", vmStates: states, tasks: tasks,
                           set: hard ? .rebootingHard : .rebooting, method: ComputeManagerAPI.rebootInstance, hard: hard, ctx)
            return empty(.accepted)
        case "lock":
            var reason: String?
            if let o = args.object, ctx.at(73) {
                let f = Fields(o, path: "lock")
                try f.only(["locked_reason"])
                reason = try f.string("locked_reason", max: 255)
            } else { try noArgs() }
            try await store.updateServer(i.uuid, lock: (by: ctx.auth.projectID == i.projectID ? "owner" : "admin",
                                                        reason: reason))
            try await record(i, "lock", ctx)
            return empty(.accepted)
        case "unlock":
            try noArgs()
            if s.fields.lockedBy == "admin", !ctx.auth.isAdmin {
                throw Policy.denied("os_compute_api:os-lock-server:unlock:unlock_override")
            }
            try await store.updateServer(i.uuid, lock: (by: nil, reason: nil))
            try await record(i, "unlock", ctx)
            return empty(.accepted)
        case "os-getConsoleOutput":
            return try await consoleOutput(i, args)
        case "forceDelete":
            try noArgs()
            try await deleteServer(s, ctx)
            return empty(.accepted)
        case "restore":
            return try await restoreAction(args, s, ctx)
        case "os-resetState":
            try Policy.admin(ctx, "os_compute_api:os-admin-actions:reset_state")
            guard let o = args.object else { throw Fields.invalid("os-resetState", args, "is not of type 'object'") }
            let f = Fields(o, path: "os-resetState")
            try f.only(["state"])
            let state = try f.string("state", required: true)!
            guard state == "active" || state == "error" else {
                throw Fields.invalid("state", .string(state), "'\(state)' is not one of ['active', 'error']")
            }
            try await store.updateInstance(i.uuid, InstanceUpdate(vmState: state == "active" ? .active : .error,
                                                                  taskState: .some(nil)))
            return empty(.accepted)
        default:
            let a = Self.powerActions[name]!
            try noArgs()
            try lockCheck()
            try await cast(i, action: a.name, vmStates: a.vmStates, tasks: [nil], set: a.task, method: a.method,
                           hard: false, ctx)
            return empty(.accepted)
        }
    }

    /// Nova's `check_instance_state` (409 naming the state), then the guarded task-state write and the cast.
    func cast(_ i: InstanceRecord, action: String, vmStates: [VMState], tasks: [TaskState?], set task: TaskState,
              method: ComputeManagerAPI.Operation, hard: Bool, _ ctx: NimbusRequestContext) async throws {
        let id = i.uuid.uuidString.lowercased()
        guard vmStates.contains(i.vmState) else {
            throw NovaError.conflict("Cannot '\(action)' instance \(id) while it is in vm_state \(i.vmState.rawValue)")
        }
        guard tasks.contains(i.taskState) else {
            throw NovaError.conflict("Cannot '\(action)' instance \(id) while it is in task_state \(i.taskState?.rawValue ?? "None")")
        }
        guard let host = i.host else { throw NovaError.conflict("Instance \(id) is not ready") }
        try await requireCapability(i, action: action)
        let updated: InstanceRecord
        do {
            updated = try await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(task), expectedTaskStates: tasks),
                                                     expectedVMStates: vmStates)
        } catch let StoreError.unexpectedTaskState(_, actual, _) {
            throw NovaError.conflict("Cannot '\(action)' instance \(id) while it is in task_state \(actual ?? "None")")
        } catch let StoreError.unexpectedVMState(_, actual) {
            throw NovaError.conflict("Cannot '\(action)' instance \(id) while it is in vm_state \(actual)")
        }
        let rid = RequestContext.requestID ?? RequestContext.newRequestID()
        try await store.startAction(i.uuid, action: action, requestID: rid, userID: ctx.auth.userID,
                                    projectID: i.projectID)
        do {
            try await compute.prepare(server: host).cast(method, InstanceOperation(instance: updated, requestID: rid,
                                                                                     hard: hard))
        } catch {
            _ = try? await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(nil)))
            throw NovaError(.serviceUnavailable, "Compute host \(host) could not be reached: \(error)")
        }
    }

    func record(_ i: InstanceRecord, _ action: String, _ ctx: NimbusRequestContext) async throws {
        try await store.startAction(i.uuid, action: action, requestID: RequestContext.requestID ?? RequestContext.newRequestID(),
                                    userID: ctx.auth.userID, projectID: i.projectID)
    }

    func consoleOutput(_ i: InstanceRecord, _ args: JSON) async throws -> Response {
        let length = try Self.consoleLength(args)
        let id = i.uuid.uuidString.lowercased()
        guard let host = i.host, i.vmState != .building else { throw NovaError.conflict("Instance \(id) is not ready") }
        do {
            let text = try await compute.prepare(server: host).call(
                ComputeManagerAPI.getConsoleOutput, InstanceOperation(instance: i, length: length))
            return try json(.ok, ["output": .string(Self.consoleText(text))])
        } catch let e as RemoteError where e.type == "NotImplemented" {
            throw NovaError(.notImplemented, "The requested functionality is not supported.")
        } catch let e as RemoteError {
            throw NovaError.conflict("Instance \(id) is not ready: \(e.message)")
        } catch {
            throw NovaError(.serviceUnavailable, "Compute host \(host) could not be reached: \(error)")
        }
    }
}
