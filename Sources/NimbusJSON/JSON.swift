import Foundation

/// A JSON value for building and reading API bodies (Nova's exact keys, many with ':' and '-'; Keystone's and
/// Glance's). The one JSON type of the services: Compute, Identity and Image all import this module.
public enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    @inlinable public subscript(key: String) -> JSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    @inlinable public var string: String? { if case .string(let s) = self { s } else { nil } }
    @inlinable public var object: [String: JSON]? { if case .object(let o) = self { o } else { nil } }
    @inlinable public var array: [JSON]? { if case .array(let a) = self { a } else { nil } }
    @inlinable public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    @inlinable public var isNull: Bool { self == .null }

    /// An integer, accepting integral doubles and (like Nova's schema for counts) numeric strings.
    @inlinable public var int: Int? {
        switch self {
        case .int(let i): i
        case .double(let d) where d.rounded() == d: Int(exactly: d)
        case .string(let s): Int(s)
        default: nil
        }
    }

    @inlinable public var number: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        case .string(let s): Double(s)
        default: nil
        }
    }

    @inlinable public static func optional(_ s: String?) -> JSON { s.map(JSON.string) ?? .null }
    @inlinable public static func optional(_ i: Int?) -> JSON { i.map(JSON.int) ?? .null }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    @inlinable public init(stringLiteral v: String) { self = .string(v) }
    @inlinable public init(integerLiteral v: Int) { self = .int(v) }
    @inlinable public init(booleanLiteral v: Bool) { self = .bool(v) }
    @inlinable public init(floatLiteral v: Double) { self = .double(v) }
    @inlinable public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    @inlinable public init(dictionaryLiteral elements: (String, JSON)...) {
        // Last value wins for a repeated key, as `Dictionary(_:uniquingKeysWith:)` did, without its generic merge
        // (every server of a listing builds several of these).
        var o = [String: JSON](minimumCapacity: elements.count)
        for (k, v) in elements { o[k] = v }
        self = .object(o)
    }
    @inlinable public init(nilLiteral: ()) { self = .null }
}

extension JSON: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSON].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

extension JSON {
    public static func decode(_ data: Data) throws -> JSON { try JSONDecoder().decode(JSON.self, from: data) }

    /// A short rendering for error messages (Python-ish, as Nova's messages quote values).
    public var brief: String {
        switch self {
        case .string(let s): "'\(s)'"
        case .null: "None"
        case .bool(let b): b ? "True" : "False"
        default: String(decoding: encoded(), as: UTF8.self)
        }
    }
}
