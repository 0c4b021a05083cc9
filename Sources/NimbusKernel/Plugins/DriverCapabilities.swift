import Foundation

/// One thing a virt driver can do, named as Nova's `ComputeDriver.capabilities` keys (`supports_…`).
/// A string on the wire, so a newer compute's capability is carried (and ignored) by an older reader.
public struct DriverCapability: RawRepresentable, Codable, Sendable, Hashable, Comparable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { rawValue }

    // Server actions behind refining protocols. Nova has no trait for these (its drivers raise
    // NotImplementedError at call time); Nimbus declares them so the API can refuse before any state change.
    public static let pause: Self = "supports_pause"
    public static let suspend: Self = "supports_suspend"
    public static let consoleOutput: Self = "supports_console_output"
    public static let vncConsole: Self = "supports_vnc_console"
    public static let serialConsole: Self = "supports_serial_console"
    public static let snapshot: Self = "supports_snapshot"

    // Nova's own capability keys (nova/virt/driver.py), reported as traits.
    public static let imageTypeRaw: Self = "supports_image_type_raw"
    public static let imageTypeQcow2: Self = "supports_image_type_qcow2"
    public static let imageTypeAKI: Self = "supports_image_type_aki"
    public static let imageTypeARI: Self = "supports_image_type_ari"
    public static let imageTypeAMI: Self = "supports_image_type_ami"
    public static let imageTypeISO: Self = "supports_image_type_iso"
    public static let attachInterface: Self = "supports_attach_interface"
    public static let extendVolume: Self = "supports_extend_volume"
    public static let multiattach: Self = "supports_multiattach"
    public static let migrateToSameHost: Self = "supports_migrate_to_same_host"
    public static let secureBoot: Self = "supports_secure_boot"

    /// Nova's `CAPABILITY_TRAITS_MAP`: the capabilities that become `COMPUTE_*` traits on the node's resource
    /// provider. Only Nova's keys are here, so a trait name is always one os-traits defines.
    public static let traitsMap: [DriverCapability: String] = [
        "supports_attach_interface": "COMPUTE_NET_ATTACH_INTERFACE",
        "supports_device_tagging": "COMPUTE_DEVICE_TAGGING",
        "supports_tagged_attach_interface": "COMPUTE_NET_ATTACH_INTERFACE_WITH_TAG",
        "supports_tagged_attach_volume": "COMPUTE_VOLUME_ATTACH_WITH_TAG",
        "supports_extend_volume": "COMPUTE_VOLUME_EXTEND",
        "supports_multiattach": "COMPUTE_VOLUME_MULTI_ATTACH",
        "supports_trusted_certs": "COMPUTE_TRUSTED_CERTS",
        "supports_accelerators": "COMPUTE_ACCELERATORS",
        "supports_image_type_aki": "COMPUTE_IMAGE_TYPE_AKI",
        "supports_image_type_ami": "COMPUTE_IMAGE_TYPE_AMI",
        "supports_image_type_ari": "COMPUTE_IMAGE_TYPE_ARI",
        "supports_image_type_iso": "COMPUTE_IMAGE_TYPE_ISO",
        "supports_image_type_qcow2": "COMPUTE_IMAGE_TYPE_QCOW2",
        "supports_image_type_raw": "COMPUTE_IMAGE_TYPE_RAW",
        "supports_image_type_vdi": "COMPUTE_IMAGE_TYPE_VDI",
        "supports_image_type_vhd": "COMPUTE_IMAGE_TYPE_VHD",
        "supports_image_type_vhdx": "COMPUTE_IMAGE_TYPE_VHDX",
        "supports_image_type_vmdk": "COMPUTE_IMAGE_TYPE_VMDK",
        "supports_image_type_ploop": "COMPUTE_IMAGE_TYPE_PLOOP",
        "supports_migrate_to_same_host": "COMPUTE_SAME_HOST_COLD_MIGRATE",
        "supports_bfv_rescue": "COMPUTE_RESCUE_BFV",
        "supports_secure_boot": "COMPUTE_SECURITY_UEFI_SECURE_BOOT",
        "supports_socket_pci_numa_affinity": "COMPUTE_SOCKET_PCI_NUMA_AFFINITY",
        "supports_remote_managed_ports": "COMPUTE_REMOTE_MANAGED_PORTS",
        "supports_ephemeral_encryption": "COMPUTE_EPHEMERAL_ENCRYPTION",
        "supports_ephemeral_encryption_luks": "COMPUTE_EPHEMERAL_ENCRYPTION_LUKS",
        "supports_ephemeral_encryption_plain": "COMPUTE_EPHEMERAL_ENCRYPTION_PLAIN",
        "supports_address_space_passthrough": "COMPUTE_ADDRESS_SPACE_PASSTHROUGH",
        "supports_address_space_emulated": "COMPUTE_ADDRESS_SPACE_EMULATED",
        "supports_stateless_firmware": "COMPUTE_SECURITY_STATELESS_FIRMWARE",
        "supports_virtio_fs": "COMPUTE_STORAGE_VIRTIO_FS",
        "supports_mem_backing_file": "COMPUTE_MEM_BACKING_FILE",
    ]

    /// The `COMPUTE_*` trait Nova reports for this capability, nil when Nova has none.
    public var trait: String? { Self.traitsMap[self] }
}

/// What a driver supports (Nova's `driver.capabilities`, Nomad's `Capabilities`): a set of capability names,
/// anything absent is unsupported (Nova's base class defaults every key to False).
public struct DriverCapabilities: Codable, Sendable, Hashable {
    public var supported: Set<DriverCapability>

    public init(_ supported: Set<DriverCapability> = []) { self.supported = supported }

    public func supports(_ c: DriverCapability) -> Bool { supported.contains(c) }

    /// The `COMPUTE_*` traits to report for the node (Nova's `capabilities_as_traits`), sorted.
    public var traits: [String] { supported.compactMap(\.trait).sorted() }

    /// Sorted names, for storage and logs.
    public var names: [String] { supported.map(\.rawValue).sorted() }

    /// The action capabilities a driver has by conforming to the refining protocols.
    public static func conformances(of driver: any VirtDriver) -> DriverCapabilities {
        var s: Set<DriverCapability> = []
        if driver is any PausableDriver { s.insert(.pause) }
        if driver is any SuspendableDriver { s.insert(.suspend) }
        if driver is any ConsoleOutputDriver { s.insert(.consoleOutput) }
        if driver is any VNCConsoleDriver { s.insert(.vncConsole) }
        if driver is any SerialConsoleDriver { s.insert(.serialConsole) }
        if driver is any SnapshotDriver { s.insert(.snapshot) }
        return DriverCapabilities(s)
    }

    /// Encodes as a sorted array of names, so the stored and wire forms are stable.
    public init(from decoder: any Decoder) throws {
        supported = Set(try decoder.singleValueContainer().decode([DriverCapability].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(supported.sorted())
    }
}
