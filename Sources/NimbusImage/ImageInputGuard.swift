import Foundation
import NimbusJSON

/// Checks every request passes before any route reads it. SQLite binds our text up to the first NUL, so
/// `"a\u0000b"` would be stored, compared and looked up as `"a"`: NUL is refused in every body string
/// (keys included) and in the URL, once, here, so no route can forget it.
enum ImageInputGuard {
    /// The body, refused with 400 when any string in it holds a NUL.
    static func check(_ body: JSON) throws -> JSON {
        guard body.nulField() == nil else {
            throw GlanceError.badRequest("Invalid input: strings in the request body must not contain NUL (U+0000).")
        }
        return body
    }

    /// `%00` in the path or query (a raw NUL cannot reach us: the HTTP parser refuses it).
    static func urlHasNUL(_ uri: String) -> Bool { uri.range(of: "%00") != nil }

    /// C0 control characters and DEL, refused in names (they cannot be typed, shown or searched for).
    static func hasControlCharacters(_ s: String) -> Bool {
        s.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }
}
