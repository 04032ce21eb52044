import Alerts
import Beaches
import CityCore
import FeedCore
import Foundation
import Ingest
import Parking
import TimeSeries

// The code that fills the contract's documents (declared in openapi.yaml, generated as `Contract`) from the
// status's domain values. Field names follow ParkAPI v3 for car parks (so existing parking apps and aggregators
// can read them) and snake_case elsewhere. Times are RFC 3339 strings in UTC.

extension Contract.CarPark {
    /// A car park with its availability, outlook and, when the status computed them, zones and distance.
    init(_ state: CarParkState) {
        let carPark = state.carPark
        let availability = state.availability
        let prices: [(String, Double?)] = [
            ("1h", carPark.tariffs.oneHour), ("2h", carPark.tariffs.twoHours), ("3h", carPark.tariffs.threeHours),
            ("4h", carPark.tariffs.fourHours), ("24h", carPark.tariffs.twentyFourHours),
        ]
        let known = prices.compactMap { name, price in price.map { (name, $0) } }
        let feeDescription =
            known.isEmpty
            ? nil
            : known.map { "\($0.0.dropLast()) h: \(String(format: "%.2f", $0.1)) €" }.joined(separator: "; ")
        self.init(
            address: carPark.address, capacity: carPark.capacity, capacityCharging: carPark.evChargingSpaces,
            capacityDisabled: carPark.disabledSpaces, dataAgeSeconds: availability.dataAgeSeconds.map { $0.rounded() },
            dataQuality: availability.dataQuality?.rawValue, distance: state.distanceMetres.map { $0.rounded() },
            district: carPark.district,
            feeDescription: carPark.hasFee ? feeDescription : nil,
            forecastBasis: state.outlook.forecastBasis, forecastDays: state.outlook.forecastDays,
            forecastFree30min: state.outlook.forecast30.map(Double.init),
            forecastFree60min: state.outlook.forecast60.map(Double.init), hasFee: carPark.hasFee,
            hasRealtimeData: availability.hasRealtimeData, id: carPark.id, lat: carPark.latitude,
            lon: carPark.longitude, maxHeight: carPark.maxHeightCentimetres, minutesToFull: state.outlook.minutesToFull,
            name: carPark.name,
            occupancyRatio: availability.occupancyRatio(capacity: carPark.capacity).map {
                ($0 * 1000).rounded() / 1000
            },
            openingHours: carPark.openingHours?.description, parkAndRide: carPark.parkAndRide,
            parkAndRideType: [carPark.parkAndRide ? "YES" : "NO"], purpose: "CAR",
            realtimeDataUpdatedAt: availability.observedAt?.iso8601, realtimeFreeCapacity: availability.free,
            realtimeOccupied: availability.occupied,
            realtimeOpeningStatus: availability.status == .closed ? "CLOSED" : "OPEN",
            staleAfterSeconds: availability.staleAfterSeconds, staticDataUpdatedAt: state.staticDataUpdatedAt.iso8601,
            status: availability.status.rawValue,
            tariffs: known.isEmpty ? nil : Dictionary(uniqueKeysWithValues: known),
            trend: state.outlook.trend?.rawValue, type: carPark.type.rawValue, uid: carPark.id,
            unknownSpaces: availability.unknownSpaces, zones: state.zones?.map(Zone.init))
    }
}

extension Contract.CarPark.Zone {
    /// A zone of spaces counted on its own.
    init(_ zone: ZoneCount) {
        self.init(capacity: zone.capacity, id: zone.id, realtimeFreeCapacity: zone.free, unknown: zone.unknown)
    }
}

extension Contract.CarParkDetail {
    /// One car park with its last hour and, for an entry/exit counted car park, its counter's calibration.
    init(_ detail: CarParkDetail) {
        self.init(
            carPark: Contract.CarPark(detail.state), counter: detail.counter.map(Counter.init),
            history: detail.history.map { HistoryItem(free: $0.free, time: $0.time.iso8601) })
    }
}

extension Contract.CarParkDetail.Counter {
    /// The counter's baseline and the snaps back into [0, capacity] since.
    init(_ state: BalancingCounter.State) {
        self.init(
            baselineTime: state.baselineTime.iso8601,
            calibrations: state.calibrations.map {
                Calibration(raw: $0.raw, snappedTo: $0.snappedTo, time: $0.time.iso8601)
            }, drift: state.drift)
    }
}

extension Contract.FeatureCollection {
    /// GeoJSON (RFC 7946) for maps: one Point feature per car park, its document as properties.
    init(carParks: [Contract.CarPark]) {
        self.init(
            features: carParks.map { carPark in
                Feature(
                    geometry: Feature.Geometry(coordinates: [carPark.lon, carPark.lat], type: "Point"), id: carPark.id,
                    properties: carPark, type: "Feature")
            }, type: "FeatureCollection")
    }
}

extension Contract.Beach {
    /// A beach's status and the evidence behind it.
    init(_ state: BeachState) {
        let assessment = state.assessment
        self.init(
            alerts: state.alerts.map(Contract.Alert.init),
            classification: state.classification.map(Contract.Classification.init), district: state.beach.district,
            id: state.beach.id, lat: state.beach.latitude, lon: state.beach.longitude, name: state.beach.name,
            outfalls: state.outfalls.map { Outfall(outfall: $0.outfall, condition: $0.condition) },
            override: state.override.map(Override.init), probe: state.probe.map(Probe.init),
            reasons: assessment.reasons,
            sample: Sample(
                ageSeconds: assessment.sampleAgeSeconds?.rounded(), ecoli: state.ecoli?.value,
                enterococci: state.enterococci?.value, quality: assessment.sampleQuality?.rawValue,
                time: assessment.sampleTime?.iso8601),
            sewage: assessment.sewage, status: assessment.status.rawValue, waterType: state.beach.water.rawValue)
    }
}

extension Contract.Beach.Outfall {
    /// An outfall reaching the beach and its condition.
    init(outfall: OutfallConfiguration, condition: OutfallCondition) {
        var until: Timestamp?
        if case .recentDischarge(_, let end) = condition { until = end }
        self.init(
            alertUntil: until?.iso8601, id: outfall.id.rawValue, name: outfall.name, since: condition.since?.iso8601,
            state: condition.name)
    }
}

extension Contract.Beach.Override {
    /// The municipal order in force.
    init(_ override: BeachOverride) {
        self.init(
            action: override.action.rawValue, at: override.at.iso8601, author: override.author,
            reason: override.reason, until: override.until?.iso8601)
    }
}

extension Contract.Beach.Probe {
    /// The beach's probe: whether it reports, its latest physical readings and the plume signs they show.
    init(_ probe: ProbeState) {
        self.init(
            id: probe.id.rawValue, lastSeen: probe.lastSeen?.iso8601, salinity: probe.salinity,
            signs: probe.signs.map {
                Sign(baseline: $0.baseline, kind: $0.kind.rawValue, time: $0.time.iso8601, value: $0.value)
            },
            state: probe.lastSeen == nil ? "never_seen" : probe.online ? "online" : "offline",
            temperature: probe.temperature, turbidity: probe.turbidity)
    }
}

extension Contract.Classification {
    /// The seasonal classification (EU Directive 2006/7/EC Annex II) and the seasons it covers.
    init(_ seasonal: SeasonalClassification) {
        let classification = seasonal.classification
        self.init(
            class: classification.waterClass.rawValue, discounted: classification.discounted,
            from: seasonal.from.iso8601, method: "EU Directive 2006/7/EC Annex II (last four seasons)",
            parameters: classification.parameters.map {
                Parameter(
                    class: $0.waterClass.rawValue, meanLog10: $0.meanLog10, p90: $0.percentile90,
                    p95: $0.percentile95, parameter: $0.parameter.rawValue, samples: $0.samples,
                    sdLog10: $0.standardDeviationLog10)
            }, samples: classification.samples, seasons: classification.seasons, to: seasonal.to.iso8601)
    }
}

extension Contract.Alert {
    /// An alert as it stands.
    init(_ alert: Alert) {
        let record = AlertRecord(alert)
        self.init(
            acknowledged: alert.acknowledged.map(Contract.OperatorNote.init), beaches: record.beaches,
            causes: record.causes, endsAt: record.endsAt, fingerprint: record.fingerprint, firedAt: record.firedAt,
            id: Int(record.id), notGenuine: alert.notGenuine.map(Contract.OperatorNote.init),
            resolvedAt: record.resolvedAt, rule: record.rule, silencedUntil: record.silencedUntil,
            spills: record.spills, startedAt: record.startedAt, state: record.state, stoppedAt: record.stoppedAt,
            subject: record.subject, summary: record.summary, value: record.value)
    }
}

extension Contract.OperatorNote {
    /// Who did something to an alert, when, and why.
    init(_ note: OperatorNote) {
        self.init(at: note.at.iso8601, by: note.by, reason: note.reason)
    }
}

extension Contract.MQTTStatus {
    /// The MQTT session's state.
    init(_ status: ConnectionStatus) {
        self.init(
            attempts: status.attempts, lastError: status.lastError, reconnects: status.reconnects,
            sessionPresent: status.sessionPresent, since: status.since.iso8601, state: status.state.rawValue,
            subscribed: status.subscribed)
    }
}

extension Contract.Transition {
    /// One transition of an alert's history.
    init(_ transition: AlertTransition) {
        let record = TransitionRecord(transition)
        self.init(
            alert: Contract.Alert(transition.alert), at: record.at, kind: record.kind, late: record.late,
            note: record.note, recordedAt: record.recordedAt, sequence: Int(record.sequence),
            step: record.step)
    }
}

extension Contract.Ingest {
    /// Ingest's counters since start and its latest refusals, newest first.
    init(status: ConnectionStatus, statistics s: IngestStatistics.Snapshot, quarantined: Int) {
        self.init(
            lastAccepted: s.lastAccepted?.iso8601, messagesAccepted: s.messagesAccepted,
            messagesReceived: s.messagesReceived, messagesRejected: s.messagesRejected,
            messagesRepeated: s.messagesRepeated, mqtt: Contract.MQTTStatus(status), quarantined: quarantined,
            readingsAccepted: s.readingsAccepted, readingsDuplicate: s.readingsDuplicate, readingsLate: s.readingsLate,
            readingsRejected: s.readingsRejected, readingsStored: s.readingsStored,
            recentRejections: s.recent.reversed().map {
                RecentRejection(
                    detail: $0.detail, payload: $0.payload, reason: $0.reason.rawValue, sensor: $0.sensor?.rawValue,
                    time: $0.time.iso8601, topic: $0.topic)
            },
            rejectionsByReason: Dictionary(
                uniqueKeysWithValues: s.rejectionsByReason.map { ($0.key.rawValue, $0.value) }),
            rejectionsBySensor: s.rejectionsBySensor, unconfiguredSample: s.unconfiguredSample)
    }
}

extension Contract.Health.AlertLog {
    /// Whether the alert log is written and how far.
    init(_ health: AlertLogHealth) {
        self.init(
            failingSince: health.failure?.since.iso8601, journalled: Int(health.journalled),
            loggedThrough: Int(health.loggedThrough), path: health.path, problem: health.failure?.problem,
            writeFailures: health.writeFailures)
    }
}

extension Contract.Health.Configuration {
    /// When the configuration was loaded, and why the last reload was refused.
    init(_ record: ReloadRecord) {
        self.init(lastError: record.lastError, loadedAt: record.loadedAt, reloads: record.reloads)
    }
}

extension Contract.Quarantine.Item {
    /// A message set aside; its payload as text when it is UTF-8, else in base64.
    init(_ message: QuarantinedMessage) {
        let text = String(validating: message.payload, as: UTF8.self)
        self.init(
            at: message.at.iso8601, id: Int(message.id),
            payload: text ?? Data(message.payload).base64EncodedString(), payloadBytes: message.payload.count,
            payloadEncoding: text == nil ? "base64" : "utf-8", reason: message.reason, topic: message.topic)
    }
}

extension Contract.SeriesSteps.Point {
    /// One step: its aggregate, or the value held from before while within the heartbeat.
    init(_ point: SeriesPoint) {
        self.init(
            count: point.aggregate?.count ?? 0, held: point.heldValue, last: point.aggregate?.last,
            max: point.aggregate?.max, mean: point.aggregate?.mean, min: point.aggregate?.min,
            time: point.start.iso8601)
    }
}
