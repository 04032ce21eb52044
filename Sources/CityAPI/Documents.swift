import Alerts
import Beaches
import CityCore
import FeedCore
import Foundation
import Ingest
import Parking

// The JSON documents of the HTTP API. Field names follow ParkAPI v3 for car parks (so existing parking apps
// and aggregators can read them) and snake_case elsewhere. Times are RFC 3339 strings in UTC.

/// A car park in the contract's form (`CarPark` in openapi.yaml): ParkAPI's field names, unknown figures as `null`.
package struct CarParkDocument: Encodable, Sendable {
    var id: String
    var name: String
    var type: String
    var address: String?
    var lat: Double
    var lon: Double
    var capacity: Int
    var hasFee: Bool
    var parkAndRide: Bool
    /// Centimetres.
    var maxHeight: Int?
    var hasRealtimeData: Bool
    var realtimeFreeCapacity: Int?
    var realtimeOccupied: Int?
    var occupancyRatio: Double?
    var status: String
    var realtimeDataUpdatedAt: String?
    var dataAgeSeconds: Double?
    /// This car park's effective cut-off: the configured one, or longer for a feed that reports less often.
    var staleAfterSeconds: Double?
    /// Metres from the point asked about, in a `lat`/`lon` query.
    var distance: Double?
    var capacityDisabled: Int?
    var capacityCharging: Int?
    /// OSM syntax, as configured.
    var openingHours: String?
    /// `OPEN` or `CLOSED` (ParkAPI v3).
    var realtimeOpeningStatus: String
    /// Price of a stay by its length (`1h`, `2h`, `3h`, `4h`, `24h`).
    var tariffs: [String: Double]?
    var outlook = CarParkOutlook()
    /// `stuck` or `dead` when the counter's figures are withheld as implausible.
    var dataQuality: String?
    /// Per-space detection: spaces whose state is unknown, counted as occupied.
    var unknownSpaces: Int?
    /// Per-space detection: the configured zones, each counted on its own.
    var zones: [ZoneDocument]?

    init(carPark: CarPark, availability: Availability) {
        id = carPark.id
        name = carPark.name
        type = carPark.type.rawValue
        address = carPark.address
        lat = carPark.latitude
        lon = carPark.longitude
        capacity = carPark.capacity
        hasFee = carPark.hasFee
        parkAndRide = carPark.parkAndRide
        maxHeight = carPark.maxHeightCentimetres
        hasRealtimeData = availability.hasRealtimeData
        realtimeFreeCapacity = availability.free
        realtimeOccupied = availability.occupied
        occupancyRatio = availability.occupancyRatio(capacity: carPark.capacity).map { ($0 * 1000).rounded() / 1000 }
        status = availability.status.rawValue
        realtimeDataUpdatedAt = availability.observedAt?.iso8601
        dataAgeSeconds = availability.dataAgeSeconds.map { $0.rounded() }
        staleAfterSeconds = availability.staleAfterSeconds
        capacityDisabled = carPark.disabledSpaces
        capacityCharging = carPark.evChargingSpaces
        openingHours = carPark.openingHours?.description
        realtimeOpeningStatus = availability.status == .closed ? "CLOSED" : "OPEN"
        dataQuality = availability.dataQuality?.rawValue
        unknownSpaces = availability.unknownSpaces
        let prices: [(String, Double?)] = [
            ("1h", carPark.tariffs.oneHour), ("2h", carPark.tariffs.twoHours), ("3h", carPark.tariffs.threeHours),
            ("4h", carPark.tariffs.fourHours), ("24h", carPark.tariffs.twentyFourHours),
        ]
        let known = prices.compactMap { name, price in price.map { (name, $0) } }
        tariffs = known.isEmpty ? nil : Dictionary(uniqueKeysWithValues: known)
    }

    init(_ state: CarParkState) {
        self.init(carPark: state.carPark, availability: state.availability)
        outlook = state.outlook
        zones = state.zones?.map(ZoneDocument.init)
        distance = state.distanceMetres.map { $0.rounded() }
    }

    enum CodingKeys: String, CodingKey {
        case id, name, type, address, lat, lon, capacity, status
        case hasFee = "has_fee"
        case parkAndRide = "park_and_ride"
        case maxHeight = "max_height"
        case hasRealtimeData = "has_realtime_data"
        case realtimeFreeCapacity = "realtime_free_capacity"
        case realtimeOccupied = "realtime_occupied"
        case occupancyRatio = "occupancy_ratio"
        case realtimeDataUpdatedAt = "realtime_data_updated_at"
        case dataAgeSeconds = "data_age_seconds"
        case distance, tariffs
        case dataQuality = "data_quality"
        case unknownSpaces = "unknown_spaces"
        case zones
        case trend
        case minutesToFull = "minutes_to_full"
        case forecastFree30 = "forecast_free_30min"
        case forecastFree60 = "forecast_free_60min"
        case forecastBasis = "forecast_basis"
        case forecastDays = "forecast_days"
        case staleAfterSeconds = "stale_after_seconds"
        case capacityDisabled = "capacity_disabled"
        case capacityCharging = "capacity_charging"
        case openingHours = "opening_hours"
        case realtimeOpeningStatus = "realtime_opening_status"
    }

    // Explicit nulls, so that a missing live figure reads as "unknown" rather than as an absent field.
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(type, forKey: .type)
        try c.encode(address, forKey: .address)
        try c.encode(lat, forKey: .lat)
        try c.encode(lon, forKey: .lon)
        try c.encode(capacity, forKey: .capacity)
        try c.encode(hasFee, forKey: .hasFee)
        try c.encode(parkAndRide, forKey: .parkAndRide)
        try c.encode(maxHeight, forKey: .maxHeight)
        try c.encode(hasRealtimeData, forKey: .hasRealtimeData)
        try c.encode(realtimeFreeCapacity, forKey: .realtimeFreeCapacity)
        try c.encode(realtimeOccupied, forKey: .realtimeOccupied)
        try c.encode(occupancyRatio, forKey: .occupancyRatio)
        try c.encode(status, forKey: .status)
        try c.encode(realtimeDataUpdatedAt, forKey: .realtimeDataUpdatedAt)
        try c.encode(dataAgeSeconds, forKey: .dataAgeSeconds)
        try c.encodeIfPresent(distance, forKey: .distance)
        try c.encode(capacityDisabled, forKey: .capacityDisabled)
        try c.encode(capacityCharging, forKey: .capacityCharging)
        try c.encode(openingHours, forKey: .openingHours)
        try c.encode(realtimeOpeningStatus, forKey: .realtimeOpeningStatus)
        try c.encode(tariffs, forKey: .tariffs)
        try c.encode(outlook.trend, forKey: .trend)
        try c.encode(outlook.minutesToFull, forKey: .minutesToFull)
        try c.encode(outlook.forecast30, forKey: .forecastFree30)
        try c.encode(outlook.forecast60, forKey: .forecastFree60)
        try c.encode(outlook.forecastBasis, forKey: .forecastBasis)
        try c.encodeIfPresent(outlook.forecastDays, forKey: .forecastDays)
        try c.encode(staleAfterSeconds, forKey: .staleAfterSeconds)
        try c.encodeIfPresent(dataQuality, forKey: .dataQuality)
        try c.encodeIfPresent(unknownSpaces, forKey: .unknownSpaces)
        try c.encodeIfPresent(zones, forKey: .zones)
    }
}

struct HistoryPoint: Encodable, Sendable {
    var time: String
    var free: Int

    init(_ point: FreeSpaces) {
        time = point.time.iso8601
        free = point.free
    }
}

struct CarParkDetailDocument: Encodable, Sendable {
    var carPark: CarParkDocument
    /// Free spaces over the last hour.
    var history: [HistoryPoint]
    /// For entry/exit counted car parks: the calibration and the drift since.
    var counter: CounterDocument?

    init(_ detail: CarParkDetail) {
        carPark = CarParkDocument(detail.state)
        history = detail.history.map(HistoryPoint.init)
        counter = detail.counter.map(CounterDocument.init)
    }

    enum CodingKeys: String, CodingKey {
        case carPark = "car_park"
        case history, counter
    }
}

struct CounterDocument: Encodable, Sendable {
    struct Calibration: Encodable, Sendable {
        var time: String
        var raw: Int
        var snappedTo: Int
        enum CodingKeys: String, CodingKey {
            case time, raw
            case snappedTo = "snapped_to"
        }
    }

    var baselineTime: String
    /// Spaces the automatic snaps back into [0, capacity] added or removed since the baseline.
    var drift: Int
    var calibrations: [Calibration]

    init(_ state: BalancingCounter.State) {
        baselineTime = state.baselineTime.iso8601
        drift = state.drift
        calibrations = state.calibrations.map {
            Calibration(time: $0.time.iso8601, raw: $0.raw, snappedTo: $0.snappedTo)
        }
    }

    enum CodingKeys: String, CodingKey {
        case drift, calibrations
        case baselineTime = "baseline_time"
    }
}

struct SampleDocument: Encodable, Sendable {
    var quality: String?
    var time: String?
    var ageSeconds: Double?
    var ecoli: Double?
    var enterococci: Double?

    enum CodingKeys: String, CodingKey {
        case quality, time, ecoli, enterococci
        case ageSeconds = "age_seconds"
    }
}

struct OutfallDocument: Encodable, Sendable {
    var id: String
    var name: String
    var state: String
    var since: String?
    var alertUntil: String?

    init(outfall: OutfallConfiguration, condition: OutfallCondition) {
        id = outfall.id.rawValue
        name = outfall.name
        state = condition.name
        since = condition.since?.iso8601
        if case .recentDischarge(_, let until) = condition { alertUntil = until?.iso8601 }
    }

    enum CodingKeys: String, CodingKey {
        case id, name, state, since
        case alertUntil = "alert_until"
    }
}

struct PlumeSignDocument: Encodable, Sendable {
    var kind: String
    var time: String
    var value: Double
    var baseline: Double

    init(_ sign: PlumeSign) {
        kind = sign.kind.rawValue
        time = sign.time.iso8601
        value = sign.value
        baseline = sign.baseline
    }
}

/// A beach probe: whether it reports, its latest physical readings and the plume signs they show.
struct ProbeDocument: Encodable, Sendable {
    var id: String
    /// `online`, `offline` (silent for longer than `probe_offline_hours`) or `never_seen`.
    var state: String
    var lastSeen: String?
    var turbidity: Double?
    var salinity: Double?
    var temperature: Double?
    var signs: [PlumeSignDocument]

    init(_ probe: ProbeState) {
        id = probe.id.rawValue
        state = probe.lastSeen == nil ? "never_seen" : probe.online ? "online" : "offline"
        lastSeen = probe.lastSeen?.iso8601
        turbidity = probe.turbidity
        salinity = probe.salinity
        temperature = probe.temperature
        signs = probe.signs.map(PlumeSignDocument.init)
    }

    enum CodingKeys: String, CodingKey {
        case id, state, turbidity, salinity, temperature, signs
        case lastSeen = "last_seen"
    }
}

struct OverrideDocument: Encodable, Sendable {
    var action: String
    var reason: String
    var author: String
    var at: String
    var until: String?

    init(_ override: BeachOverride) {
        action = override.action.rawValue
        reason = override.reason
        author = override.author
        at = override.at.iso8601
        until = override.until?.iso8601
    }
}

struct ClassificationDocument: Encodable, Sendable {
    struct ParameterDocument: Encodable, Sendable {
        var parameter: String
        var samples: Int
        var meanLog10: Double?
        var standardDeviationLog10: Double?
        var percentile95: Double?
        var percentile90: Double?
        var waterClass: String

        init(_ assessment: ParameterAssessment) {
            parameter = assessment.parameter.rawValue
            samples = assessment.samples
            meanLog10 = assessment.meanLog10
            standardDeviationLog10 = assessment.standardDeviationLog10
            percentile95 = assessment.percentile95
            percentile90 = assessment.percentile90
            waterClass = assessment.waterClass.rawValue
        }

        enum CodingKeys: String, CodingKey {
            case parameter, samples
            case meanLog10 = "mean_log10"
            case standardDeviationLog10 = "sd_log10"
            case percentile95 = "p95"
            case percentile90 = "p90"
            case waterClass = "class"
        }
    }

    var waterClass: String
    var method: String
    var from: String
    var to: String
    var seasons: Int
    var samples: Int
    var discounted: Int
    var parameters: [ParameterDocument]

    init(_ seasonal: SeasonalClassification) {
        let classification = seasonal.classification
        waterClass = classification.waterClass.rawValue
        method = "EU Directive 2006/7/EC Annex II (last four seasons)"
        from = seasonal.from.iso8601
        to = seasonal.to.iso8601
        seasons = classification.seasons
        samples = classification.samples
        discounted = classification.discounted
        parameters = classification.parameters.map(ParameterDocument.init)
    }

    enum CodingKeys: String, CodingKey {
        case method, from, to, seasons, samples, discounted, parameters
        case waterClass = "class"
    }
}

struct BeachDocument: Encodable, Sendable {
    var id: String
    var name: String
    var waterType: String
    var lat: Double
    var lon: Double
    var status: String
    var sewage: String
    var reasons: [String]
    var sample: SampleDocument
    var probe: ProbeDocument?
    var outfalls: [OutfallDocument]
    var alerts: [AlertRecord]
    var override: OverrideDocument?
    var classification: ClassificationDocument?

    init(_ state: BeachState) {
        let beach = state.beach
        let assessment = state.assessment
        let (ecoli, enterococci) = (state.ecoli, state.enterococci)
        id = beach.id
        name = beach.name
        waterType = beach.water.rawValue
        lat = beach.latitude
        lon = beach.longitude
        status = assessment.status.rawValue
        sewage = assessment.sewage
        reasons = assessment.reasons
        sample = SampleDocument(
            quality: assessment.sampleQuality?.rawValue, time: assessment.sampleTime?.iso8601,
            ageSeconds: assessment.sampleAgeSeconds?.rounded(), ecoli: ecoli?.value, enterococci: enterococci?.value)
        probe = state.probe.map(ProbeDocument.init)
        outfalls = state.outfalls.map { OutfallDocument(outfall: $0.outfall, condition: $0.condition) }
        alerts = state.alerts.map(AlertRecord.init)
        override = state.override.map(OverrideDocument.init)
        classification = state.classification.map(ClassificationDocument.init)
    }

    enum CodingKeys: String, CodingKey {
        case id, name, lat, lon, status, sewage, reasons, sample, probe, outfalls, alerts, override, classification
        case waterType = "water_type"
    }
}

struct ListDocument<Item: Encodable & Sendable>: Encodable, Sendable {
    var generatedAt: String
    var items: [Item]

    enum CodingKeys: String, CodingKey {
        case generatedAt = "generated_at"
        case items
    }
}

struct IngestDocument: Encodable, Sendable {
    var mqtt: ConnectionStatus
    var messagesReceived: Int
    var messagesAccepted: Int
    var messagesRejected: Int
    var messagesRepeated: Int
    var readingsAccepted: Int
    var readingsStored: Int
    var readingsDuplicate: Int
    var readingsLate: Int
    var readingsRejected: Int
    var rejectionsByReason: [String: Int]
    var rejectionsBySensor: [String: Int]
    var unconfiguredSample: [String]
    /// Messages held in the quarantine (`/v1/ingest/quarantine`).
    var quarantined: Int
    var lastAccepted: String?
    var recentRejections: [IngestStatistics.RecentRejection]

    init(status: ConnectionStatus, statistics s: IngestStatistics.Snapshot, quarantined: Int = 0) {
        self.quarantined = quarantined
        mqtt = status
        messagesReceived = s.messagesReceived
        messagesAccepted = s.messagesAccepted
        messagesRejected = s.messagesRejected
        messagesRepeated = s.messagesRepeated
        readingsAccepted = s.readingsAccepted
        readingsStored = s.readingsStored
        readingsDuplicate = s.readingsDuplicate
        readingsLate = s.readingsLate
        readingsRejected = s.readingsRejected
        rejectionsByReason = Dictionary(uniqueKeysWithValues: s.rejectionsByReason.map { ($0.key.rawValue, $0.value) })
        rejectionsBySensor = s.rejectionsBySensor
        unconfiguredSample = s.unconfiguredSample
        lastAccepted = s.lastAccepted?.iso8601
        recentRejections = s.recent.reversed()
    }

    enum CodingKeys: String, CodingKey {
        case mqtt
        case messagesReceived = "messages_received"
        case messagesAccepted = "messages_accepted"
        case messagesRejected = "messages_rejected"
        case messagesRepeated = "messages_repeated"
        case readingsAccepted = "readings_accepted"
        case readingsStored = "readings_stored"
        case readingsDuplicate = "readings_duplicate"
        case readingsLate = "readings_late"
        case readingsRejected = "readings_rejected"
        case rejectionsByReason = "rejections_by_reason"
        case rejectionsBySensor = "rejections_by_sensor"
        case unconfiguredSample = "unconfigured_sample"
        case quarantined
        case lastAccepted = "last_accepted"
        case recentRejections = "recent_rejections"
    }
}

struct StatusDocument: Encodable, Sendable {
    struct ParkingSummary: Encodable, Sendable {
        var carParks: Int
        var withRealtimeData: Int
        var totalFree: Int
        enum CodingKeys: String, CodingKey {
            case carParks = "car_parks"
            case withRealtimeData = "with_realtime_data"
            case totalFree = "total_free"
        }
    }

    var city: String
    var generatedAt: String
    var parking: ParkingSummary
    var carParks: [CarParkDocument]
    var beaches: [BeachDocument]
    var alerts: [AlertRecord]
    var mqtt: ConnectionStatus

    enum CodingKeys: String, CodingKey {
        case city, parking, beaches, alerts, mqtt
        case generatedAt = "generated_at"
        case carParks = "car_parks"
    }
}

struct HealthDocument: Encodable, Sendable {
    var status: String
    var ready: Bool
    var problems: [String]
    var mqtt: ConnectionStatus
    var storedReadings: Int?
    var alertLog: AlertLogDocument
    var configuration: ReloadRecord

    enum CodingKeys: String, CodingKey {
        case status, ready, problems, mqtt, configuration
        case storedReadings = "stored_readings"
        case alertLog = "alert_log"
    }
}

struct AlertLogDocument: Encodable, Sendable {
    var path: String
    var loggedThrough: Int64
    var journalled: Int64
    var failingSince: String?
    var problem: String?
    var writeFailures: Int

    init(_ health: AlertLogHealth) {
        path = health.path
        loggedThrough = health.loggedThrough
        journalled = health.journalled
        failingSince = health.failure?.since.iso8601
        problem = health.failure?.problem
        writeFailures = health.writeFailures
    }

    enum CodingKeys: String, CodingKey {
        case path, journalled, problem
        case loggedThrough = "logged_through"
        case failingSince = "failing_since"
        case writeFailures = "write_failures"
    }
}

/// RFC 9457 problem details.
struct ProblemDocument: Encodable, Sendable {
    var type = "about:blank"
    var title: String
    var status: Int
    var detail: String
}

/// One zone of a car park counted space by space; unknown spaces are not free.
struct ZoneDocument: Encodable, Sendable {
    var id: String
    var capacity: Int
    var free: Int
    var unknown: Int

    init(_ zone: ZoneCount) {
        id = zone.id
        capacity = zone.capacity
        free = zone.free
        unknown = zone.unknown
    }

    enum CodingKeys: String, CodingKey {
        case id, capacity, unknown
        case free = "realtime_free_capacity"
    }
}

/// `GET /v1/ingest/quarantine`: the messages set aside, newest first.
struct QuarantineDocument: Encodable, Sendable {
    var count: Int
    var items: [QuarantinedDocument]
}

struct QuarantinedDocument: Encodable, Sendable {
    var id: Int64
    var at: String
    var topic: String
    var reason: String
    /// The payload as text when it is UTF-8, else in base64.
    var payload: String
    var payloadEncoding: String
    var payloadBytes: Int

    init(_ message: QuarantinedMessage) {
        id = message.id
        at = message.at.iso8601
        topic = message.topic
        reason = message.reason
        payloadBytes = message.payload.count
        if let text = String(validating: message.payload, as: UTF8.self) {
            payload = text
            payloadEncoding = "utf-8"
        } else {
            payload = Data(message.payload).base64EncodedString()
            payloadEncoding = "base64"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, at, topic, reason, payload
        case payloadEncoding = "payload_encoding"
        case payloadBytes = "payload_bytes"
    }
}
