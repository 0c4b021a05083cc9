import CLibvirt
import Foundation

/// libvirt's default event loop on its own thread, registered once per process before any connection
/// opens: libvirt needs it for keepalives and domain events, and it must never run on the cooperative pool.
enum LibvirtEventLoop {
    static let started: Bool = {
        // Errors reach us through virGetLastError (LibvirtError); stop libvirt also printing each to stderr.
        virSetErrorFunc(nil, silentErrors)
        guard virEventRegisterDefaultImpl() == 0 else { return false }
        let thread = Thread {
            while true { _ = virEventRunDefaultImpl() }
        }
        thread.name = "nimbus.libvirt.events"
        thread.start()
        return true
    }()
}

private let silentErrors: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<virError>?) -> Void = { _, _ in }
