/// A driver that can make the guest dump its memory (Nova's `trigger_crash_dump`; libvirt injects an NMI).
public protocol CrashDumpDriver: VirtDriver {
    func triggerCrashDump(_ instance: InstanceRecord) async throws
}
