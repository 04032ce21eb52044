import Alerts
import Beaches
import FeedCore
import Foundation
import Ingest
import Parking
import TimeSeries

/// Computes the public status documents from the configuration, the store and the time. Read-only and
/// cheap for a city's worth of car parks and beaches.
struct CityStatus: Sendable {
    let configuration: DaemonConfiguration
    let store: SeriesStore
    let calculator: AvailabilityCalculator
    let dynamics = ParkingDynamics()
    let dischargeRule: DischargeRule

    init(configuration: DaemonConfiguration, store: SeriesStore) {
        self.configuration = configuration
        self.store = store
        self.calculator = AvailabilityCalculator(
            staleAfterSeconds: configuration.staleAfterSeconds, timeZone: configuration.timeZone)
        self.dischargeRule = DischargeRule(holdSeconds: configuration.dischargeHoldSeconds)
    }

    // MARK: Parking

    func carPark(_ carPark: CarPark, now: Timestamp) -> CarParkDocument {
        let availability = availability(of: carPark, now: now)
        var document = CarParkDocument(carPark: carPark, availability: availability)
        document.outlook = outlook(carPark, availability: availability, now: now)
        document.zones = zoneCounts(carPark, now: now)
        return document
    }

    func carParks(now: Timestamp) -> [CarParkDocument] {
        configuration.carParks.map { carPark($0, now: now) }
    }

    func availabilities(now: Timestamp) -> [(carPark: CarPark, availability: Availability)] {
        configuration.carParks.map { ($0, availability(of: $0, now: now)) }
    }

    /// Availability with the status smoothed by hysteresis over the last hour, and figures withheld from a
    /// counter that reads the same for a day.
    func availability(of carPark: CarPark, now: Timestamp) -> Availability {
        var occupied = store.latest(SeriesKey(sensor: carPark.sensor, metric: .occupied), atOrBefore: now)
        if carPark.balancing != nil, let counted = balancingState(carPark, now: now) {
            // The count is as fresh as the counter's last report, even when that report was 0 entries, 0 exits.
            let heard = [.entries, .exits, .entriesTotal, .exitsTotal, .occupancySet].compactMap {
                store.latest(SeriesKey(sensor: carPark.sensor, metric: $0))?.time
            }.max() ?? counted.time
            occupied = Sample(time: max(heard, counted.time), value: Double(counted.occupied))
        }
        var unknownSpaces: Int?
        if let sensors = carPark.spaceSensors {
            let count = sensors.count(
                latest: sensors.spaces.map { store.latest(SeriesKey(sensor: $0, metric: .spaceOccupied), atOrBefore: now) },
                now: now)
            // Unknown spaces count as taken: a driver is never sent to a space nobody has seen free.
            occupied = count.newest.map { Sample(time: $0, value: Double(carPark.capacity - count.vacant)) }
            unknownSpaces = count.unknown
        }
        var availability = calculator.availability(
            of: carPark, occupied: occupied,
            free: carPark.balancing == nil
                ? store.latest(SeriesKey(sensor: carPark.sensor, metric: .free), atOrBefore: now) : nil,
            now: now)
        if availability.hasRealtimeData,
            let quality = dynamics.suspectCounter(occupiedHistory(carPark, from: now.adding(seconds: -86_400), to: now))
        {
            // A stuck or dead counter's figure looks plausible and is not: withhold it, and say why.
            availability = Availability(
                free: nil, occupied: nil, status: availability.status == .closed ? .closed : .unknown,
                hasRealtimeData: false, observedAt: availability.observedAt, dataAgeSeconds: availability.dataAgeSeconds)
            availability.dataQuality = quality
            return availability
        }
        availability.unknownSpaces = unknownSpaces
        if availability.hasRealtimeData && availability.status != .closed,
            let smoothed = dynamics.status(
                freeHistory: occupiedHistory(carPark, from: now.adding(seconds: -3_600), to: now).map {
                    carPark.capacity - carPark.spaces($0.value)
                }, almostFullFree: carPark.almostFullFree)
        {
            availability.status = smoothed
        }
        return availability
    }

    /// Per-zone counts of a car park counted space by space.
    func zoneCounts(_ carPark: CarPark, now: Timestamp) -> [ZoneDocument]? {
        guard let sensors = carPark.spaceSensors, !sensors.zones.isEmpty else { return nil }
        return sensors.zones.map { zone in
            let count = sensors.count(
                latest: zone.spaces.map { store.latest(SeriesKey(sensor: $0, metric: .spaceOccupied), atOrBefore: now) },
                now: now)
            return ZoneDocument(id: zone.id, capacity: zone.spaces.count, free: count.vacant, unknown: count.unknown)
        }
    }

    /// An entry/exit counted car park's occupancy, replayed from its last calibration point; `nil` for other
    /// car parks and for counters never heard from.
    func balancingState(_ carPark: CarPark, now: Timestamp) -> BalancingCounter.State? {
        guard let counter = carPark.balancing else { return nil }
        let entriesKey = SeriesKey(sensor: carPark.sensor, metric: .entries)
        let exitsKey = SeriesKey(sensor: carPark.sensor, metric: .exits)
        let operatorSet = store.latest(SeriesKey(sensor: carPark.sensor, metric: .occupancySet))
        let entriesTotalKey = SeriesKey(sensor: carPark.sensor, metric: .entriesTotal)
        let exitsTotalKey = SeriesKey(sensor: carPark.sensor, metric: .exitsTotal)
        guard [entriesKey, exitsKey, entriesTotalKey, exitsTotalKey].contains(where: { store.latest($0) != nil })
            || operatorSet != nil
        else { return nil }
        let lastReset = lastNightlyReset(counter, before: now)
        let from = max(lastReset, operatorSet?.time ?? lastReset)
        // Cumulative totals become increments; the total just before `from` anchors the first one.
        func increments(_ key: SeriesKey) -> [Sample] {
            var totals = store.samples(key, from: from, to: now)
            if let anchor = store.latest(key, atOrBefore: from), anchor.time < (totals.first?.time ?? now) {
                totals.insert(anchor, at: 0)
            }
            return BalancingCounter.increments(fromTotals: totals)
        }
        return counter.state(
            entries: store.samples(entriesKey, from: from, to: now) + increments(entriesTotalKey),
            exits: store.samples(exitsKey, from: from, to: now) + increments(exitsTotalKey),
            operatorSet: operatorSet, lastReset: lastReset, now: now)
    }

    /// The latest nightly reset at or before `time`, in the city's time zone.
    func lastNightlyReset(_ counter: BalancingCounter, before time: Timestamp) -> Timestamp {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = configuration.timeZone
        let midnight = calendar.startOfDay(for: time.date)
        let today = calendar.date(byAdding: .minute, value: counter.resetMinute, to: midnight) ?? midnight
        let reset = today <= time.date ? today : calendar.date(byAdding: .day, value: -1, to: today) ?? today
        return Timestamp(reset)
    }

    /// Occupied spaces over a window, from whichever of the `occupied` and `free` series the car park reports.
    func occupiedHistory(_ carPark: CarPark, from: Timestamp, to: Timestamp) -> [Sample] {
        if carPark.balancing != nil {
            return (balancingState(carPark, now: to)?.timeline ?? []).filter { $0.time >= from }
        }
        let occupied = store.samples(SeriesKey(sensor: carPark.sensor, metric: .occupied), from: from, to: to)
        let free = store.samples(SeriesKey(sensor: carPark.sensor, metric: .free), from: from, to: to).map {
            Sample(time: $0.time, value: Double(carPark.capacity - carPark.spaces($0.value)))
        }
        return (occupied + free).sorted { $0.time < $1.time }
    }

    /// Trend, minutes to full and the 30- and 60-minute forecasts, from the last hour and the same time on up
    /// to seven previous days.
    func outlook(_ carPark: CarPark, availability: Availability, now: Timestamp) -> CarParkOutlook {
        guard availability.hasRealtimeData, let free = availability.free else { return CarParkOutlook() }
        let rate = dynamics.occupiedPerHour(occupiedHistory(carPark, from: now.adding(seconds: -3_600), to: now))
        var outlook = CarParkOutlook()
        if let rate {
            outlook.trend = dynamics.trend(occupiedPerHour: rate, capacity: carPark.capacity)
            outlook.minutesToFull = dynamics.minutesToFull(free: free, occupiedPerHour: rate, capacity: carPark.capacity)
        }
        for minutes in [30.0, 60.0] {
            var previousDays: [(then: Double, later: Double)] = []
            for day in 1...7 {
                let then = now.adding(seconds: -Double(day) * 86_400)
                guard let before = freeAt(carPark, then), let after = freeAt(carPark, then.adding(seconds: minutes * 60))
                else { continue }
                previousDays.append((before, after))
            }
            let forecast = dynamics.forecastFree(
                now: free, minutes: minutes, capacity: carPark.capacity, occupiedPerHour: rate,
                sameTimeOnPreviousDays: previousDays)
            if minutes == 30 { outlook.forecast30 = forecast } else { outlook.forecast60 = forecast }
        }
        return outlook
    }

    /// Free spaces as last reported in the quarter hour before `time`.
    private func freeAt(_ carPark: CarPark, _ time: Timestamp) -> Double? {
        let from = time.adding(seconds: -900)
        if let occupied = store.aggregate(SeriesKey(sensor: carPark.sensor, metric: .occupied), from: from, to: time) {
            return Double(carPark.capacity - carPark.spaces(occupied.last))
        }
        return store.aggregate(SeriesKey(sensor: carPark.sensor, metric: .free), from: from, to: time).map {
            Double(carPark.spaces($0.last))
        }
    }

    /// Free spaces over the last `seconds`, oldest first, for a car park's detail page.
    func freeHistory(_ carPark: CarPark, seconds: Double, now: Timestamp) -> [HistoryPoint] {
        occupiedHistory(carPark, from: now.adding(seconds: -seconds), to: now).map {
            HistoryPoint(time: $0.time.iso8601, free: carPark.capacity - carPark.spaces($0.value))
        }
    }

    // MARK: Beaches and sewage

    func outfallCondition(_ outfall: OutfallConfiguration, now: Timestamp) -> SewageCondition {
        let history = store.history(SeriesKey(sensor: outfall.id, metric: .overflowState))
        return dischargeRule.condition(history: history.samples, complete: !history.truncated, now: now)
    }

    func beach(_ beach: BeachConfiguration, now: Timestamp) -> BeachDocument {
        let outfalls = configuration.outfalls.filter { $0.beaches.contains(beach.id) }
        let conditions = outfalls.map { (id: $0.id, condition: outfallCondition($0, now: now)) }
        let ecoli = beach.probe.flatMap { store.latest(SeriesKey(sensor: $0, metric: .ecoli)) }
        let enterococci = beach.probe.flatMap { store.latest(SeriesKey(sensor: $0, metric: .enterococci)) }
        let assessor = BeachAssessor(
            thresholds: configuration.thresholds[beach.water] ?? .defaults(for: beach.water),
            maxSampleAgeSeconds: configuration.maxSampleAgeSeconds)
        let assessment = assessor.assess(
            BeachEvidence(ecoli: ecoli, enterococci: enterococci, outfalls: conditions), now: now)
        return BeachDocument(
            beach: beach, assessment: assessment, ecoli: ecoli, enterococci: enterococci,
            outfalls: zip(outfalls, conditions).map { OutfallDocument(outfall: $0, condition: $1.condition) })
    }

    func beaches(now: Timestamp) -> [BeachDocument] {
        configuration.beaches.map { beach($0, now: now) }
    }

    /// Sewage alerts active now: one per outfall that is discharging or within its hold, naming its beaches.
    func activeAlerts(now: Timestamp) -> [AlertDocument] {
        configuration.outfalls.compactMap { outfall in
            let condition = outfallCondition(outfall, now: now)
            switch condition {
            case .discharging, .recentDischarge:
                return AlertDocument(kind: "sewage_discharge", outfall: outfall, condition: condition)
            case .offline:
                return AlertDocument(kind: "outfall_offline", outfall: outfall, condition: condition)
            case .clear, .unknown:
                return nil
            }
        }
    }
}
