/// Nova's `vm_state` values (nova/compute/vm_states.py), spelled as Nova spells them on the wire.
public enum VMState: String, Codable, Sendable, CaseIterable {
    case active, building, paused, suspended, stopped, rescued, resized
    case softDeleted = "soft-delete"
    case deleted, error, shelved
    case shelvedOffloaded = "shelved_offloaded"
}

/// Nova's `task_state` values; `nil` (JSON null) means no task is running.
public enum TaskState: String, Codable, Sendable, CaseIterable {
    case scheduling, networking
    case blockDeviceMapping = "block_device_mapping"
    case spawning
    case rebooting
    case rebootPending = "reboot_pending"
    case rebootStarted = "reboot_started"
    case rebootingHard = "rebooting_hard"
    case rebootPendingHard = "reboot_pending_hard"
    case rebootStartedHard = "reboot_started_hard"
    case updatingPassword = "updating_password"
    case rebuilding
    case rebuildBlockDeviceMapping = "rebuild_block_device_mapping"
    case rebuildSpawning = "rebuild_spawning"
    case migrating
    case resizePrep = "resize_prep"
    case resizeMigrating = "resize_migrating"
    case resizeMigrated = "resize_migrated"
    case resizeFinish = "resize_finish"
    case resizeReverting = "resize_reverting"
    case resizeConfirming = "resize_confirming"
    case imageSnapshot = "image_snapshot"
    case imageSnapshotPending = "image_snapshot_pending"
    case imagePendingUpload = "image_pending_upload"
    case imageUploading = "image_uploading"
    case imageBackup = "image_backup"
    case pausing, unpausing, suspending, resuming
    case poweringOff = "powering-off"
    case poweringOn = "powering-on"
    case rescuing, unrescuing, deleting
    case softDeleting = "soft-deleting"
    case restoring, shelving, unshelving
    case shelvingImagePendingUpload = "shelving_image_pending_upload"
    case shelvingImageUploading = "shelving_image_uploading"
    case shelvingOffloading = "shelving_offloading"
}

/// Nova's integer power states (nova/compute/power_state.py); 2 and 5 are unused.
public enum PowerState: Int, Codable, Sendable, CaseIterable {
    case noState = 0
    case running = 1
    case paused = 3
    case shutdown = 4
    case crashed = 6
    case suspended = 7
}

/// The API `status`, derived from vm_state and task_state exactly as nova/api/openstack/common.py does.
public enum ServerStatus {
    public static func derive(vmState: VMState, taskState: TaskState?) -> String {
        let t = taskState
        switch vmState {
        case .active:
            switch t {
            case .rebooting?, .rebootPending?, .rebootStarted?: return "REBOOT"
            case .rebootingHard?, .rebootPendingHard?, .rebootStartedHard?: return "HARD_REBOOT"
            case .updatingPassword?: return "PASSWORD"
            case .rebuilding?, .rebuildBlockDeviceMapping?, .rebuildSpawning?: return "REBUILD"
            case .migrating?: return "MIGRATING"
            case .resizePrep?, .resizeMigrating?, .resizeMigrated?, .resizeFinish?: return "RESIZE"
            default: return "ACTIVE"
            }
        case .building: return "BUILD"
        case .stopped:
            switch t {
            case .resizePrep?, .resizeMigrating?, .resizeMigrated?, .resizeFinish?: return "RESIZE"
            case .rebuilding?, .rebuildBlockDeviceMapping?, .rebuildSpawning?: return "REBUILD"
            default: return "SHUTOFF"
            }
        case .resized: return t == .resizeReverting ? "REVERT_RESIZE" : "VERIFY_RESIZE"
        case .paused: return t == .migrating ? "MIGRATING" : "PAUSED"
        case .suspended: return "SUSPENDED"
        case .rescued: return "RESCUE"
        case .error:
            switch t {
            case .rebuilding?, .rebuildBlockDeviceMapping?, .rebuildSpawning?: return "REBUILD"
            default: return "ERROR"
            }
        case .deleted: return "DELETED"
        case .softDeleted: return "SOFT_DELETED"
        case .shelved: return "SHELVED"
        case .shelvedOffloaded: return "SHELVED_OFFLOADED"
        }
    }
}
