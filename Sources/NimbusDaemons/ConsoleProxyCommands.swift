import ArgumentParser
import ComputeRPC
import Foundation
import Logging
import NimbusConsole
import NimbusKernel
import NimbusRPC
import NimbusStore

/// `nimbus novncproxy`: noVNC's web client and the VNC websocket proxy on `[vnc] novncproxy_host:port`
/// (Nova's nova-novncproxy; it reads console tokens from the database itself, as Nova's does).
struct NoVNCProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "novncproxy", abstract: "Run the noVNC console proxy.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let rt = try common.runtime(label: "nimbus.novncproxy")
        let store = try rt.openStore(migrate: false)
        let transport = try rt.makeTransport()
        let check = try AllInOne.consolePortValidator(rt, store: store, transport: transport)
        try await runServices([TransportShutdown(transport: transport), StoreCheckpoints(store: store),
                               ConsoleProxy(settings: try .novnc(rt.config), store: store, logger: rt.logger, validatePort: check)],
                              logger: rt.logger)
    }
}

/// `nimbus serialproxy`: the serial console websocket proxy on `[serial_console] serialproxy_host:port`.
struct SerialProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serialproxy", abstract: "Run the serial console proxy.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let rt = try common.runtime(label: "nimbus.serialproxy")
        let store = try rt.openStore(migrate: false)
        let transport = try rt.makeTransport()
        let check = try AllInOne.consolePortValidator(rt, store: store, transport: transport)
        try await runServices([TransportShutdown(transport: transport), StoreCheckpoints(store: store),
                               ConsoleProxy(settings: try .serial(rt.config), store: store, logger: rt.logger, validatePort: check)],
                              logger: rt.logger)
    }
}

extension AllInOne {
    /// The console proxies the all-in-one runs: noVNC when `[vnc] enabled`, serial when `[serial_console] enabled`.
    /// A port already taken is logged and leaves the rest of the cloud running.
    static func consoleProxies(_ runtime: NimbusRuntime, store: NimbusStore, transport: any Transport) throws -> [ConsoleProxy] {
        let c = runtime.config
        let check = try consolePortValidator(runtime, store: store, transport: transport)
        var proxies: [ConsoleProxy] = []
        if try ConsoleOptions.vncEnabled.read(c) {
            proxies.append(ConsoleProxy(settings: try .novnc(c), store: store, logger: runtime.logger, optional: true,
                                        validatePort: check))
        }
        if try ConsoleOptions.serialEnabled.read(c) {
            proxies.append(ConsoleProxy(settings: try .serial(c), store: store, logger: runtime.logger, optional: true,
                                        validatePort: check))
        }
        return proxies
    }

    /// Nova's proxy → compute `validate_console_port`: the token's port must still be where the instance's console
    /// listens, asked of the compute that hosts it (a deleted or unplaced instance is refused). Nil, so not asked,
    /// when `[upgrade_levels] compute` is below 6.7 (such computes do not have the method).
    static func consolePortValidator(_ runtime: NimbusRuntime, store: NimbusStore, transport: any Transport) throws
        -> ConsolePortValidator?
    {
        let timeout = Duration.seconds(try CoreOptions.rpcResponseTimeout.read(runtime.config))
        let compute = try ComputeRPCClient(transport: transport, config: runtime.config, timeout: timeout)
        guard compute.canSend(ComputeManagerAPI.validateConsolePort) else {
            runtime.logger.notice("[upgrade_levels] compute is below 6.7: console proxies do not ask computes to validate ports")
            return nil
        }
        return { t in
            guard let i = try await store.instance(t.instanceUUID), let host = i.host else { return false }
            return try await compute.prepare(server: host).call(
                ComputeManagerAPI.validateConsolePort, ConsolePortCheck(instance: i, port: t.port, consoleType: t.consoleType))
        }
    }

    /// The bound port of the all-in-one's noVNC (or serial) proxy; nil when it does not run one.
    public func consoleProxyPort(_ kind: ConsoleProxySettings.Kind) async -> Int? {
        guard let p = consoleProxies.first(where: { $0.settings.kind == kind }) else { return nil }
        return await p.boundPort()
    }
}
