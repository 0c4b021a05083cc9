import Foundation
import Synchronization

/// Starts child processes one at a time: Foundation's `Process.run()` on Linux is not safe to call from
/// several threads at once (seen here: a crash in its memmove while tests and the libvirt driver's disk tools
/// spawned concurrently). Only the spawn is serialised; waiting for the child is not.
public enum ProcessSpawn {
    private static let lock = Mutex(())

    public static func run(_ process: Process) throws {
        try lock.withLock { _ in try process.run() }
    }
}
