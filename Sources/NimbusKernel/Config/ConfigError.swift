/// Configuration problems, each naming where the bad value came from.
public enum ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    case syntax(file: String, line: Int, message: String)
    case unreadable(file: String, reason: String)
    case invalidValue(source: String, section: String, option: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .syntax(let file, let line, let message): "\(file):\(line): \(message)"
        case .unreadable(let file, let reason): "cannot read config file \(file): \(reason)"
        case .invalidValue(let source, let section, let option, let value, let expected):
            "invalid value '\(value)' for [\(section)] \(option) in \(source): expected \(expected)"
        }
    }
}
