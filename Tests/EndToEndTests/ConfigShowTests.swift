import Foundation
import Logging
import NimbusDaemons
import NimbusKernel
import Testing

@testable import BuiltinPlugins

/// `nimbus manage config show` (its report, run in-process) and the list of declared options behind it.
@Suite struct ConfigShowTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func runtime(_ text: String, env: [String: String] = [:], set: [String: String] = [:]) throws
        -> (NimbusRuntime, String) {
        let path = NSTemporaryDirectory() + "nimbus-show-\(UUID().uuidString).conf"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let rt = try NimbusRuntime(registry: .builtin(), configFiles: [path], overrides: set, environment: env,
                                   logger: Logger(label: "test"))
        return (rt, path)
    }

    @Test func showsEveryOptionWithValueAndOrigin() throws {
        let (rt, path) = try runtime(
            "[DEFAULT]\nreport_interval = 5\n[api]\nmax_limit = 10\n[identity]\nadmin_password = hunter2\n",
            env: ["NIMBUS_scheduler__max_attempts": "4"],
            set: ["api.max_limit": "20", "keystone_authtoken.password": "pw",
                  "DEFAULT.transport_url": "zmq://u:sekrit@127.0.0.1:9500"])
        let report = ConfigReport(runtime: rt)
        func row(_ section: String, _ name: String) -> ConfigReport.Row? {
            report.rows.first { $0.section == section && $0.name == name }
        }
        #expect(row("DEFAULT", "report_interval")?.value == "5")
        #expect(row("DEFAULT", "report_interval")?.origin == "\(path):2")
        #expect(row("api", "max_limit")?.value == "20")
        #expect(row("api", "max_limit")?.origin.contains("--set api.max_limit") == true)
        #expect(row("scheduler", "max_attempts")?.value == "4")
        #expect(row("scheduler", "max_attempts")?.origin == "environment variable NIMBUS_scheduler__max_attempts")
        #expect(row("DEFAULT", "compute_driver") == .init(section: "DEFAULT", name: "compute_driver",
                                                          value: "fake.FakeDriver", origin: "default"))
        #expect(row("DEFAULT", "host")?.value == ProcessInfo.processInfo.hostName)
        #expect(row("libvirt", "instances_path")?.value == "./state/instances")
        #expect(row("database", "connection")?.value == "./state/nimbus.sqlite")
        #expect(try rt.databasePath() == "./state/nimbus.sqlite")
        // Secrets masked, whatever their origin; key files and key_pairs quotas are not secrets.
        #expect(row("identity", "admin_password")?.value == "****")
        #expect(row("keystone_authtoken", "password")?.value == "****")
        #expect(row("DEFAULT", "transport_url")?.value == "zmq://u:****@127.0.0.1:9500")
        #expect(row("zmq", "curve_secret_key_file")?.value == "$state_path/zmq/curve.key")
        #expect(row("quota", "key_pairs")?.value == "100")
        #expect(!report.text.contains("hunter2") && !report.text.contains("sekrit"))
        // Every declared option once (kernel, services, plugins), DEFAULT first then by section and name.
        let declared = Set(NimbusRuntime.declaredOptions(.builtin()).map { "\($0.section).\($0.name)" })
        #expect(report.rows.count == declared.count)
        #expect(report.rows.first?.section == "DEFAULT")
        let keys = report.rows.map { ($0.section == "DEFAULT" ? "" : $0.section, $0.name) }
        #expect(keys.elementsEqual(keys.sorted(by: <), by: ==))
        #expect(report.text.contains("[fake]\n"))
        #expect(report.text.contains("max_limit = 20  # command line (--set api.max_limit)\n"))
    }

    @Test func debugRaisesTheLogLevel() throws {
        #expect(try runtime("[DEFAULT]\ndebug = true\n").0.logger.logLevel == .debug)
        #expect(try runtime("[DEFAULT]\ndebug = false\n").0.logger.logLevel == .info)
    }

    /// A declaration no list names would be read but never validated nor shown: each `TypedOption` in the
    /// sources must be in the runtime's declared list.
    @Test func everyTypedDeclarationIsListed() throws {
        let declared = Set(NimbusRuntime.declaredOptions(.builtin()).map { "\($0.section).\($0.name)" })
        let decl = try Regex(#"TypedOption<[^>]+>\(\s*"([^"]+)",\s*"([^"]+)""#)
        var found: [String] = []
        for dir in ["Sources", "Plugins"] {
            let base = Self.root.appendingPathComponent(dir)
            let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
            for file in files {
                let text = try String(contentsOf: file, encoding: .utf8)
                for m in text.matches(of: decl) {
                    found.append("\(m.output[1].substring ?? "").\(m.output[2].substring ?? "")")
                }
            }
        }
        #expect(found.count > 80)
        #expect(found.filter { !declared.contains($0) } == [])
    }
}
