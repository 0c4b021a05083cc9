import Foundation
import Logging

/// Daemons raise their open-file soft limit to the hard limit at start (as a systemd unit's LimitNOFILE would): a
/// controller keeps a connection per compute and a console proxy one per session, and 1024 is soon reached.
enum OpenFileLimit {
    static func raiseToHard(logger: Logger) {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        let before = limit.rlim_cur
        limit.rlim_cur = limit.rlim_max
        if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) != 0 {
            logger.debug("cannot raise the open-file limit", metadata: ["soft": "\(before)", "hard": "\(limit.rlim_max)"])
        }
    }
}
