import CLibvirt
import NimbusKernel

/// libvirt domain states → Nova power states (nova/virt/libvirt/guest.py LIBVIRT_POWER_STATE).
enum DomainState {
    static func powerState(_ state: Int32) -> PowerState {
        switch UInt32(state) {
        case VIR_DOMAIN_NOSTATE.rawValue: .noState
        case VIR_DOMAIN_RUNNING.rawValue, VIR_DOMAIN_BLOCKED.rawValue: .running
        case VIR_DOMAIN_PAUSED.rawValue: .paused
        case VIR_DOMAIN_SHUTDOWN.rawValue, VIR_DOMAIN_SHUTOFF.rawValue: .shutdown
        case VIR_DOMAIN_CRASHED.rawValue: .crashed
        case VIR_DOMAIN_PMSUSPENDED.rawValue: .suspended
        default: .noState
        }
    }
}
