import Foundation
import NimbusKernel

/// The suite every `VirtDriver` passes (Nova's `_VirtDriverTestCase` idea). The factory returns a driver
/// for a fresh host; checks create and destroy their own guests.
public enum VirtDriverConformance {
    public typealias Factory = @Sendable () async throws -> any VirtDriver
    public typealias Check = ConformanceCheck<Factory>

    static func guest(_ name: String) -> SpawnRequest {
        SpawnRequest(instance: InstanceRecord(
            name: name, projectID: "p", userID: "u",
            flavor: Flavor(id: "c", name: "conf", memoryMB: 64, vcpus: 1, rootGB: 0), imageRef: "image"))
    }

    static func state(_ d: any VirtDriver, _ i: InstanceRecord) async throws -> PowerState {
        try await d.instanceInfo(i).powerState
    }

    public static let all: [Check] = [
        Check("host resources are reported") { make in
            let d = try await make()
            try await d.initHost()
            let r = try await d.hostResources()
            try require(r.vcpus > 0 && r.memoryMB > 0, "resources", "vcpus \(r.vcpus) memory \(r.memoryMB)")
            try require(!r.hypervisorHostname.isEmpty, "resources", "empty hypervisor hostname")
        },
        Check("spawn, list, info, destroy") { make in
            let d = try await make()
            try await d.initHost()
            let g = guest("conf-life")
            try await d.spawn(g)
            try require(try await d.listInstances().contains(g.instance.uuid), "spawn", "guest not listed")
            try require(try await state(d, g.instance) == .running, "spawn", "guest not running after spawn")
            try await d.destroy(g.instance)
            try require(!(try await d.listInstances().contains(g.instance.uuid)), "destroy", "guest still listed")
            do {
                _ = try await d.instanceInfo(g.instance)
                try require(false, "destroy", "info of a destroyed guest succeeded")
            } catch VirtDriverError.instanceNotFound {}
        },
        Check("power off, power on, soft and hard reboot") { make in
            let d = try await make()
            try await d.initHost()
            let g = guest("conf-power")
            try await d.spawn(g)
            try await d.powerOff(g.instance)
            try require(try await state(d, g.instance) == .shutdown, "power off", "not shut down")
            try await d.powerOn(g.instance)
            try require(try await state(d, g.instance) == .running, "power on", "not running")
            try await d.reboot(g.instance, hard: false)
            try require(try await state(d, g.instance) == .running, "soft reboot", "not running after reboot")
            try await d.reboot(g.instance, hard: true)
            try require(try await state(d, g.instance) == .running, "hard reboot", "not running after reboot")
            try await d.destroy(g.instance)
        },
        Check("optional capabilities behave when offered") { make in
            let d = try await make()
            try await d.initHost()
            let g = guest("conf-caps")
            try await d.spawn(g)
            if let p = d as? any PausableDriver {
                try await p.pause(g.instance)
                try require(try await state(d, g.instance) == .paused, "pause", "not paused")
                try await p.unpause(g.instance)
                try require(try await state(d, g.instance) == .running, "unpause", "not running")
            }
            if let s = d as? any SuspendableDriver {
                try await s.suspend(g.instance)
                let st = try await state(d, g.instance)
                try require(st == .suspended || st == .shutdown, "suspend", "state \(st)")
                try await s.resume(g.instance)
                try require(try await state(d, g.instance) == .running, "resume", "not running")
            }
            if let c = d as? any ConsoleOutputDriver {
                _ = try await c.consoleOutput(g.instance)
            }
            try await d.destroy(g.instance)
        },
        Check("declared capabilities match the refining protocols") { make in
            // The API refuses an action the node's capabilities lack, and the compute calls the protocol: a
            // capability declared without its protocol would fail late, one omitted would refuse a working action.
            let d = try await make()
            let declared = d.capabilities
            let actual = DriverCapabilities.conformances(of: d)
            for c in [DriverCapability.pause, .suspend, .consoleOutput, .vncConsole, .serialConsole] {
                try require(declared.supports(c) == actual.supports(c), "capabilities",
                            "\(c) declared \(declared.supports(c)), protocol conformance \(actual.supports(c))")
            }
            for t in declared.traits {
                try require(t.hasPrefix("COMPUTE_"), "capabilities", "trait \(t) is not a COMPUTE_* trait")
            }
        },
        Check("errors for unknown and duplicate guests") { make in
            let d = try await make()
            try await d.initHost()
            let ghost = guest("conf-ghost").instance
            do {
                try await d.powerOn(ghost)
                try require(false, "unknown", "powering on an unknown guest succeeded")
            } catch VirtDriverError.instanceNotFound {}
            try await d.destroy(ghost)  // destroying what is gone is not an error (Nova ignores InstanceNotFound)
            let g = guest("conf-dup")
            try await d.spawn(g)
            do {
                try await d.spawn(g)
                try require(false, "duplicate", "spawning the same uuid twice succeeded")
            } catch VirtDriverError.instanceExists {}
            try await d.destroy(g.instance)
        },
        Check("every operation on an unknown guest is instanceNotFound") { make in
            let d = try await make()
            try await d.initHost()
            let ghost = guest("conf-unknown").instance
            func expectNotFound(_ what: String, _ op: () async throws -> Void) async throws {
                do {
                    try await op()
                    try require(false, what, "succeeded on an unknown guest")
                } catch VirtDriverError.instanceNotFound(let id) {
                    try require(id == ghost.uuid, what, "instanceNotFound names \(id), not the guest")
                }
            }
            try await expectNotFound("info") { _ = try await d.instanceInfo(ghost) }
            try await expectNotFound("soft reboot") { try await d.reboot(ghost, hard: false) }
            try await expectNotFound("hard reboot") { try await d.reboot(ghost, hard: true) }
            try await expectNotFound("power off") { try await d.powerOff(ghost) }
            if let p = d as? any PausableDriver {
                try await expectNotFound("pause") { try await p.pause(ghost) }
                try await expectNotFound("unpause") { try await p.unpause(ghost) }
            }
            if let s = d as? any SuspendableDriver {
                try await expectNotFound("suspend") { try await s.suspend(ghost) }
                try await expectNotFound("resume") { try await s.resume(ghost) }
            }
            if let c = d as? any ConsoleOutputDriver {
                try await expectNotFound("console output") { _ = try await c.consoleOutput(ghost) }
            }
            if let v = d as? any VNCConsoleDriver {
                try await expectNotFound("vnc console") { _ = try await v.vncConsole(ghost) }
            }
            if let v = d as? any SerialConsoleDriver {
                try await expectNotFound("serial console") { _ = try await v.serialConsole(ghost) }
            }
        },
        Check("info reports the flavor's vCPUs and memory") { make in
            let d = try await make()
            try await d.initHost()
            let g = guest("conf-info")
            try await d.spawn(g)
            let info = try await d.instanceInfo(g.instance)
            try require(info.vcpus == g.instance.flavor.vcpus && info.memoryMB == g.instance.flavor.memoryMB, "info",
                        "vcpus \(info.vcpus) memory \(info.memoryMB), flavor \(g.instance.flavor.vcpus)/\(g.instance.flavor.memoryMB)")
            try await d.destroy(g.instance)
        },
    ]
}
