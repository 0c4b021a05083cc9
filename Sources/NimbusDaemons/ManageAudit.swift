import ArgumentParser
import Foundation
import NimbusKernel
import NimbusStore

/// `nimbus manage audit`: do claims (allocations) match instances, and node usage the claims? Nova's
/// `nova-manage placement audit`, plus the usage check, plus instances stuck in a task_state. Exits 1 when
/// something is off, unless `--fix` repaired it (the conductor also repairs claims at start and every
/// `report_interval`; a stuck task_state is reported, not repaired: `os-resetState` is the operator's tool).
struct ManageAuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Report claims that do not match instances (and node usage that does not match claims).")
    @OptionGroup var common: CommonOptions
    @Flag(help: "Repair what is found: release leaked claims, restore missing ones, reset node usage.")
    var fix = false
    @Option(help: "Report instances whose task_state has not changed for this many seconds.")
    var stuckAfter = 3600

    func run() async throws {
        let runtime = try common.runtime(label: "nimbus.manage")
        let store = try runtime.openStore(migrate: false)
        let audit = fix ? try await store.reconcileAllocations() : try await store.auditAllocations()
        func text(_ r: Resources) -> String { "vcpus=\(r.vcpus) memory_mb=\(r.memoryMB) disk_gb=\(r.diskGB)" }
        for f in audit.findings {
            print("\(f.kind.rawValue) claim: consumer \(f.consumer.uuidString.lowercased()) on \(f.node) \(text(f.resources))")
        }
        for d in audit.drift {
            print("usage of \(d.node): recorded \(text(d.recorded)), claims sum to \(text(d.allocated))")
        }
        let stuck = try await store.instancesInTaskState(before: Date().addingTimeInterval(-Double(max(0, stuckAfter))))
        for t in stuck {
            print("stuck task_state: instance \(t.instance.uuidString.lowercased()) in \(t.vmState)/\(t.taskState) since \(t.since)")
        }
        if audit.isClean {
            print("Claims match instances and node usage.")
        } else if fix {
            print("Repaired \(audit.findings.count) claim(s) and the usage of \(audit.drift.count) node(s).")
        }
        if !stuck.isEmpty || (!audit.isClean && !fix) { throw ExitCode(1) }
    }
}
