import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
@testable import NimbusAPI
import Testing

@Suite(.serialized) struct UsageTests {
    /// `openstack usage show/list` ask up to tomorrow; Nova caps the period's end at now, so a server
    /// booted a moment ago has used minutes, not the hours until the requested end.
    @Test func periodEndIsCappedAtNow() async throws {
        try await withHarness(try await Cloud.start(hosts: 1)) { cloud in
            _ = try await cloud.boot("vm")
            let now = Date()
            func stamp(_ d: Date) -> String {
                NovaTime.format(d, fraction: true).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            }
            let range = "start=\(stamp(now.addingTimeInterval(-3600)))&end=\(stamp(now.addingTimeInterval(86400)))"
            for path in ["/v2.1/os-simple-tenant-usage/admin?\(range)", "/v2.1/os-simple-tenant-usage?detailed=1&\(range)"] {
                let r = try await cloud.call("GET", path)
                let u = (r["tenant_usage"] as? [String: Any]) ?? (r["tenant_usages"] as? [[String: Any]])?.first ?? [:]
                let hours = try #require(u["total_hours"] as? Double, "\(path): \(r.body)")
                #expect(hours > 0 && hours < 0.5, "\(path): \(hours) hours")
                let stop = try #require((u["stop"] as? String).flatMap(ComputeAPI.parseTime))
                #expect(stop <= Date() && stop >= now.addingTimeInterval(-60), "\(path): stop \(u["stop"] ?? "")")
            }
        }
    }
}
