import Foundation
import NimbusKernel
import Synchronization

/// A reply slot resumed exactly once: by the server's reply, the caller's timeout or cancellation.
final class OneShotReply: ReplyChannel, Sendable {
    private enum Slot {
        case empty
        case waiting(CheckedContinuation<Data, any Error>)
        case done(Result<Data, any Error>)
        case consumed
    }

    private let slot = Mutex(Slot.empty)

    func wait() async throws -> Data {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Data, any Error>) in
                let ready: Result<Data, any Error>? = slot.withLock { s in
                    if case .done(let r) = s {
                        s = .consumed
                        return r
                    }
                    s = .waiting(c)
                    return nil
                }
                if let ready { c.resume(with: ready) }
            }
        } onCancel: {
            finish(.failure(CancellationError()))
        }
    }

    func finish(_ result: Result<Data, any Error>) {
        let waiter: CheckedContinuation<Data, any Error>? = slot.withLock { s in
            switch s {
            case .empty:
                s = .done(result)
                return nil
            case .waiting(let c):
                s = .consumed
                return c
            case .done, .consumed:
                return nil
            }
        }
        waiter?.resume(with: result)
    }

    func reply(_ payload: Data) async throws { finish(.success(payload)) }
}
