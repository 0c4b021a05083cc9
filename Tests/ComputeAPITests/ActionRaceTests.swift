import Foundation
import NimbusKernelTestKit
import NimbusTestCloud
import Testing

/// Nova's `check_instance_state` under concurrency (issue 15, item 8): conflicting actions sent at once on one
/// server never both proceed.
@Suite struct ActionRaceTests {
    /// Every action here needs an ACTIVE server with no task state and leaves it in another vm_state, so however
    /// the requests interleave (in flight: the task state refuses; finished: the vm_state does) exactly one may
    /// be accepted, and every other answer is Nova's 409 naming the state that refused it.
    @Test func parallelConflictingActionsAcceptExactlyOne() async throws {
        try await Cloud.with(hosts: 1) { cloud in
            let id = try #require(try await cloud.boot("race").first)
            try await cloud.waitFor(id, status: "ACTIVE")
            let actions = Array(repeating: ["pause", "suspend", "os-stop"], count: 4).flatMap { $0 }
            let answers = try await withThrowingTaskGroup(of: (String, Int, String?).self) { group in
                for a in actions {
                    group.addTask {
                        let r = try await cloud.call("POST", "/v2.1/servers/\(id)/action", [a: NSNull()], version: "2.100")
                        return (a, r.status, r.message)
                    }
                }
                return try await group.reduce(into: [(String, Int, String?)]()) { $0.append($1) }
            }
            let accepted = answers.filter { $0.1 == 202 }
            #expect(accepted.count == 1, "\(answers.map { "\($0.0): \($0.1)" })")
            for (action, status, text) in answers where status != 202 {
                #expect(status == 409)
                let name = action == "os-stop" ? "stop" : action
                let message = text ?? ""
                #expect(message.hasPrefix("Cannot '\(name)' instance \(id) while it is in "), "\(message)")
                #expect(message.contains("vm_state") || message.contains("task_state"), "\(message)")
            }
            let winner = try #require(accepted.first?.0)
            let final = ["pause": "PAUSED", "suspend": "SUSPENDED", "os-stop": "SHUTOFF"][winner] ?? "?"
            try await cloud.waitFor(id, status: final)
        }
    }
}
