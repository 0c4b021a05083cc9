import ComputeRPC
import Foundation
import NimbusKernel
import NimbusRPC

/// The compute's console options (`[vnc]`, `[serial_console]`), read once.
public struct ConsoleSettings: Sendable {
    var vncEnabled = true
    var novncproxyBaseURL = "http://127.0.0.1:6080/vnc_auto.html"
    var serialEnabled = false
    var serialBaseURL = "ws://127.0.0.1:6083/"

    public init() {}
    public init(_ config: NimbusConfig, host: String) throws {
        vncEnabled = try ConsoleOptions.vncEnabled.read(config, instance: host)
        novncproxyBaseURL = try ConsoleOptions.novncproxyBaseURL.read(config, instance: host)
        serialEnabled = try ConsoleOptions.serialEnabled.read(config, instance: host)
        serialBaseURL = try ConsoleOptions.serialBaseURL.read(config, instance: host)
    }
}

/// Nova's `get_vnc_console` / `get_serial_console`: check the console is enabled and of the protocol's type,
/// ask the driver where the guest's console listens, and hand that back with the access URL base for the token.
extension ComputeManager {
    func serveConsoles(_ e: inout RPCEndpoint) {
        e.on(ComputeManagerAPI.getVNCConsole) { r in
            guard consoles.vncEnabled else { throw Self.consoleUnavailable(r.consoleType) }
            guard r.consoleType == "novnc" else { throw Self.consoleInvalid(r.consoleType) }
            let d = try Self.capability(driver, (any VNCConsoleDriver).self, "VNC consoles")
            let a = try await Self.consoleAddress(r.instance) { try await d.vncConsole($0) }
            return ConsoleConnectInfo(consoleType: r.consoleType, host: a.host, port: a.port,
                                      internalAccessPath: a.internalAccessPath, accessURLBase: consoles.novncproxyBaseURL)
        }
        e.on(ComputeManagerAPI.getSerialConsole) { r in
            guard consoles.serialEnabled else { throw Self.consoleUnavailable(r.consoleType) }
            guard r.consoleType == "serial" else { throw Self.consoleInvalid(r.consoleType) }
            let d = try Self.capability(driver, (any SerialConsoleDriver).self, "serial consoles")
            let a = try await Self.consoleAddress(r.instance) { try await d.serialConsole($0) }
            return ConsoleConnectInfo(consoleType: r.consoleType, host: a.host, port: a.port,
                                      internalAccessPath: a.internalAccessPath, accessURLBase: consoles.serialBaseURL)
        }
        // Nova's validate_console_port: the driver says where the console listens now (a guest restarted elsewhere
        // or with a new autoport makes an older token's port stale); serial for serial, VNC for anything else.
        e.on(ComputeManagerAPI.validateConsolePort) { r in
            let a = try await Self.consoleAddress(r.instance) { i in
                if r.consoleType == "serial" {
                    return try await Self.capability(driver, (any SerialConsoleDriver).self, "serial consoles").serialConsole(i)
                }
                return try await Self.capability(driver, (any VNCConsoleDriver).self, "VNC consoles").vncConsole(i)
            }
            return a.port == r.port
        }
    }

    static func consoleUnavailable(_ type: String) -> RemoteError {
        RemoteError(type: "ConsoleTypeUnavailable", message: "Unavailable console type \(type).")
    }

    static func consoleInvalid(_ type: String) -> RemoteError {
        RemoteError(type: "ConsoleTypeInvalid", message: "Invalid console type \(type)")
    }

    /// A guest the driver does not know is `InstanceNotReady` while building, `InstanceNotFound` otherwise.
    static func consoleAddress(_ i: InstanceRecord,
                               _ ask: (InstanceRecord) async throws -> ConsoleAddress) async throws -> ConsoleAddress {
        let id = i.uuid.uuidString.lowercased()
        do {
            return try await ask(i)
        } catch VirtDriverError.instanceNotFound {
            if i.vmState == .building { throw RemoteError(type: "InstanceNotReady", message: "Instance \(id) is not ready") }
            throw RemoteError(type: "InstanceNotFound", message: "Instance \(id) could not be found.")
        } catch let VirtDriverError.invalidState(why) {
            throw RemoteError(type: "ConsoleTypeUnavailable", message: "Unavailable console type: \(why)")
        }
    }
}
