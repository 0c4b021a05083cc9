import Foundation

/// A parsed nova.conf-style INI file: `[section]`, `option = value`, `#`/`;` comments, and indented
/// continuation lines appended to the previous value (as oslo.config's parser allows).
public struct INIDocument: Sendable {
    public struct Entry: Sendable, Hashable {
        public var section: String
        public var option: String
        public var value: String
        public var line: Int
    }

    public let path: String
    public private(set) var entries: [Entry] = []

    public init(path: String, text: String) throws(ConfigError) {
        self.path = path
        var section: String?
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNo = index + 1
            let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : String(rawLine)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            if line.first == " " || line.first == "\t", !entries.isEmpty, entries[entries.count - 1].section == section {
                entries[entries.count - 1].value += "\n" + trimmed
                continue
            }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]"), trimmed.count > 2 else {
                    throw ConfigError.syntax(file: path, line: lineNo, message: "malformed section header '\(trimmed)'")
                }
                section = String(trimmed.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let sep = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw ConfigError.syntax(file: path, line: lineNo, message: "expected 'option = value', got '\(trimmed)'")
            }
            guard let section else {
                throw ConfigError.syntax(file: path, line: lineNo, message: "option outside of any [section]")
            }
            let option = trimmed[..<sep].trimmingCharacters(in: .whitespaces)
            let value = trimmed[trimmed.index(after: sep)...].trimmingCharacters(in: .whitespaces)
            guard !option.isEmpty else {
                throw ConfigError.syntax(file: path, line: lineNo, message: "empty option name")
            }
            entries.append(Entry(section: section, option: option, value: value, line: lineNo))
        }
    }
}
