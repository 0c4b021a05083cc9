import Foundation

/// `sh -c` on the test host with posix_spawn and waitpid, output through a file (a daemon the command starts
/// must not hold a pipe open); for the data-plane checks of the real-guest network test.
enum HostShell {
    /// Off the cooperative pool (ping and `nc -w` block for seconds; the pool has one thread per core, and a
    /// blocked pool stalls every other test in the process).
    static func run(_ script: String) async -> (status: Int32, output: String) {
        await withCheckedContinuation { c in Thread { c.resume(returning: runBlocking(script)) }.start() }
    }

    static func runBlocking(_ script: String) -> (status: Int32, output: String) {
        let log = NSTemporaryDirectory() + "nimbus-sh-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let words: [String] = ["/bin/sh", "-c", script]
        let argv = words.map { strdup($0) }
        defer { argv.forEach { free($0) } }
        // Unblocked, default signals: the test thread's mask would otherwise pass to what the script starts.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/sh", &actions, &attr, argv + [nil], environ) == 0 else { return (-1, "") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
        return (code, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    static func ok(_ script: String) async -> Bool { await run(script).status == 0 }
}
