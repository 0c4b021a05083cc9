import Foundation
import NimbusKernel
import NimbusKernelTestKit
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The `nimbus` executable next to the test bundle (`make test` builds both).
func nimbusBinary() throws -> String {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir.appendingPathComponent("nimbus"), dir.deletingLastPathComponent().appendingPathComponent("nimbus")]
    where FileManager.default.isExecutableFile(atPath: candidate.path) {
        return candidate.path
    }
    throw IntegrationError("nimbus executable not found next to \(dir.path); build it first (make test does)")
}

struct IntegrationError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A free TCP port on 127.0.0.1 (bound then released).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard ok else { throw IntegrationError("cannot find a free port") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// One daemon process with its stderr captured to a file.
final class Daemon: Sendable {
    let name: String
    let process: Process
    let logPath: String

    init(_ name: String, _ args: [String], logDir: String) throws {
        self.name = name
        logPath = "\(logDir)/\(name).log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try nimbusBinary())
        p.arguments = args
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        p.standardError = handle
        p.standardOutput = handle
        try ProcessSpawn.run(p)
        process = p
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGSTOP: the process holds whatever it was doing (messages sent to it wait in its sockets).
    func suspend() { kill(process.processIdentifier, SIGSTOP) }

    /// SIGCONT.
    func resume() { if process.isRunning { kill(process.processIdentifier, SIGCONT) } }

    /// SIGTERM, then SIGKILL if the daemon has not exited within 10 s (a test must never hang on it).
    func terminate() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { kill9() }
    }
}

/// Runs `nimbus` to completion and returns its output.
@discardableResult
func runNimbus(_ args: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try nimbusBinary())
    p.arguments = args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try ProcessSpawn.run(p)
    let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw IntegrationError("nimbus \(args.joined(separator: " ")) failed: \(out)") }
    return out
}

func http(_ method: String, _ url: String, _ body: Any? = nil) async throws -> (Int, [String: Any]) {
    let a = try await TestHTTP.send(method, url, body: body)
    return (a.status, a.body)
}

/// Polls a condition; the bound only keeps a broken build from hanging the suite.
func waitUntil(_ what: String, within seconds: Double = 60, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if (try? await condition()) == true { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw IntegrationError("timed out waiting until \(what)")
}
