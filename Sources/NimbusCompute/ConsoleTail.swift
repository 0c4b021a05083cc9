/// Nova's `ComputeManager.get_console_output` after the driver answers: the text as ASCII (each non-ASCII
/// byte becomes U+FFFD, as `decode('ascii', 'replace')` does) and `_tail_log`'s cut, which splits on "\n" and
/// keeps `lines[-length:]`: 0 gives "", a text ending in "\n" counts the empty piece after it as a line, and
/// -1 (which the API schema documents as "unlimited") keeps all but the first line, as Python's `[1:]` does.
enum ConsoleTail {
    static func tail(_ text: String, length: Int?) -> String {
        var out = String.UnicodeScalarView()
        for b in text.utf8 { out.append(b < 0x80 ? Unicode.Scalar(b) : "\u{FFFD}") }
        let ascii = String(out)
        guard let length else { return ascii }
        if length == 0 { return "" }
        let lines = ascii.split(separator: "\n", omittingEmptySubsequences: false)
        let kept = length > 0 ? lines.suffix(length) : lines.dropFirst(-length)
        return kept.joined(separator: "\n")
    }
}
