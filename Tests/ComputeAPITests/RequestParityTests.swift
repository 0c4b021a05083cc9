import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
import Testing

/// Requests whose answers used to differ from Nova 34's (issue 10): console output, the status filter and
/// percent-encoded path parameters.
@Suite struct RequestParityTests {
    @Test func consoleOutputCountsLinesAsNovaDoes() async throws {
        try await withHarness(try await Cloud.start(hosts: 1)) { cloud in
            let id = try await cloud.boot("con")[0]
            let action = "/v2.1/servers/\(id)/action"
            func output(_ length: Any?) async throws -> String? {
                let args: [String: Any] = length.map { ["length": $0] } ?? [:]
                let r = try await cloud.call("POST", action, ["os-getConsoleOutput": args], version: "2.100")
                #expect(r.status == 200, "\(r.body)")
                return r["output"] as? String
            }
            let all = try #require(try await output(nil))
            let lines = all.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 3 && lines.last == "con login:", "\(all)")
            #expect(try await output(2) == lines.suffix(2).joined(separator: "\n"))
            #expect(try await output("1") == "con login:")
            #expect(try await output(0) == "")
            #expect(try await output(50) == all)
            // Nova's `_tail_log` keeps lines[-length:]; for -1 that is every line but the first.
            #expect(try await output(-1) == lines.dropFirst().joined(separator: "\n"))
            let bad = try await cloud.call("POST", action, ["os-getConsoleOutput": ["length": -2]], version: "2.100")
            #expect(bad.status == 400)
            let word = try await cloud.call("POST", action, ["os-getConsoleOutput": ["length": "two"]], version: "2.100")
            #expect(word.status == 400)
        }
    }

    @Test func statusFilterAsNova() async throws {
        try await withHarness(try await Cloud.start(hosts: 1)) { cloud in
            let id = try await cloud.boot("st")[0]
            let old = try await cloud.call("GET", "/v2.1/servers?status=NOT_A_STATUS", version: "2.37")
            #expect(old.status == 200 && (old["servers"] as? [Any])?.isEmpty == true, "\(old.body)")
            let new = try await cloud.call("GET", "/v2.1/servers/detail?status=NOT_A_STATUS", version: "2.38")
            #expect(new.status == 400 && new.message == "Invalid status value")
            // An unknown status next to a known one is ignored, as Nova's task_and_vm_state_from_status does.
            let mixed = try await cloud.call("GET", "/v2.1/servers?status=active&status=NOT_A_STATUS", version: "2.100")
            #expect(mixed.status == 200)
            #expect((mixed["servers"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
        }
    }

    @Test func percentEncodedPathParametersAreDecoded() async throws {
        try await withHarness(try await Cloud.start(hosts: 1)) { cloud in
            let id = try await cloud.boot("pct")[0]
            let first = try #require(id.unicodeScalars.first)
            let encoded = String(format: "%%%02X", first.value) + id.dropFirst()
            let r = try await cloud.call("GET", "/v2.1/servers/\(encoded)", version: "2.100")
            #expect(r.status == 200 && (r["server"] as? [String: Any])?["id"] as? String == id, "\(r.body)")
            let created = try await cloud.call("POST", "/v2.1/os-keypairs", ["keypair": ["name": "my key"]],
                                               version: "2.10")
            #expect(created.status == 201, "\(created.body)")
            #expect(try await cloud.call("GET", "/v2.1/os-keypairs/my%20key", version: "2.10").status == 200)
            #expect(try await cloud.call("DELETE", "/v2.1/os-keypairs/my%20key", version: "2.10").status == 204)
        }
    }
}
