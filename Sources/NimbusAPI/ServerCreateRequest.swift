import Foundation
import NimbusKernel

/// `POST /servers` body, validated as Nova's 2.1 schema does (wrong types and missing fields → 400).
struct ServerCreateRequest {
    var name: String
    var imageRef: String
    var flavorRef: String
    var minCount = 1
    var maxCount = 1
    var availabilityZone: String?
    var keyName: String?
    var metadata: [String: String] = [:]
    var userData: String?
    var schedulerHints: [String: [String]] = [:]
    var returnReservationID = false

    init(_ body: JSON) throws {
        guard let server = body["server"]?.object else {
            throw NovaError.badRequest("Invalid input for field/attribute server. Value: None. 'server' is a required property")
        }
        guard let name = server["name"]?.string, !name.trimmingCharacters(in: .whitespaces).isEmpty,
              name.count <= 255 else {
            throw NovaError.badRequest("Invalid input for field/attribute name. 'name' must be a non-empty string of at most 255 characters")
        }
        self.name = name
        guard let flavor = server["flavorRef"], let ref = flavor.string ?? flavor.int.map(String.init), !ref.isEmpty else {
            throw NovaError.badRequest("Invalid input for field/attribute flavorRef. 'flavorRef' is a required property")
        }
        // Nova accepts a flavor link as flavorRef and uses its last path component.
        flavorRef = String(ref.split(separator: "/").last ?? Substring(ref))
        switch server["imageRef"] {
        case .string(let s)?: imageRef = String(s.split(separator: "/").last ?? Substring(s))
        case nil, .null?: imageRef = ""
        default: throw NovaError.badRequest("Invalid input for field/attribute imageRef. Value must be a string")
        }
        func count(_ key: String) throws -> Int? {
            guard let v = server[key] else { return nil }
            guard let n = v.int, n >= 1 else {
                throw NovaError.badRequest("Invalid input for field/attribute \(key). Value: \(v). must be an integer >= 1")
            }
            return n
        }
        minCount = try count("min_count") ?? 1
        maxCount = try count("max_count") ?? minCount
        guard minCount <= maxCount else {
            throw NovaError.badRequest("min_count must be <= max_count")
        }
        if let az = server["availability_zone"] {
            guard let s = az.string else { throw NovaError.badRequest("Invalid input for field/attribute availability_zone.") }
            availabilityZone = s
        }
        if let k = server["key_name"], !k.isNull {
            guard let s = k.string else { throw NovaError.badRequest("Invalid input for field/attribute key_name.") }
            keyName = s
        }
        if let m = server["metadata"] {
            guard let o = m.object else { throw NovaError.badRequest("Invalid input for field/attribute metadata.") }
            for (k, v) in o {
                guard let s = v.string else {
                    throw NovaError.badRequest("Invalid input for field/attribute metadata. Value of \(k) must be a string")
                }
                metadata[k] = s
            }
        }
        if let u = server["user_data"], !u.isNull {
            guard let s = u.string else { throw NovaError.badRequest("Invalid input for field/attribute user_data.") }
            userData = s
        }
        if let r = server["return_reservation_id"] { returnReservationID = r.bool ?? false }
        if let hints = (body["OS-SCH-HNT:scheduler_hints"] ?? body["os:scheduler_hints"])?.object {
            for (k, v) in hints {
                if let s = v.string { schedulerHints[k] = [s] }
                else if let a = v.array { schedulerHints[k] = a.compactMap(\.string) }
                else { throw NovaError.badRequest("Invalid input for field/attribute scheduler_hints.\(k).") }
            }
        }
    }
}
