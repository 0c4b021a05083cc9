import Foundation
import NimbusJSON

/// Checks every request passes before any route reads it. SQLite binds our text up to the first NUL, so
/// `"admin\u0000x"` would be stored, compared and looked up as `"admin"` (a duplicate of admin, or a login
/// as admin): NUL is refused in every body string (keys included) and in the URL, once, here, so no route
/// can forget it.
enum KeystoneInputGuard {
    /// The body, refused with 400 when any string in it holds a NUL.
    static func check(_ body: JSON) throws -> JSON {
        guard body.nulField() == nil else {
            throw KeystoneError.badRequest("Invalid input: strings in the request body must not contain NUL (U+0000).")
        }
        return body
    }

    /// `%00` in the path or query (a raw NUL cannot reach us: the HTTP parser refuses it).
    static func urlHasNUL(_ uri: String) -> Bool { uri.range(of: "%00") != nil }

    /// C0 control characters and DEL, refused in names.
    static func hasControlCharacters(_ s: String) -> Bool {
        s.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }

    /// Flask's `is_json`: `application/json` or any `+json` type, parameters ignored.
    static func isJSON(_ contentType: String) -> Bool {
        let type = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
    }
}
