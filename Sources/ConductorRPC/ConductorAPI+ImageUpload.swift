import Foundation
import NimbusKernel
import NimbusRPC

extension ConductorAPI {
    /// A compute uploads a snapshot's bytes in order, one bounded range per call (Nova's compute PUTs them to
    /// Glance; ours have no token, so the conductor writes them into the built-in image service). The first range
    /// moves the image queued → saving, the last (`final`) checks and activates it. Nimbus's own, so 3.3.
    public static let imageUpload = Call<ImageUpload, ImageUploadResult>(.call, "image_upload", since: RPCVersion(3, 3))
    /// Deletes an image record and its bytes (Nova's `@delete_image_on_error`, and unshelve removing the shelved
    /// snapshot). Nimbus's own, 3.3.
    public static let imageDelete = Call<ImageRef, Empty>(.call, "image_delete", since: RPCVersion(3, 3))

    /// The end of a shelve offload (Nova's `_shelve_offload_instance` saves): the claim freed and the server off its
    /// host, in one transaction. Nimbus's own, 3.3.
    public static let shelveOffloadFinish = Call<UUIDArg, InstanceRecord>(.call, "shelve_offload_finish",
                                                                          since: RPCVersion(3, 3))

    /// Evacuations from this host that finished elsewhere (`done`): a compute coming back destroys their
    /// leftover guests and frees the source claim (Nova's `_destroy_evacuated_instances`). Nimbus's own, 3.3.
    public static let evacuationsFromHost = Call<HostArg, [MigrationRecord]>(.call, "evacuations_from_host",
                                                                             since: RPCVersion(3, 3))

    public struct ImageUpload: Codable, Sendable, Hashable {
        public var id: String
        /// Where `data` goes: must equal the bytes received so far, so a lost or repeated range is refused.
        public var offset: Int
        public var data: Data
        /// The last range: the conductor hashes the file and marks the image active with these formats.
        public var final: Bool
        public var diskFormat: String?
        public var containerFormat: String?

        public init(id: String, offset: Int, data: Data, final: Bool, diskFormat: String? = nil,
                    containerFormat: String? = nil) {
            self.id = id
            self.offset = offset
            self.data = data
            self.final = final
            self.diskFormat = diskFormat
            self.containerFormat = containerFormat
        }
    }

    /// The image's size so far, and its status (`saving`, or `active` after the final range).
    public struct ImageUploadResult: Codable, Sendable, Hashable {
        public var size: Int
        public var status: String
        public init(size: Int, status: String) {
            self.size = size
            self.status = status
        }
    }
}
