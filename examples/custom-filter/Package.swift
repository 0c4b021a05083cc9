// swift-tools-version:6.2
import PackageDescription

// A custom `nimbus` with one extra filter and one extra weigher, built against the Nimbus package.
let package = Package(
    name: "CustomFilter",
    platforms: [.macOS(.v15)],
    products: [.executable(name: "custom-nimbus", targets: ["custom-nimbus"])],
    dependencies: [.package(name: "Nimbus", path: "../..")],
    targets: [
        // A plugin imports only the kernel, like the in-tree ones.
        .target(name: "MaintenancePlugins", dependencies: [.product(name: "NimbusKernel", package: "Nimbus")]),
        .executableTarget(
            name: "custom-nimbus",
            dependencies: [
                "MaintenancePlugins",
                .product(name: "NimbusDaemons", package: "Nimbus"),
                .product(name: "BuiltinPlugins", package: "Nimbus"),
                .product(name: "NimbusKernel", package: "Nimbus"),
            ]
        ),
        .testTarget(
            name: "MaintenancePluginsTests",
            dependencies: [
                "MaintenancePlugins",
                .product(name: "NimbusKernel", package: "Nimbus"),
                .product(name: "NimbusKernelTestKit", package: "Nimbus"),
                .product(name: "BuiltinPlugins", package: "Nimbus"),
                .product(name: "NimbusScheduler", package: "Nimbus"),
                .product(name: "NimbusStore", package: "Nimbus"),
            ]
        ),
    ]
)
