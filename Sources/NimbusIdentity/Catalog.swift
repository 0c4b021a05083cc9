import Crypto
import Foundation
import NimbusJSON
import NimbusStore

/// One service in the catalog with its URL per interface (public, internal, admin).
public struct CatalogEntry: Sendable, Hashable {
    public var type: String
    public var name: String
    public var urls: [String: String]

    public init(type: String, name: String, urls: [String: String]) {
        self.type = type
        self.name = name
        self.urls = urls
    }

    /// The same URL on all three interfaces, as devstack registers them.
    public init(type: String, name: String, url: String) {
        self.init(type: type, name: name, urls: ["public": url, "internal": url, "admin": url])
    }
}

/// Supplies catalog entries at request time, so URLs of services bound to ports chosen at runtime are right.
/// Entries it returns replace stored ones of the same type; stored ones (bootstrap, or an operator's) fill in.
public typealias CatalogProvider = @Sendable () async -> [CatalogEntry]

/// Builds Keystone's catalog JSON from the store and the provider.
struct CatalogBuilder: Sendable {
    let store: NimbusStore
    let region: String
    let provider: CatalogProvider?

    struct Service: Sendable {
        var id: String
        var type: String
        var name: String
        var endpoints: [(id: String, interface: String, region: String, url: String)]
    }

    func services() async throws -> [Service] {
        let stored = try await store.catalogServices().filter(\.enabled)
        let endpoints = try await store.endpoints().filter(\.enabled)
        var byType: [String: Service] = [:]
        for s in stored {
            byType[s.type] = Service(id: s.id, type: s.type, name: s.name,
                                     endpoints: endpoints.filter { $0.serviceID == s.id }
                                         .map { ($0.id, $0.interface, $0.region, $0.url) })
        }
        for e in await provider?() ?? [] {
            let existing = byType[e.type]
            let id = existing?.id ?? Self.stableID("service", e.type)
            let eps = e.urls.sorted { $0.key < $1.key }.map { interface, url in
                let storedID = existing?.endpoints.first { $0.interface == interface && $0.region == region }?.id
                return (storedID ?? Self.stableID("endpoint", e.type, interface), interface, region, url)
            }
            byType[e.type] = Service(id: id, type: e.type, name: existing?.name ?? e.name, endpoints: eps)
        }
        return byType.values.sorted { $0.type < $1.type }
    }

    func catalogJSON() async throws -> JSON {
        .array(try await services().map { s in
            ["id": .string(s.id), "type": .string(s.type), "name": .string(s.name),
             "endpoints": .array(s.endpoints.map { e in
                 ["id": .string(e.id), "interface": .string(e.interface), "region": .string(e.region),
                  "region_id": .string(e.region), "url": .string(e.url)]
             })]
        })
    }

    /// Ids for entries that exist only at runtime: stable across restarts, so clients caching them stay right.
    static func stableID(_ parts: String...) -> String {
        SHA256.hash(data: Data(parts.joined(separator: "/").utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
