import Foundation
import NimbusKernel
import NimbusStore

/// Glance's default policies (glance/policies/image.py, secure RBAC): reading needs the reader role,
/// writing needs member on the image's project, admin may do everything. Images the caller cannot see
/// are 404 before any policy answers 403, so a refusal never reveals another project's image.
enum ImagePolicy {
    static func denied(_ action: String) -> GlanceError {
        GlanceError.forbidden("You are not authorized to complete \(action) action.")
    }

    /// `get_images` / `get_image`: admin or reader.
    static func read(_ c: AuthContext, _ action: String) throws {
        guard c.isReader else { throw denied(action) }
    }

    /// `add_image`: admin or member (the owner check is ImageProperties' job).
    static func create(_ c: AuthContext) throws {
        guard c.isMember else { throw denied("add_image") }
    }

    /// `modify_image`, `delete_image`, `upload_image`, `deactivate`, `reactivate`:
    /// `role:admin or (role:member and project_id:%(project_id)s)`, project being the image's owner.
    static func modify(_ i: ImageRecord, _ c: AuthContext, _ action: String) throws {
        guard c.isAdmin || (c.isMember && i.owner != nil && i.owner == c.projectID) else { throw denied(action) }
    }

    /// `download_image`: admin, or member on a visible image (Glance asks member, not reader, for data).
    static func download(_ c: AuthContext) throws {
        guard c.isMember else { throw denied("download_image") }
    }
}
