import Foundation
import NimbusJSON

/// Where a view's fields go, in order: a dictionary for a one-server response (`JSONPairs`) or straight into
/// a listing's bytes (`JSONObjectWriter`). One description of the view feeds both, so they cannot drift; the
/// listing no longer builds ~50 `JSON` values and their arrays and dictionaries per server only to walk and
/// free them (a third of the listing's time in profiles).
protocol ViewFields {
    mutating func put(_ key: StaticString, _ value: String)
    mutating func put(_ key: StaticString, optional value: String?)
    mutating func put(_ key: StaticString, _ value: Int)
    mutating func put(_ key: StaticString, _ value: Bool)
    mutating func put(_ key: StaticString, _ value: JSON)
    mutating func put(_ key: StaticString, strings: [String])
    mutating func put(_ key: StaticString, stringMap: [String: String])
    /// Nova's timestamps: `2025-01-01T00:00:00Z`, or with `fraction` `2025-01-01T00:00:00.000000`; nil is null.
    mutating func put(_ key: StaticString, time: Date?, fraction: Bool)
    /// `[{"rel": "self", "href": "<base>/v2.1/<collection>/<id>"}, {"rel": "bookmark", "href": "<base>/<collection>/<id>"}]`,
    /// the bookmark alone without `selfLink`.
    mutating func putLinks(_ key: StaticString, base: String, collection: StaticString, id: String, selfLink: Bool)
    mutating func putObject(_ key: StaticString, _ fields: (inout Self) -> Void)
}

/// Collects the fields as pairs, for responses built as a `JSON` tree.
struct JSONPairs: ViewFields {
    var pairs: [(String, JSON)] = []

    init() { pairs.reserveCapacity(64) }

    var object: JSON { .object(Dictionary(pairs, uniquingKeysWith: { _, last in last })) }

    mutating func put(_ key: StaticString, _ value: String) { put(key, JSON.string(value)) }
    mutating func put(_ key: StaticString, optional value: String?) { put(key, JSON.optional(value)) }
    mutating func put(_ key: StaticString, _ value: Int) { put(key, JSON.int(value)) }
    mutating func put(_ key: StaticString, _ value: Bool) { put(key, JSON.bool(value)) }
    mutating func put(_ key: StaticString, _ value: JSON) { pairs.append((key.description, value)) }
    mutating func put(_ key: StaticString, strings: [String]) { put(key, .array(strings.map(JSON.string))) }
    mutating func put(_ key: StaticString, stringMap: [String: String]) { put(key, .object(stringMap.mapValues(JSON.string))) }
    mutating func put(_ key: StaticString, time: Date?, fraction: Bool) {
        put(key, fraction ? NovaTime.micro(time) : NovaTime.iso(time))
    }
    mutating func putLinks(_ key: StaticString, base: String, collection: StaticString, id: String, selfLink: Bool) {
        let bookmark: JSON = ["rel": "bookmark", "href": .string("\(base)/\(collection)/\(id)")]
        put(key, selfLink ? [["rel": "self", "href": .string("\(base)/v2.1/\(collection)/\(id)")], bookmark] : [bookmark])
    }
    mutating func putObject(_ key: StaticString, _ fields: (inout JSONPairs) -> Void) {
        var inner = JSONPairs()
        fields(&inner)
        put(key, inner.object)
    }
}

/// Writes the fields as one JSON object into a sink. Keys are the view's own literals (no escaping needed);
/// every value is escaped as `JSON.writeString` does.
struct JSONObjectWriter: ViewFields {
    private(set) var out: JSONSink
    private var first = true

    /// Opens the object; `finish` closes it and hands the sink back.
    init(_ out: JSONSink) {
        self.out = out
        self.out.append(UInt8(ascii: "{"))
    }

    mutating func finish() -> JSONSink {
        out.append(UInt8(ascii: "}"))
        return out
    }

    private mutating func key(_ k: StaticString) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        out.append(UInt8(ascii: "\""))
        out.append(UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
        out.append(contentsOf: #"":"#.utf8)
    }

    mutating func put(_ k: StaticString, _ value: String) { key(k); JSON.writeString(value, to: &out) }
    mutating func put(_ k: StaticString, optional value: String?) {
        key(k)
        if let value { JSON.writeString(value, to: &out) } else { out.append(contentsOf: "null".utf8) }
    }
    mutating func put(_ k: StaticString, _ value: Int) { key(k); JSON.writeInt(value, to: &out) }
    mutating func put(_ k: StaticString, _ value: Bool) { key(k); out.append(contentsOf: (value ? "true" : "false").utf8) }
    mutating func put(_ k: StaticString, _ value: JSON) { key(k); value.write(to: &out) }
    mutating func put(_ k: StaticString, strings: [String]) {
        key(k)
        out.append(UInt8(ascii: "["))
        for (n, s) in strings.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            JSON.writeString(s, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }
    mutating func put(_ k: StaticString, stringMap: [String: String]) {
        key(k)
        JSON.writeMap(stringMap, to: &out) { v, out in JSON.writeString(v, to: &out) }
    }
    mutating func put(_ k: StaticString, time: Date?, fraction: Bool) {
        key(k)
        guard let time else { out.append(contentsOf: "null".utf8); return }
        out.append(UInt8(ascii: "\""))
        var fast = true
        out.write(reserving: 26) {
            let n = NovaTime.fastFormat(time, fraction: fraction, into: $0)
            fast = n != nil
            return n ?? 0
        }
        if !fast { JSON.writeStringContent(NovaTime.foundationFormat(time, fraction: fraction), to: &out) }
        if !fraction { out.append(UInt8(ascii: "Z")) }
        out.append(UInt8(ascii: "\""))
    }
    mutating func putLinks(_ k: StaticString, base: String, collection: StaticString, id: String, selfLink: Bool) {
        key(k)
        let coll = UnsafeBufferPointer(start: collection.utf8Start, count: collection.utf8CodeUnitCount)
        func href(_ version: Bool) {
            out.append(UInt8(ascii: "\""))
            JSON.writeStringContent(base, to: &out)
            out.append(contentsOf: (version ? "/v2.1/" : "/").utf8)
            out.append(coll)
            out.append(UInt8(ascii: "/"))
            JSON.writeStringContent(id, to: &out)
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "["))
        if selfLink {
            out.append(contentsOf: #"{"rel":"self","href":"#.utf8)
            href(true)
            out.append(contentsOf: "},".utf8)
        }
        out.append(contentsOf: #"{"rel":"bookmark","href":"#.utf8)
        href(false)
        out.append(contentsOf: "}]".utf8)
    }
    mutating func putObject(_ k: StaticString, _ fields: (inout JSONObjectWriter) -> Void) {
        key(k)
        out.append(UInt8(ascii: "{"))
        first = true
        fields(&self)
        out.append(UInt8(ascii: "}"))
        first = false
    }
}
