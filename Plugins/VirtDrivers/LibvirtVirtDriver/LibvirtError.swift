import CLibvirt
import NimbusKernel

/// A libvirt failure with libvirt's own code and message (from `virGetLastError`, read on the thread that
/// made the failing call, where libvirt keeps it).
struct LibvirtError: Error, CustomStringConvertible {
    var code: Int
    var message: String

    /// Reads and clears the calling thread's last libvirt error.
    static func last(_ context: String) -> LibvirtError {
        guard let e = virGetLastError() else { return LibvirtError(code: -1, message: "\(context) failed") }
        let err = LibvirtError(code: Int(e.pointee.code), message: e.pointee.message.map { String(cString: $0) } ?? context)
        virResetLastError()
        return err
    }

    var isNoDomain: Bool { code == Int(VIR_ERR_NO_DOMAIN.rawValue) }
    var isConnectionLost: Bool {
        code == Int(VIR_ERR_SYSTEM_ERROR.rawValue) || code == Int(VIR_ERR_RPC.rawValue)
            || code == Int(VIR_ERR_INVALID_CONN.rawValue) || code == Int(VIR_ERR_NO_CONNECT.rawValue)
    }

    var description: String { "libvirt error \(code): \(message)" }

    /// The kernel's error for this failure.
    func driverError(_ instance: InstanceRecord? = nil) -> VirtDriverError {
        if isNoDomain, let instance { return .instanceNotFound(instance.uuid) }
        return .hypervisor(code: code, message: message)
    }
}
