import Foundation

/// A declared option: section, name, type and default, as oslo.config declares them.
public struct ConfigOption: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case string, int, float, bool, list, port
        case choice([String])
        /// An RPC API version `major.minor`, or `auto` (`[upgrade_levels]`).
        case version
    }

    public var section: String
    public var name: String
    public var kind: Kind
    public var defaultValue: String?
    public var help: String
    /// A default that depends on other options or the machine (`$state_path/…`, the hostname), for
    /// `config show`; set by `TypedOption`'s computed-default initialiser. Not part of equality.
    public var computedDefault: (@Sendable (NimbusConfig) -> String?)?

    public init(_ section: String, _ name: String, _ kind: Kind, default defaultValue: String? = nil, help: String = "") {
        self.section = section
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }

    public static func == (a: ConfigOption, b: ConfigOption) -> Bool {
        (a.section, a.name, a.kind, a.defaultValue, a.help) == (b.section, b.name, b.kind, b.defaultValue, b.help)
    }

    public func hash(into h: inout Hasher) {
        h.combine(section)
        h.combine(name)
        h.combine(kind)
        h.combine(defaultValue)
        h.combine(help)
    }

    /// Checks a raw value; returns a description of what was expected when it does not parse.
    public func check(_ raw: String) -> String? {
        let v = raw.trimmingCharacters(in: .whitespaces)
        switch kind {
        case .string, .list: return nil
        case .int: return Int(v) == nil ? "an integer" : nil
        case .float: return Double(v) == nil ? "a number" : nil
        case .bool: return ConfigParse.bool(v) == nil ? "a boolean (true/false)" : nil
        case .port:
            guard let p = Int(v), (0...65535).contains(p) else { return "a port number 0-65535" }
            return nil
        case .choice(let choices): return choices.contains(v) ? nil : "one of \(choices.joined(separator: ", "))"
        case .version:
            let parts = v.split(separator: ".", omittingEmptySubsequences: false)
            let ok = v == "auto" || (parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.count <= 4 && $0.allSatisfy(\.isNumber) && $0.allSatisfy(\.isASCII) })
            return ok ? nil : "a version major.minor or auto"
        }
    }
}

enum ConfigParse {
    static func bool(_ v: String) -> Bool? {
        switch v.lowercased() {
        case "true", "yes", "on", "1": true
        case "false", "no", "off", "0": false
        default: nil
        }
    }
}
