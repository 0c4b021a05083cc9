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

extension DomainState {
    /// A lifecycle event → the power state it announces, as Nova's host.py `_event_lifecycle_callback`
    /// maps them (stopped, started, suspended → paused, resumed); other events (defined, undefined,
    /// shutdown-in-progress, crashed, pmsuspended) announce nothing and the periodic sync covers them.
    static func transition(event: Int32) -> PowerState? {
        switch UInt32(event) {
        case VIR_DOMAIN_EVENT_STOPPED.rawValue: .shutdown
        case VIR_DOMAIN_EVENT_STARTED.rawValue, VIR_DOMAIN_EVENT_RESUMED.rawValue: .running
        case VIR_DOMAIN_EVENT_SUSPENDED.rawValue: .paused
        default: nil
        }
    }
}
