import Foundation
import NimbusKernel
import NimbusKernelTestKit
import StandardFilters
import Testing

@Suite struct AggregateFilterTests {
    static func host(_ metadata: [String: String]...) -> HostState {
        Make.host("h").with { h in h.aggregates = metadata.enumerated().map { agg($1, id: $0 + 1) } }.build()
    }
    static func image(_ p: [String: String]) -> RequestSpec { Make.spec().image("img", properties: p).build() }
    static func flavor(_ name: String = "m1.small", _ specs: [String: String] = [:]) -> RequestSpec {
        Make.spec(Make.flavor(name, extraSpecs: specs)).build()
    }

    static let imageIsolation: [FilterCase] = [
        .init(name: "matching value", host: host(["os_distro": "ubuntu"]), spec: image(["os_distro": "ubuntu"]), passes: true),
        .init(name: "other value", host: host(["os_distro": "ubuntu"]), spec: image(["os_distro": "centos"]), passes: false),
        .init(name: "one of a comma list", host: host(["os_distro": "ubuntu, centos"]), spec: image(["os_distro": "centos"]),
              passes: true),
        .init(name: "image lacks the key", host: host(["os_distro": "ubuntu"]), spec: image([:]), passes: true),
        .init(name: "no aggregate", host: host(), spec: image(["os_distro": "centos"]), passes: true),
    ]

    @Test(arguments: imageIsolation) func aggregateImagePropertiesIsolation(_ c: FilterCase) throws {
        #expect(try check(AggregateImagePropertiesIsolation(context: context()), c))
    }

    @Test func imageIsolationNamespace() throws {
        let f = try AggregateImagePropertiesIsolation(context: context([
            "filter_scheduler.aggregate_image_properties_isolation_namespace": "ns"]))
        // Keys outside the namespace are not compared.
        #expect(try f.filter(Self.host(["os_distro": "ubuntu"]), Self.image(["os_distro": "centos"])).passed)
        #expect(try !f.filter(Self.host(["ns.os": "a"]), Self.image(["ns.os": "b"])).passed)
    }

    static let extraSpecs: [FilterCase] = [
        .init(name: "no extra specs", host: host(), spec: flavor(), passes: true),
        .init(name: "scoped match", host: host(["ssd": "true"]),
              spec: flavor("f", ["aggregate_instance_extra_specs:ssd": "true"]), passes: true),
        .init(name: "unscoped match", host: host(["ssd": "true"]), spec: flavor("f", ["ssd": "true"]), passes: true),
        .init(name: "value differs", host: host(["ssd": "true"]), spec: flavor("f", ["ssd": "false"]), passes: false),
        .init(name: "no aggregate sets key", host: host(), spec: flavor("f", ["ssd": "true"]), passes: false),
        .init(name: "other scope ignored", host: host(), spec: flavor("f", ["hw:cpu_policy": "dedicated"]), passes: true),
        .init(name: "operator against any aggregate", host: host(["cores": "4"], ["cores": "16"]),
              spec: flavor("f", ["aggregate_instance_extra_specs:cores": ">= 8"]), passes: true),
    ]

    @Test(arguments: extraSpecs) func aggregateInstanceExtraSpecs(_ c: FilterCase) throws {
        #expect(try check(AggregateInstanceExtraSpecsFilter(context: context()), c))
    }

    static let tenancy: [FilterCase] = [
        .init(name: "no aggregate", host: host(), spec: Make.spec().project("p3").build(), passes: true),
        .init(name: "listed project", host: host(["filter_tenant_id": "p1,p2"]), spec: Make.spec().project("p2").build(),
              passes: true),
        .init(name: "unlisted project", host: host(["filter_tenant_id": "p1,p2"]), spec: Make.spec().project("p3").build(),
              passes: false),
        .init(name: "suffixed key", host: host(["filter_tenant_id": "p1", "filter_tenant_id_2": "p3"]),
              spec: Make.spec().project("p3").build(), passes: true),
    ]

    @Test(arguments: tenancy) func multiTenancy(_ c: FilterCase) throws {
        #expect(try check(AggregateMultiTenancyIsolation(context: context()), c))
    }

    static let typeAffinity: [FilterCase] = [
        .init(name: "no instance_type", host: host(["ssd": "true"]), spec: flavor("m1.tiny"), passes: true),
        .init(name: "listed flavor", host: host(["instance_type": "m1.small, m1.large"]), spec: flavor("m1.large"), passes: true),
        .init(name: "unlisted flavor", host: host(["instance_type": "m1.small,m1.large"]), spec: flavor("m1.tiny"), passes: false),
    ]

    @Test(arguments: typeAffinity) func aggregateTypeAffinity(_ c: FilterCase) throws {
        #expect(try check(AggregateTypeAffinityFilter(context: context()), c))
    }
}

@Suite struct CountFilterTests {
    @Test func ioOps() throws {
        let f = try IoOpsFilter(context: context())
        #expect(try f.filter(Make.host("h").ioOps(7).build(), Make.spec().build()).passed)
        #expect(try !f.filter(Make.host("h").ioOps(8).build(), Make.spec().build()).passed)
        let ten = try IoOpsFilter(context: context(["filter_scheduler.max_io_ops_per_host": "10"]))
        #expect(try ten.filter(Make.host("h").ioOps(9).build(), Make.spec().build()).passed)
    }

    @Test func aggregateIoOpsTakesTheMinimumAndFallsBack() throws {
        let f = try AggregateIoOpsFilter(context: context())
        let two = Make.host("h").ioOps(3).with { $0.aggregates = [agg(["max_io_ops_per_host": "5"]),
                                                                   agg(["max_io_ops_per_host": "3"], id: 2)] }
        #expect(try !f.filter(two.build(), Make.spec().build()).passed)
        #expect(try f.filter(two.ioOps(2).build(), Make.spec().build()).passed)
        let bad = Make.host("h").ioOps(7).aggregate(agg(["max_io_ops_per_host": "many"])).build()
        #expect(try f.filter(bad, Make.spec().build()).passed)  // unparsable → config default 8
    }

    @Test func numInstances() throws {
        let f = try NumInstancesFilter(context: context())
        #expect(try f.filter(Make.host("h").instances(49).build(), Make.spec().build()).passed)
        #expect(try !f.filter(Make.host("h").instances(50).build(), Make.spec().build()).passed)
        let a = try AggregateNumInstancesFilter(context: context())
        let h = Make.host("h").instances(4).aggregate(agg(["max_instances_per_host": "4"])).build()
        #expect(try !a.filter(h, Make.spec().build()).passed)
        #expect(try a.filter(Make.host("h").instances(49).build(), Make.spec().build()).passed)
    }

    /// nova's test_isolated_hosts_filter matrix: (restrict, image isolated, host isolated) → passes.
    static let isolated: [(Bool, Bool, Bool, Bool)] = [
        (true, false, false, true), (true, true, false, false), (true, false, true, false), (true, true, true, true),
        (false, false, false, true), (false, true, false, false), (false, false, true, true), (false, true, true, true),
    ]

    @Test(arguments: isolated) func isolatedHosts(_ restrict: Bool, _ imageIsolated: Bool, _ hostIsolated: Bool,
                                                  _ passes: Bool) throws {
        let f = try IsolatedHostsFilter(context: context([
            "filter_scheduler.isolated_hosts": "iso1,iso2", "filter_scheduler.isolated_images": "img-iso",
            "filter_scheduler.restrict_isolated_hosts_to_isolated_images": restrict ? "true" : "false"]))
        let host = Make.host(hostIsolated ? "iso1" : "plain").build()
        let spec = Make.spec().image(imageIsolated ? "img-iso" : "img-other").build()
        #expect(try f.filter(host, spec).passed == passes)
    }

    @Test func isolatedHostsWithoutIsolatedImages() throws {
        let f = try IsolatedHostsFilter(context: context(["filter_scheduler.isolated_hosts": "iso1"]))
        #expect(try !f.filter(Make.host("iso1").build(), Make.spec().build()).passed)
        #expect(try f.filter(Make.host("other").build(), Make.spec().build()).passed)
    }
}

@Suite struct QueryMetricsNUMAPCIFilterTests {
    static let queries: [(String, Bool)] = [
        (#"[">=", "$free_ram_mb", 1024]"#, true),
        (#"[">=", "$free_ram_mb", 100000]"#, false),
        (#"["and", [">=", "$free_ram_mb", 1024], ["<", "$num_instances", 1]]"#, true),
        (#"["or", [">=", "$free_ram_mb", 100000], ["=", "$host", "h1"]]"#, true),
        (#"["not", ["=", "$host", "h1"]]"#, false),
        (#"["in", "$host", "h0", "h1"]"#, true),
        (#"["=", "$hypervisor_type", "fake"]"#, true),
        (#"["=", "$nonexistent", 1]"#, false),
        ("not json", false),
    ]

    @Test(arguments: queries) func jsonFilter(_ query: String, _ passes: Bool) throws {
        let f = try JsonFilter(context: context())
        let spec = Make.spec().hint("query", query).build()
        #expect(try f.filter(Make.host("h1").with { $0.hypervisorType = "fake" }.build(), spec).passed == passes)
        #expect(try f.filter(Make.host("h1").build(), Make.spec().build()).passed)
    }

    @Test func metricsFilterWantsEveryConfiguredMetric() throws {
        let f = try MetricsFilter(context: context(["metrics.weight_setting": "cpu.percent=-1.0, mem.free=1.0"]))
        #expect(try f.filter(Make.host("h").metrics(["cpu.percent": 0.2, "mem.free": 10]).build(), Make.spec().build()).passed)
        #expect(try !f.filter(Make.host("h").metrics(["cpu.percent": 0.2]).build(), Make.spec().build()).passed)
        #expect(try MetricsFilter(context: context()).filter(Make.host("h").build(), Make.spec().build()).passed)
    }

    static func numaHost(cells: Int, cpus: Int = 8, ram: Int = 8192) -> HostState {
        Make.host("h").with { $0.numaTopology = .even(cells: cells, cpus: cpus, memoryMB: ram); $0.cpuAllocationRatio = 1 }
            .build()
    }
    static func numa(_ specs: [String: String], vcpus: Int = 4, ram: Int = 4096) -> RequestSpec {
        Make.spec(Make.flavor(vcpus: vcpus, ram: ram, extraSpecs: specs)).build()
    }

    static let numaCases: [FilterCase] = [
        .init(name: "no request", host: Make.host("h").build(), spec: numa([:]), passes: true),
        .init(name: "request, host without topology", host: Make.host("h").build(), spec: numa(["hw:numa_nodes": "1"]),
              passes: false),
        .init(name: "two nodes on two cells", host: numaHost(cells: 2), spec: numa(["hw:numa_nodes": "2"]), passes: true),
        .init(name: "two nodes on one cell", host: numaHost(cells: 1), spec: numa(["hw:numa_nodes": "2"]), passes: false),
        .init(name: "one node larger than a cell", host: numaHost(cells: 2), spec: numa(["hw:numa_nodes": "1"], vcpus: 6),
              passes: false),
        .init(name: "dedicated fits a cell", host: numaHost(cells: 2), spec: numa(["hw:cpu_policy": "dedicated"]), passes: true),
        .init(name: "memory beyond a cell", host: numaHost(cells: 2), spec: numa(["hw:numa_nodes": "1"], vcpus: 1, ram: 6000),
              passes: false),
    ]

    @Test(arguments: numaCases) func numaTopology(_ c: FilterCase) throws {
        #expect(try check(NUMATopologyFilter(context: context()), c))
    }

    @Test func pciPassthrough() throws {
        let f = try PciPassthroughFilter(context: context())
        let aliases = ["nic": [["vendor_id": "8086", "product_id": "154d"]]]
        func spec(_ s: String) -> RequestSpec {
            Make.spec().with { $0.pciRequests = PCIRequest.parse(s, aliases: aliases) }.build()
        }
        let host = Make.host("h").with { $0.pciPools = [PCIPool(vendorID: "8086", productID: "154d", count: 4)] }.build()
        #expect(try f.filter(host, spec("nic:2")).passed)
        #expect(try f.filter(host, spec("nic:4")).passed)
        #expect(try !f.filter(host, spec("nic:5")).passed)
        #expect(try !f.filter(host, spec("gpu:1")).passed)
        #expect(try !f.filter(Make.host("h").build(), spec("nic:1")).passed)
        #expect(try f.filter(Make.host("h").build(), Make.spec().build()).passed)
    }
}
