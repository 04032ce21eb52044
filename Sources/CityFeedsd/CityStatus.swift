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
        let availability = calculator.availability(
            of: carPark,
            occupied: store.latest(SeriesKey(sensor: carPark.sensor, metric: .occupied)),
            free: store.latest(SeriesKey(sensor: carPark.sensor, metric: .free)),
            now: now)
        return CarParkDocument(carPark: carPark, availability: availability)
    }

    func carParks(now: Timestamp) -> [CarParkDocument] {
        availabilities(now: now).map { CarParkDocument(carPark: $0.carPark, availability: $0.availability) }
    }

    func availabilities(now: Timestamp) -> [(carPark: CarPark, availability: Availability)] {
        configuration.carParks.map { carPark in
            (carPark, calculator.availability(
                of: carPark,
                occupied: store.latest(SeriesKey(sensor: carPark.sensor, metric: .occupied)),
                free: store.latest(SeriesKey(sensor: carPark.sensor, metric: .free)),
                now: now))
        }
    }

    /// Free spaces over the last `seconds`, oldest first, for a car park's detail page.
    func freeHistory(_ carPark: CarPark, seconds: Double, now: Timestamp) -> [HistoryPoint] {
        let from = now.adding(seconds: -seconds)
        let occupied = store.samples(SeriesKey(sensor: carPark.sensor, metric: .occupied), from: from, to: now)
            .map { HistoryPoint(time: $0.time.iso8601, free: carPark.capacity - carPark.spaces($0.value)) }
        let free = store.samples(SeriesKey(sensor: carPark.sensor, metric: .free), from: from, to: now)
            .map { HistoryPoint(time: $0.time.iso8601, free: carPark.spaces($0.value)) }
        return (occupied + free).sorted { $0.time < $1.time }
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
