import NimbusKernel
import NimbusStore

extension ComputeAPI {
    /// Nova's image checks on boot (compute/api.py `_check_requested_image`) against the built-in image
    /// service's records: the image must be visible to the caller and active, and the flavor big enough.
    /// Its properties go into the request spec (the scheduler's ImagePropertiesFilter reads them).
    /// An id the built-in service does not know is passed on unchecked: it may live in an external Glance.
    func bootImageProperties(_ ref: String, _ flavor: Flavor, _ auth: AuthContext) async throws -> [String: String] {
        guard !ref.isEmpty, let image = try await store.image(id: ref) else { return [:] }
        let visible = auth.isAdmin || image.owner == auth.projectID || ["public", "community"].contains(image.visibility)
        guard visible else { throw NovaError.badRequest("Image \(ref) could not be found.") }
        guard image.status == "active" else { throw NovaError.badRequest("Image \(ref) is not active.") }
        if flavor.memoryMB < image.minRAM {
            throw NovaError.badRequest("Flavor's memory is too small for requested image.")
        }
        if flavor.rootGB > 0 && flavor.rootGB < image.minDisk {
            throw NovaError.badRequest("Flavor's disk is too small for requested image.")
        }
        if flavor.rootGB > 0, let size = image.size, size > flavor.rootGB << 30 {
            throw NovaError.badRequest("Flavor's disk is too small for requested image. Flavor disk is "
                + "\(flavor.rootGB << 30) bytes, image is \(size) bytes.")
        }
        return image.properties
    }
}
