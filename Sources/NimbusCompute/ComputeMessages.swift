import Foundation
import NimbusKernel

/// Arguments of the compute RPC API's instance operations.
public struct InstanceOperation: Codable, Sendable {
    public var instance: InstanceRecord
    public var requestID: String?
    public var hard: Bool
    /// For console output: the last N lines, nil for everything.
    public var length: Int?

    public init(instance: InstanceRecord, requestID: String? = nil, hard: Bool = false, length: Int? = nil) {
        self.instance = instance
        self.requestID = requestID
        self.hard = hard
        self.length = length
    }
}
