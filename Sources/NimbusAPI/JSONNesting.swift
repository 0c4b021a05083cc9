import NimbusJSON
/// The decoder recurses once per nesting level, so a small body of 50,000 `[` could exhaust the stack;
/// request bodies are measured first (no OpenStack body nests more than a handful of levels).
enum JSONNesting {
    static let maxDepth = 32

    /// The deepest array/object nesting in `bytes`, ignoring brackets inside strings.
    static func depth(_ bytes: some Sequence<UInt8>) -> Int {
        var depth = 0, deepest = 0, inString = false, escaped = false
        for c in bytes {
            if inString {
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch c {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }
}
