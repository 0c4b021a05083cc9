import Configuration
import Foundation

/// Nimbus configuration: nova.conf-style INI files (later files override earlier ones), then
/// `NIMBUS_<SECTION>_<OPTION>` environment variables, then command-line overrides, all read through
/// swift-configuration's `ConfigReader`. Typed getters name the source, section and option on bad values.
public struct NimbusConfig: Sendable {
    /// Where each set option came from (`[section, option]` → file path, env var or "command line").
    public let sources: [String: String]
    /// Every `(section, option)` that was set, for the unknown-option check.
    public let setOptions: [(section: String, option: String)]
    private let reader: ConfigReader
    /// The providers behind `reader`, highest precedence first, so `overriding(_:)` can put one in front.
    private let providers: [any ConfigProvider]

    public init(files: [String] = [], environment: [String: String] = [:], overrides: [String: String] = [:]) throws {
        var providers: [any ConfigProvider] = []
        var sources: [String: String] = [:]
        var set: [String: (String, String)] = [:]

        // Highest precedence first, as MultiProvider answers from the first provider that has a value.
        if !overrides.isEmpty {
            var values: [AbsoluteConfigKey: ConfigValue] = [:]
            for (key, value) in overrides {
                let (section, option) = try Self.split(key, source: "command line")
                values[AbsoluteConfigKey([section, option])] = ConfigValue(.string(value), isSecret: false)
                sources["\(section).\(option)"] = "command line (--set \(key))"
                set["\(section).\(option)"] = (section, option)
            }
            providers.append(InMemoryProvider(name: "command line", values: values))
        }
        var envValues: [AbsoluteConfigKey: ConfigValue] = [:]
        for (name, value) in environment where name.hasPrefix("NIMBUS_") {
            // NIMBUS_DEFAULT__HOST or NIMBUS_filter_scheduler__enabled_filters: double underscore splits.
            let body = name.dropFirst("NIMBUS_".count)
            guard let range = body.range(of: "__") else { continue }
            let section = String(body[..<range.lowerBound])
            let option = String(body[range.upperBound...]).lowercased()
            let sec = section.uppercased() == "DEFAULT" ? "DEFAULT" : section.lowercased()
            envValues[AbsoluteConfigKey([sec, option])] = ConfigValue(.string(value), isSecret: false)
            if sources["\(sec).\(option)"] == nil { sources["\(sec).\(option)"] = "environment variable \(name)" }
            set["\(sec).\(option)"] = (sec, option)
        }
        if !envValues.isEmpty { providers.append(InMemoryProvider(name: "environment", values: envValues)) }
        for path in files.reversed() {
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw ConfigError.unreadable(file: path, reason: "\(error.localizedDescription)")
            }
            let document = try INIDocument(path: path, text: text)
            for entry in document.entries {
                let key = "\(entry.section).\(entry.option)"
                if sources[key] == nil { sources[key] = "\(path):\(entry.line)" }
                set[key] = (entry.section, entry.option)
            }
            providers.append(INIFileProvider(document: document))
        }
        if providers.isEmpty { providers.append(InMemoryProvider(name: "empty", values: [:])) }
        self.reader = ConfigReader(providers: providers)
        self.providers = providers
        self.sources = sources
        self.setOptions = set.values.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map { (section: $0.0, option: $0.1) }
    }

    private init(providers: [any ConfigProvider], sources: [String: String],
                 setOptions: [(section: String, option: String)]) {
        self.providers = providers
        self.reader = ConfigReader(providers: providers)
        self.sources = sources
        self.setOptions = setOptions
    }

    /// This config with `values` (`section.option` → value) taking precedence over every other source: one
    /// process running several services of one kind (the compute simulator's hosts) gives each its own files.
    public func overriding(_ values: [String: String], source: String) throws -> NimbusConfig {
        var memory: [AbsoluteConfigKey: ConfigValue] = [:]
        var sources = self.sources
        var set = Dictionary(setOptions.map { ("\($0.section).\($0.option)", $0) }, uniquingKeysWith: { a, _ in a })
        for (key, value) in values {
            let (section, option) = try Self.split(key, source: source)
            memory[AbsoluteConfigKey([section, option])] = ConfigValue(.string(value), isSecret: false)
            sources["\(section).\(option)"] = source
            set["\(section).\(option)"] = (section: section, option: option)
        }
        return NimbusConfig(providers: [InMemoryProvider(name: source, values: memory)] + providers, sources: sources,
                            setOptions: set.values.sorted { ($0.section, $0.option) < ($1.section, $1.option) })
    }

    private static func split(_ key: String, source: String) throws -> (String, String) {
        guard let dot = key.lastIndex(of: "."), dot != key.startIndex, key.index(after: dot) != key.endIndex else {
            throw ConfigError.syntax(file: source, line: 0, message: "expected section.option=value, got '\(key)'")
        }
        return (String(key[..<dot]), String(key[key.index(after: dot)...]))
    }

    // MARK: typed access

    public func string(_ section: String, _ option: String) -> String? {
        reader.string(forKey: ConfigKey([section, option]))
    }

    public func string(_ section: String, _ option: String, default def: String) -> String {
        string(section, option) ?? def
    }

    /// The raw text a declared option is set to (nil when unset), for listings such as `config show`.
    public func rawValue(of option: ConfigOption) -> String? { string(option.section, option.name) }

    public func source(_ section: String, _ option: String) -> String {
        sources["\(section).\(option)"] ?? "defaults"
    }

    private func invalid(_ section: String, _ option: String, _ raw: String, _ expected: String) -> ConfigError {
        .invalidValue(source: source(section, option), section: section, option: option, value: raw, expected: expected)
    }

    public func int(_ section: String, _ option: String) throws(ConfigError) -> Int? {
        guard let raw = string(section, option) else { return nil }
        guard let v = Int(raw.trimmingCharacters(in: .whitespaces)) else { throw invalid(section, option, raw, "an integer") }
        return v
    }

    public func int(_ section: String, _ option: String, default def: Int) throws(ConfigError) -> Int {
        try int(section, option) ?? def
    }

    public func double(_ section: String, _ option: String) throws(ConfigError) -> Double? {
        guard let raw = string(section, option) else { return nil }
        guard let v = Double(raw.trimmingCharacters(in: .whitespaces)), v.isFinite else {
            throw invalid(section, option, raw, "a number")
        }
        return v
    }

    public func double(_ section: String, _ option: String, default def: Double) throws(ConfigError) -> Double {
        try double(section, option) ?? def
    }

    public func bool(_ section: String, _ option: String, default def: Bool) throws(ConfigError) -> Bool {
        guard let raw = string(section, option) else { return def }
        guard let v = ConfigParse.bool(raw.trimmingCharacters(in: .whitespaces)) else {
            throw invalid(section, option, raw, "a boolean (true/false)")
        }
        return v
    }

    /// A comma-separated list option; empty entries dropped.
    public func list(_ section: String, _ option: String) -> [String]? {
        string(section, option).flatMap([String].parse)
    }

    // MARK: validation

    /// Checks every set option against the declared ones: bad values are errors (thrown, all listed),
    /// unknown options are returned as warnings, as oslo.config logs them.
    public func validate(against options: [ConfigOption]) throws -> [String] {
        var known: [String: ConfigOption] = [:]
        for o in options { known["\(o.section).\(o.name)"] = o }
        var warnings: [String] = []
        var errors: [ConfigError] = []
        for (section, option) in setOptions {
            let key = "\(section).\(option)"
            guard let declared = known[key] else {
                if !section.contains(":") {  // per-plugin-instance sections such as [fake:host1] are read by plugins
                    warnings.append("unknown option [\(section)] \(option) in \(source(section, option)), ignored")
                }
                continue
            }
            if let raw = string(section, option), let expected = declared.check(raw) {
                errors.append(invalid(section, option, raw, expected))
            }
        }
        if let first = errors.first {
            if errors.count == 1 { throw first }
            throw ConfigValidationError(errors: errors)
        }
        return warnings
    }
}

/// Several invalid values at once, so an operator fixes them in one pass.
public struct ConfigValidationError: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
