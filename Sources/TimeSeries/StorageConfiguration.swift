import FeedCore
import Foundation

/// `[storage]` as written in the configuration file.
public struct StorageSection: Decodable, Sendable {
    /// Memory for one class of series (`parking`, `water`, `sewer`, `rain`).
    public struct SeriesClassSection: Decodable, Sendable {
        var raw: Int?
        /// `"15m:2976"`: step, then how many steps.
        var rollups: [String]?
        var heartbeatMinutes: Number?
        var retentionDays: Number?

        enum CodingKeys: String, CodingKey {
            case raw, rollups
            case heartbeatMinutes = "heartbeat_minutes"
            case retentionDays = "retention_days"
        }
    }

    var dataDir: String?
    var durability: Durability?
    var classes: [String: SeriesClassSection]?
    var maxDatabaseMB: Int?

    enum CodingKeys: String, CodingKey {
        case durability, classes
        case dataDir = "data_dir"
        case maxDatabaseMB = "max_database_mb"
    }
}

/// Where and how readings are kept, checked. Only a restart applies a change to them.
public struct StorageSettings: Sendable, Equatable {
    /// Resolved against the configuration file's folder.
    public var dataDirectory: String
    /// When commits reach the disk (`full`: every commit).
    public var durability: Durability
    /// What each class of series keeps in memory.
    public var seriesLayout: SeriesLayout
    /// How long readings are kept, and the file's size bound.
    public var retention: RetentionPolicy

    /// Checks `section` (absent: every default). `dataDirectoryOverride` is `--data-dir` or `CITYFEEDS_DATA_DIR`.
    public init(_ section: StorageSection?, dataDirectoryOverride: String?, report: inout ConfigurationReport) {
        dataDirectory = report.resolve(dataDirectoryOverride ?? section?.dataDir ?? "data")
        durability = section?.durability ?? .full
        seriesLayout = .defaults
        retention = .defaults
        if let megabytes = section?.maxDatabaseMB {
            if megabytes < 16 { report.error("storage.max_database_mb", "must be at least 16") }
            retention.maxBytes = megabytes << 20
        }
        for (name, settings) in (section?.classes ?? [:]).sorted(by: { $0.key < $1.key }) {
            let location = "storage.classes.\(name)"
            guard var seriesClass = seriesLayout.classes[name] else {
                report.error(location, "no such class (parking, water, sewer, rain)")
                continue
            }
            if let rawCapacity = settings.raw {
                if !(16...10_000_000).contains(rawCapacity) {
                    report.error("\(location).raw", "must be between 16 and 10000000")
                }
                seriesClass.rawCapacity = rawCapacity
            }
            if let rollups = settings.rollups {
                var specs: [RollupSpec] = []
                for (index, text) in rollups.enumerated() {
                    guard let spec = RollupSpec(parsing: text), spec.capacity <= 1_000_000 else {
                        report.error(
                            "\(location).rollups[\(index)]", "expected STEP:COUNT such as \"15m:2976\", got '\(text)'")
                        continue
                    }
                    specs.append(spec)
                }
                seriesClass = SeriesClass(
                    rawCapacity: seriesClass.rawCapacity, rollups: specs, heartbeatSeconds: seriesClass.heartbeatSeconds
                )
            }
            if let days = settings.retentionDays?.value {
                let rollupDays =
                    seriesClass.rollups.map { Double($0.stepSeconds) * Double($0.capacity) / 86_400 }.max() ?? 0
                if days < rollupDays {
                    report.error(
                        "\(location).retention_days",
                        "must cover the longest rollup (\(Int(rollupDays.rounded(.up))) days)")
                }
                retention.maxAgeSeconds[name] = days * 86_400
            }
            if let minutes = settings.heartbeatMinutes?.value {
                if minutes <= 0 { report.error("\(location).heartbeat_minutes", "must be positive") }
                seriesClass.heartbeatSeconds = minutes * 60
            }
            seriesLayout.classes[name] = seriesClass
        }
    }
}
