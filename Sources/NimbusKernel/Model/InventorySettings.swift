/// Inventory settings a compute reports with its resources (reserved amounts, allocation ratios).
public struct InventorySettings: Codable, Sendable, Hashable {
    public var reserved: Resources
    /// `[DEFAULT] *_allocation_ratio` when set: overrides what the store has.
    public var cpuRatio: Double?, ramRatio: Double?, diskRatio: Double?
    /// `initial_*_allocation_ratio`: used only for a new node.
    public var initialCPURatio: Double, initialRAMRatio: Double, initialDiskRatio: Double

    public init(reserved: Resources, cpuRatio: Double? = nil, ramRatio: Double? = nil, diskRatio: Double? = nil,
                initialCPURatio: Double = 4.0, initialRAMRatio: Double = 1.0, initialDiskRatio: Double = 1.0) {
        self.reserved = reserved
        self.cpuRatio = cpuRatio
        self.ramRatio = ramRatio
        self.diskRatio = diskRatio
        self.initialCPURatio = initialCPURatio
        self.initialRAMRatio = initialRAMRatio
        self.initialDiskRatio = initialDiskRatio
    }
}
