import ArgumentParser
import Foundation
import NimbusConsole
import NimbusKernel
import NimbusStore

/// `nimbus novncproxy`: noVNC's web client and the VNC websocket proxy on `[vnc] novncproxy_host:port`
/// (Nova's nova-novncproxy; it reads console tokens from the database itself, as Nova's does).
struct NoVNCProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "novncproxy", abstract: "Run the noVNC console proxy.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let rt = try common.runtime(label: "nimbus.novncproxy")
        let store = try rt.openStore(migrate: false)
        try await runServices([StoreCheckpoints(store: store),
                               ConsoleProxy(settings: try .novnc(rt.config), store: store, logger: rt.logger)],
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
        try await runServices([StoreCheckpoints(store: store),
                               ConsoleProxy(settings: try .serial(rt.config), store: store, logger: rt.logger)],
                              logger: rt.logger)
    }
}

extension AllInOne {
    /// The console proxies the all-in-one runs: noVNC when `[vnc] enabled`, serial when `[serial_console] enabled`.
    /// A port already taken is logged and leaves the rest of the cloud running.
    static func consoleProxies(_ runtime: NimbusRuntime, store: NimbusStore) throws -> [ConsoleProxy] {
        let c = runtime.config
        var proxies: [ConsoleProxy] = []
        if try ConsoleOptions.vncEnabled.read(c) {
            proxies.append(ConsoleProxy(settings: try .novnc(c), store: store, logger: runtime.logger, optional: true))
        }
        if try ConsoleOptions.serialEnabled.read(c) {
            proxies.append(ConsoleProxy(settings: try .serial(c), store: store, logger: runtime.logger, optional: true))
        }
        return proxies
    }

    /// The bound port of the all-in-one's noVNC (or serial) proxy; nil when it does not run one.
    public func consoleProxyPort(_ kind: ConsoleProxySettings.Kind) async -> Int? {
        guard let p = consoleProxies.first(where: { $0.settings.kind == kind }) else { return nil }
        return await p.boundPort()
    }
}
