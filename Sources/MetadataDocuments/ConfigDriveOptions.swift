import NimbusKernel

/// Nova's config drive options (`nova/conf/configdrive.py`) and `[api] dhcp_domain`, which the metadata service
/// and the conductor (building the drive's documents) both read.
public enum ConfigDriveOptions {
    public static let dhcpDomain = TypedOption<String>("api", "dhcp_domain", default: "novalocal",
                                                       help: "Domain appended to the hostname in metadata; empty: none.")
    public static let forceConfigDrive = TypedOption<Bool>(
        "DEFAULT", "force_config_drive", default: false,
        help: "Give every instance built from now on a config drive, asked for or not.")
    public static let format = TypedOption<String>(
        "DEFAULT", "config_drive_format", kind: .choice(["iso9660"]), default: "iso9660",
        help: "Config drive image format (Nova also has vfat; only iso9660 is built here).")
    public static let mkisofsCmd = TypedOption<String>(
        "DEFAULT", "mkisofs_cmd", default: "genisoimage",
        help: "ISO 9660 tool (genisoimage, or xorriso's mkisofs) called with genisoimage's arguments.")

    public static let all: [ConfigOption] = ([dhcpDomain, forceConfigDrive, format, mkisofsCmd] as [any AnyTypedOption])
        .map(\.declaration)
}
