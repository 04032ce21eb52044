import Alerts
import Beaches
import FeedCore
import Foundation
import Ingest
import Parking
import TimeSeries

/// Computes the city's status (car parks, beaches, alerts) as domain values from the configuration, the store
/// and the time. Read-only and cheap for a city's worth of car parks and beaches.
package struct CityStatus: Sendable {
    /// The configuration it computes from (replaced whole on reload).
    package let configuration: DaemonConfiguration
    let store: SeriesStore
    let calculator: AvailabilityCalculator
    let dynamics = ParkingDynamics()
    /// The car parks' positions, for queries near a point or in a box.
    let carParkGrid: CarParkGrid
    /// The outfalls that reach each beach, by beach id, in configuration order.
    let outfallsByBeach: [String: [OutfallConfiguration]]
    /// The alert center (it outlives reloads).
    package let alerts: AlertCenter
    let classifications = VersionedCache<[Int64], SeasonalClassification?>()

    /// A status over `store` and `alerts` with `configuration`.
    package init(configuration: DaemonConfiguration, store: SeriesStore, alerts: AlertCenter) {
        self.configuration = configuration
        self.store = store
        self.alerts = alerts
        self.calculator = AvailabilityCalculator(
            staleAfterSeconds: configuration.parking.staleAfterSeconds, timeZone: configuration.timeZone)
        carParkGrid = CarParkGrid(configuration.carParks)
        var outfallsByBeach: [String: [OutfallConfiguration]] = [:]
        for outfall in configuration.outfalls {
            for beach in Set(outfall.beaches) { outfallsByBeach[beach, default: []].append(outfall) }
        }
        self.outfallsByBeach = outfallsByBeach
    }

    // MARK: Parking

    /// One car park at `now`: availability, outlook and, for per-space detection, its zones.
    package func carPark(_ carPark: CarPark, now: Timestamp) -> CarParkState {
        let availability = availability(of: carPark, now: now)
        return CarParkState(
            carPark: carPark, availability: availability,
            outlook: outlook(carPark, availability: availability, now: now),
            zones: zoneCounts(carPark, now: now), staticDataUpdatedAt: configuration.staticDataUpdatedAt)
    }

    /// The car parks `query` selects, nearest first when it has a position (equal distances in configuration
    /// order), with their outlooks: every page at once.
    package func carParks(_ query: ParkingQuery, now: Timestamp) -> [CarParkState] {
        carParks(query, page: PageRequest(limit: .max), now: now).items
    }

    /// One page of the car parks `query` selects, in its order (nearest first with a position, configuration
    /// order otherwise), and where the next page starts if there is one. Only the car parks in the grid cells
    /// the query's position reaches are looked at, and availability is computed for the page's car parks only
    /// (and, with `minimumFree`, for those it has to look at): a page costs its size.
    package func carParks(
        _ query: ParkingQuery, page: PageRequest, now: Timestamp
    ) -> (items: [CarParkState], next: PageCursor?) {
        var ordered: [(cursor: PageCursor, carPark: CarPark, distance: Double?)] = []
        for index in carParkGrid.candidates(for: query) ?? Array(configuration.carParks.indices) {
            let carPark = configuration.carParks[index]
            let (matches, distance) = query.matchesBesidesAvailability(carPark)
            guard matches else { continue }
            let millimetres = distance.map { Int64(($0 * 1_000).rounded()) } ?? 0
            ordered.append((PageCursor(distanceMillimetres: millimetres, index: index), carPark, distance))
        }
        if query.near != nil { ordered.sort { $0.cursor < $1.cursor } }
        var items: [CarParkState] = []
        var last: PageCursor?
        for (cursor, carPark, distance) in ordered where page.after.map({ cursor > $0 }) ?? true {
            let availability = availability(of: carPark, now: now)
            guard query.availabilityMatches(availability) else { continue }
            // One more match than the page holds: there is a next page, after the page's last item.
            if items.count == page.limit { return (items, last) }
            items.append(
                CarParkState(
                    carPark: carPark, availability: availability,
                    outlook: outlook(carPark, availability: availability, now: now), distanceMetres: distance,
                    staticDataUpdatedAt: configuration.staticDataUpdatedAt))
            last = cursor
        }
        return (items, nil)
    }

    /// One car park with its last hour and, for entry/exit counters, the calibration: `/v1/parking/{id}`.
    package func carParkDetail(_ carPark: CarPark, now: Timestamp) -> CarParkDetail {
        CarParkDetail(
            state: self.carPark(carPark, now: now), history: freeHistory(carPark, seconds: 3_600, now: now),
            counter: balancingState(carPark, now: now))
    }

    /// Every configured car park at `now`, in configuration order.
    package func carParks(now: Timestamp) -> [CarParkState] {
        configuration.carParks.map { carPark($0, now: now) }
    }

    /// Availability with the status smoothed by hysteresis over the last hour, and figures withheld from a
    /// counter that reads the same for a day.
    func availability(of carPark: CarPark, now: Timestamp) -> Availability {
        var occupied = store.latest(SeriesKey(sensor: carPark.sensor, metric: .occupied), atOrBefore: now)
        if carPark.balancing != nil, let counted = balancingState(carPark, now: now) {
            // The count is as fresh as the counter's last report, even when that report was 0 entries, 0 exits.
            let heard =
                [.entries, .exits, .entriesTotal, .exitsTotal, .occupancySet].compactMap {
                    store.latest(SeriesKey(sensor: carPark.sensor, metric: $0), atOrBefore: now)?.time
                }.max() ?? counted.time
            occupied = Sample(time: max(heard, counted.time), value: Double(counted.occupied))
        }
        var unknownSpaces: Int?
        if let sensors = carPark.spaceSensors {
            let count = sensors.count(
                latest: sensors.spaces.map {
                    store.latest(SeriesKey(sensor: $0, metric: .spaceOccupied), atOrBefore: now)
                },
                now: now)
            // Unknown spaces count as taken: a driver is never sent to a space nobody has seen free.
            occupied = count.newest.map { Sample(time: $0, value: Double(carPark.capacity - count.vacant)) }
            unknownSpaces = count.unknown
        }
        let staleAfter = dynamics.staleAfter(
            floor: calculator.staleAfterSeconds, reports: reportTimes(carPark, now: now))
        var availability = calculator.availability(
            of: carPark, occupied: occupied,
            free: carPark.balancing == nil
                ? store.latest(SeriesKey(sensor: carPark.sensor, metric: .free), atOrBefore: now) : nil,
            now: now, staleAfter: staleAfter)
        availability.staleAfterSeconds = staleAfter
        if availability.hasRealtimeData,
            let quality = dynamics.suspectCounter(occupiedHistory(carPark, from: now.adding(seconds: -86_400), to: now))
        {
            // A stuck or dead counter's figure looks plausible and is not: withhold it, and say why.
            availability = Availability(
                free: nil, occupied: nil, status: availability.status == .closed ? .closed : .unknown,
                hasRealtimeData: false, observedAt: availability.observedAt, dataAgeSeconds: availability.dataAgeSeconds
            )
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

    /// When the car park's counter reported over the last day, oldest first: its reporting rhythm.
    func reportTimes(_ carPark: CarPark, now: Timestamp) -> [Timestamp] {
        guard carPark.spaceSensors == nil else { return [] }
        let metrics: [Metric] =
            carPark.balancing == nil ? [.occupied, .free] : [.entries, .exits, .entriesTotal, .exitsTotal]
        let from = now.adding(seconds: -86_400)
        let times = metrics.flatMap {
            store.samples(SeriesKey(sensor: carPark.sensor, metric: $0), from: from, to: now).map(\.time)
        }
        return Array(Set(times)).sorted()
    }

    /// Per-zone counts of a car park counted space by space.
    func zoneCounts(_ carPark: CarPark, now: Timestamp) -> [ZoneCount]? {
        guard let sensors = carPark.spaceSensors, !sensors.zones.isEmpty else { return nil }
        return sensors.zones.map { zone in
            let count = sensors.count(
                latest: zone.spaces.map {
                    store.latest(SeriesKey(sensor: $0, metric: .spaceOccupied), atOrBefore: now)
                },
                now: now)
            return ZoneCount(id: zone.id, capacity: zone.spaces.count, free: count.vacant, unknown: count.unknown)
        }
    }

    /// An entry/exit counted car park's occupancy, replayed from its last calibration point; `nil` for other
    /// car parks and for counters never heard from.
    func balancingState(_ carPark: CarPark, now: Timestamp) -> BalancingCounter.State? {
        guard let counter = carPark.balancing else { return nil }
        let entriesKey = SeriesKey(sensor: carPark.sensor, metric: .entries)
        let exitsKey = SeriesKey(sensor: carPark.sensor, metric: .exits)
        let operatorSet = store.latest(SeriesKey(sensor: carPark.sensor, metric: .occupancySet), atOrBefore: now)
        let entriesTotalKey = SeriesKey(sensor: carPark.sensor, metric: .entriesTotal)
        let exitsTotalKey = SeriesKey(sensor: carPark.sensor, metric: .exitsTotal)
        guard
            [entriesKey, exitsKey, entriesTotalKey, exitsTotalKey].contains(where: {
                store.latest($0, atOrBefore: now) != nil
            })
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
        // Computed for the bucket's start, from the data up to now: the same figures for every request in the
        // bucket until new data come.
        let bucket = ParkingDynamics.forecastBucket(now)
        let rate = dynamics.occupiedPerHour(occupiedHistory(carPark, from: bucket.adding(seconds: -3_600), to: now))
        var outlook = CarParkOutlook()
        if let rate {
            outlook.trend = dynamics.trend(occupiedPerHour: rate, capacity: carPark.capacity)
            outlook.minutesToFull = dynamics.minutesToFull(
                free: free, occupiedPerHour: rate, capacity: carPark.capacity)
        }
        for minutes in [30.0, 60.0] {
            var previousDays: [(then: Double, later: Double)] = []
            for day in 1...7 {
                let then = bucket.adding(seconds: -Double(day) * 86_400)
                guard let before = freeAt(carPark, then),
                    let after = freeAt(carPark, then.adding(seconds: minutes * 60))
                else { continue }
                previousDays.append((before, after))
            }
            let forecast = dynamics.forecastFree(
                now: free, minutes: minutes, capacity: carPark.capacity, occupiedPerHour: rate,
                sameTimeOnPreviousDays: previousDays)
            if minutes == 30 {
                outlook.forecast30 = forecast
                if forecast != nil {
                    outlook.forecastBasis = previousDays.isEmpty ? "trend" : "previous_days"
                    outlook.forecastDays = previousDays.isEmpty ? nil : previousDays.count
                }
            } else {
                outlook.forecast60 = forecast
            }
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
    func freeHistory(_ carPark: CarPark, seconds: Double, now: Timestamp) -> [FreeSpaces] {
        occupiedHistory(carPark, from: now.adding(seconds: -seconds), to: now).map {
            FreeSpaces(time: $0.time, free: carPark.capacity - carPark.spaces($0.value))
        }
    }

    // MARK: Beaches and sewage

    /// One beach now: its assessment and the evidence (samples, probe, outfalls, alerts, order, classification).
    package func beach(_ beach: BeachConfiguration, now: Timestamp) -> BeachState {
        self.beach(beach, now: now, open: alerts.openAlerts.filter { $0.beaches.contains(beach.id) })
    }

    private func beach(_ beach: BeachConfiguration, now: Timestamp, open: [Alert]) -> BeachState {
        self.beach(beach, inputs: inputs(of: beach, open: open), now: now)
    }

    /// What the daemon showed for `beach` at `time`: the readings stored up to then, the alerts open then as
    /// they stood (from the journal), the order in force then; today's configuration. Reaches as far back as
    /// the in-memory series hold. A discharge an operator marked not genuine is not discounted here.
    package func beach(_ beach: BeachConfiguration, at time: Timestamp) throws -> BeachState {
        let open = try alerts.alerts(openAt: time).filter { $0.beaches.contains(beach.id) }
        let outfalls = outfallsByBeach[beach.id] ?? []
        return state(
            beach, now: time,
            conditions: outfalls.map { (id: $0.id, condition: outfallCondition($0.id, at: time, open: open)) },
            open: open, override: try alerts.override(of: beach.id, at: time))
    }

    /// An outfall's condition at `time` from its stored states: the state then, since the start of its run,
    /// and a stop inside the beach's open discharge alert as a recent discharge.
    private func outfallCondition(_ outfall: SensorID, at time: Timestamp, open: [Alert]) -> OutfallCondition {
        let key = SeriesKey(sensor: outfall, metric: .overflowState)
        guard let latest = store.latest(key, atOrBefore: time), let state = OverflowState(value: latest.value) else {
            return .unknown
        }
        var since = latest.time
        for sample in store.samples(key, from: time.adding(seconds: -90 * 86_400), to: time).reversed() {
            guard sample.value == latest.value else { break }
            since = sample.time
        }
        switch state {
        case .discharging: return .discharging(since: since)
        case .offline: return .offline(since: since)
        case .stopped:
            let alert = open.first { $0.fingerprint.rule == .sewageDischarge && $0.causes.contains(outfall.rawValue) }
            return alert.map { .recentDischarge(stoppedAt: since, until: $0.endsAt) } ?? .clear
        }
    }

    func state(
        _ beach: BeachConfiguration, now: Timestamp, conditions: [(id: SensorID, condition: OutfallCondition)],
        open: [Alert], override: BeachOverride?
    ) -> BeachState {
        let outfalls = outfallsByBeach[beach.id] ?? []
        let ecoli = beach.probe.flatMap { store.latest(SeriesKey(sensor: $0, metric: .ecoli), atOrBefore: now) }
        let enterococci = beach.probe.flatMap {
            store.latest(SeriesKey(sensor: $0, metric: .enterococci), atOrBefore: now)
        }
        let probe = self.probe(of: beach, now: now)
        let assessor = BeachAssessor(
            thresholds: configuration.bathingWater.thresholds[beach.water] ?? .defaults(for: beach.water),
            maxSampleAgeSeconds: configuration.bathingWater.maxSampleAgeSeconds)
        let assessment = assessor.assess(
            BeachEvidence(
                ecoli: ecoli, enterococci: enterococci, outfalls: conditions,
                heavyRain: open.first { $0.fingerprint.rule == .heavyRain }?.summary, plumeSigns: probe?.signs ?? [],
                override: override),
            now: now)
        return BeachState(
            beach: beach, assessment: assessment, ecoli: ecoli, enterococci: enterococci, probe: probe,
            outfalls: zip(outfalls, conditions).map { (outfall: $0, condition: $1.condition) }, alerts: open,
            override: override, classification: classification(of: beach, now: now))
    }

    /// Every configured beach now, in configuration order. The open alerts are read once and sorted out by
    /// beach, not once per beach (6,000 beaches under a storm's 6,000 alerts took 16 s).
    package func beaches(now: Timestamp) -> [BeachState] {
        beaches(in: nil, page: PageRequest(limit: .max), now: now).items
    }

    /// One page of the beaches (inside `box` if given), in configuration order, and where the next page starts
    /// if there is one: only the page's beaches are assessed.
    package func beaches(
        in box: ParkingQuery.Box?, page: PageRequest, now: Timestamp
    ) -> (items: [BeachState], next: PageCursor?) {
        // The page's beaches first, then the open alerts that concern them (not the whole city's), then each
        // beach's state.
        var selected: [(index: Int, beach: BeachConfiguration)] = []
        var more = false
        let start = page.after.map { $0.index + 1 } ?? 0
        for (index, beach) in configuration.beaches.enumerated().dropFirst(start) {
            if let box {
                guard (box.minLatitude...box.maxLatitude).contains(beach.latitude),
                    (box.minLongitude...box.maxLongitude).contains(beach.longitude)
                else { continue }
            }
            if selected.count == page.limit {
                more = true
                break
            }
            selected.append((index, beach))
        }
        let openByBeach = openAlerts(concerning: Set(selected.map(\.beach.id)))
        let items = selected.map { beach($0.beach, now: now, open: openByBeach[$0.beach.id] ?? []) }
        return (items, more ? selected.last.map { PageCursor(index: $0.index) } : nil)
    }

    /// The probe's latest physical readings, whether it is online, and the plume signs they show.
    func probe(of beach: BeachConfiguration, now: Timestamp) -> ProbeState? {
        guard let probe = beach.probe else { return nil }
        let metrics: [Metric] = [.turbidity, .salinity, .temperature, .ecoli, .enterococci]
        let latest = Dictionary(
            uniqueKeysWithValues: metrics.compactMap { metric in
                store.latest(SeriesKey(sensor: probe, metric: metric), atOrBefore: now).map { (metric, $0) }
            })
        let lastSeen = latest.values.map(\.time).max()
        let online =
            lastSeen.map { now.seconds(since: $0) <= configuration.bathingWater.bathing.probeOfflineSeconds } ?? false
        let dayAgo = now.adding(seconds: -86_400)
        let signs =
            online
            ? configuration.bathingWater.bathing.plume.signs(
                turbidity: store.samples(SeriesKey(sensor: probe, metric: .turbidity), from: dayAgo, to: now),
                salinity: store.samples(SeriesKey(sensor: probe, metric: .salinity), from: dayAgo, to: now))
            : []
        return ProbeState(
            id: probe, lastSeen: lastSeen, online: online, turbidity: latest[.turbidity]?.value,
            salinity: latest[.salinity]?.value, temperature: latest[.temperature]?.value, signs: signs)
    }

    /// The seasonal classification over the last four complete seasons. It reads up to four years of samples
    /// from SQLite, so it is cached: a new sample (the newest time of either parameter moves) recomputes it at
    /// once, a late one within the hour.
    func classification(of beach: BeachConfiguration, now: Timestamp) -> SeasonalClassification? {
        guard let probe = beach.probe else { return nil }
        let version =
            [Metric.ecoli, .enterococci].map {
                store.latest(SeriesKey(sensor: probe, metric: $0))?.time.milliseconds ?? 0
            }
            + [now.milliseconds / 3_600_000]
        return classifications.value(beach.id, version: version) {
            computeClassification(of: beach, probe: probe, now: now)
        }
    }

    private func computeClassification(
        of beach: BeachConfiguration, probe: SensorID, now: Timestamp
    ) -> SeasonalClassification? {
        let seasons = lastSeasons(4, before: now)
        guard let oldest = seasons.first?.start else { return nil }
        var byTime: [Timestamp: ClassificationSample] = [:]
        for metric in [Metric.ecoli, .enterococci] {
            let samples = (try? store.storedSamples(SeriesKey(sensor: probe, metric: metric), since: oldest)) ?? []
            for sample in samples {
                var entry = byTime[sample.time] ?? ClassificationSample(time: sample.time, ecoli: nil, enterococci: nil)
                if metric == .ecoli { entry.ecoli = sample.value } else { entry.enterococci = sample.value }
                byTime[sample.time] = entry
            }
        }
        // Samples taken while a discharge alert stood are short-term pollution the directive lets us discount.
        let pollution =
            ((try? alerts.alerts(
                AlertFilter(states: .all, beach: beach.id, rule: .sewageDischarge, since: oldest, limit: 10_000))) ?? [])
            .filter { $0.notGenuine == nil }
            .map { ($0.startedAt, $0.resolvedAt ?? now) }
        let grouped = seasons.map { season in
            byTime.values.filter { $0.time >= season.start && $0.time < season.end }.map { sample in
                var sample = sample
                sample.duringShortTermPollution = pollution.contains { sample.time >= $0.0 && sample.time <= $0.1 }
                return sample
            }
        }
        let classifier = Classifier(
            water: beach.water, detectionLimit: configuration.bathingWater.bathing.detectionLimit,
            minimumSamples: Classifier.minimumSamples(seasonDays: configuration.bathingWater.bathing.season.days))
        return SeasonalClassification(
            classification: classifier.classify(seasons: grouped), from: seasons.first!.start, to: seasons.last!.end)
    }

    /// The last `count` complete bathing seasons before `time`, oldest first.
    func lastSeasons(_ count: Int, before time: Timestamp) -> [(start: Timestamp, end: Timestamp)] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = configuration.timeZone
        let season = configuration.bathingWater.bathing.season
        var year = calendar.component(.year, from: time.date)
        var result: [(start: Timestamp, end: Timestamp)] = []
        while result.count < count {
            let start = calendar.date(from: DateComponents(year: year, month: season.startMonth, day: season.startDay))
            let endDay = calendar.date(from: DateComponents(year: year, month: season.endMonth, day: season.endDay))
            guard let start, let endDay, let end = calendar.date(byAdding: .day, value: 1, to: endDay) else { break }
            if Timestamp(end) <= time { result.append((Timestamp(start), Timestamp(end))) }
            year -= 1
        }
        return result.reversed()
    }

    /// Alerts open now, oldest first.
    package func activeAlerts() -> [Alert] {
        alerts.openAlerts
    }
}
