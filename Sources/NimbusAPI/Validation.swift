import Foundation
import Hummingbird
import NIOCore
import NimbusJSON

/// A JSON object from a request body, checked as Nova's JSON schemas check it; every failure is a 400
/// naming the field ("Invalid input for field/attribute <field>. Value: <v>. <reason>").
struct Fields {
    let values: [String: JSON]
    /// Dotted path of this object in the body, for messages.
    let path: String

    init(_ values: [String: JSON], path: String) {
        self.values = values
        self.path = path
    }

    static func invalid(_ field: String, _ value: JSON?, _ why: String) -> NovaError {
        .badRequest("Invalid input for field/attribute \(field). Value: \(value?.brief ?? "None"). \(why)")
    }

    subscript(_ key: String) -> JSON? { values[key] }
    func has(_ key: String) -> Bool { values[key] != nil }

    /// Unknown keys answer 400 (Nova's `additionalProperties: False`).
    func only(_ allowed: Set<String>) throws {
        if let extra = values.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw NovaError.badRequest(
                "Invalid input for field/attribute \(path). Additional properties are not allowed ('\(extra)' was unexpected)")
        }
    }

    func require(_ keys: String...) throws {
        for k in keys where values[k] == nil {
            throw Self.invalid(path, .object(values), "'\(k)' is a required property")
        }
    }

    func string(_ key: String, required: Bool = false, nullable: Bool = false, min: Int = 0, max: Int = 255,
                trimmed: Bool = false) throws -> String? {
        guard let v = values[key] else {
            if required { throw Self.invalid(path, .object(values), "'\(key)' is a required property") }
            return nil
        }
        if v.isNull, nullable { return nil }
        guard let s = v.string else { throw Self.invalid(key, v, "\(v.brief) is not of type 'string'") }
        if s.count < min { throw Self.invalid(key, v, "\(v.brief) is too short") }
        if s.count > max { throw Self.invalid(key, v, "\(v.brief) is too long") }
        if trimmed, s != s.trimmingCharacters(in: .whitespacesAndNewlines) || (min > 0 && s.trimmingCharacters(in: .whitespaces).isEmpty) {
            throw Self.invalid(key, v, "\(v.brief) does not match the name pattern (leading or trailing spaces)")
        }
        // Names are Nova's `valid_name_regex`: printable characters only.
        if trimmed, !Self.isPrintable(s) {
            throw Self.invalid(key, v, "\(v.brief) does not match the name pattern (printable characters only)")
        }
        return s
    }

    /// Nova's `_is_printable`: no control, format or unassigned code points and no line or paragraph separators.
    static func isPrintable(_ s: String) -> Bool {
        s.unicodeScalars.allSatisfy { c in
            switch c.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator: false
            default: true
            }
        }
    }

    /// An integer (Nova's schemas also accept integer strings for these). `null` counts as absent unless
    /// `nullable` is false, when it is a type error as in Nova's schemas (`None is not of type 'integer'`).
    func int(_ key: String, required: Bool = false, nullable: Bool = true, min: Int? = nil, max: Int? = nil) throws
        -> Int?
    {
        if !nullable, let v = values[key], v.isNull {
            throw Self.invalid(key, v, "None is not of type 'integer', 'string'")
        }
        guard let v = values[key], !v.isNull else {
            if required { throw Self.invalid(path, .object(values), "'\(key)' is a required property") }
            return nil
        }
        guard let n = v.int, v.bool == nil else { throw Self.invalid(key, v, "\(v.brief) is not of type 'integer'") }
        if let min, n < min { throw Self.invalid(key, v, "\(n) is less than the minimum of \(min)") }
        if let max, n > max { throw Self.invalid(key, v, "\(n) is greater than the maximum of \(max)") }
        return n
    }

    /// A boolean; Nova's `parameter_types.boolean` also takes the usual strings.
    func bool(_ key: String) throws -> Bool? {
        guard let v = values[key] else { return nil }
        if let b = v.bool { return b }
        if let s = v.string?.lowercased() {
            if ["true", "1", "yes", "on", "y", "t"].contains(s) { return true }
            if ["false", "0", "no", "off", "n", "f"].contains(s) { return false }
        }
        throw Self.invalid(key, v, "\(v.brief) is not of type 'boolean'")
    }

    func object(_ key: String, required: Bool = false) throws -> Fields? {
        guard let v = values[key] else {
            if required { throw Self.invalid(path, .object(values), "'\(key)' is a required property") }
            return nil
        }
        guard let o = v.object else { throw Self.invalid(key, v, "\(v.brief) is not of type 'object'") }
        return Fields(o, path: key)
    }

    /// A string → string map (metadata); keys 1–255 characters, values at most 255.
    func stringMap(_ key: String) throws -> [String: String]? {
        guard let o = try object(key) else { return nil }
        return try Self.stringMap(o.values, field: key)
    }

    static func stringMap(_ o: [String: JSON], field: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in o {
            guard !k.isEmpty, k.count <= 255 else { throw invalid(field, .object(o), "'\(k)' is not a valid key") }
            guard let s = v.string else { throw invalid(field, v, "\(v.brief) is not of type 'string'") }
            guard s.count <= 255 else { throw invalid(field, v, "\(v.brief) is too long") }
            out[k] = s
        }
        return out
    }
}

extension ComputeAPI {
    /// oslo.middleware's `max_request_body_size` default: larger bodies answer 413.
    static let maxBodySize = 114_688

    /// The request body as a JSON object (malformed JSON, a non-object or an empty body → 400; too large → 413).
    static func object(_ req: Request) async throws -> Fields {
        var req = req
        let buffer: ByteBuffer
        do { buffer = try await req.collectBody(upTo: maxBodySize) } catch is NIOTooManyBytesError {
            throw NovaError(.contentTooLarge, "Request is too large.")
        }
        guard buffer.readableBytes > 0 else { throw NovaError.badRequest("The request body is empty.") }
        guard JSONNesting.depth(buffer.readableBytesView) <= JSONNesting.maxDepth else {
            throw NovaError.badRequest("Malformed request body: nested too deeply")
        }
        let json: JSON
        do { json = try JSON.decode(Data(buffer.readableBytesView)) } catch {
            throw NovaError.badRequest("Malformed request body")
        }
        guard let o = json.object else { throw NovaError.badRequest("Malformed request body: not a JSON object") }
        if let field = json.nulField() {
            throw NovaError.badRequest("Invalid input for field/attribute \(field). The value contains a null character.")
        }
        return Fields(o, path: "body")
    }

    /// `{"<key>": {...}}`: the one wrapped object a create/update body holds; the top level is strict
    /// from 2.75 (earlier Nova ignored unknown top-level keys on most APIs).
    static func wrapped(_ req: Request, _ key: String, _ ctx: NimbusRequestContext, also: Set<String> = [])
        async throws -> Fields
    {
        let body = try await object(req)
        if ctx.at(75) { try body.only([key].reduce(into: also) { $0.insert($1) }) }
        guard let inner = try body.object(key, required: true) else { throw Fields.invalid(key, nil, "required") }
        return inner
    }
}
