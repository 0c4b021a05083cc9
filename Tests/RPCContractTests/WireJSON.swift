import Foundation

/// A JSON document as a value: canonical (sorted keys) when written, comparable, and able to say what
/// changed between two versions as a list of paths.
indirect enum WireJSON: Codable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([WireJSON]), object([String: WireJSON])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null } else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([WireJSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: WireJSON].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    static func parse(_ data: Data) throws -> WireJSON { try JSONDecoder().decode(WireJSON.self, from: data) }

    /// Sorted keys, pretty-printed: the form fixtures are stored in.
    func canonical() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try e.encode(self) + Data("\n".utf8)
    }

    var data: Data { get throws { try JSONEncoder().encode(self) } }

    subscript(key: String) -> WireJSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Every path with the type found there (`instance.flavor.vcpus: number`); array elements share `[]`.
    func shape(_ path: String = "") -> Set<String> {
        switch self {
        case .object(let o):
            return o.reduce(into: [path + ": object"]) { $0.formUnion($1.value.shape(path.isEmpty ? $1.key : "\(path).\($1.key)")) }
        case .array(let a): return a.reduce(into: [path + ": array"]) { $0.formUnion($1.shape(path + "[]")) }
        default: return [path + ": " + typeName]
        }
    }

    /// What differs, path by path: fields added or removed, types changed, values changed.
    func differences(from old: WireJSON, _ path: String = "") -> [String] {
        let here = path.isEmpty ? "(top)" : path
        switch (old, self) {
        case (.object(let a), .object(let b)):
            var out: [String] = []
            for k in Set(a.keys).union(b.keys).sorted() {
                let p = path.isEmpty ? k : "\(path).\(k)"
                switch (a[k], b[k]) {
                case (nil, .some(let v)): out.append("field \(p) added (\(v.typeName))")
                case (.some(let v), nil): out.append("field \(p) removed (was \(v.typeName))")
                case (.some(let x), .some(let y)): out += y.differences(from: x, p)
                default: break
                }
            }
            return out
        case (.array(let a), .array(let b)):
            guard a.count == b.count else { return ["\(here): \(a.count) elements became \(b.count)"] }
            return zip(a, b).enumerated().flatMap { i, pair in pair.1.differences(from: pair.0, "\(path)[\(i)]") }
        default:
            if old.typeName != typeName { return ["\(here): type \(old.typeName) became \(typeName)"] }
            return old == self ? [] : ["\(here): value changed"]
        }
    }
}
