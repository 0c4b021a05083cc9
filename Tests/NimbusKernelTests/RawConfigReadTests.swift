import Foundation
import Testing

/// Every option is read through its declaration (`CoreOptions.x.read(config)`): a raw
/// `config.int("section", "option", default: …)` outside the kernel's config module would repeat a default
/// or read an undeclared option, so none may remain in Sources/ or Plugins/.
@Suite struct RawConfigReadTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func swiftFiles(under dir: String) -> [URL] {
        let base = root.appendingPathComponent(dir)
        guard let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        return e.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
    }

    @Test func noRawConfigReadsOutsideTheConfigModule() throws {
        let raw = try Regex(#"(\b(config|cfg|c|conf)|\.config)\.(string|int|double|bool|list)\("#)
        let files = Self.swiftFiles(under: "Sources") + Self.swiftFiles(under: "Plugins")
        #expect(files.count > 50)
        var offenders: [String] = []
        for file in files where !file.path.contains("/Sources/NimbusKernel/Config/") {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.contains(raw) {
                offenders.append("\(file.path):\(i + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(offenders.isEmpty, "read these through a TypedOption declaration:\n\(offenders.joined(separator: "\n"))")
    }

    @Test func sharedDefaultsAppearOnceInSources() throws {
        let files = Self.swiftFiles(under: "Sources")
        let texts = try files.map { try String(contentsOf: $0, encoding: .utf8) }
        for literal in [#""fake.FakeDriver""#, #""./state""#, #""ComputeCapabilitiesFilter""#] {
            let count = texts.reduce(0) { $0 + $1.components(separatedBy: literal).count - 1 }
            #expect(count == 1, "\(literal) appears \(count) times in Sources/")
        }
    }
}
