import Foundation

/// For tests that boot a real guest under QEMU: starts libvirtd (scripts/start-libvirtd.sh) and builds the
/// tiny guest (scripts/build-test-guest.sh) once per test process.
public enum RealQEMU {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    /// Holds `vmlinuz` (a Debian cloud kernel) and `initrd.gz` (busybox; its /init prints `marker` on ttyS0).
    /// Named after the build script's content, so a changed guest is rebuilt rather than taken from an older cache
    /// (worktrees share the temporary directory, and each can have its own version of the script).
    public static let guestDir = NSTemporaryDirectory() + "nimbus-test-guest-" + scriptDigest("build-test-guest.sh")
    public static var kernel: String { guestDir + "/vmlinuz" }
    public static var initrd: String { guestDir + "/initrd.gz" }
    public static let commandLine = "console=ttyS0 quiet panic=-1"
    public static let marker = "NIMBUS-GUEST-UP"

    /// Runs a script to completion with posix_spawn and waitpid. Output goes to a file, not a pipe: a daemon the
    /// script starts would inherit a pipe and keep it open, so reading to EOF would wait as long as the daemon
    /// lives. Not Foundation's Process: its waitUntilExit was seen never to return here (the child a zombie).
    static func sh(_ script: String, _ args: [String] = []) -> (Int32, String) {
        let log = NSTemporaryDirectory() + "nimbus-\(script)-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = (["/bin/bash", "\(repo)/scripts/\(script)"] + args).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/bash", &actions, nil, argv + [nil], environ)
        guard rc == 0 else { return (-1, "posix_spawn: errno \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift does not import (macros).
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
        return (code, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// FNV-1a of a script's bytes, in hex ("none" when it cannot be read: the build then fails and says why).
    static func scriptDigest(_ script: String) -> String {
        guard let data = FileManager.default.contents(atPath: "\(repo)/scripts/\(script)") else { return "none" }
        let hash = data.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    /// One real-guest test at a time: they share libvirtd and two TCG guests on two cores only slow each other.
    public static func exclusively<T>(_ body: () async throws -> T) async throws -> T {
        await gate.acquire()
        do {
            let result = try await body()
            await gate.release()
            return result
        } catch {
            await gate.release()
            throw error
        }
    }

    static let gate = Gate()

    actor Gate {
        private var busy = false
        private var waiters: [CheckedContinuation<Void, Never>] = []

        func acquire() async {
            guard busy else {
                busy = true
                return
            }
            await withCheckedContinuation { waiters.append($0) }
        }

        func release() {
            if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
        }
    }

    /// Nil when a real guest can run here; otherwise why not.
    /// Whether the real-QEMU tests can run, for a suite's `.enabled { await RealQEMU.available() }`: found once,
    /// off the cooperative pool (starting libvirtd and building the guest take tens of seconds), and the reason
    /// printed when they cannot.
    public static func available() async -> Bool {
        await availability.value
    }

    static let availability = Task<Bool, Never> {
        let reason: String?
        do { reason = try await offPool { unavailable } } catch { reason = "\(error)" }
        if let reason { print("real-QEMU tests skipped: \(reason)") }
        return reason == nil
    }

    public static let unavailable: String? = {
        guard getuid() == 0 else { return "needs root to start libvirtd" }
        let (rc, out) = sh("start-libvirtd.sh")
        guard rc == 0 else { return "libvirtd cannot start here: \(out)" }
        let (grc, gout) = sh("build-test-guest.sh", [guestDir])
        guard grc == 0 else { return "cannot build the test guest: \(gout)" }
        return nil
    }()
}
