/// A flavor (Nova's instance type). `id` is the public flavorid string.
public struct Flavor: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var memoryMB: Int
    public var vcpus: Int
    public var rootGB: Int
    public var ephemeralGB: Int
    public var swapMB: Int
    public var rxtxFactor: Double
    public var isPublic: Bool
    public var disabled: Bool
    public var description: String?
    public var extraSpecs: [String: String]

    public init(
        id: String, name: String, memoryMB: Int, vcpus: Int, rootGB: Int, ephemeralGB: Int = 0, swapMB: Int = 0,
        rxtxFactor: Double = 1.0, isPublic: Bool = true, disabled: Bool = false, description: String? = nil,
        extraSpecs: [String: String] = [:]
    ) {
        self.id = id
        self.name = name
        self.memoryMB = memoryMB
        self.vcpus = vcpus
        self.rootGB = rootGB
        self.ephemeralGB = ephemeralGB
        self.swapMB = swapMB
        self.rxtxFactor = rxtxFactor
        self.isPublic = isPublic
        self.disabled = disabled
        self.description = description
        self.extraSpecs = extraSpecs
    }

    /// What a placement allocation for this flavor asks for.
    public var resources: Resources {
        Resources(vcpus: vcpus, memoryMB: memoryMB, diskGB: rootGB + ephemeralGB + (swapMB + 1023) / 1024)
    }
}

/// The three placement resource classes Nimbus tracks: VCPU, MEMORY_MB, DISK_GB.
public struct Resources: Codable, Sendable, Hashable {
    public var vcpus: Int
    public var memoryMB: Int
    public var diskGB: Int

    public init(vcpus: Int, memoryMB: Int, diskGB: Int) {
        self.vcpus = vcpus
        self.memoryMB = memoryMB
        self.diskGB = diskGB
    }

    public static let zero = Resources(vcpus: 0, memoryMB: 0, diskGB: 0)
}
