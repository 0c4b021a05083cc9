import Foundation
import NimbusJSON
import NimbusKernel
import NimbusStore

/// Glance's JSON patch (`application/openstack-images-v2.1-json-patch`): `add`, `remove` and `replace` on
/// top-level attributes, e.g. `[{"op": "replace", "path": "/name", "value": "x"}]`. The older 2.0 form
/// (`{"replace": "/name", "value": "x"}`) is read too.
enum ImagePatch {
    static func apply(_ operation: JSON, to image: inout ImageRecord, by caller: AuthContext) throws {
        guard let o = operation.object else { throw GlanceError.badRequest("Each patch operation must be an object.") }
        var op = o["op"]?.string
        var path = o["path"]?.string
        if op == nil, let legacy = ["add", "remove", "replace"].first(where: { o[$0] != nil }) {
            op = legacy
            path = o[legacy]?.string
        }
        guard let op, ["add", "remove", "replace"].contains(op) else {
            throw GlanceError.badRequest("Operation objects must contain 'op' with one of add, remove, replace.")
        }
        guard let path, path.hasPrefix("/"), path.count > 1 else {
            throw GlanceError.badRequest("Unable to find '/' in JSON Schema change: path must be like /name.")
        }
        let pointer = path.dropFirst()
        guard !pointer.contains("/") else {
            throw GlanceError.badRequest("Nested paths are not allowed: \(path).")
        }
        let key = String(pointer).replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        if ImageProperties.readOnly.contains(key) || key == "id" {
            throw GlanceError.forbidden("Attribute '\(key)' is read-only.")
        }
        let isBase = ImageProperties.base.contains(key)
        switch op {
        case "add", "replace":
            guard let value = o["value"] else { throw GlanceError.badRequest("Operation '\(op)' needs a 'value'.") }
            if op == "replace" && !isBase && image.properties[key] == nil {
                throw GlanceError.conflict("Property \(key) does not exist.")
            }
            try ImageProperties.set(key, value, on: &image, by: caller, creating: false)
        default:
            if isBase { throw GlanceError.forbidden("Attribute '\(key)' is reserved and cannot be removed.") }
            guard image.properties.removeValue(forKey: key) != nil else {
                throw GlanceError.conflict("Property \(key) does not exist.")
            }
        }
    }
}
