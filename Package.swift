// swift-tools-version: 6.1
//
// The package is layered: wire types and codecs → session crypto → TLS → bus →
// gateway / link manager → tools. Executables are thin wrappers over libraries.
import PackageDescription

/// Settings every library target of ours shares: no C type in a public signature.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "swift-p2p",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "P2PErrors", targets: ["P2PErrors"]),
        .library(name: "P2PDurableStorage", targets: ["P2PDurableStorage"]),
        .library(name: "P2PIdentity", targets: ["P2PIdentity"]),
        .library(name: "P2PWire", targets: ["P2PWire"]),
        .library(name: "P2PCrypto", targets: ["P2PCrypto"]),
        .library(name: "P2PSession", targets: ["P2PSession"]),
        .library(name: "P2PBus", targets: ["P2PBus"]),
        .library(name: "P2PBusJetStream", targets: ["P2PBusJetStream"]),
        .library(name: "P2PTestSupport", targets: ["P2PTestSupport"]),
        .library(name: "P2PX509", targets: ["P2PX509"]),
        .library(name: "P2PTLS", targets: ["P2PTLS"]),
        .library(name: "P2PMembership", targets: ["P2PMembership"]),
        .library(name: "P2PSetup", targets: ["P2PSetup"]),
        .library(name: "P2PLinkManager", targets: ["P2PLinkManager"]),
        .library(name: "P2PGateway", targets: ["P2PGateway"]),
        .executable(name: "p2p", targets: ["p2p"]),
        .library(name: "P2PWorkers", targets: ["P2PWorkers"]),
        .library(name: "P2PHTTPServer", targets: ["P2PHTTPServer"]),
        .library(name: "P2PBootstrap", targets: ["P2PBootstrap"]),
        .library(name: "P2PMetrics", targets: ["P2PMetrics"]),
        .library(name: "P2PNetworkMap", targets: ["P2PNetworkMap"]),
        .library(name: "P2PDoorman", targets: ["P2PDoorman"]),
        .library(name: "P2PSimulator", targets: ["P2PSimulator"]),
        .executable(name: "p2p-gateway", targets: ["p2p-gateway"]),
        .executable(name: "p2p-link-manager", targets: ["p2p-link-manager"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // MARK: - C libraries (system modules found by pkg-config)
        .systemLibrary(
            name: "CSodium", path: "CModules/CSodium", pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(
            name: "COpenSSL", path: "CModules/COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CLZ4", path: "CModules/CLZ4", pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(
            name: "CNATS", path: "CModules/CNATS", pkgConfig: "libnats",
            providers: [.apt(["libnats-dev"])]),

        // MARK: - Wire types and codecs
        .target(
            name: "P2PErrors",
            swiftSettings: strict),
        .target(
            name: "P2PDurableStorage",
            dependencies: ["P2PErrors"],
            swiftSettings: strict),
        .target(
            name: "P2PIdentity",
            dependencies: ["P2PErrors"],
            swiftSettings: strict),
        .target(
            name: "P2PWire",
            dependencies: [
                "P2PErrors",
                "P2PIdentity", "CLZ4",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),

        // MARK: - Session crypto
        .target(
            name: "P2PCrypto",
            dependencies: ["P2PErrors", "CSodium"],
            swiftSettings: strict),
        .target(
            name: "P2PSession",
            dependencies: ["P2PErrors", "P2PCrypto"],
            swiftSettings: strict),

        // MARK: - Bus
        .target(
            name: "P2PBus",
            dependencies: ["P2PErrors"],
            swiftSettings: strict),
        .target(
            name: "P2PBusJetStream",
            dependencies: ["P2PBus", "CNATS"],
            swiftSettings: strict),
        .target(
            name: "P2PTestSupport",
            dependencies: ["P2PBus", "CNATS"],
            swiftSettings: strict),

        // MARK: - TLS and certificates
        .target(
            name: "P2PX509",
            dependencies: ["P2PErrors", "COpenSSL"],
            swiftSettings: strict),
        .target(
            name: "P2PTLS",
            dependencies: [
                "P2PErrors",
                "P2PX509", "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // MARK: - Membership, keys and configuration
        .target(
            name: "P2PMembership",
            dependencies: ["P2PIdentity", "P2PCrypto", "P2PX509", "P2PBus", "CSodium"],
            swiftSettings: strict),
        .target(
            name: "P2PSetup",
            dependencies: ["P2PMembership", "P2PIdentity", "P2PX509", "P2PBus"],
            swiftSettings: strict),

        // MARK: - Link manager
        .target(
            name: "P2PLinkManager",
            dependencies: ["P2PErrors", "P2PIdentity", "P2PWire", "P2PMembership"],
            swiftSettings: strict),

        // MARK: - Gateway
        .target(
            name: "P2PGateway",
            dependencies: [
                "P2PErrors",
                "P2PWire", "P2PBus", "P2PMembership",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict),

        // MARK: - Embedded cluster
        .target(
            name: "P2PLinkManagerService",
            dependencies: [
                "P2PErrors",
                "P2PLinkManager", "P2PSession", "P2PCrypto", "P2PWire", "P2PIdentity", "P2PMembership", "P2PBus",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .target(
            name: "P2PCluster",
            dependencies: [
                "P2PLinkManagerService", "P2PBootstrap", "P2PLinkManager", "P2PGateway", "P2PTLS", "P2PX509", "P2PSetup",
                "P2PMembership", "P2PBus", "P2PWire", "P2PIdentity", "P2PCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // MARK: - Metrics
        .target(
            name: "P2PBootstrap",
            dependencies: ["P2PDurableStorage", "P2PErrors", "P2PSetup", "P2PMembership", "P2PX509", "P2PIdentity", "P2PNetworkMap"],
            swiftSettings: strict),
        .target(
            name: "P2PHTTPServer",
            dependencies: [
                "P2PErrors",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .target(
            name: "P2PMetrics",
            dependencies: [
                "P2PErrors",
                "P2PCluster", "P2PLinkManagerService", "P2PHTTPServer",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict),

        // MARK: - Network map
        .target(
            name: "P2PNetworkMap",
            dependencies: [
                "P2PDurableStorage",
                "P2PErrors", "P2PSetup", "P2PMembership", "P2PIdentity", "P2PX509", "P2PCrypto", "P2PBus", "P2PHTTPServer", "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict),

        // MARK: - Doorman
        .target(
            name: "P2PDoorman",
            dependencies: [
                "P2PDurableStorage",
                "P2PErrors",
                "P2PX509", "P2PIdentity", "P2PHTTPServer", "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict),

        // MARK: - App simulator
        .target(
            name: "P2PSimulator",
            dependencies: [
                "P2PErrors", "P2PIdentity", "P2PBus", "P2PLinkManager",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // MARK: - Tools
        .target(
            name: "P2PCLI",
            dependencies: [
                "P2PIdentity", "P2PWire", "P2PBus", "P2PBusJetStream", "P2PX509", "P2PMembership", "P2PSetup",
                "P2PCluster", "P2PLinkManagerService", "P2PMetrics", "P2PBootstrap", "P2PDoorman", "P2PNetworkMap",
                "P2PSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "p2p",
            dependencies: [
                "P2PCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        // MARK: - Distributed workers
        .target(
            name: "P2PWorkers",
            dependencies: [
                "P2PCluster", "P2PLinkManagerService", "P2PGateway", "P2PBus", "P2PBusJetStream", "P2PMembership",
                "P2PIdentity", "P2PMetrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "p2p-gateway",
            dependencies: [
                "P2PWorkers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "p2p-link-manager",
            dependencies: [
                "P2PWorkers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        // MARK: - Tests
        .testTarget(
            name: "CModulesSmokeTests",
            dependencies: ["CSodium", "COpenSSL", "CLZ4", "CNATS"]),
        .testTarget(
            name: "P2PIdentityTests",
            dependencies: ["P2PIdentity", "P2PTestSupport"]),
        .testTarget(
            name: "P2PWireTests",
            dependencies: [
                "P2PWire", "P2PIdentity", "P2PTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]),
        .testTarget(
            name: "P2PCryptoTests",
            dependencies: ["P2PCrypto"]),
        .testTarget(
            name: "P2PSessionTests",
            dependencies: ["P2PSession", "P2PCrypto"]),
        .testTarget(
            name: "P2PBusTests",
            dependencies: ["P2PBus", "P2PTestSupport"]),
        .testTarget(
            name: "P2PBusJetStreamTests",
            dependencies: ["P2PBus", "P2PBusJetStream", "P2PTestSupport", "CNATS"]),
        .testTarget(
            name: "P2PX509Tests",
            dependencies: [
                "P2PX509", "P2PCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(
            name: "P2PTLSTests",
            dependencies: [
                "P2PTLS", "P2PX509",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "P2PMembershipTests",
            dependencies: ["P2PMembership", "P2PIdentity", "P2PCrypto", "P2PX509", "P2PBus"]),
        .testTarget(
            name: "P2PSetupTests",
            dependencies: [
                "P2PSetup", "P2PMembership", "P2PIdentity", "P2PCrypto", "P2PX509", "P2PBus", "P2PBusJetStream",
                "P2PTestSupport",
            ]),
        .testTarget(
            name: "P2PLinkManagerTests",
            dependencies: [
                "P2PLinkManager", "P2PLinkManagerService", "P2PTestSupport", "P2PIdentity", "P2PWire", "P2PSession", "P2PCrypto",
                "P2PMembership",
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .testTarget(
            name: "P2PGatewayTests",
            dependencies: [
                "P2PGateway", "P2PWire", "P2PBus", "P2PMembership", "P2PTestSupport", "P2PTLS", "P2PX509",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
            .testTarget(
            name: "P2PClusterTests",
            dependencies: [
                "P2PCluster", "P2PLinkManagerService", "P2PLinkManager", "P2PIdentity", "P2PBus", "P2PMembership",
            ]),
        .testTarget(
            name: "P2PWorkersTests",
            dependencies: [
                "P2PWorkers", "P2PCluster", "P2PLinkManagerService", "P2PLinkManager", "P2PIdentity", "P2PBus",
                "P2PBusJetStream", "P2PMembership", "P2PTestSupport",
            ]),
        .testTarget(
            name: "P2PBootstrapTests",
            dependencies: [
                "P2PBootstrap", "P2PCluster", "P2PSetup", "P2PMembership", "P2PX509", "P2PIdentity", "P2PBus", "P2PLinkManager",
                "P2PLinkManagerService", "P2PNetworkMap", "P2PTestSupport",
            ]),
        .testTarget(
            name: "P2PDurableStorageTests",
            dependencies: ["P2PDurableStorage"]),
        .testTarget(
            name: "P2PHTTPServerTests",
            dependencies: [
                "P2PHTTPServer", "P2PTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        .testTarget(
            name: "P2PMetricsTests",
            dependencies: [
                "P2PMetrics", "P2PCluster", "P2PLinkManagerService", "P2PLinkManager", "P2PIdentity", "P2PBus",
                "P2PMembership", "P2PTestSupport",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        .testTarget(
            name: "P2PNetworkMapTests",
            dependencies: [
                "P2PNetworkMap", "P2PSetup", "P2PMembership", "P2PIdentity", "P2PX509", "P2PCrypto", "P2PBus",
                "P2PBusJetStream", "P2PTestSupport",
            ]),
        .testTarget(
            name: "P2PDoormanTests",
            dependencies: [
                "P2PDoorman", "P2PX509", "P2PIdentity", "P2PCLI", "P2PTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
            .testTarget(
            name: "P2PSimulatorTests",
            dependencies: [
                "P2PSimulator", "P2PBus", "P2PBusJetStream", "P2PCluster", "P2PIdentity", "P2PLinkManager",
                "P2PMembership", "P2PLinkManagerService", "P2PTestSupport",
            ]),
    ]
)
