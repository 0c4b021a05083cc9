import CLibvirt
import Foundation
import Logging
import NimbusKernel

/// Power operations. Each step is one closure on the connection's libvirt queue; waits between them are
/// `Task.sleep`s, so no thread is held while a guest shuts down.
extension LibvirtDriver {
    /// Soft: Nova's `_soft_reboot` (ACPI shutdown, wait up to `shutdown_timeout` for the guest to stop, start
    /// it again); a guest that ignores ACPI gets the hard reboot. Hard: destroy and start.
    public func reboot(_ instance: InstanceRecord, hard: Bool) async throws {
        if !hard, try await softReboot(instance) { return }
        if !hard { logger.info("soft reboot did not complete; rebooting hard", metadata: ["instance": "\(instance.uuid)"]) }
        try await withDomain(instance) { _, dom in
            if virDomainIsActive(dom) == 1 { try Self.check(virDomainDestroy(dom), "virDomainDestroy", instance) }
            try Self.check(virDomainCreate(dom), "virDomainCreate", instance)
        }
    }

    private func softReboot(_ instance: InstanceRecord) async throws -> Bool {
        let oldID = try await withDomain(instance) { _, dom -> UInt32? in
            guard try Self.state(dom) == .running else { return nil }
            let id = virDomainGetID(dom)
            guard virDomainShutdown(dom) == 0 else {
                virResetLastError()
                return nil
            }
            return id
        }
        guard let oldID else { return false }
        let deadline = ContinuousClock.now + .seconds(settings.shutdownTimeout)
        while ContinuousClock.now < deadline {
            let (state, id) = try await withDomain(instance) { _, dom in (try Self.state(dom), virDomainGetID(dom)) }
            if state == .shutdown || state == .crashed {
                try await powerOn(instance)
                return true
            }
            // A new domain id while running: the guest rebooted by itself during the wait (Nova returns too).
            if id != oldID && state == .running { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// Polls the domain's state until `wanted` or `shutdown_timeout`.
    func waitFor(_ instance: InstanceRecord, _ wanted: PowerState) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(settings.shutdownTimeout)
        while ContinuousClock.now < deadline {
            if try await withDomain(instance, { _, dom in try Self.state(dom) }) == wanted { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// Nova's clean shutdown: ACPI first, then destroy when the guest does not stop in time.
    public func powerOff(_ instance: InstanceRecord) async throws {
        let asked = try await withDomain(instance) { _, dom in
            try Self.state(dom) == .shutdown ? false : virDomainShutdown(dom) == 0
        }
        if asked, try await waitFor(instance, .shutdown) { return }
        try await withDomain(instance) { _, dom in
            if virDomainIsActive(dom) == 1 { try Self.check(virDomainDestroy(dom), "virDomainDestroy", instance) }
        }
    }

    public func powerOn(_ instance: InstanceRecord) async throws {
        try await withDomain(instance) { _, dom in
            if virDomainIsActive(dom) != 1 { try Self.check(virDomainCreate(dom), "virDomainCreate", instance) }
        }
    }

    public func pause(_ instance: InstanceRecord) async throws {
        try await withDomain(instance) { _, dom in try Self.check(virDomainSuspend(dom), "virDomainSuspend", instance) }
    }

    public func unpause(_ instance: InstanceRecord) async throws {
        try await withDomain(instance) { _, dom in try Self.check(virDomainResume(dom), "virDomainResume", instance) }
    }

    /// Suspend is a managed save (the guest's memory goes to disk), as Nova's libvirt driver does.
    public func suspend(_ instance: InstanceRecord) async throws {
        try await withDomain(instance) { _, dom in
            try Self.check(virDomainManagedSave(dom, 0), "virDomainManagedSave", instance)
        }
    }

    /// Starting a domain with a managed save image restores it.
    public func resume(_ instance: InstanceRecord) async throws {
        try await withDomain(instance) { _, dom in try Self.check(virDomainCreate(dom), "virDomainCreate", instance) }
    }
}
