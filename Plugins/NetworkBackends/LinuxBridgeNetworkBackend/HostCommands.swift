import Foundation

/// Runs the host tools (`ip`, `iptables-restore`, `dnsmasq`) synchronously. Callers are on the backend's own
/// serial queue, never on the cooperative pool: `waitpid` blocks its thread. posix_spawn with output to a
/// file, not Foundation's Process and a pipe: dnsmasq daemonises and would hold a pipe open for its lifetime,
/// and Process's waitUntilExit has been seen not to return here (tests' RealQEMU.sh says the same).
enum HostCommands {
    struct Failure: Error, CustomStringConvertible {
        var command: [String]
        var status: Int32
        var output: String
        var description: String { "`\(command.joined(separator: " "))` exited \(status): \(output)" }
    }

    static let searchPath = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]

    static func locate(_ tool: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        return (searchPath + path).map { ($0 as NSString).appendingPathComponent(tool) }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `args` (the tool first) with `input` on stdin; returns its output (stdout and stderr, at most
    /// 4 KiB), throws `Failure` on a non-zero exit.
    @discardableResult
    static func run(_ args: [String], input: String? = nil) throws -> String {
        guard let tool = args.first, let path = locate(tool) else {
            throw Failure(command: args, status: -1, output: "\(args.first ?? "?") is not installed")
        }
        let base = NSTemporaryDirectory() + "nimbus-cmd-\(UUID().uuidString.prefix(12))"
        let (inPath, outPath) = (base + ".in", base + ".out")
        defer {
            try? FileManager.default.removeItem(atPath: inPath)
            try? FileManager.default.removeItem(atPath: outPath)
        }
        try Data((input ?? "").utf8).write(to: URL(fileURLWithPath: inPath))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + args.dropFirst()).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        // The calling thread blocks and ignores signals (Dispatch's and the runtime's); a child inherits both, so
        // dnsmasq would never hear the SIGHUP that reloads its hosts or the SIGTERM that stops it.
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
        let rc = posix_spawn(&pid, path, &actions, &attr, argv + [nil], environ)
        guard rc == 0 else { throw Failure(command: args, status: -1, output: "posix_spawn: errno \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift does not import (macros).
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
        let text = String(decoding: (FileManager.default.contents(atPath: outPath) ?? Data()).prefix(4096), as: UTF8.self)
        guard code == 0 else { throw Failure(command: args, status: code, output: text) }
        return text
    }

    /// True when the command succeeds (for `ip link show X`, `iptables -C …`).
    static func succeeds(_ args: [String]) -> Bool { (try? run(args)) != nil }
}
