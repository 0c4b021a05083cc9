import Foundation
import NimbusKernel

/// `[pci] alias`: one JSON object or a list of them (`{"name": "a1", "vendor_id": "8086", "product_id": "154d"}`),
/// as Nova's multi-valued option; several objects with one name are alternatives.
enum PCIAliases {
    static func parse(_ config: NimbusConfig) throws -> [String: [[String: String]]] {
        guard let raw = SchedulerOptions.pciAlias.read(config), !raw.isEmpty else { return [:] }
        let json = try? JSONSerialization.jsonObject(with: Data(raw.utf8))
        guard let list = (json as? [[String: Any]]) ?? (json as? [String: Any]).map({ [$0] }) else {
            throw ConfigError.invalidValue(source: config.source("pci", "alias"), section: "pci", option: "alias",
                                           value: raw, expected: "a JSON object or list of objects")
        }
        var out: [String: [[String: String]]] = [:]
        for item in list {
            guard let name = item["name"] as? String else { continue }
            out[name, default: []].append(item.compactMapValues { $0 as? String }.filter { $0.key != "name" })
        }
        return out
    }
}
