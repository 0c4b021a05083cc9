import Foundation
import Logging
import NimbusStore

extension ConductorManager {
    /// Nova's compute periodic `_cleanup_expired_console_auth_tokens`: expired console tokens are deleted. Here the
    /// conductor's recovery loop runs it, since computes reach the database only through the conductor; issuing a
    /// token also sweeps, but a cloud where nobody opens consoles any more would otherwise keep its last rows.
    @discardableResult
    public func sweepExpiredConsoleTokens(now: Date = Date()) async throws -> Int {
        let purged = try await store.purgeExpiredConsoleTokens(now: now)
        if purged > 0 { logger.debug("expired console tokens deleted", metadata: ["count": "\(purged)"]) }
        return purged
    }
}
