import Foundation
import NimbusKernel

/// Arguments of `get_vnc_console` / `get_serial_console`.
public struct ConsoleRequest: Codable, Sendable, Hashable {
    public var instance: InstanceRecord
    /// `novnc`, `serial`, … as the API was asked (the compute refuses a type its protocol does not serve).
    public var consoleType: String

    public init(instance: InstanceRecord, consoleType: String) {
        self.instance = instance
        self.consoleType = consoleType
    }
}

/// What the compute answers (Nova's `ConsoleVNC`/`ConsoleSerial` plus the access URL base it read from its own
/// `[vnc] novncproxy_base_url` / `[serial_console] base_url`); the API turns it into a console auth token.
public struct ConsoleConnectInfo: Codable, Sendable, Hashable {
    public var consoleType: String
    public var host: String
    public var port: Int
    public var internalAccessPath: String?
    public var accessURLBase: String

    public init(consoleType: String, host: String, port: Int, internalAccessPath: String?, accessURLBase: String) {
        self.consoleType = consoleType
        self.host = host
        self.port = port
        self.internalAccessPath = internalAccessPath
        self.accessURLBase = accessURLBase
    }
}

/// `validate_console_port`'s question (Nova's `ComputeManager.validate_console_port`): does this instance's console
/// of `consoleType` still listen on `port`? Asked by a console proxy before it connects with a token.
public struct ConsolePortCheck: Codable, Sendable, Hashable {
    public var instance: InstanceRecord
    public var port: Int
    public var consoleType: String

    public init(instance: InstanceRecord, port: Int, consoleType: String) {
        self.instance = instance
        self.port = port
        self.consoleType = consoleType
    }
}
