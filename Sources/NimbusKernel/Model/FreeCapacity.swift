/// Free capacity per resource class as Placement computes it: `(total − reserved) × allocation_ratio − used`.
/// The one place this formula lives: the claim, the capacity pre-filter (in Swift and, through `sql`, in the
/// store's queries), `ComputeNodeRecord.fits` and the scheduler's alternates all use it, so they cannot disagree.
public struct FreeCapacity: Sendable, Hashable {
    public var vcpus: Double
    public var memoryMB: Double
    public var diskGB: Double

    public init(vcpus: Double, memoryMB: Double, diskGB: Double) {
        self.vcpus = vcpus
        self.memoryMB = memoryMB
        self.diskGB = diskGB
    }

    /// The formula for one resource class.
    @inlinable
    public static func free(total: Int, reserved: Int, ratio: Double, used: Int) -> Double {
        // In doubles, so no input traps; exact (and equal to SQLite's integer subtraction) below 2^53.
        (Double(total) - Double(reserved)) * ratio - Double(used)
    }

    public init(total: Resources, reserved: Resources, ratios: AllocationRatios, used: Resources) {
        vcpus = Self.free(total: total.vcpus, reserved: reserved.vcpus, ratio: ratios.cpu, used: used.vcpus)
        memoryMB = Self.free(total: total.memoryMB, reserved: reserved.memoryMB, ratio: ratios.ram, used: used.memoryMB)
        diskGB = Self.free(total: total.diskGB, reserved: reserved.diskGB, ratio: ratios.disk, used: used.diskGB)
    }

    /// Whether `request` fits: free ≥ requested in every class (the same comparison the SQL pre-filter makes).
    @inlinable
    public func fits(_ request: Resources) -> Bool {
        vcpus >= Double(request.vcpus) && memoryMB >= Double(request.memoryMB) && diskGB >= Double(request.diskGB)
    }

    /// What is left after `request` is placed (later instances of a multi-create see it).
    public mutating func take(_ request: Resources) {
        vcpus -= Double(request.vcpus)
        memoryMB -= Double(request.memoryMB)
        diskGB -= Double(request.diskGB)
    }

    /// The formula as an SQL expression over the named columns, written the same way so SQLite's REAL arithmetic
    /// gives the same doubles as `free` (integer subtraction first, then × ratio, then − used).
    public static func sql(total: String, reserved: String, ratio: String, used: String) -> String {
        "((\(total) - \(reserved)) * \(ratio) - \(used))"
    }
}

/// `cpu_allocation_ratio`, `ram_allocation_ratio`, `disk_allocation_ratio` of one compute node.
public struct AllocationRatios: Sendable, Hashable {
    public var cpu: Double
    public var ram: Double
    public var disk: Double

    public init(cpu: Double, ram: Double, disk: Double) {
        self.cpu = cpu
        self.ram = ram
        self.disk = disk
    }
}
