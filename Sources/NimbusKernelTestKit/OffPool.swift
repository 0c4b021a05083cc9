import Foundation

/// Runs blocking work (waitpid on a script, a guest image build, initdb) on a thread of its own. The cooperative
/// pool has one thread per core (two here): a test that blocks one — or a `static let` whose first use blocks
/// every suite asking for it at once — stalls every other test in the process.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in Thread { c.resume(with: Result { try body() }) }.start() }
}
