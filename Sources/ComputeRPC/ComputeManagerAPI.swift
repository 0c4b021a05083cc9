import Foundation
import MetadataDocuments
import NimbusKernel
import NimbusRPC

/// The compute manager's RPC API (Nova's `nova.compute.rpcapi.ComputeAPI`, 6.5), served by each compute on
/// `compute.<host>`. Every method Nimbus has is in Nova's 6.0 form (the console methods Nova has at 6.0 are
/// served from 6.6: a compute older than that does not have them; validate_console_port from 6.7; the snapshot,
/// soft-delete and shelve methods and rebuild's new fields from 6.8, live migration from 6.9).
public enum ComputeManagerAPI: RPCAPIContract {
    public static let name = "compute"
    public static let topic = "compute"
    public static let namespace: String? = nil
    public static let version = RPCVersion(6, 9)

    public typealias Operation = RPCMethod<ComputeManagerAPI, InstanceOperation, Empty>
    static let v6 = RPCVersion(6, 0)

    public static let buildAndRunInstance = RPCMethod<ComputeManagerAPI, BuildInstanceRequest, Empty>(
        .cast, "build_and_run_instance", since: v6)
    public static let terminateInstance = Operation(.cast, "terminate_instance", since: v6)
    public static let rebootInstance = Operation(.cast, "reboot_instance", since: v6)
    public static let stopInstance = Operation(.cast, "stop_instance", since: v6)
    public static let startInstance = Operation(.cast, "start_instance", since: v6)
    public static let pauseInstance = Operation(.cast, "pause_instance", since: v6)
    public static let unpauseInstance = Operation(.cast, "unpause_instance", since: v6)
    public static let suspendInstance = Operation(.cast, "suspend_instance", since: v6)
    public static let resumeInstance = Operation(.cast, "resume_instance", since: v6)
    /// Replies with the console text (the last `length` lines when set).
    public static let getConsoleOutput = RPCMethod<ComputeManagerAPI, InstanceOperation, String>(
        .call, "get_console_output", since: v6)
    /// Replies with what the host's `uptime` prints (Nova's `get_host_uptime`; NotImplemented when the driver cannot say).
    public static let getHostUptime = RPCMethod<ComputeManagerAPI, Empty, String>(.call, "get_host_uptime", since: v6)

    /// Where the proxy connects for the guest's VNC console (Nova's `get_vnc_console`; the API makes the token).
    public static let getVNCConsole = RPCMethod<ComputeManagerAPI, ConsoleRequest, ConsoleConnectInfo>(
        .call, "get_vnc_console", since: RPCVersion(6, 6))
    /// The same for the guest's TCP serial port (Nova's `get_serial_console`).
    public static let getSerialConsole = RPCMethod<ComputeManagerAPI, ConsoleRequest, ConsoleConnectInfo>(
        .call, "get_serial_console", since: RPCVersion(6, 6))
    /// Whether a console token's port is still where the instance's console listens (Nova's
    /// `validate_console_port`, asked by the console proxies before they connect); served from 6.7.
    public static let validateConsolePort = RPCMethod<ComputeManagerAPI, ConsolePortCheck, Bool>(
        .call, "validate_console_port", since: RPCVersion(6, 7))

    public static let methods: [RPCMethodInfo] = [
        buildAndRunInstance.info, terminateInstance.info, rebootInstance.info, stopInstance.info, startInstance.info,
        pauseInstance.info, unpauseInstance.info, suspendInstance.info, resumeInstance.info, getConsoleOutput.info,
        getHostUptime.info, getVNCConsole.info, getSerialConsole.info, validateConsolePort.info,
    ] + resizeMethods + [rebuildInstance.info, rescueInstance.info, unrescueInstance.info, triggerCrashDump.info,
                        snapshotInstance.info, softDeleteInstance.info, restoreInstance.info, shelveInstance.info,
                        shelveOffloadInstance.info, unshelveInstance.info] + liveMigrationMethods
}

/// The typed client of the compute API (aim it at one host with `prepare(server:)`).
public typealias ComputeRPCClient = RPCAPIClient<ComputeManagerAPI>

/// Arguments of the compute RPC API's instance operations.
public struct InstanceOperation: Codable, Sendable, Hashable {
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

/// What the conductor casts to a compute's `build_and_run_instance` (Nova passes host_list and
/// filter_properties with `retry`).
public struct BuildInstanceRequest: Codable, Sendable, Hashable {
    public var instance: InstanceRecord
    public var spec: RequestSpec
    public var selection: Selection
    /// Remaining alternates, tried in order on reschedule.
    public var alternates: [Selection]
    /// `retry.num_attempts`: 1 for the first try.
    public var attempt: Int
    /// False when rescheduling is off (max_attempts = 1): a failure goes straight to ERROR.
    public var retryEnabled: Bool
    /// The documents of the instance's config drive when it gets one (`config_drive` or `force_config_drive`);
    /// absent otherwise, so the wire form of a build without a drive is unchanged.
    public var configDrive: MetadataSource?

    public init(instance: InstanceRecord, spec: RequestSpec, selection: Selection, alternates: [Selection],
                attempt: Int, retryEnabled: Bool, configDrive: MetadataSource? = nil) {
        self.configDrive = configDrive
        self.instance = instance
        self.spec = spec
        self.selection = selection
        self.alternates = alternates
        self.attempt = attempt
        self.retryEnabled = retryEnabled
    }
}
