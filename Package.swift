// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "cityfeeds",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cityfeedsd", targets: ["CityFeedsd"]),
        .executable(name: "cityfeeds-loadgen", targets: ["LoadGenerator"]),
        .executable(name: "cityfeeds-bench-store", targets: ["StoreBenchmark"]),
        .executable(name: "cityfeeds-bench-alerts", targets: ["AlertLatencyBenchmark"]),
        .executable(name: "cityfeeds-fuzz-payloads", targets: ["FuzzPayloads"]),
        .executable(name: "cityfeeds-fuzz-requests", targets: ["FuzzRequests"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // C libraries, each imported by exactly one Swift file.
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),

        // The vocabulary every module shares: readings, sensors, metrics, time.
        .target(name: "FeedCore", swiftSettings: swiftSettings),

        // MQTT session, payload codecs and validation: raw messages in, readings out.
        .target(
            name: "Ingest",
            dependencies: [
                "FeedCore", "CMosquitto", "Storage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),

        // A thin, typed wrapper over the SQLite C API.
        .target(name: "Storage", dependencies: ["CSQLite"], swiftSettings: swiftSettings),

        // Durable readings (SQLite) and their in-memory series.
        .target(
            name: "TimeSeries",
            dependencies: ["FeedCore", "Storage"],
            swiftSettings: swiftSettings
        ),

        // Pure domain logic: car-park availability, bathing-water status, discharge alerts.
        .target(name: "Parking", dependencies: ["FeedCore"], swiftSettings: swiftSettings),
        .target(name: "Beaches", dependencies: ["FeedCore"], swiftSettings: swiftSettings),

        // The alert engine with its journal (SQLite), JSON Lines log and live subscribers.
        .target(
            name: "Alerts",
            dependencies: ["FeedCore", "Beaches", "Storage", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),

        // A plain-socket client for the daemon's own HTTP API and its Server-Sent Events stream.
        .target(name: "EventStream", swiftSettings: swiftSettings),

        // What clients send besides the path (query parameters, bodies), checked and read into the domain's
        // types; apart from the server so that it can be fuzzed on its own.
        .target(
            name: "RequestParsing",
            dependencies: ["FeedCore", "Parking", "Beaches", "Alerts", "TimeSeries"],
            swiftSettings: swiftSettings
        ),

        // libFuzzer targets (scripts/fuzz.sh); built normally, they replay input files.
        .target(name: "FuzzSupport", swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzPayloads", dependencies: ["FeedCore", "Ingest", "FuzzSupport", "TestSupport"],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzRequests", dependencies: ["FeedCore", "Alerts", "RequestParsing", "FuzzSupport"],
            swiftSettings: swiftSettings),

        // The daemon's core: configuration, the ingest-to-store step, the city's status as domain values, alert
        // services, reload, replay and the simulator. Knows nothing of HTTP.
        .target(
            name: "CityCore",
            dependencies: [
                "FeedCore", "Ingest", "Storage", "TimeSeries", "Parking", "Beaches", "Alerts", "RequestParsing",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings
        ),

        // The HTTP API: the contract (openapi.yaml), routes, documents, the snapshot cache, the polled fast path
        // and the alert stream on the event loop.
        .target(
            name: "CityAPI",
            dependencies: [
                "CityCore", "CityPage", "FeedCore", "Ingest", "TimeSeries", "Parking", "Beaches", "Alerts",
                "RequestParsing", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.embedInCode("openapi.yaml")],
            swiftSettings: swiftSettings,
            plugins: ["ContractTypes"]
        ),

        // The public page for residents and visitors: HTML rendered on the server from the city's status
        // (Mustache templates, French and English wording, a style sheet and a small script, all resources).
        .target(
            name: "CityPage",
            dependencies: [
                "CityCore", "FeedCore", "Parking", "Beaches", "Alerts",
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [
                .embedInCode("Templates/layout.mustache"), .embedInCode("Templates/home.mustache"),
                .embedInCode("Templates/beach.mustache"), .embedInCode("Templates/carpark.mustache"),
                .embedInCode("Templates/beachCard.mustache"), .embedInCode("Templates/carParkRow.mustache"),
                .embedInCode("Wording/fr.json"), .embedInCode("Wording/en.json"),
                .embedInCode("Assets/page.css"), .embedInCode("Assets/live.js"),
            ],
            swiftSettings: swiftSettings
        ),

        // Writes the contract's document types from openapi.yaml at build time (the ContractTypes plugin).
        .executableTarget(
            name: "ContractGenerator",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .plugin(name: "ContractTypes", capability: .buildTool(), dependencies: ["ContractGenerator"]),

        // The executable: arguments, logging and metrics bootstrap, and the composition root.
        .executableTarget(
            name: "CityFeedsd",
            dependencies: [
                "CityCore", "CityAPI", "FeedCore", "Ingest", "Storage", "TimeSeries", "Parking", "Alerts",
                "EventStream",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings
        ),

        // Benchmark load: numbered readings published as fast as the broker takes them.
        .executableTarget(
            name: "LoadGenerator",
            dependencies: [
                "FeedCore", "Ingest", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // Benchmark of event-to-alert latency: MQTT in, Server-Sent Events out (benchmarks/alert-latency.sh).
        .executableTarget(
            name: "AlertLatencyBenchmark",
            dependencies: [
                "FeedCore", "Ingest", "EventStream", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // Benchmark of the time-series store (benchmarks/store.sh).
        .executableTarget(
            name: "StoreBenchmark",
            dependencies: ["FeedCore", "Storage", "TimeSeries"],
            swiftSettings: swiftSettings
        ),

        // Helpers for tests: a real mosquitto broker on a free loopback port, the real data sets' files.
        .target(name: "TestSupport", dependencies: ["Ingest"], swiftSettings: swiftSettings),

        .testTarget(
            name: "IngestTests",
            dependencies: ["Ingest", "FeedCore", "TestSupport", .product(name: "Logging", package: "swift-log")],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TimeSeriesTests",
            dependencies: ["TimeSeries", "FeedCore", "Storage", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AlertsTests",
            dependencies: [
                "Alerts", "Beaches", "FeedCore", "Storage", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DomainTests",
            dependencies: [
                "Parking", "Beaches", "Alerts", "FeedCore", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CityFeedsdTests",
            dependencies: [
                "CityFeedsd", "CityCore", "CityAPI", "Ingest", "FeedCore", "Parking", "Beaches", "Alerts", "TimeSeries",
                "TestSupport", "EventStream", "RequestParsing",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
    ]
)
