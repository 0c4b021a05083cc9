import Foundation
import NimbusKernel

/// Resize and cold migrate across the fake's simulated hosts: each host's driver holds its own guests, so the
/// source keeps its (stopped) copy until confirm or revert, as a real hypervisor keeps the old disk.
extension FakeDriver: MigratableDriver {
    public func migrateDiskAndPowerOff(_ instance: InstanceRecord, destination: String) async throws {
        var g = try existing(instance)
        g.state = .shutdown
        g.console.append("reboot: Power down (migrating to \(destination))")
        guests[instance.uuid] = g
    }

    public func finishMigration(_ instance: InstanceRecord, powerOn: Bool) async throws {
        if latency > .zero { try await Task.sleep(for: latency) }
        // On one host (resize to the same host) the guest is already here: it restarts with the new flavor.
        var console = guests[instance.uuid]?.console ?? ["Nimbus fake hypervisor \(host)"]
        console.append("Resized to flavor \(instance.flavor.name): \(instance.flavor.memoryMB) MB, "
                       + "\(instance.flavor.vcpus) vCPU")
        if powerOn { console.append("\(instance.name) login:") }
        guests[instance.uuid] = Guest(instance: instance, state: powerOn ? .running : .shutdown, console: console)
    }

    public func confirmMigration(_ instance: InstanceRecord) async throws { guests[instance.uuid] = nil }

    public func finishRevertMigration(_ instance: InstanceRecord, powerOn: Bool) async throws {
        var g = try existing(instance)
        g.instance = instance
        g.state = powerOn ? .running : .shutdown
        g.console.append("Reverted to flavor \(instance.flavor.name)")
        guests[instance.uuid] = g
    }

    private func existing(_ instance: InstanceRecord) throws -> Guest {
        guard let g = guests[instance.uuid] else { throw VirtDriverError.instanceNotFound(instance.uuid) }
        return g
    }
}

/// Rescue: the guest restarts from the rescue image (its console says so) and comes back on unrescue.
extension FakeDriver: RescuableDriver {
    public func rescue(_ instance: InstanceRecord, imageRef: String) async throws {
        guard var g = guests[instance.uuid] else { throw VirtDriverError.instanceNotFound(instance.uuid) }
        g.state = .running
        g.console.append("Booting rescue image \(imageRef) for \(instance.name); original disk attached as /dev/vdb")
        guests[instance.uuid] = g
    }

    public func unrescue(_ instance: InstanceRecord) async throws {
        guard var g = guests[instance.uuid] else { throw VirtDriverError.instanceNotFound(instance.uuid) }
        g.state = .running
        g.console.append("Booting \(instance.name) from its own disk (unrescued)")
        guests[instance.uuid] = g
    }
}

/// The NMI a crash dump injects: the guest notes it (a running guest only, as libvirt's `InstanceNotRunning`).
extension FakeDriver: CrashDumpDriver {
    public func triggerCrashDump(_ instance: InstanceRecord) async throws {
        guard var g = guests[instance.uuid] else { throw VirtDriverError.instanceNotFound(instance.uuid) }
        guard g.state == .running else { throw VirtDriverError.invalidState("the instance is not running") }
        g.console.append("Kernel panic - not syncing: NMI: Not continuing")
        guests[instance.uuid] = g
    }
}

/// Snapshot: a small raw "disk" naming the guest and its image, so a server booted from it can be told apart.
extension FakeDriver: SnapshotDriver {
    public func snapshot(_ instance: InstanceRecord, to path: String) async throws -> SnapshotFormat {
        guard var g = guests[instance.uuid] else { throw VirtDriverError.instanceNotFound(instance.uuid) }
        if latency > .zero { try await Task.sleep(for: latency) }
        if failSnapshot { throw VirtDriverError.invalidState("fault injected: [fake] fail_snapshot_hosts includes \(host)") }
        let disk = "NIMBUS FAKE DISK\nserver \(instance.name) \(instance.uuid.lowercasedString)\n"
            + "image \(instance.imageRef)\nflavor \(instance.flavor.name)\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(disk.utf8)) else {
            throw VirtDriverError.invalidState("cannot write the snapshot to \(path)")
        }
        g.console.append("snapshot of the root disk taken")
        guests[instance.uuid] = g
        return SnapshotFormat(diskFormat: "raw", containerFormat: "bare")
    }
}
