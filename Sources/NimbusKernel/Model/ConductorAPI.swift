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
