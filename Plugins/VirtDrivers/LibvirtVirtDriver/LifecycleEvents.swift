import CLibvirt
import Foundation
import NimbusKernel

/// Domain lifecycle events (virConnectDomainEventRegisterAny) as one AsyncStream. libvirt calls back on
/// the default event loop's thread (EventLoop.swift); the callback only reads the domain's UUID and yields.
final class LifecycleEventHub: Sendable {
    // Sendable: both members are immutable and AsyncStream's continuation is itself Sendable.
    let stream: AsyncStream<LifecycleEvent>
    let continuation: AsyncStream<LifecycleEvent>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: LifecycleEvent.self, bufferingPolicy: .bufferingNewest(1000))
    }

    deinit { continuation.finish() }

    /// Registers for lifecycle events of every domain on `conn`; returns the callback id or -1. Called on the
    /// connection's queue each time a connection opens (a reconnect registers again).
    func register(_ conn: OpaquePointer) -> Int32 {
        // libvirt holds a retained reference until it drops the callback, then releases it in `freeHub`.
        let opaque = Unmanaged.passRetained(self).toOpaque()
        let id = virConnectDomainEventRegisterAny(
            conn, nil, Int32(VIR_DOMAIN_EVENT_ID_LIFECYCLE.rawValue),
            unsafeBitCast(lifecycleCallback, to: virConnectDomainEventGenericCallback.self), opaque, freeHub)
        if id < 0 {
            Unmanaged<LifecycleEventHub>.fromOpaque(opaque).release()
            virResetLastError()
        }
        return id
    }

    fileprivate func deliver(_ dom: OpaquePointer, event: Int32) {
        guard let state = DomainState.transition(event: event) else { return }
        var buf = [CChar](repeating: 0, count: Int(VIR_UUID_STRING_BUFLEN))
        guard virDomainGetUUIDString(dom, &buf) == 0, let id = UUID(uuidString: String(cString: buf)) else { return }
        continuation.yield(LifecycleEvent(instanceUUID: id, powerState: state))
    }
}

/// virConnectDomainEventCallback, passed to libvirt through VIR_DOMAIN_EVENT_CALLBACK's cast.
private let lifecycleCallback: @convention(c) (OpaquePointer?, OpaquePointer?, Int32, Int32, UnsafeMutableRawPointer?)
    -> Int32 = { _, dom, event, _, opaque in
        guard let dom, let opaque else { return 0 }
        Unmanaged<LifecycleEventHub>.fromOpaque(opaque).takeUnretainedValue().deliver(dom, event: event)
        return 0
    }

private let freeHub: @convention(c) (UnsafeMutableRawPointer?) -> Void = { opaque in
    if let opaque { Unmanaged<LifecycleEventHub>.fromOpaque(opaque).release() }
}
