import Foundation
import NimbusKernel

/// Keeps new servers off hosts that are in, or about to enter, a maintenance window. Operators set the window
/// on an aggregate: `openstack aggregate set --property maintenance_window=2026-11-25T22:00:00Z/2026-11-26T02:00:00Z rack7`
/// (ISO 8601 start/end; several windows comma separated). `[maintenance] lead_time_minutes` also excludes
/// hosts whose window starts that soon, so a server is not built just to be evacuated.
public struct MaintenanceWindowFilter: HostFilter {
    public static let name = "MaintenanceWindowFilter"
    public static let metadataKey = "maintenance_window"
    public static let configOptions: [ConfigOption] = [
        leadTimeMinutes.declaration,
    ]
    static let leadTimeMinutes = TypedOption<Int>(
        "maintenance", "lead_time_minutes", default: 0,
        help: "Also avoid hosts whose maintenance starts within this many minutes.")

    let leadTime: TimeInterval
    /// The clock; tests pass a fixed one.
    let now: @Sendable () -> Date

    public init(context: PluginContext) throws {
        self.init(leadTimeMinutes: try Self.leadTimeMinutes.read(context.config))
    }

    public init(leadTimeMinutes: Int, now: @escaping @Sendable () -> Date = { Date() }) {
        leadTime = TimeInterval(leadTimeMinutes * 60)
        self.now = now
    }

    // The window does not change between the instances of one request.
    public var runOncePerRequest: Bool { true }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        let t = now()
        for aggregate in host.aggregates {
            guard let raw = aggregate.metadata[Self.metadataKey] else { continue }
            for window in raw.split(separator: ",") {
                guard let (start, end) = Self.parse(window) else {
                    return .reject("unparsable maintenance_window")
                }
                if start.addingTimeInterval(-leadTime) <= t && t < end {
                    return .reject("in maintenance")
                }
            }
        }
        return .pass
    }

    static func parse(_ window: Substring) -> (Date, Date)? {
        let parts = window.trimmingCharacters(in: .whitespaces).split(separator: "/")
        let f = ISO8601DateFormatter()
        guard parts.count == 2, let s = f.date(from: String(parts[0])), let e = f.date(from: String(parts[1])), s < e
        else { return nil }
        return (s, e)
    }
}
