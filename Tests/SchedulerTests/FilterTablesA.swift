import Foundation
import NimbusKernel
import NimbusKernelTestKit
import StandardFilters
import Testing

@Suite struct CapabilityAndImageFilterTests {
    static let caps: [FilterCase] = [
        .init(name: "no extra specs", host: Make.host("h").build(), spec: Make.spec().build(), passes: true),
        .init(name: "capabilities:hypervisor_type s== fake",
              host: Make.host("h").build(),
              spec: Make.spec(Make.flavor(extraSpecs: ["capabilities:hypervisor_type": "s== fake"])).build(), passes: true),
        .init(name: "capabilities:hypervisor_type kvm", host: Make.host("h").build(),
              spec: Make.spec(Make.flavor(extraSpecs: ["capabilities:hypervisor_type": "kvm"])).build(), passes: false),
        .init(name: "unscoped attribute free_ram_mb >= 1024", host: Make.host("h").ram(free: 8192).build(),
              spec: Make.spec(Make.flavor(extraSpecs: ["free_ram_mb": ">= 1024"])).build(), passes: true),
        .init(name: "unscoped attribute free_ram_mb >= 100000", host: Make.host("h").ram(free: 8192).build(),
              spec: Make.spec(Make.flavor(extraSpecs: ["free_ram_mb": ">= 100000"])).build(), passes: false),
        .init(name: "other scopes ignored", host: Make.host("h").build(),
              spec: Make.spec(Make.flavor(extraSpecs: ["hw:cpu_policy": "shared", "unknown_key": "x"])).build(),
              passes: true),
        .init(name: "cpu_info path", host: Make.host("h").with { $0.cpuInfo = #"{"arch": "x86_64", "features": ["avx", "aes"]}"# }.build(),
              spec: Make.spec(Make.flavor(extraSpecs: ["capabilities:cpu_info:arch": "x86_64",
                                                       "capabilities:cpu_info:features": "<in> aes"])).build(),
              passes: true),
        .init(name: "missing capability", host: Make.host("h").build(),
              spec: Make.spec(Make.flavor(extraSpecs: ["capabilities:cpu_info:arch": "x86_64"])).build(), passes: false),
        .init(name: "hw:maxphysaddr_bits fits", host: Make.host("h").with { $0.cpuInfo = #"{"maxphysaddr": {"bits": 46}}"# }.build(),
              spec: Make.spec(Make.flavor(extraSpecs: ["hw:maxphysaddr_bits": "42"])).build(), passes: true),
        .init(name: "hw:maxphysaddr_bits too many", host: Make.host("h").with { $0.cpuInfo = #"{"maxphysaddr": {"bits": 39}}"# }.build(),
              spec: Make.spec(Make.flavor(extraSpecs: ["hw:maxphysaddr_bits": "42"])).build(), passes: false),
    ]

    @Test(arguments: caps) func computeCapabilities(_ c: FilterCase) throws {
        #expect(try check(ComputeCapabilitiesFilter(context: context()), c))
    }

    static let fakeHost = Make.host("h").with {
        $0.supportedInstances = [["x86_64", "qemu", "hvm"], ["i686", "qemu", "hvm"]]
        $0.hypervisorVersion = 6_001_000
    }.build()
    static func image(_ p: [String: String]) -> RequestSpec { Make.spec().image("img", properties: p).build() }

    static let image: [FilterCase] = [
        .init(name: "image without properties", host: fakeHost, spec: image([:]), passes: true),
        .init(name: "arch and hv type supported", host: fakeHost,
              spec: image(["hw_architecture": "x86_64", "img_hv_type": "qemu", "hw_vm_mode": "hvm"]), passes: true),
        .init(name: "arch not supported", host: fakeHost, spec: image(["hw_architecture": "aarch64"]), passes: false),
        .init(name: "hv type not supported", host: fakeHost, spec: image(["img_hv_type": "kvm"]), passes: false),
        .init(name: "canonical arch i386 → i686", host: fakeHost, spec: image(["hw_architecture": "i386"]), passes: true),
        .init(name: "host advertises nothing", host: Make.host("h").build(), spec: image(["hw_architecture": "x86_64"]),
              passes: false),
        .init(name: "requested version satisfied", host: fakeHost,
              spec: image(["img_hv_type": "qemu", "img_hv_requested_version": ">=6.0, <7"]), passes: true),
        .init(name: "requested version too new", host: fakeHost,
              spec: image(["img_hv_type": "qemu", "img_hv_requested_version": ">=6.2"]), passes: false),
    ]

    @Test(arguments: image) func imageProperties(_ c: FilterCase) throws {
        #expect(try check(ImagePropertiesFilter(context: context()), c))
    }

    @Test func defaultArchitectureApplies() throws {
        let f = try ImagePropertiesFilter(context: context(["filter_scheduler.image_properties_default_architecture": "aarch64"]))
        #expect(try f.filter(Self.fakeHost, Self.image(["img_hv_type": "qemu"])) != .pass)
        #expect(try f.filter(Self.fakeHost, Self.image([:])) != .pass)
    }
}

@Suite struct GroupAndHintFilterTests {
    static let g = UUID()
    static func group(_ policy: ServerGroupPolicy, on hosts: [String], rules: [String: String] = [:]) -> RequestSpec {
        Make.spec().with {
            $0.instanceGroup = InstanceGroupInfo(uuid: g, policy: policy, rules: rules,
                                                 memberHosts: Dictionary(uniqueKeysWithValues: hosts.map { (UUID(), $0) }))
        }.build()
    }

    static let anti: [FilterCase] = [
        .init(name: "no group", host: Make.host("h1").build(), spec: Make.spec().build(), passes: true),
        .init(name: "other policy", host: Make.host("h1").build(), spec: group(.affinity, on: ["h1"]), passes: true),
        .init(name: "member on host", host: Make.host("h1").build(), spec: group(.antiAffinity, on: ["h1"]), passes: false),
        .init(name: "member elsewhere", host: Make.host("h2").build(), spec: group(.antiAffinity, on: ["h1"]), passes: true),
        .init(name: "max_server_per_host 2, one there", host: Make.host("h1").build(),
              spec: group(.antiAffinity, on: ["h1"], rules: ["max_server_per_host": "2"]), passes: true),
        .init(name: "max_server_per_host 2, two there", host: Make.host("h1").build(),
              spec: group(.antiAffinity, on: ["h1", "h1"], rules: ["max_server_per_host": "2"]), passes: false),
        .init(name: "own current host (move)", host: Make.host("h1").build(),
              spec: group(.antiAffinity, on: ["h1"]).with(\.currentHost, "h1"), passes: true),
    ]

    @Test(arguments: anti) func antiAffinity(_ c: FilterCase) throws {
        #expect(try check(ServerGroupAntiAffinityFilter(context: context()), c))
    }

    static let affinity: [FilterCase] = [
        .init(name: "no group", host: Make.host("h1").build(), spec: Make.spec().build(), passes: true),
        .init(name: "group without hosts", host: Make.host("h1").build(), spec: group(.affinity, on: []), passes: true),
        .init(name: "group host", host: Make.host("h1").build(), spec: group(.affinity, on: ["h1"]), passes: true),
        .init(name: "other host", host: Make.host("h2").build(), spec: group(.affinity, on: ["h1"]), passes: false),
    ]

    @Test(arguments: affinity) func affinityFilter(_ c: FilterCase) throws {
        #expect(try check(ServerGroupAffinityFilter(context: context()), c))
    }

    @Test func sameAndDifferentHost() throws {
        let vm = UUID()
        let with = Make.host("h1").with { $0.instanceUUIDs = [vm] }.build()
        let without = Make.host("h2").build()
        let same = Make.spec().hint("same_host", vm.uuidString).build()
        let different = Make.spec().hint("different_host", vm.uuidString).build()
        let s = try SameHostFilter(context: context()), d = try DifferentHostFilter(context: context())
        #expect(try s.filter(with, same).passed && !s.filter(without, same).passed)
        #expect(try !d.filter(with, different).passed && d.filter(without, different).passed)
        #expect(try s.filter(without, Make.spec().build()).passed && d.filter(with, Make.spec().build()).passed)
    }

    static let cidr: [(String, [String: [String]], Bool)] = [
        ("10.0.0.5", [:], true),
        ("10.0.0.5", ["build_near_host_ip": ["10.0.0.1"]], true),
        ("10.0.1.5", ["build_near_host_ip": ["10.0.0.1"]], false),
        ("10.0.1.5", ["build_near_host_ip": ["10.0.0.1"], "cidr": ["/16"]], true),
        ("192.168.0.1", ["build_near_host_ip": ["10.0.0.1"], "cidr": ["/8"]], false),
    ]

    @Test(arguments: cidr) func simpleCIDR(_ ip: String, _ hints: [String: [String]], _ passes: Bool) throws {
        let f = try SimpleCIDRAffinityFilter(context: context())
        let spec = Make.spec().with { $0.schedulerHints = hints }.build()
        #expect(try f.filter(Make.host("h").ip(ip).build(), spec).passed == passes)
    }
}

extension RequestSpec {
    func with<V>(_ path: WritableKeyPath<RequestSpec, V>, _ value: V) -> RequestSpec {
        var copy = self
        copy[keyPath: path] = value
        return copy
    }
}
