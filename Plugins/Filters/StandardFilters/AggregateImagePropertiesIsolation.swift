import Foundation
import NimbusKernel

/// For each aggregate metadata key the image also sets (within the configured namespace), the image's value
/// must be among the aggregate's values (aggregate_image_properties_isolation.py).
public struct AggregateImagePropertiesIsolation: HostFilter {
    public static let name = "AggregateImagePropertiesIsolation"
    public static let configOptions: [ConfigOption] = [
        namespaceOption.declaration, separatorOption.declaration,
    ]
    static let namespaceOption = TypedOption<String?>("filter_scheduler", "aggregate_image_properties_isolation_namespace")
    static let separatorOption = TypedOption<String>("filter_scheduler", "aggregate_image_properties_isolation_separator",
                                                     default: ".")
    let namespace: String?
    let separator: String

    public init(context: PluginContext) throws {
        let c = context.config
        namespace = Self.namespaceOption.read(c)
        separator = Self.separatorOption.read(c)
    }

    public var runOncePerRequest: Bool { true }
    public var runOnRebuild: Bool { true }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        for (key, options) in AggregateMetadata.byKey(host) {
            if let namespace, !namespace.isEmpty, !key.hasPrefix(namespace + separator) { continue }
            if let prop = spec.imageProperties[key], !prop.isEmpty, !options.contains(prop) {
                return .reject("image property not allowed by the host's aggregates")
            }
        }
        return .pass
    }
}
