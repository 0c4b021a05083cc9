import Foundation
import NimbusKernel
import NimbusRPC

/// The conductor's database-proxy API (computes never open the database), served on topic `conductor` in the
/// default namespace. Nova's `ConductorAPI` is at 3.0 and proxies objects; Nimbus proxies these calls, 3.0
/// except `compute_node_capabilities` (3.1, Nimbus's own).
public enum ConductorAPI: RPCAPIContract {
    public static let name = "conductor"
    public static let topic = "conductor"
    public static let namespace: String? = nil
    public static let version = RPCVersion(3, 4)

    /// Remote error types a compute acts on (Nova's exception names).
    public static let instanceNotFound = "InstanceNotFound"
    public static let unexpectedTaskState = "UnexpectedTaskStateError"

    public typealias Call<A: Codable & Sendable, R: Codable & Sendable> = RPCMethod<ConductorAPI, A, R>
    static let v3 = RPCVersion(3, 0)

    public static let serviceRegister = Call<RegisterService, ServiceRecord>(.call, "service_register", since: v3)
    public static let serviceHeartbeat = Call<UUIDArg, ServiceRecord>(.call, "service_heartbeat", since: v3)
    public static let serviceStopped = Call<UUIDArg, Empty>(.call, "service_stopped", since: v3)
    public static let computeNodeUpdate = Call<NodeUpdate, ComputeNodeRecord>(.call, "compute_node_update", since: v3)
    public static let instanceUpdate = Call<InstanceUpdateArgs, InstanceRecord>(.call, "instance_update", since: v3)
    public static let instanceGet = Call<UUIDArg, InstanceRecord?>(.call, "instance_get", since: v3)
    public static let instanceDestroy = Call<UUIDArg, Empty>(.call, "instance_destroy", since: v3)
    /// Which of these instances the database knows as deleted (start-up recovery).
    public static let instancesDeleted = Call<[UUID], [UUID]>(.call, "instances_deleted", since: v3)
    public static let instancesOnHost = Call<HostArg, [InstanceRecord]>(.call, "instances_on_host", since: v3)
    public static let instanceFaultCreate = Call<InstanceFault, Empty>(.call, "instance_fault_create", since: v3)
    /// Replies with the number of allocations released.
    public static let allocationRelease = Call<UUIDArg, Int>(.call, "allocation_release", since: v3)
    public static let imageGet = Call<ImageRef, ImageMeta>(.call, "image_get", since: v3)
    public static let imageData = Call<ImageChunk, Data>(.call, "image_data", since: v3)
    public static let buildResult = Call<BuildResult, Empty>(.call, "build_result", since: v3)
    public static let actionEvent = Call<ActionEvent, Empty>(.call, "action_event", since: v3)

    public static let methods: [RPCMethodInfo] = [
        serviceRegister.info, serviceHeartbeat.info, serviceStopped.info, computeNodeUpdate.info, instanceUpdate.info,
        instanceGet.info, instanceDestroy.info, instancesDeleted.info, instancesOnHost.info, instanceFaultCreate.info,
        allocationRelease.info, imageGet.info, imageData.info, buildResult.info, actionEvent.info,
        computeNodeCapabilities.info, migrationStep.info, imageUpload.info, imageDelete.info,
        shelveOffloadFinish.info, evacuationsFromHost.info, computeServices.info,
    ]

    public struct RegisterService: Codable, Sendable, Hashable {
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

    public struct NodeUpdate: Codable, Sendable, Hashable {
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
    public struct ImageChunk: Codable, Sendable, Hashable {
        public var id: String, offset: Int, length: Int
        public init(id: String, offset: Int, length: Int) {
            self.id = id
            self.offset = offset
            self.length = length
        }
    }

    public struct ImageRef: Codable, Sendable, Hashable {
        public var id: String
        public init(id: String) { self.id = id }
    }

    public struct BuildResult: Codable, Sendable, Hashable {
        public var node: String
        public var success: Bool
        public init(node: String, success: Bool) {
            self.node = node
            self.success = success
        }
    }

    public struct ActionEvent: Codable, Sendable, Hashable {
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

    public struct UUIDArg: Codable, Sendable, Hashable {
        public var uuid: UUID
        public init(_ uuid: UUID) { self.uuid = uuid }
    }

    public struct HostArg: Codable, Sendable, Hashable {
        public var host: String
        public init(_ host: String) { self.host = host }
    }
}

/// The typed client of the database-proxy API.
public typealias ConductorRPCClient = RPCAPIClient<ConductorAPI>
