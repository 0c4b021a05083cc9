import Foundation
import NimbusKernel
import Testing

@testable import BuiltinPlugins

@Suite struct ConfigTests {
    func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "nimbus-\(UUID().uuidString).conf"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func readsNovaLayoutWithLaterFilesWinning() throws {
        let a = try write("""
            [DEFAULT]
            host = node-a
            report_interval = 5
            # a comment
            [filter_scheduler]
            enabled_filters = ComputeFilter,
              RamFilterIsGoneButContinuationWorks
            """)
        let b = try write("[DEFAULT]\nhost = node-b\n")
        let c = try NimbusConfig(files: [a, b])
        #expect(c.string("DEFAULT", "host") == "node-b")
        #expect(try c.double("DEFAULT", "report_interval", default: 10) == 5)
        #expect(c.list("filter_scheduler", "enabled_filters") == ["ComputeFilter", "RamFilterIsGoneButContinuationWorks"])
        #expect(c.source("DEFAULT", "host") == "\(b):2")
    }

    @Test func environmentAndCommandLineOverrideFiles() throws {
        let a = try write("[DEFAULT]\nhost = file\nstate_path = /file\n")
        let c = try NimbusConfig(files: [a], environment: ["NIMBUS_DEFAULT__HOST": "env", "NIMBUS_DEFAULT__STATE_PATH": "/env"],
                                 overrides: ["DEFAULT.host": "cli"])
        #expect(c.string("DEFAULT", "host") == "cli")
        #expect(c.string("DEFAULT", "state_path") == "/env")
    }

    @Test func invalidValueNamesFileSectionAndOption() throws {
        let a = try write("[DEFAULT]\nreport_interval = often\n")
        let c = try NimbusConfig(files: [a])
        do {
            _ = try c.validate(against: PluginRegistry.builtin().allOptions)
            Issue.record("invalid value accepted")
        } catch let e as ConfigError {
            let text = "\(e)"
            #expect(text.contains(a))
            #expect(text.contains("[DEFAULT] report_interval"))
            #expect(text.contains("often"))
        }
        #expect(throws: ConfigError.self) { _ = try c.double("DEFAULT", "report_interval") }
    }

    @Test func syntaxErrorsNameTheLine() throws {
        let a = try write("[DEFAULT]\nhost node\n")
        #expect(throws: ConfigError.syntax(file: a, line: 2, message: "expected 'option = value', got 'host node'")) {
            _ = try NimbusConfig(files: [a])
        }
        let b = try write("host = x\n")
        #expect(throws: ConfigError.self) { _ = try NimbusConfig(files: [b]) }
        #expect(throws: ConfigError.self) { _ = try NimbusConfig(files: ["/nonexistent/nova.conf"]) }
    }

    @Test func unknownOptionsWarn() throws {
        let a = try write("[DEFAULT]\nhost = x\nfrobnicate = yes\n[filter_scheduler]\nram_weight_multiplier = 2.0\n")
        let warnings = try NimbusConfig(files: [a]).validate(against: PluginRegistry.builtin().allOptions)
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("frobnicate") == true)
    }

    @Test func serviceDownTimeAutoCorrects() {
        #expect(ServiceTiming(reportInterval: 10, serviceDownTime: 60).serviceDownTime == 60)
        #expect(ServiceTiming(reportInterval: 10, serviceDownTime: 10).serviceDownTime == 25)
    }
}
