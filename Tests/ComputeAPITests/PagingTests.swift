import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
import NimbusKernel
import NimbusStore
import Testing

/// Paging a listing: the store pages in SQL when nothing is filtered after the query, the API pages in Swift
/// otherwise (a name regex). Following `servers_links` page by page must give the whole listing, in order,
/// either way, for any sort (nullable columns included).
@Suite(.serialized) struct PagingTests {
    /// Pages of `limit` by following each page's `next` link from `path`; returns the ids in order.
    static func walk(_ cloud: Cloud, _ path: String, limit: Int) async throws -> [String] {
        var ids: [String] = []
        var next: String? = path + (path.contains("?") ? "&" : "?") + "limit=\(limit)"
        var pages = 0
        while let url = next, pages < 50 {
            let r = try await cloud.call("GET", url, version: "2.100")
            try #require(r.status == 200, "\(url) answered \(r.status)")
            let servers = r["servers"] as? [[String: Any]] ?? []
            #expect(servers.count <= limit)
            ids += servers.compactMap { $0["id"] as? String }
            let href = (r["servers_links"] as? [[String: Any]])?.first?["href"] as? String
            // The link keeps the request's filters and sort (Nova's `_get_next_link`).
            next = href.map { String($0[$0.range(of: "/v2.1")!.lowerBound...]) }
            pages += 1
        }
        return ids
    }

    @Test func pagesFollowTheListingInSQLAndInSwift() async throws {
        try await withHarness(try await Cloud.start(hosts: 2)) { cloud in
            let ids = try await cloud.boot("pg", count: 5) + (try await cloud.boot("other", count: 2))
            // Nullable sort columns: one server stopped (task_state stays NULL), one never scheduled (no host).
            try await cloud.store.updateInstance(UUID(uuidString: ids[2])!, InstanceUpdate(vmState: .stopped))
            try await cloud.store.updateInstance(UUID(uuidString: ids[4])!, InstanceUpdate(host: .some(nil), node: .some(nil)))
            for sort in ["", "sort_key=display_name&sort_dir=asc", "sort_key=host&sort_dir=desc",
                         "sort_key=host&sort_dir=asc&sort_key=display_name&sort_dir=desc", "sort_key=vm_state&sort_dir=asc"] {
                let path = "/v2.1/servers/detail" + (sort.isEmpty ? "" : "?" + sort)
                let whole = try await cloud.call("GET", path, version: "2.100")
                let all = (whole["servers"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                #expect(Set(all) == Set(ids), "\(sort)")
                for limit in [1, 2, 3, 7] {
                    #expect(try await Self.walk(cloud, path, limit: limit) == all, "SQL paging, \(sort), limit \(limit)")
                    // A name regex matching every server keeps the paging in Swift.
                    let swiftPath = path + (sort.isEmpty ? "?" : "&") + "name=."
                    #expect(try await Self.walk(cloud, swiftPath, limit: limit) == all, "Swift paging, \(sort), limit \(limit)")
                }
            }
            // A marker that is not in the listing is a 400 either way; limit=0 is an empty page.
            let stranger = UUID().uuidString.lowercased()
            #expect(try await cloud.call("GET", "/v2.1/servers/detail?marker=\(stranger)").status == 400)
            #expect(try await cloud.call("GET", "/v2.1/servers/detail?marker=\(stranger)&name=.").status == 400)
            #expect(try await cloud.call("GET", "/v2.1/servers?marker=\(ids[0])&name=other").status == 400)
            let empty = try await cloud.call("GET", "/v2.1/servers?limit=0")
            #expect((empty["servers"] as? [[String: Any]])?.isEmpty == true)
            // The last page of an exact multiple still links on, and the page after it is empty.
            let last = try await cloud.call("GET", "/v2.1/servers?limit=7")
            #expect(last["servers_links"] != nil)
        }
    }
}
