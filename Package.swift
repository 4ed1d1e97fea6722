// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "caravan",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "caravan", targets: ["caravan"]),
        .executable(name: "caravan-bench", targets: ["CaravanBench"]),
        .executable(name: "caravan-fuzz", targets: ["CaravanFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", exact: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", exact: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", exact: "1.21.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]
        ),
        .target(
            name: "CaravanModel",
            swiftSettings: strict
        ),
        .target(
            name: "CaravanFilter",
            dependencies: ["CaravanModel"],
            swiftSettings: strict
        ),
        .target(
            name: "CaravanEvents",
            dependencies: ["CaravanModel", "CaravanState", .product(name: "DequeModule", package: "swift-collections")],
            swiftSettings: strict
        ),
        .target(
            name: "CaravanHCL",
            swiftSettings: strict
        ),
        .target(
            name: "CaravanConfig",
            dependencies: ["CaravanHCL"],
            swiftSettings: strict
        ),
        .target(
            name: "CaravanACL",
            dependencies: ["CaravanHCL", "CaravanModel"],
            swiftSettings: strict
        ),
        .target(
            name: "CaravanAdmission",
            dependencies: ["CaravanACL", "CaravanModel", "CaravanState"],
            swiftSettings: strict
        ),
        .target(
            name: "CaravanCertificates",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CaravanRaft",
            swiftSettings: strict
        ),
        .target(
            name: "CaravanState",
            dependencies: [
                "CaravanModel",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HashTreeCollections", package: "swift-collections"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CaravanStorage",
            dependencies: ["CLZ4", "CaravanRaft"],
            swiftSettings: strict
        ),
        .target(
            name: "CaravanDurability",
            dependencies: ["CaravanRaft", "CaravanState", "CaravanStorage"],
            swiftSettings: strict
        ),
        .target(
            name: "CaravanCore",
            dependencies: ["CaravanAdmission", "CaravanDurability", "CaravanEvents", "CaravanModel", "CaravanRaft", "CaravanState", "CaravanStorage"],
            swiftSettings: strict
        ),
        .target(
            name: "CaravanServer",
            dependencies: [
                "CaravanConfig",
                "CaravanACL",
                "CaravanAdmission",
                "CaravanCertificates",
                "CaravanCore",
                "CaravanDurability",
                "CaravanEvents",
                "CaravanFilter",
                "CaravanModel",
                "CaravanState",
                "CaravanRaft",
                "CaravanStorage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CaravanSim",
            dependencies: [
                "CaravanAdmission",
                "CaravanCore",
                "CaravanDurability",
                "CaravanEvents",
                "CaravanModel",
                "CaravanRaft",
                "CaravanState",
                "CaravanStorage",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "caravan",
            dependencies: [
                "CaravanCertificates",
                "CaravanConfig",
                "CaravanCore",
                "CaravanDurability",
                "CaravanServer",
                "CaravanSim",
                "CaravanModel",
                "CaravanState",
                "CaravanRaft",
                "CaravanStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "CaravanBench",
            dependencies: [
                "CaravanDurability",
                "CaravanModel",
                "CaravanRaft",
                "CaravanState",
                "CaravanServer",
                "CaravanStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "CaravanFuzz",
            dependencies: ["CaravanTestSupport"],
            swiftSettings: strict
        ),
        .target(
            name: "CaravanTestSupport",
            dependencies: [
                "CaravanCertificates", "CaravanModel", "CaravanRaft", "CaravanState",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/CaravanTestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "CaravanDurabilityTests", dependencies: ["CaravanDurability", "CaravanRaft", "CaravanStorage"], swiftSettings: strict),
        .testTarget(name: "CaravanACLTests", dependencies: ["CaravanACL", "CaravanHCL"], swiftSettings: strict),
        .testTarget(name: "CaravanFilterTests", dependencies: ["CaravanFilter", "CaravanModel"], swiftSettings: strict),
        .testTarget(name: "CaravanConfigTests", dependencies: ["CaravanConfig", "CaravanHCL"], swiftSettings: strict),
        .testTarget(name: "CaravanHCLTests", dependencies: ["CaravanHCL"], swiftSettings: strict),
        .testTarget(
            name: "CaravanEventsTests", dependencies: ["CaravanEvents", "CaravanModel", "CaravanState", "CaravanTestSupport"], swiftSettings: strict),
        .testTarget(name: "CaravanModelTests", dependencies: ["CaravanModel"], swiftSettings: strict),
        .testTarget(name: "CaravanRaftTests", dependencies: ["CaravanRaft", "CaravanTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "CaravanCoreTests", dependencies: ["CaravanCore", "CaravanAdmission", "CaravanDurability", "CaravanRaft"], swiftSettings: strict),
        .testTarget(
            name: "CaravanSimTests", dependencies: ["CaravanSim", "CaravanDurability", "CaravanEvents", "CaravanModel", "CaravanState", "CaravanStorage", "CaravanTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "CaravanStorageTests",
            dependencies: ["CaravanStorage", "CaravanRaft", "CaravanTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AcceptanceTests",
            dependencies: [
                "CaravanAdmission", "CaravanCore", "CaravanModel", "CaravanRaft", "CaravanServer", "CaravanState", "CaravanStorage",
                "CaravanTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CaravanStateTests",
            dependencies: [
                "CaravanState", "CaravanModel", "CaravanTestSupport", .product(name: "HashTreeCollections", package: "swift-collections"),
            ],
            resources: [],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CaravanServerTests",
            dependencies: [
                "CaravanAdmission",
                "CaravanCore",
                "CaravanServer",
                "CaravanDurability",
                "CaravanEvents",
                "CaravanRaft",
                "CaravanStorage",
                "CaravanState",
                "CaravanModel",
                "CaravanTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
    ]
)
