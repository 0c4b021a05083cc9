import Foundation

/// Generated input for the services' generated-input tests (Identity, Image; Compute has its own shape-aware
/// generator). SplitMix64: a fixed seed gives the same cases on every run and machine.
public struct SeededRNG: RandomNumberGenerator {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Request bodies as raw JSON text, of right and wrong shapes. Raw text, because JSONSerialization cannot
/// write what we want to send: numbers beyond Double, lone surrogates, nesting past the decoder's limit,
/// truncated documents.
public struct BodyGenerator {
    public var rng: SeededRNG
    public var counter = 0

    public init(seed: UInt64) { rng = SeededRNG(state: seed) }

    public mutating func pick<T>(_ choices: [T]) -> T { choices[Int.random(in: 0..<choices.count, using: &rng)] }
    public mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

    /// A JSON string literal: plain and unique half of the time, else NUL, control characters, 100 KB,
    /// just over the usual 255 limit, odd Unicode, a lone surrogate, blanks.
    public mutating func string() -> String {
        counter += 1
        if chance(50) { return "\"gen-\(counter)\"" }
        return pick([
            "\"\"", "\"   \"",
            "\"a\\u0000b-\(counter)\"", "\"\\u0000\"", "\"nul-end-\(counter)\\u0000\"",
            "\"ctl\\u0001\\u001f-\(counter)\"", "\"tab\\tnew\\nline-\(counter)\"", "\"del\\u007f-\(counter)\"",
            "\"" + String(repeating: "x", count: 100_000) + "\"", "\"" + String(repeating: "y", count: 256) + "\"",
            "\"\\ud800-\(counter)\"", "\"é😀ß-\(counter)\"", "\"%00-\(counter)\"", "\"../../etc/passwd\"",
        ])
    }

    public mutating func number() -> String {
        pick(["0", "-1", "1", "512", "1.5", "-0.0", "1e400", "-1e400", "9223372036854775807", "9223372036854775808",
              "-9223372036854775809", "123456789012345678901234567890", "1e-400", "4.9e-324"])
    }

    /// Any value, nested up to `depth`; sometimes nested far past what the decoder accepts.
    public mutating func value(depth: Int = 3) -> String {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return pick(["null", "true", "false"])
        case 1, 2: return number()
        case 3, 4, 5: return string()
        case 6 where depth > 0:
            return "[" + (0..<Int.random(in: 0...3, using: &rng)).map { _ in value(depth: depth - 1) }.joined(separator: ",") + "]"
        case 7 where depth > 0:
            return "{" + (0..<Int.random(in: 0...3, using: &rng)).map { _ in string() + ":" + value(depth: depth - 1) }
                .joined(separator: ",") + "}"
        case 8: return pick(["[[[[[[[[[[1]]]]]]]]]]", String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000),
                             String(repeating: "{\"a\":", count: 600) + "1" + String(repeating: "}", count: 600)])
        default: return string()
        }
    }

    /// An object with these keys, each value right-typed most of the time (`right`) and anything otherwise,
    /// plus sometimes an unknown key.
    public mutating func object(_ fields: [(String, (inout BodyGenerator) -> String)]) -> String {
        var parts: [String] = []
        for (key, right) in fields where chance(80) {
            parts.append("\"\(key)\":" + (chance(85) ? right(&self) : value()))
        }
        if chance(15) { parts.append(string() + ":" + value()) }
        return "{" + parts.joined(separator: ",") + "}"
    }

    /// A whole body: `wrapped` (the route's right shape, built by the caller) most of the time, otherwise
    /// a wrong shape: another value, the resource key holding a wrong type, truncated or not JSON at all.
    public mutating func body(key: String?, _ wrapped: (inout BodyGenerator) -> String) -> Data {
        let text: String
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: text = value()
        case 1: text = key.map { "{\"\($0)\":" + value() + "}" } ?? value()
        case 2:
            let whole = wrapped(&self)
            text = String(whole.prefix(Int.random(in: 0...max(0, whole.count - 1), using: &rng)))
        case 3: text = pick(["", "not json", "{\"a\":1,}", "\u{FEFF}{}", "{\"a\":\"\\x00\"}", "nul\u{0}byte"])
        default: text = wrapped(&self)
        }
        return Data(text.utf8)
    }

    /// A path segment or query value, percent-encoded as a client would (NUL as %00).
    public mutating func urlPart() -> String {
        counter += 1
        let raw = pick(["gen-\(counter)", "", "a\u{0}b", "\u{1}", "é😀", String(repeating: "z", count: 3000), "../..", "%",
                        "a b+c&d=e", "in:a,b", "eq:x"])
        return raw.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "x"
    }
}
