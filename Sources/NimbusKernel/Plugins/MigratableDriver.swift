/// A driver that can move a guest's disk between hosts for resize and cold migrate (Nova's
/// `migrate_disk_and_power_off`, `finish_migration`, `confirm_migration`, `finish_revert_migration`). A driver
/// without it answers NotImplementedError in the compute: the move is rolled back and the server keeps its state.
public protocol MigratableDriver: VirtDriver {
    /// On the source: stop the guest and hand its disk over; the source copy stays until confirm or revert.
    func migrateDiskAndPowerOff(_ instance: InstanceRecord, destination: String) async throws
    /// On the destination: start the guest with the instance's (new) flavor; powered on unless it was stopped.
    func finishMigration(_ instance: InstanceRecord, powerOn: Bool) async throws
    /// On the source after confirm: drop the old copy (not called when source and destination are one host).
    func confirmMigration(_ instance: InstanceRecord) async throws
    /// On the source after revert: bring the old copy back with the old flavor.
    func finishRevertMigration(_ instance: InstanceRecord, powerOn: Bool) async throws
}
