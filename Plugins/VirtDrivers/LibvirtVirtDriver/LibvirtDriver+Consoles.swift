import CLibvirt
import Foundation
import FoundationXML
import NimbusKernel

/// Console output (the serial log file), VNC address, lifecycle events.
extension LibvirtDriver {
    static let maxConsoleBytes: UInt64 = 100 * 1024
    public func consoleOutput(_ instance: InstanceRecord) async throws -> String {
        _ = try await withDomain(instance) { _, _ in true }  // unknown instance → instanceNotFound
        let path = (instanceDir(instance.uuid) as NSString).appendingPathComponent("console.log")
        guard let h = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? h.close() }
        // Only the tail, as Nova (MAX_CONSOLE_BYTES): a guest can log without bound.
        let end = (try? h.seekToEnd()) ?? 0
        try? h.seek(toOffset: end > Self.maxConsoleBytes ? end - Self.maxConsoleBytes : 0)
        return String(decoding: (try? h.readToEnd()) ?? Data(), as: UTF8.self)
    }

    /// The live domain XML (it carries the ports libvirt and QEMU chose).
    func liveXML(_ instance: InstanceRecord) async throws -> XMLDocument? {
        let xml = try await withDomain(instance) { _, dom in
            guard let raw = virDomainGetXMLDesc(dom, 0) else { throw LibvirtError.last("virDomainGetXMLDesc").driverError(instance) }
            defer { free(raw) }
            return String(cString: raw)
        }
        return try? XMLDocument(xmlString: xml)
    }

    /// Nova's `get_vnc_console`: the graphics port from the live XML (autoport; -1 or absent while the guest is
    /// off), the host the proxy reaches it on (`[vnc] server_proxyclient_address`).
    public func vncConsole(_ instance: InstanceRecord) async throws -> ConsoleAddress {
        let doc = try await liveXML(instance)
        let port = (try? doc?.nodes(forXPath: "/domain/devices/graphics[@type='vnc']/@port"))?.first?.stringValue
        guard let port = port.flatMap({ Int($0) }), port > 0 else {
            throw VirtDriverError.invalidState("the guest has no VNC port (is it running?)")
        }
        return ConsoleAddress(host: settings.vncProxyClient, port: port)
    }

    /// Nova's `get_serial_console`: the first TCP serial port of the live XML.
    public func serialConsole(_ instance: InstanceRecord) async throws -> ConsoleAddress {
        let doc = try await liveXML(instance)
        let source = (try? doc?.nodes(forXPath: "/domain/devices/serial[@type='tcp']/source"))?.first as? XMLElement
        guard let source, let port = source.attribute(forName: "service")?.stringValue.flatMap({ Int($0) }), port > 0 else {
            throw VirtDriverError.invalidState("the guest has no TCP serial port ([serial_console] enabled?)")
        }
        return ConsoleAddress(host: source.attribute(forName: "host")?.stringValue ?? settings.serial?.host ?? "127.0.0.1",
                              port: port)
    }

    public func lifecycleEvents() -> AsyncStream<LifecycleEvent> {
        connection.open()  // events flow only while a connection is open
        return events.stream
    }
}
