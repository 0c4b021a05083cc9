import ArgumentParser
import Foundation
import NimbusKernel

/// `nimbus manage config show`: every declared option (kernel, services, registered plugins) with its
/// effective value and where it came from, as `oslo-config-generator` / `nova-manage` users expect.
struct ManageConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", subcommands: [Show.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every option with its effective value and origin (file, environment, --set, default).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            print(ConfigReport(runtime: try common.runtime(label: "nimbus.manage")).text, terminator: "")
        }
    }
}

/// The rows of `config show`, sorted by section (`DEFAULT` first) then name; secrets masked.
public struct ConfigReport: Sendable {
    public struct Row: Sendable, Hashable {
        public var section: String
        public var name: String
        public var value: String
        /// `path:line`, `environment variable NIMBUS_…`, `command line (--set …)` or `default`.
        public var origin: String

        public init(section: String, name: String, value: String, origin: String) {
            (self.section, self.name, self.value, self.origin) = (section, name, value, origin)
        }
    }

    public let rows: [Row]

    public init(runtime: NimbusRuntime) {
        self.init(config: runtime.config, options: NimbusRuntime.declaredOptions(runtime.registry))
    }

    public init(config: NimbusConfig, options: [ConfigOption]) {
        var seen = Set<String>()
        var rows: [Row] = []
        for o in options where seen.insert("\(o.section).\(o.name)").inserted {
            let raw = config.rawValue(of: o)
            var value = raw?.replacingOccurrences(of: "\n", with: ",")
                ?? o.computedDefault?(config) ?? o.defaultValue ?? "<unset>"
            if Self.isSecret(o.name), raw != nil || o.defaultValue != nil { value = "****" }
            rows.append(Row(section: o.section, name: o.name, value: Self.maskURLPassword(value),
                            origin: raw == nil ? "default" : config.source(o.section, o.name)))
        }
        self.rows = rows.sorted {
            ($0.section == "DEFAULT" ? 0 : 1, $0.section, $0.name) < ($1.section == "DEFAULT" ? 0 : 1, $1.section, $1.name)
        }
    }

    /// Passwords, secrets and keys (`admin_password`, `[keystone_authtoken] password`, `…_key`); key files and
    /// `key_pairs` quotas are not secrets.
    static func isSecret(_ name: String) -> Bool {
        let n = name.lowercased()
        return n.contains("password") || n.contains("secret") && !n.hasSuffix("_file") || n == "key" || n.hasSuffix("_key")
    }

    /// `scheme://user:password@host` → `scheme://user:****@host` (transport and database URLs).
    static func maskURLPassword(_ value: String) -> String {
        guard let scheme = value.range(of: "://"), let at = value[scheme.upperBound...].firstIndex(of: "@"),
              let colon = value[scheme.upperBound..<at].firstIndex(of: ":") else { return value }
        return value.replacingCharacters(in: value.index(after: colon)..<at, with: "****")
    }

    /// One line per option: `[section] name = value  (origin)`, grouped by section.
    public var text: String {
        var out = ""
        var current: String?
        for r in rows {
            if r.section != current {
                out += (current == nil ? "" : "\n") + "[\(r.section)]\n"
                current = r.section
            }
            out += "\(r.name) = \(r.value)  # \(r.origin)\n"
        }
        return out
    }
}
