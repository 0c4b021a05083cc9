import Foundation
import LibvirtVirtDriver
import Logging
import NimbusConsole
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import Testing

/// The proxy against a real QEMU guest's VNC server (libvirt driver, qemu:///system): RFB 3.8 through Nova's
/// security proxy to ServerInit. Skipped where QEMU or the test guest is missing (see RealQEMU).
@Suite(.serialized, .timeLimit(.minutes(10)), .enabled(if: RealQEMU.unavailable == nil, "\(RealQEMU.unavailable ?? "")"))
struct RealQEMUConsoleTests {
    @Test func vncOfARealGuestThroughTheProxy() async throws {
        try await RealQEMU.exclusively { try await throughTheProxy() }
    }

    func throughTheProxy() async throws {
        let dir = NSTemporaryDirectory() + "nimbus-vnc-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var logger = Logger(label: "real-vnc")
        logger.logLevel = .warning
        let d = try LibvirtDriver(context: PluginContext(
            config: try NimbusConfig(overrides: ["libvirt.virt_type": "qemu", "libvirt.connection_uri": "qemu:///system",
                                                 "libvirt.instances_path": dir + "/instances", "libvirt.shutdown_timeout": "3"]),
            logger: logger, host: "real"))
        try await d.initHost()
        let guest = Make.instance("vnc-guest", flavor: Flavor(id: "t", name: "tiny", memoryMB: 256, vcpus: 1, rootGB: 0))
        try await d.spawn(SpawnRequest(instance: guest, kernelPath: RealQEMU.kernel, ramdiskPath: RealQEMU.initrd,
                                       imageProperties: ["os_command_line": RealQEMU.commandLine]))
        do {
            let address = try await d.vncConsole(guest)
            let store = try NimbusStore(path: dir + "/nimbus.sqlite")
            _ = try store.migrate()
            try await store.createInstances([guest], spec: Make.spec(guest.flavor).build(), requestID: "r")
            let (token, _) = try #require(try await store.authorizeConsole(ConsoleAuthToken(
                instanceUUID: guest.uuid, consoleType: "novnc", host: address.host, port: address.port,
                accessURLBase: "http://127.0.0.1:6080/vnc_auto.html"), ttl: 600))
            let proxy = ConsoleProxy(settings: ConsoleProxySettings(kind: .novnc, host: "127.0.0.1", port: 0),
                                     store: store, logger: logger)
            let running = Task { try await proxy.run() }
            let port = await proxy.boundPort()
            let h = try await WSConsoleClient.session("ws://127.0.0.1:\(port)/?token=\(token)", ConsoleProxyTests.rfb)
            running.cancel()
            _ = await running.result
            let handshake = try #require(h, "the proxy refused the token")
            #expect(handshake.version == "RFB 003.008\n")
            #expect(handshake.securityTypes == [1] && handshake.securityResult == [0, 0, 0, 0])
            #expect(handshake.width > 0 && handshake.height > 0)
            print("real guest VNC through the proxy: \(handshake.width)x\(handshake.height) \(handshake.name.debugDescription)")
        } catch {
            try? await d.destroy(guest)
            throw error
        }
        try await d.destroy(guest)
    }
}
