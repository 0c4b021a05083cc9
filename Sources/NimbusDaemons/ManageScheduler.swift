import ArgumentParser
import Foundation
import NimbusKernel
import NimbusScheduler
import NimbusStore

/// `nimbus manage scheduler explain`: dry-runs one scheduling pass against the current state, claims nothing,
/// and prints what each step kept and removed, then the weighed ranking of the hosts that pass.
struct ManageSchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scheduler", subcommands: [Explain.self])

    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain where a server with this flavor would go, or why nowhere.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Flavor id or name.") var flavor: String
        @Option(help: "Image id (IsolatedHostsFilter); give its properties with --property.") var image: String?
        @Option(name: .customLong("property"), help: "Image property key=value (repeatable).") var properties: [String] = []
        @Option(help: "Scheduler hint key=value (repeatable).") var hint: [String] = []
        @Option(help: "Availability zone.") var az: String?
        @Option(help: "Project id the request is for.") var project: String = "admin"

        func run() async throws {
            let runtime = try common.runtime(label: "nimbus.manage")
            let store = try runtime.openStore(migrate: false)
            let flavors = try await store.flavors()
            guard let f = flavors.first(where: { $0.id == flavor }) ?? flavors.first(where: { $0.name == flavor }) else {
                throw ExplainError(description: "Flavor \(flavor) could not be found.")
            }
            var hints: [String: [String]] = [:]
            for h in hint {
                let kv = h.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2 else { throw ValidationError("--hint wants key=value, got \(h)") }
                hints[kv[0], default: []].append(kv[1])
            }
            var props: [String: String] = [:]
            for p in properties {
                let kv = p.split(separator: "=", maxSplits: 1).map(String.init)
                if kv.count == 2 { props[kv[0]] = kv[1] }
            }
            let spec = RequestSpec(flavor: f, imageRef: image ?? "", imageProperties: props, projectID: project,
                                   userID: "admin", availabilityZone: az, schedulerHints: hints)
            let scheduler = try SchedulerManager(store: store, registry: runtime.registry, config: runtime.config,
                                                 logger: runtime.logger)
            let (report, ranking) = try await scheduler.explain(spec)
            print(SchedulerExplanation.render(flavor: f, report: report, ranking: ranking))
        }
    }
}

/// A plain error: ArgumentParser prints usage after a ValidationError, which a missing flavor is not.
struct ExplainError: Error, CustomStringConvertible {
    var description: String
}

/// The text `explain` prints; separate so tests can check it without a process.
public enum SchedulerExplanation {
    public static func render(flavor: Flavor, report: FilterReport, ranking: [WeighPipeline.Weighed]) -> String {
        var lines = ["Flavor \(flavor.name): \(flavor.vcpus) VCPU, \(flavor.memoryMB) MB RAM, \(flavor.resources.diskGB) GB disk",
                     "", "Steps:"]
        for (i, step) in report.steps.enumerated() { lines.append("  \(i + 1). \(step.summary)") }
        if let last = report.steps.first(where: { $0.hostsOut == 0 }) {
            lines += ["", "No valid host: \(last.name) removed the last \(last.hostsIn) host(s)."]
        } else {
            lines += ["", "Ranking (weight, host):"]
            for (i, w) in ranking.prefix(20).enumerated() {
                lines.append("  \(i + 1). \(String(format: "%.4f", w.weight))  \(w.host.host) (\(w.host.nodename))")
            }
            if ranking.count > 20 { lines.append("  … \(ranking.count - 20) more") }
        }
        return lines.joined(separator: "\n")
    }
}
