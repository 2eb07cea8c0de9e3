// swift-tools-version: 6.1
//
// Micro benchmarks of the core, measuring time and allocations (ordo-one package-benchmark).
// Run from this folder: `swift package --disable-sandbox benchmark`.
import PackageDescription

let benchmark: Target.Dependency = .product(name: "Benchmark", package: "benchmark")
let plugin: Target.PluginUsage = .plugin(name: "BenchmarkPlugin", package: "benchmark")

let package = Package(
    name: "swift-p2p-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-p2p", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "WireBenchmarks",
            dependencies: [
                benchmark,
                .product(name: "P2PWire", package: "swift-p2p"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/WireBenchmarks",
            plugins: [plugin]),
        .executableTarget(
            name: "SessionBenchmarks",
            dependencies: [
                benchmark, "CSodiumBench",
                .product(name: "P2PCrypto", package: "swift-p2p"),
                .product(name: "P2PSession", package: "swift-p2p"),
            ],
            path: "Benchmarks/SessionBenchmarks",
            exclude: ["CSodiumBench"],
            plugins: [plugin]),
        .executableTarget(
            name: "LinkManagerBenchmarks",
            dependencies: [
                benchmark,
                .product(name: "P2PIdentity", package: "swift-p2p"),
                .product(name: "P2PWire", package: "swift-p2p"),
                .product(name: "P2PLinkManager", package: "swift-p2p"),
            ],
            path: "Benchmarks/LinkManagerBenchmarks",
            plugins: [plugin]),
        // libsodium called directly, for the raw figures next to SessionBenchmarks' own.
        .systemLibrary(
            name: "CSodiumBench", path: "Benchmarks/SessionBenchmarks/CSodiumBench", pkgConfig: "libsodium"),
        .executableTarget(
            name: "BusBenchmarks",
            dependencies: [
                benchmark,
                .product(name: "P2PBus", package: "swift-p2p"),
                .product(name: "P2PBusJetStream", package: "swift-p2p"),
                .product(name: "P2PTestSupport", package: "swift-p2p"),
            ],
            path: "Benchmarks/BusBenchmarks",
            plugins: [plugin]),
        .executableTarget(
            name: "TLSBenchmarks",
            dependencies: [
                benchmark,
                .product(name: "P2PTLS", package: "swift-p2p"),
                .product(name: "P2PX509", package: "swift-p2p"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/TLSBenchmarks",
            plugins: [plugin]),
        .executableTarget(
            name: "GatewayBenchmarks",
            dependencies: [
                benchmark,
                .product(name: "P2PGateway", package: "swift-p2p"),
                .product(name: "P2PWire", package: "swift-p2p"),
                .product(name: "P2PBus", package: "swift-p2p"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/GatewayBenchmarks",
            plugins: [plugin]),
    ]
)
