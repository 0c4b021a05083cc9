import Foundation
import NimbusKernel

/// Test builders in the style of Kubernetes' `MakePod()…Obj()`: sensible defaults, change what matters.
public enum Make {
    public static func flavor(
        _ name: String = "m1.small", id: String? = nil, vcpus: Int = 1, ram: Int = 512, disk: Int = 1,
        extraSpecs: [String: String] = [:]
    ) -> Flavor {
        Flavor(id: id ?? name, name: name, memoryMB: ram, vcpus: vcpus, rootGB: disk, extraSpecs: extraSpecs)
    }

    public static func host(_ name: String) -> HostStateBuilder { HostStateBuilder(name) }

    public static func spec(_ flavor: Flavor = Make.flavor()) -> RequestSpecBuilder { RequestSpecBuilder(flavor) }

    public static func instance(_ name: String = "vm", flavor: Flavor = Make.flavor(), host: String? = nil) -> InstanceRecord {
        InstanceRecord(name: name, projectID: "project", userID: "user", flavor: flavor, imageRef: "image",
                       host: host, node: host)
    }
}

public struct HostStateBuilder {
    public private(set) var state: HostState

    public init(_ name: String) {
        state = HostState(host: name, freeRAMMB: 8192, freeDiskMB: 100 * 1024, totalUsableRAMMB: 8192,
                          totalUsableDiskGB: 100, vcpusTotal: 8, vcpusUsed: 0,
                          service: ServiceRecord(host: name, binary: "nova-compute", topic: "compute"))
    }

    public func ram(free: Int, total: Int? = nil) -> Self {
        var b = self
        b.state.freeRAMMB = free
        b.state.totalUsableRAMMB = total ?? max(free, b.state.totalUsableRAMMB)
        return b
    }

    public func disk(freeMB: Int) -> Self { with { $0.freeDiskMB = freeMB } }
    public func vcpus(total: Int, used: Int = 0) -> Self { with { $0.vcpusTotal = total; $0.vcpusUsed = used } }
    public func instances(_ n: Int) -> Self { with { $0.numInstances = n } }
    public func ioOps(_ n: Int) -> Self { with { $0.numIOOps = n } }
    public func failedBuilds(_ n: Int) -> Self { with { $0.failedBuilds = n } }
    public func down() -> Self { with { $0.serviceUp = false } }
    public func disabled(_ reason: String? = nil) -> Self {
        with { $0.service?.disabled = true; $0.service?.disabledReason = reason }
    }
    public func aggregate(_ a: AggregateInfo) -> Self { with { $0.aggregates.append(a) } }
    public func hypervisor(type: String, version: Int) -> Self {
        with { $0.hypervisorType = type; $0.hypervisorVersion = version }
    }
    public func ip(_ ip: String) -> Self { with { $0.hostIP = ip } }
    public func metrics(_ m: [String: Double]) -> Self { with { $0.metrics = m } }
    public func with(_ change: (inout HostState) -> Void) -> Self {
        var b = self
        change(&b.state)
        return b
    }

    public func build() -> HostState { state }
}

public struct RequestSpecBuilder {
    public private(set) var spec: RequestSpec

    public init(_ flavor: Flavor) { spec = RequestSpec(flavor: flavor, projectID: "project", userID: "user") }

    public func instances(_ n: Int) -> Self { with { $0.numInstances = n } }
    public func hint(_ key: String, _ values: String...) -> Self { with { $0.schedulerHints[key] = values } }
    public func image(_ ref: String, properties: [String: String] = [:]) -> Self {
        with { $0.imageRef = ref; $0.imageProperties = properties }
    }
    public func zone(_ az: String) -> Self { with { $0.availabilityZone = az } }
    public func project(_ id: String) -> Self { with { $0.projectID = id } }
    public func with(_ change: (inout RequestSpec) -> Void) -> Self {
        var b = self
        change(&b.spec)
        return b
    }

    public func build() -> RequestSpec { spec }
}
