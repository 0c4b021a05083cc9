/// An option declared once with its type, default and help (oslo.config's `cfg.IntOpt(...)`); code reads it
/// through the declaration, so the default lives here only:
///
///     static let maxLimit = TypedOption<Int>("api", "max_limit", default: 1000, help: "…")
///     let limit = try APIOptions.maxLimit.read(config)
///
/// `declaration` is the untyped form the unknown-option check and `nimbus manage config show` list.
public struct TypedOption<Value: ConfigOptionValue>: Sendable {
    public let declaration: ConfigOption
    private let fallback: @Sendable (NimbusConfig) -> Value
    /// The declared default when it does not depend on other options (nil for computed defaults).
    public let staticDefault: Value?

    public var section: String { declaration.section }
    public var name: String { declaration.name }

    /// An option with a fixed default. `kind` refines the type's (`.port`, `.choice([...])`).
    public init(_ section: String, _ name: String, kind: ConfigOption.Kind? = nil, default value: Value,
                help: String = "") {
        declaration = ConfigOption(section, name, kind ?? Value.optionKind, default: value.configText, help: help)
        fallback = { _ in value }
        staticDefault = value
    }

    /// An option whose default is computed from other options or the machine (`$state_path/instances`, the
    /// hostname); `describedAs` is how the default reads in help and `config show` when it cannot be computed.
    public init(_ section: String, _ name: String, kind: ConfigOption.Kind? = nil, describedAs text: String,
                help: String = "", computed: @escaping @Sendable (NimbusConfig) -> Value) {
        var d = ConfigOption(section, name, kind ?? Value.optionKind, default: text, help: help)
        d.computedDefault = { computed($0).configText }
        declaration = d
        fallback = computed
        staticDefault = nil
    }

    /// The raw text set for this option, if any: `[section:instance]` first when an instance is given
    /// (per-host sections such as `[fake:host1]`), then `[section]`.
    private func raw(_ config: NimbusConfig, instance: String?) -> (section: String, text: String)? {
        if let instance, let text = config.string("\(section):\(instance)", name) { return ("\(section):\(instance)", text) }
        return config.string(section, name).map { (section, $0) }
    }

    /// The configured value, or the declared default; a value that does not parse (or is out of the declared
    /// range or choices) throws an error naming its source, section and option.
    public func read(_ config: NimbusConfig, instance: String? = nil) throws(ConfigError) -> Value {
        guard let found = raw(config, instance: instance) else { return fallback(config) }
        let (sec, text) = found
        let invalid = { (expected: String) in
            ConfigError.invalidValue(source: config.source(sec, name), section: sec, option: name, value: text,
                                     expected: expected)
        }
        if let expected = declaration.check(text) { throw invalid(expected) }
        guard let value = Value.parse(text) else { throw invalid(Value.expected) }
        return value
    }

    /// Whether a file, the environment or `--set` gives this option a value.
    public func isSet(_ config: NimbusConfig) -> Bool { config.string(section, name) != nil }

    /// The value if it parses, else nil, for non-throwing contexts whose config was validated at startup.
    public func readIfValid(_ config: NimbusConfig) -> Value? { try? read(config) }
}

extension TypedOption where Value: ExpressibleByNilLiteral {
    /// An option with no default (nil when unset).
    public init(_ section: String, _ name: String, kind: ConfigOption.Kind? = nil, help: String = "") {
        declaration = ConfigOption(section, name, kind ?? Value.optionKind, default: nil, help: help)
        fallback = { _ in nil }
        staticDefault = nil
    }
}

extension TypedOption where Value: InfallibleConfigOptionValue {
    /// Strings and lists always parse; a `.choice` outside its list is refused by the startup validation
    /// (`NimbusConfig.validate`), so reading needs no `try`.
    public func read(_ config: NimbusConfig, instance: String? = nil) -> Value {
        guard let found = raw(config, instance: instance) else { return fallback(config) }
        return Value.parse(found.text) ?? fallback(config)
    }
}

/// The untyped declarations of a list of typed options, for a module's `all`.
public protocol AnyTypedOption: Sendable {
    var declaration: ConfigOption { get }
}

extension TypedOption: AnyTypedOption {}
