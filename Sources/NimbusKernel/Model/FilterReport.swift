/// Why hosts were kept or removed at each step of one scheduling pass: the explain report.
public struct FilterReport: Codable, Sendable, Hashable, CustomStringConvertible {
    public struct Step: Codable, Sendable, Hashable {
        public var name: String
        public var hostsIn: Int
        public var hostsOut: Int
        /// Rejection reason → number of hosts, most frequent first when rendered.
        public var reasons: [String: Int]

        public init(name: String, hostsIn: Int, hostsOut: Int, reasons: [String: Int] = [:]) {
            self.name = name
            self.hostsIn = hostsIn
            self.hostsOut = hostsOut
            self.reasons = reasons
        }

        public var removed: Int { hostsIn - hostsOut }

        public var summary: String {
            let top = reasons.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(3)
                .map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
            let what = "\(name) kept \(hostsOut) of \(hostsIn) hosts"
            return removed == 0 || top.isEmpty ? what : "\(what), removed \(removed): \(top)"
        }
    }

    public var steps: [Step]

    public init(steps: [Step] = []) { self.steps = steps }

    public var description: String { steps.map(\.summary).joined(separator: "; ") }
}

/// Nova's NoValidHost, carrying the per-step report.
public struct NoValidHost: Error, Codable, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public var report: FilterReport

    public init(reason: String = "There are not enough hosts available.", report: FilterReport) {
        self.reason = reason
        self.report = report
    }

    /// The fault message, as Nova words it; the report goes in the fault's details.
    public var message: String { reason.isEmpty ? "No valid host was found." : "No valid host was found. \(reason)" }

    public var description: String { "\(message) \(report.description)" }
}
