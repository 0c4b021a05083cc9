import Foundation

/// A type an option can hold: its kind for the untyped declaration, how raw config text parses into it,
/// and how a default prints back (`config show`, the untyped `defaultValue`).
public protocol ConfigOptionValue: Sendable {
    static var optionKind: ConfigOption.Kind { get }
    /// What a bad value was expected to be, for the error that names file, section and option.
    static var expected: String { get }
    static func parse(_ raw: String) -> Self?
    /// The value as config text; nil for an unset optional.
    var configText: String? { get }
}

/// Values every raw text parses into (strings, lists): reading them cannot fail.
public protocol InfallibleConfigOptionValue: ConfigOptionValue {}

extension String: InfallibleConfigOptionValue {
    public static var optionKind: ConfigOption.Kind { .string }
    public static var expected: String { "a string" }
    public static func parse(_ raw: String) -> String? { raw }
    public var configText: String? { self }
}

extension Int: ConfigOptionValue {
    public static var optionKind: ConfigOption.Kind { .int }
    public static var expected: String { "an integer" }
    public static func parse(_ raw: String) -> Int? { Int(raw.trimmingCharacters(in: .whitespaces)) }
    public var configText: String? { String(self) }
}

extension Double: ConfigOptionValue {
    public static var optionKind: ConfigOption.Kind { .float }
    public static var expected: String { "a number" }
    public static func parse(_ raw: String) -> Double? {
        Double(raw.trimmingCharacters(in: .whitespaces)).flatMap { $0.isFinite ? $0 : nil }
    }
    public var configText: String? { String(self) }
}

extension Bool: ConfigOptionValue {
    public static var optionKind: ConfigOption.Kind { .bool }
    public static var expected: String { "a boolean (true/false)" }
    public static func parse(_ raw: String) -> Bool? { ConfigParse.bool(raw.trimmingCharacters(in: .whitespaces)) }
    public var configText: String? { self ? "true" : "false" }
}

/// A comma-separated list (newlines also separate, for continuation lines); empty entries dropped.
extension Array: ConfigOptionValue, InfallibleConfigOptionValue where Element == String {
    public static var optionKind: ConfigOption.Kind { .list }
    public static var expected: String { "a comma-separated list" }
    public static func parse(_ raw: String) -> [String]? {
        raw.split(whereSeparator: { $0 == "," || $0 == "\n" })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
    public var configText: String? { joined(separator: ",") }
}

/// An option with no default: nil when unset.
extension Optional: ConfigOptionValue where Wrapped: ConfigOptionValue {
    public static var optionKind: ConfigOption.Kind { Wrapped.optionKind }
    public static var expected: String { Wrapped.expected }
    public static func parse(_ raw: String) -> Wrapped?? { Wrapped.parse(raw).map { .some($0) } }
    public var configText: String? { self?.configText }
}

extension Optional: InfallibleConfigOptionValue where Wrapped: InfallibleConfigOptionValue {}
