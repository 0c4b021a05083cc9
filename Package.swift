// swift-tools-version:6.2
import PackageDescription

// One list of dependencies; every target gets the same strict settings (see the loop at the end).
let package = Package(
    name: "Nimbus",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nimbus", targets: ["nimbus"]),
        .library(name: "NimbusKernel", targets: ["NimbusKernel"]),
        .library(name: "NimbusKernelTestKit", targets: ["NimbusKernelTestKit"]),
        .library(name: "NimbusDaemons", targets: ["NimbusDaemons"]),
        .library(name: "BuiltinPlugins", targets: ["BuiltinPlugins"]),
        // For out-of-tree plugin packages' tests (examples/custom-filter) that schedule against a store.
        .library(name: "NimbusScheduler", targets: ["NimbusScheduler"]),
        .library(name: "NimbusStore", targets: ["NimbusStore"]),
        .library(name: "ZeroMQTransport", targets: ["ZeroMQTransport"]),
        .executable(name: "nimbus-bench-rpc", targets: ["nimbus-bench-rpc"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration", exact: "1.4.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", exact: "2.8.1"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        // x509 keypairs (Nova generates a certificate before 2.92); already in the graph through swift-nio-ssl.
        .package(url: "https://github.com/apple/swift-certificates", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", exact: "1.7.4"),
        // The PostgreSQL store engine ([database] connection = postgresql://…).
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
    ],
    targets: [
        // MARK: kernel and test kit
        .target(
            name: "NimbusKernel",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(name: "NimbusKernelTestKit", dependencies: ["NimbusKernel"]),
        .target(name: "NimbusJSON"),

        // MARK: services
        .target(
            name: "NimbusStore",
            dependencies: [
                "NimbusKernel", "MetadataDocuments",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),  // console tokens are kept as SHA-256
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "NimbusStorePostgres",
            dependencies: [
                "NimbusKernel", "NimbusStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "NimbusRPC",
            dependencies: [
                "NimbusKernel",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // RPC contracts: one small module per RPC API (descriptors, argument/reply types, version, typed
        // client). Services import these, never one another.
        .target(name: "SchedulerRPC", dependencies: ["NimbusKernel", "NimbusRPC"]),
        .target(name: "ConductorRPC", dependencies: ["NimbusKernel", "NimbusRPC"]),
        .target(name: "ComputeRPC", dependencies: ["NimbusKernel", "NimbusRPC", "MetadataDocuments"]),
        // Nova's side of the Networking v2.0 API: an HTTP client and a Keystone password login (like a contract
        // module: the API and conductor talk to the networking service through it, never through its store).
        .target(name: "NeutronClient", dependencies: ["NimbusKernel", "NimbusJSON"]),
        .target(
            name: "NimbusScheduler",
            dependencies: [
                "NimbusKernel", "NimbusStore", "NimbusRPC", "SchedulerRPC",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "NimbusConductor",
            dependencies: [
                "NimbusKernel", "NimbusStore", "NimbusRPC", "ConductorRPC", "SchedulerRPC", "ComputeRPC", "NeutronClient", "NimbusJSON",
                "MetadataDocuments",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "NimbusCompute",
            dependencies: [
                "NimbusKernel", "NimbusRPC", "ComputeRPC", "ConductorRPC", "MetadataDocuments", "NeutronClient", "NimbusJSON",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "NimbusAPI",
            dependencies: [
                "NimbusKernel", "NimbusStore", "NimbusRPC", "ConductorRPC", "ComputeRPC", "NimbusJSON", "NeutronClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // Built-in Identity v3 (a Keystone subset) and Image v2 (a Glance subset); see docs/identity.md.
        .target(
            name: "NimbusIdentity",
            dependencies: [
                "NimbusKernel", "NimbusStore", "NimbusJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "NimbusImage",
            dependencies: [
                "NimbusKernel", "NimbusStore", "NimbusJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Built-in Networking v2 (a Neutron subset); see docs/network.md.
        .target(
            name: "NimbusNetwork",
            dependencies: [
                "NimbusKernel", "NimbusStore", "NimbusJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Metadata documents (OpenStack and EC2 trees) from plain values: one source for the metadata service and
        // the config drive.
        .target(name: "MetadataDocuments", dependencies: ["NimbusKernel", "NimbusJSON"]),
        // nimbus metadata (nova-api-metadata): identifies the guest, serves MetadataDocuments.
        .target(
            name: "NimbusMetadata",
            dependencies: [
                "NimbusKernel", "NimbusStore", "MetadataDocuments",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Console proxies (nimbus novncproxy / serialproxy): websocket to the compute's VNC or serial TCP port.
        .target(
            name: "NimbusConsole",
            dependencies: [
                "NimbusKernel", "NimbusStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "NimbusDaemons",
            dependencies: [
                "NimbusKernel", "NimbusStore", "NimbusRPC", "NimbusScheduler", "NimbusConductor",
                "NimbusCompute", "NimbusAPI", "NimbusIdentity", "NimbusImage", "NimbusNetwork", "SchedulerRPC", "ConductorRPC",
                "ComputeRPC", "NeutronClient", "NimbusConsole", "NimbusStorePostgres", "NimbusMetadata", "MetadataDocuments",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "BuiltinPlugins",
            dependencies: [
                "NimbusKernel", "StandardFilters", "StandardWeighers", "FakeVirtDriver", "LibvirtVirtDriver", "InProcessTransport",
                "ZeroMQTransport", "FakeNetworkBackend", "LinuxBridgeNetworkBackend",
            ]
        ),
        .executableTarget(name: "nimbus", dependencies: ["NimbusDaemons", "BuiltinPlugins"]),

        // MARK: plugins (ordinary library targets; each imports only the kernel)
        .target(name: "StandardFilters", dependencies: ["NimbusKernel"], path: "Plugins/Filters/StandardFilters"),
        .target(name: "StandardWeighers", dependencies: ["NimbusKernel"], path: "Plugins/Weighers/StandardWeighers"),
        .target(
            name: "FakeVirtDriver",
            // NIO: the fake guests' VNC and serial console servers.
            dependencies: ["NimbusKernel", .product(name: "Logging", package: "swift-log"),
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            path: "Plugins/VirtDrivers/FakeVirtDriver"
        ),
        .systemLibrary(name: "CLibvirt", path: "Plugins/VirtDrivers/CLibvirt", pkgConfig: "libvirt",
                       providers: [.apt(["libvirt-dev"])]),
        .target(
            name: "LibvirtVirtDriver",
            dependencies: ["NimbusKernel", "CLibvirt", .product(name: "Logging", package: "swift-log")],
            path: "Plugins/VirtDrivers/LibvirtVirtDriver"
        ),
        .target(name: "FakeNetworkBackend", dependencies: ["NimbusKernel"], path: "Plugins/NetworkBackends/FakeNetworkBackend"),
        .target(
            name: "LinuxBridgeNetworkBackend",
            dependencies: ["NimbusKernel", .product(name: "Logging", package: "swift-log")],
            path: "Plugins/NetworkBackends/LinuxBridgeNetworkBackend"
        ),
        .target(
            name: "InProcessTransport",
            dependencies: ["NimbusKernel", .product(name: "Logging", package: "swift-log")],
            path: "Plugins/Transports/InProcessTransport"
        ),
        // libzmq through a system-library target (Debian: libzmq3-dev, installed by `make deps` / CI).
        .systemLibrary(
            name: "CZeroMQ", path: "Plugins/Transports/CZeroMQ", pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        .target(
            name: "ZeroMQTransport",
            dependencies: ["NimbusKernel", "CZeroMQ", .product(name: "Logging", package: "swift-log")],
            path: "Plugins/Transports/ZeroMQTransport"
        ),
        // RPC round trip / cast throughput over ZeroMQ, beside a raw libzmq echo (see docs/zeromq.md).
        .executableTarget(
            name: "nimbus-bench-rpc",
            dependencies: ["NimbusKernel", "NimbusRPC", "ZeroMQTransport", "CZeroMQ",
                           .product(name: "Logging", package: "swift-log")]
        ),

        // MARK: tests
        .testTarget(
            name: "NimbusKernelTests",
            dependencies: ["NimbusKernel", "NimbusKernelTestKit", "BuiltinPlugins",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "NimbusStoreTests", dependencies: ["NimbusKernel", "NimbusKernelTestKit", "NimbusStore"]),
        .testTarget(name: "StoreConformanceTests",
                    dependencies: ["NimbusKernel", "NimbusKernelTestKit", "NimbusStore", "NimbusStorePostgres"]),
        .testTarget(
            name: "NimbusRPCTests",
            dependencies: ["NimbusKernel", "NimbusKernelTestKit", "NimbusRPC", "InProcessTransport",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "PluginTests",
            dependencies: ["NimbusKernel", "NimbusKernelTestKit", "FakeVirtDriver", "InProcessTransport",
                           "StandardFilters", "StandardWeighers", "NimbusScheduler",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "ZeroMQTransportTests",
            dependencies: ["NimbusKernel", "NimbusKernelTestKit", "ZeroMQTransport", "CZeroMQ", "NimbusRPC",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "SchedulerTests",
            dependencies: ["NimbusKernel", "NimbusKernelTestKit", "StandardFilters", "StandardWeighers",
                           "NimbusScheduler", "NimbusStore", "NimbusDaemons", "BuiltinPlugins",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "LibvirtDriverTests",
            dependencies: ["NimbusKernel", "NimbusKernelTestKit", "LibvirtVirtDriver", "CLibvirt",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "IdentityTests",
            dependencies: ["NimbusKernel", "NimbusKernelTestKit", "NimbusStore", "NimbusIdentity",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
        .testTarget(
            name: "ImageTests",
            dependencies: ["NimbusKernel", "NimbusKernelTestKit", "NimbusStore", "NimbusImage",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "NetworkTests",
            dependencies: ["NimbusKernel", "NimbusKernelTestKit", "NimbusStore", "NimbusNetwork",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
        .testTarget(
            name: "MetadataTests",
            dependencies: ["NimbusKernel", "NimbusKernelTestKit", "NimbusStore", "NimbusMetadata", "MetadataDocuments",
                           "NimbusJSON", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "NetworkBackendTests",
            dependencies: ["NimbusKernel", "NimbusKernelTestKit", "LinuxBridgeNetworkBackend",
                           .product(name: "Logging", package: "swift-log")]
        ),
        // The one test cloud (an all-in-one over real HTTP) of ComputeAPITests and EndToEndTests.
        .target(
            name: "NimbusTestCloud",
            dependencies: ["NimbusKernel", "NimbusKernelTestKit", "NimbusDaemons", "NimbusStore", "BuiltinPlugins",
                           .product(name: "Logging", package: "swift-log")],
            path: "Tests/NimbusTestCloud"
        ),
        .testTarget(
            name: "ComputeAPITests",
            dependencies: [
                "NimbusKernel", "NimbusKernelTestKit", "NimbusTestCloud", "NimbusDaemons", "BuiltinPlugins", "NimbusStore",
                "NimbusAPI", "NimbusJSON", "NimbusConductor",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        // Golden wire fixtures of every RPC method (Fixtures/<api>/<method>.json; NIMBUS_UPDATE_FIXTURES=1 rewrites).
        .testTarget(
            name: "RPCContractTests",
            dependencies: ["NimbusKernel", "NimbusRPC", "SchedulerRPC", "ConductorRPC", "ComputeRPC",
                           "InProcessTransport", .product(name: "Logging", package: "swift-log")],
            exclude: ["Fixtures"]
        ),
        // The compute service and manager against a fake conductor on the in-process bus (fake virt driver).
        .testTarget(
            name: "NimbusComputeTests",
            dependencies: ["NimbusKernel", "NimbusKernelTestKit", "NimbusRPC", "ComputeRPC", "ConductorRPC",
                           "NimbusCompute", "FakeVirtDriver", "InProcessTransport",
                           .product(name: "Logging", package: "swift-log")]
        ),
        // The conductor with a real store, against fake scheduler and compute peers on the in-process bus.
        .testTarget(
            name: "NimbusConductorTests",
            dependencies: ["NimbusKernel", "NimbusKernelTestKit", "NimbusRPC", "NimbusStore", "SchedulerRPC",
                           "ComputeRPC", "ConductorRPC", "NimbusConductor", "InProcessTransport",
                           .product(name: "Logging", package: "swift-log")]
        ),
        // The console proxies end to end: API URL → all-in-one proxy → the fake guest's RFB server / serial port.
        .testTarget(
            name: "ConsoleProxyTests",
            dependencies: [
                "NimbusKernel", "NimbusKernelTestKit", "NimbusTestCloud", "NimbusDaemons", "NimbusStore", "NimbusConsole",
                "LibvirtVirtDriver",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Starts `nimbus` processes (built by `make test` before the tests run).
        .testTarget(name: "IntegrationTests", dependencies: ["NimbusKernel", "NimbusKernelTestKit"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "NimbusKernel", "NimbusKernelTestKit", "NimbusTestCloud", "NimbusDaemons", "BuiltinPlugins", "NimbusStore",
                "FakeNetworkBackend",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)

for target in package.targets where target.type != .system {  // system libraries take no settings
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
