import FeedCore

/// How a beach's discharge alert ends once every linked outfall has stopped.
public enum DischargeClearance: String, Sendable, Codable, CaseIterable {
    /// After the hold time (48 h by default), whatever the samples say.
    case hold
    /// At the first clean sample (good on every parameter measured) taken after the stop.
    case cleanSample = "clean_sample"
}

/// A configured beach: where it is, its water type, its probe and how its discharge alerts end.
public struct BeachConfiguration: Sendable, Identifiable {
    /// The configured id, used in URLs and topics.
    public var id: String
    /// The name shown to the public.
    public var name: String
    /// Coastal or inland: which limits apply.
    public var water: WaterType
    /// WGS84 degrees.
    public var latitude: Double
    /// WGS84 degrees.
    public var longitude: Double
    /// The probe sampling the beach's water, if it has one.
    public var probe: SensorID?
    /// How its discharge alerts end after the outfalls stop.
    public var clearance: DischargeClearance = .hold
    /// The district (`[[districts]]` id) it is listed under, if the city is divided into districts.
    public var district: String?
}

/// A sewer overflow outfall and the beaches it reaches.
public struct OutfallConfiguration: Sendable {
    /// The outfall's monitor, as a sensor.
    public var id: SensorID
    /// The outfall's name (as the water company publishes it).
    public var name: String
    /// Ids of the beaches its discharges reach.
    public var beaches: [String]
}

/// A rain gauge, the beaches its rain bears on, and the 24-hour total that raises an alert.
public struct RainGaugeConfiguration: Sendable {
    /// The gauge, as a sensor.
    public var id: SensorID
    /// The gauge's name.
    public var name: String
    /// Ids of the beaches its rain bears on.
    public var beaches: [String] = []
    /// Rain in 24 h that raises a preventive alert on `beaches`; `nil`: no alert.
    public var alertMillimetres: Double?
}

/// The bathing season, as month and day, in the city's time zone (the classification's unit).
public struct BathingSeason: Sendable, Equatable {
    /// First day of the season: month (1–12)…
    public var startMonth: Int
    /// …and day.
    public var startDay: Int
    /// Last day of the season: month…
    public var endMonth: Int
    /// …and day.
    public var endDay: Int

    /// Length in days (in a non-leap year), for the directive's minimum sample count.
    public var days: Int {
        let starts = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
        return starts[endMonth - 1] + endDay - starts[startMonth - 1] - startDay + 1
    }

    /// Parses `MM-DD`.
    public static func day(_ text: String) -> (month: Int, day: Int)? {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let month = Int(parts[0]), let day = Int(parts[1]), (1...12).contains(month),
            (1...31).contains(day)
        else { return nil }
        return (month, day)
    }
}

/// Beach settings beyond the per-sample limits.
public struct BathingSettings: Sendable {
    /// The bathing season (15 June to 15 September unless configured).
    public var season = BathingSeason(startMonth: 6, startDay: 15, endMonth: 9, endDay: 15)
    /// What a count of zero stands for in the classification, CFU/100 mL.
    public var detectionLimit = 10.0
    /// What counts as a sign of a plume in the probe's readings.
    public var plume = PlumeRules()
    /// A probe silent for longer than this is shown offline.
    public var probeOfflineSeconds = 6 * 3_600.0
}

/// `[beach_settings]` as written in the configuration file.
public struct BathingSection: Decodable, Sendable {
    var maxSampleAgeHours: Number?
    var dischargeHoldHours: Number?
    var coastal: ThresholdsSection?
    var inland: ThresholdsSection?
    var detectionLimit: Number?
    var seasonStart: String?
    var seasonEnd: String?
    var turbidityJumpFactor: Number?
    var turbidityMinimumRiseNTU: Number?
    var salinityDropPSU: Number?
    var probeOfflineHours: Number?

    enum CodingKeys: String, CodingKey {
        case coastal, inland
        case maxSampleAgeHours = "max_sample_age_hours"
        case dischargeHoldHours = "discharge_hold_hours"
        case detectionLimit = "detection_limit"
        case seasonStart = "season_start"
        case seasonEnd = "season_end"
        case turbidityJumpFactor = "turbidity_jump_factor"
        case turbidityMinimumRiseNTU = "turbidity_min_rise_ntu"
        case salinityDropPSU = "salinity_drop_psu"
        case probeOfflineHours = "probe_offline_hours"
    }
}

/// Per-sample limits, CFU/100 mL (see `SampleThresholds`).
public struct ThresholdsSection: Decodable, Sendable {
    var goodEcoli: Number
    var goodEnterococci: Number
    var poorEcoli: Number
    var poorEnterococci: Number

    enum CodingKeys: String, CodingKey {
        case goodEcoli = "good_ecoli"
        case goodEnterococci = "good_enterococci"
        case poorEcoli = "poor_ecoli"
        case poorEnterococci = "poor_enterococci"
    }
}

/// One `[[beaches]]` table.
public struct BeachSection: Decodable, Sendable {
    var id: String
    var name: String
    var water: WaterType?
    var latitude: Number
    var longitude: Number
    var probe: String?
    /// `hold` (default) or `clean_sample`: how a discharge alert ends after the stop.
    var clearance: String?
    /// The `[[districts]]` id it is listed under.
    var district: String?
}

/// One `[[outfalls]]` table.
public struct OutfallSection: Decodable, Sendable {
    var id: String
    var name: String
    var beaches: [String]
}

/// One `[[rain_gauges]]` table.
public struct RainGaugeSection: Decodable, Sendable {
    var id: String
    var name: String
    var beaches: [String]?
    var alertMillimetres24h: Number?

    enum CodingKeys: String, CodingKey {
        case id, name, beaches
        case alertMillimetres24h = "alert_mm_24h"
    }
}

/// The beaches, the outfalls and rain gauges that bear on them, and the bathing-water rules, checked.
public struct BeachesSettings: Sendable {
    /// The beaches, in the file's order.
    public var beaches: [BeachConfiguration]
    /// The outfalls, in the file's order.
    public var outfalls: [OutfallConfiguration]
    /// The rain gauges, in the file's order.
    public var rainGauges: [RainGaugeConfiguration]
    /// Per-sample limits by water type.
    public var thresholds: [WaterType: SampleThresholds]
    /// A sample older than this says nothing of today's water.
    public var maxSampleAgeSeconds: Double
    /// How long a beach stays poor after its outfall stops.
    public var dischargeHoldSeconds: Double
    /// Season, detection limit, plume rules and when a probe counts as offline.
    public var bathing: BathingSettings

    /// Checks `[beach_settings]` and the beaches, outfalls and gauges; their sensors are claimed in `report`.
    public init(
        _ section: BathingSection?, beaches beachSections: [BeachSection]?, outfalls outfallSections: [OutfallSection]?,
        rainGauges rainGaugeSections: [RainGaugeSection]?, report: inout ConfigurationReport
    ) {
        beaches = []
        var beachIDs = Set<String>()
        for (index, raw) in (beachSections ?? []).enumerated() {
            let location = "beaches[\(index)]"
            report.checkIdentifier(raw.id, at: "\(location).id", unique: &beachIDs)
            report.checkPosition(latitude: raw.latitude.value, longitude: raw.longitude.value, at: location)
            let probe = raw.probe.map { SensorID($0) }
            if let probe { report.claim(probe, for: location, at: "\(location).probe") }
            var clearance = DischargeClearance.hold
            if let text = raw.clearance {
                if let value = DischargeClearance(rawValue: text) {
                    clearance = value
                } else {
                    report.error("\(location).clearance", "'\(text)' is not one of hold, clean_sample")
                }
                if clearance == .cleanSample && probe == nil {
                    report.error(
                        "\(location).clearance", "clean_sample needs a probe: without one the alert would never end")
                }
            }
            beaches.append(
                BeachConfiguration(
                    id: raw.id, name: raw.name, water: raw.water ?? .coastal, latitude: raw.latitude.value,
                    longitude: raw.longitude.value, probe: probe, clearance: clearance, district: raw.district))
        }

        outfalls = []
        for (index, raw) in (outfallSections ?? []).enumerated() {
            let location = "outfalls[\(index)]"
            let id = SensorID(raw.id)
            report.claim(id, for: location, at: "\(location).id")
            for (beachIndex, beach) in raw.beaches.enumerated() where !beachIDs.contains(beach) {
                report.error("\(location).beaches[\(beachIndex)]", "no beach has the id '\(beach)'")
            }
            outfalls.append(OutfallConfiguration(id: id, name: raw.name, beaches: raw.beaches))
        }

        rainGauges = []
        for (index, raw) in (rainGaugeSections ?? []).enumerated() {
            let id = SensorID(raw.id)
            report.claim(id, for: "rain_gauges[\(index)]", at: "rain_gauges[\(index)].id")
            for (beachIndex, beach) in (raw.beaches ?? []).enumerated() where !beachIDs.contains(beach) {
                report.error("rain_gauges[\(index)].beaches[\(beachIndex)]", "no beach has the id '\(beach)'")
            }
            if let level = raw.alertMillimetres24h?.value, level <= 0 {
                report.error("rain_gauges[\(index)].alert_mm_24h", "must be positive")
            }
            rainGauges.append(
                RainGaugeConfiguration(
                    id: id, name: raw.name, beaches: raw.beaches ?? [], alertMillimetres: raw.alertMillimetres24h?.value
                ))
        }

        let settings = section
        thresholds = [:]
        for water in WaterType.allCases {
            let given = water == .coastal ? settings?.coastal : settings?.inland
            let value =
                given.map {
                    SampleThresholds(
                        goodEcoli: $0.goodEcoli.value, goodEnterococci: $0.goodEnterococci.value,
                        poorEcoli: $0.poorEcoli.value, poorEnterococci: $0.poorEnterococci.value)
                } ?? .defaults(for: water)
            if value.goodEcoli > value.poorEcoli || value.goodEnterococci > value.poorEnterococci {
                report.error("beach_settings.\(water.rawValue)", "a 'good' limit is above its 'poor' limit")
            }
            thresholds[water] = value
        }
        let maxSampleAgeHours = settings?.maxSampleAgeHours?.value ?? 72
        if maxSampleAgeHours <= 0 { report.error("beach_settings.max_sample_age_hours", "must be positive") }
        let holdHours = settings?.dischargeHoldHours?.value ?? 48
        if holdHours < 0 { report.error("beach_settings.discharge_hold_hours", "must not be negative") }
        bathing = BathingSettings()
        for (key, text, keep) in [
            ("season_start", settings?.seasonStart, true), ("season_end", settings?.seasonEnd, false),
        ] {
            guard let text else { continue }
            guard let day = BathingSeason.day(text) else {
                report.error("beach_settings.\(key)", "'\(text)' is not a month and day (MM-DD)")
                continue
            }
            if keep {
                (bathing.season.startMonth, bathing.season.startDay) = day
            } else {
                (bathing.season.endMonth, bathing.season.endDay) = day
            }
        }
        if bathing.season.days < 7 {
            report.error(
                "beach_settings.season_end", "the season must end at least a week after it starts, in the same year")
        }
        bathing.detectionLimit = settings?.detectionLimit?.value ?? bathing.detectionLimit
        if bathing.detectionLimit <= 0 { report.error("beach_settings.detection_limit", "must be positive") }
        bathing.plume = PlumeRules(
            turbidityFactor: settings?.turbidityJumpFactor?.value ?? bathing.plume.turbidityFactor,
            turbidityMinimumRise: settings?.turbidityMinimumRiseNTU?.value ?? bathing.plume.turbidityMinimumRise,
            salinityDrop: settings?.salinityDropPSU?.value ?? bathing.plume.salinityDrop)
        if bathing.plume.turbidityFactor <= 1 {
            report.error("beach_settings.turbidity_jump_factor", "must be above 1")
        }
        bathing.probeOfflineSeconds = (settings?.probeOfflineHours?.value ?? 6) * 3_600
        if bathing.probeOfflineSeconds <= 0 { report.error("beach_settings.probe_offline_hours", "must be positive") }
        maxSampleAgeSeconds = maxSampleAgeHours * 3_600
        dischargeHoldSeconds = holdHours * 3_600
    }
}
