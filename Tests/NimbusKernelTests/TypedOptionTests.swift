import Foundation
import NimbusKernel
import Testing

/// Options read through their declaration: the default lives once, in the declaration.
@Suite struct TypedOptionTests {
    static let limit = TypedOption<Int>("api", "max_limit", default: 1000, help: "h")
    static let port = TypedOption<Int>("x", "port", kind: .port, default: 80)
    static let mode = TypedOption<String>("x", "mode", kind: .choice(["a", "b"]), default: "a")
    static let ratio = TypedOption<Double?>("x", "ratio")
    static let names = TypedOption<[String]>("x", "names", default: ["p", "q"])
    static let dir = TypedOption<String>("x", "dir", describedAs: "$state_path/d",
                                         computed: { CoreOptions.statePath.read($0) + "/d" })

    func config(_ text: String, overrides: [String: String] = [:]) throws -> NimbusConfig {
        let path = NSTemporaryDirectory() + "nimbus-typed-\(UUID().uuidString).conf"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try NimbusConfig(files: [path], overrides: overrides)
    }

    @Test func declarationCarriesTypeDefaultAndHelp() {
        #expect(Self.limit.declaration == ConfigOption("api", "max_limit", .int, default: "1000", help: "h"))
        #expect(Self.port.declaration.kind == .port)
        #expect(Self.ratio.declaration.defaultValue == nil)
        #expect(Self.names.declaration.defaultValue == "p,q")
        #expect(Self.dir.declaration.defaultValue == "$state_path/d")
        #expect(CoreOptions.defaultFilters == CoreOptions.enabledFilters.staticDefault)
        #expect(CoreOptions.defaultFilters.count == 5)
    }

    @Test func unsetReadsTheDeclaredDefault() throws {
        let c = try config("[DEFAULT]\n")
        #expect(try Self.limit.read(c) == 1000)
        #expect(try Self.ratio.read(c) == nil)
        #expect(Self.names.read(c) == ["p", "q"])
        #expect(Self.dir.read(c) == "./state/d")
        #expect(CoreOptions.computeDriver.read(c) == "fake.FakeDriver")
        #expect(CoreOptions.host.read(c) == ProcessInfo.processInfo.hostName)
    }

    @Test func setValuesParseAndComputedDefaultsFollowTheirInputs() throws {
        let c = try config("[DEFAULT]\nstate_path = /srv/n\n[api]\nmax_limit = 7\n[x]\nratio = 1.5\nnames = a, b\n")
        #expect(try Self.limit.read(c) == 7)
        #expect(try Self.ratio.read(c) == 1.5)
        #expect(Self.names.read(c) == ["a", "b"])
        #expect(Self.dir.read(c) == "/srv/n/d")
        #expect(Self.dir.declaration.computedDefault?(c) == "/srv/n/d")
    }

    @Test func badValuesNameSourceSectionAndOption() throws {
        let c = try config("[api]\nmax_limit = lots\n[x]\nport = 70000\nratio = nan\n")
        #expect(throws: ConfigError.self) { try Self.limit.read(c) }
        do {
            _ = try Self.port.read(c)
            Issue.record("port 70000 accepted")
        } catch {
            #expect("\(error)".contains("[x] port"))
            #expect("\(error)".contains("0-65535"))
        }
        #expect(throws: ConfigError.self) { try Self.ratio.read(c) }
        let overridden = try config("[x]\n", overrides: ["x.mode": "c"])
        #expect(throws: ConfigError.self) { try overridden.validate(against: [Self.mode.declaration]) }
    }

    @Test func perInstanceSectionsOverrideTheShared() throws {
        let c = try config("[api]\nmax_limit = 5\n[api:h1]\nmax_limit = 9\n")
        #expect(try Self.limit.read(c, instance: "h1") == 9)
        #expect(try Self.limit.read(c, instance: "h2") == 5)
        #expect(Self.limit.isSet(c))
        #expect(!Self.port.isSet(c))
    }
}
