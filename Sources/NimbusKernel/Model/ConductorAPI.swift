import Foundation

/// Argument types of the conductor's DB-proxy API (computes never open the database).
public enum ConductorAPI {
    /// Remote error types a compute acts on (Nova's exception names).
    public static let instanceNotFound = "InstanceNotFound"
    public static let unexpectedTaskState = "UnexpectedTaskStateError"

    public struct RegisterService: Codable, Sendable {
        public var host: String, binary: String, topic: String
        public var rpcEndpoint: String?, rpcPublicKey: String?
        public init(host: String, binary: String, topic: String, rpcEndpoint: String? = nil, rpcPublicKey: String? = nil) {
            self.host = host
            self.binary = binary
            self.topic = topic
            self.rpcEndpoint = rpcEndpoint
            self.rpcPublicKey = rpcPublicKey
        }
    }

    public struct NodeUpdate: Codable, Sendable {
        public var host: String
        public var resources: HostResources
        public var inventory: InventorySettings
        public init(host: String, resources: HostResources, inventory: InventorySettings) {
            self.host = host
            self.resources = resources
            self.inventory = inventory
        }
    }

    public struct InstanceUpdateArgs: Codable, Sendable {
        public var uuid: UUID
        public var update: InstanceUpdate
        public init(uuid: UUID, update: InstanceUpdate) {
            self.uuid = uuid
            self.update = update
        }
    }

    /// What a compute needs to fetch and check an image (Glance's image record, the parts that matter here).
    public struct ImageMeta: Codable, Sendable, Hashable {
        public var id: String
        public var status: String
        public var size: Int?
        public var checksum: String?
        public var osHashAlgo: String?
        public var osHashValue: String?
        public var diskFormat: String?
        public var properties: [String: String]
        public init(id: String, status: String, size: Int?, checksum: String?, osHashAlgo: String?,
                    osHashValue: String?, diskFormat: String?, properties: [String: String]) {
            self.id = id
            self.status = status
            self.size = size
            self.checksum = checksum
            self.osHashAlgo = osHashAlgo
            self.osHashValue = osHashValue
            self.diskFormat = diskFormat
            self.properties = properties
        }
    }

    /// One range of an image's bytes (`image_data`): computes never read the controller's files directly.
    public struct ImageChunk: Codable, Sendable {
        public var id: String, offset: Int, length: Int
        public init(id: String, offset: Int, length: Int) {
            self.id = id
            self.offset = offset
            self.length = length
        }
    }

    public struct ImageRef: Codable, Sendable {
        public var id: String
        public init(id: String) { self.id = id }
    }

    public struct BuildResult: Codable, Sendable {
        public var node: String
        public var success: Bool
        public init(node: String, success: Bool) {
            self.node = node
            self.success = success
        }
    }

    public struct ActionEvent: Codable, Sendable {
        public var instance: UUID, requestID: String, event: String, host: String?
        public var start: Date, finish: Date, result: String, traceback: String?
        public init(instance: UUID, requestID: String, event: String, host: String?, start: Date, finish: Date,
                    result: String, traceback: String? = nil) {
            self.instance = instance
            self.requestID = requestID
            self.event = event
            self.host = host
            self.start = start
            self.finish = finish
            self.result = result
            self.traceback = traceback
        }
    }

    public struct UUIDArg: Codable, Sendable {
        public var uuid: UUID
        public init(_ uuid: UUID) { self.uuid = uuid }
    }

    public struct HostArg: Codable, Sendable {
        public var host: String
        public init(_ host: String) { self.host = host }
    }
}
