import Foundation
import GRDB
import NimbusKernel

/// Errors of the store that callers act on.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound(kind: String, id: String)
    case conflict(String)
    case generationConflict(node: UUID, expected: Int, actual: Int)
    case unexpectedTaskState(instance: UUID, actual: String?, expected: [String?])
    /// The vm_state changed between an API's check and its guarded write (a fast action finished meanwhile).
    case unexpectedVMState(instance: UUID, actual: String)
    case badConnection(String)

    public var description: String {
        switch self {
        case .notFound(let kind, let id): "\(kind) \(id) could not be found."
        case .conflict(let why): why
        case .generationConflict(let node, let e, let a):
            "resource provider \(node.uuidString.lowercased()) generation changed (expected \(e), found \(a))"
        case .unexpectedTaskState(let i, let a, let e):
            "Conflict updating instance \(i.uuidString.lowercased()). Expected: {'task_state': \(e.map { $0 ?? "None" })}. Actual: {'task_state': \(a ?? "None")}"
        case .unexpectedVMState(let i, let a):
            "Conflict updating instance \(i.uuidString.lowercased()): its vm_state is now \(a)"
        case .badConnection(let c): "unsupported [database] connection '\(c)': use sqlite:///path or a file path"
        }
    }
}

/// The SQLite store (GRDB over the system libsqlite3): WAL, foreign keys, versioned migrations.
/// GRDB runs every statement on its own serial writer / reader queues, never on Swift's cooperative pool.
public final class NimbusStore: Sendable {
    public let path: String
    let db: DatabasePool

    /// Opens (creating if needed) the database at `path`. Does not migrate: call `migrate()`.
    public init(path: String) throws {
        self.path = path
        try Self.secureFiles(path)
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(30)  // other processes (scheduler workers) may hold the write lock briefly
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // No checkpoint inside whichever write commits past 1,000 WAL pages: that write (a scheduler claim,
            // say) waited for two fdatasyncs, ≈ 5–15 ms, about once per hundred writes. `checkpointer` does it.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        }
        db = try DatabasePool(path: path, configuration: config)
        checkpointer = try DatabaseQueue(path: path, configuration: config)
    }

    /// Passive checkpoints from a connection of their own, off every request's path: they neither take the
    /// write lock nor wait for readers; writers keep appending meanwhile. Runs until cancelled; daemons run it
    /// in their service group. SQLite also checkpoints when the last connection closes.
    public func runCheckpoints(every interval: Duration = .milliseconds(200)) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            _ = try? await checkpointer.writeWithoutTransaction { try $0.checkpoint(.passive) }
        }
    }

    /// The database holds password hashes, tokens and keys: the file is created 0600 before SQLite opens it
    /// (SQLite gives -wal and -shm the main file's mode), and files left readable by an older version are
    /// tightened. A directory created for it is 0711: nobody else may list or write it, but others may
    /// traverse it, as libvirt's QEMU user must to reach the image cache when it shares the state directory.
    /// An existing directory is not changed: it may not be ours.
    static func secureFiles(_ path: String) throws {
        let fm = FileManager.default
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty, !fm.fileExists(atPath: dir) {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                   attributes: [.posixPermissions: 0o711])
        }
        if !fm.fileExists(atPath: path) {
            let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw StoreError.conflict("cannot create \(path): errno \(errno)") }
            close(fd)
        }
        for file in [path, path + "-wal", path + "-shm"] where fm.fileExists(atPath: file) {
            try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        }
    }

    /// The connection background WAL checkpoints run on.
    let checkpointer: DatabaseQueue

    /// `[database] connection` → a file path: `sqlite:///abs/path`, `sqlite:///rel`, or a bare path.
    public static func path(fromConnection connection: String) throws -> String {
        if connection.hasPrefix("sqlite:///") { return String(connection.dropFirst("sqlite:///".count)) }
        if connection.hasPrefix("sqlite://") || connection.contains("://") { throw StoreError.badConnection(connection) }
        return connection
    }

    /// Applies pending migrations; returns the identifiers applied now.
    @discardableResult
    public func migrate() throws -> [String] {
        let before = try db.read { try Migrations.migrator.appliedIdentifiers($0) }
        try Migrations.migrator.migrate(db)
        let after = try db.read { try Migrations.migrator.appliedIdentifiers($0) }
        return after.filter { !before.contains($0) }.sorted()
    }

    public func appliedMigrations() throws -> [String] {
        try db.read { try Migrations.migrator.appliedIdentifiers($0) }.sorted()
    }

    public static var knownMigrations: [String] { Migrations.migrator.migrations }

    public func journalMode() throws -> String {
        try db.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") ?? "" }
    }
}

// MARK: value helpers shared by the row mappers

extension Date {
    var dbValue: Double { timeIntervalSince1970 }
    init(db: Double) { self = Date(timeIntervalSince1970: db) }
}

enum JSONColumn {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        return e
    }()

    static func encode(_ v: some Encodable) throws -> String { String(decoding: try encoder.encode(v), as: UTF8.self) }

    static func decode<T: Decodable>(_ t: T.Type, _ s: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(s.utf8))
    }

    /// Nullable JSON columns (null = not reported).
    static func decodeIfPresent<T: Decodable>(_ t: T.Type, _ s: String?) throws -> T? {
        try s.map { try decode(T.self, $0) }
    }
}

extension UUID {
    var db: String { lowercasedString }
}
