import Alerts
import Beaches
import FeedCore
import Parking
import TimeSeries

// What each car park's and beach's answer depends on, so that a list can keep an item's answer until one of
// these changes (see `CityAPI.ItemRenderings`): the revision of the series it is computed from, what the alert
// engine holds about it, and the moments at which the clock alone changes it.

extension CityStatus {
    /// The series a car park's answer is computed from: its counter's and, counted space by space, each
    /// detector's.
    func seriesKeys(of carPark: CarPark) -> [SeriesKey] {
        let metrics: [Metric] = [.occupied, .free, .entries, .exits, .entriesTotal, .exitsTotal, .occupancySet]
        return metrics.map { SeriesKey(sensor: carPark.sensor, metric: $0) }
            + (carPark.spaceSensors?.spaces ?? []).map { SeriesKey(sensor: $0, metric: .spaceOccupied) }
    }

    /// Changes whenever a reading reaches one of the car park's series; read it before computing the answer.
    package func inputsRevision(of carPark: CarPark) -> Int64 {
        store.revision(of: seriesKeys(of: carPark))
    }

    /// The first moment after `now` at which the clock alone changes the car park's answer, apart from its age
    /// and the figures that slide with the clock (the last hour's hysteresis, the last day's counter check,
    /// each detector's heartbeat): its live figures going stale.
    package func clockChange(of state: CarParkState, now: Timestamp) -> Timestamp? {
        let availability = state.availability
        guard availability.hasRealtimeData, let observed = availability.observedAt,
            let staleAfter = availability.staleAfterSeconds
        else { return nil }
        // Fresh while the age is at most the cut-off: stale from the next millisecond on.
        let stale = observed.adding(seconds: staleAfter).adding(seconds: 0.001)
        return stale >= now ? stale : nil
    }

    /// What a beach's answer depends on besides the clock: its probe's series, its open alerts, its outfalls'
    /// conditions as the alert engine holds them, and the municipal order on it.
    package struct BeachInputs: Equatable, Sendable {
        /// The revision of the probe's series (see `SeriesStore.revision(of:)`).
        var revision: Int64
        /// Its open alerts.
        package var open: [Alert]
        var conditions: [OutfallCondition]
        var override: BeachOverride?
    }

    /// The open alerts concerning each of `beaches`, by beach id: read once for a whole list, not per beach.
    package func openAlerts(concerning beaches: Set<String>) -> [String: [Alert]] {
        var openByBeach: [String: [Alert]] = [:]
        for alert in alerts.openAlerts(concerning: beaches) {
            for beach in Set(alert.beaches) where beaches.contains(beach) {
                openByBeach[beach, default: []].append(alert)
            }
        }
        return openByBeach
    }

    /// A beach's inputs now, with `open` its open alerts (from `openAlerts(concerning:)`).
    package func inputs(of beach: BeachConfiguration, open: [Alert]) -> BeachInputs {
        let metrics: [Metric] = [.turbidity, .salinity, .temperature, .ecoli, .enterococci]
        return BeachInputs(
            revision: beach.probe.map { probe in
                store.revision(of: metrics.map { SeriesKey(sensor: probe, metric: $0) })
            } ?? 0,
            open: open,
            conditions: (outfallsByBeach[beach.id] ?? []).map {
                alerts.condition(ofOutfall: $0.id, forBeach: beach.id)
            },
            override: alerts.override(of: beach.id))
    }

    /// The beach's answer at `now` from `inputs` (read just before).
    package func beach(_ beach: BeachConfiguration, inputs: BeachInputs, now: Timestamp) -> BeachState {
        let outfalls = outfallsByBeach[beach.id] ?? []
        return state(
            beach, now: now, conditions: zip(outfalls, inputs.conditions).map { (id: $0.id, condition: $1) },
            open: inputs.open, override: inputs.override.flatMap { $0.isActive(at: now) ? $0 : nil })
    }

    /// The first moment after `now` at which the clock alone changes the beach's answer, apart from its
    /// sample's age and the plume signs of the last day: its sample growing too old, its probe going
    /// offline, the municipal order starting or ending.
    package func clockChange(of state: BeachState, inputs: BeachInputs, now: Timestamp) -> Timestamp? {
        var moments: [Timestamp] = []
        if let sample = state.assessment.sampleTime {
            moments.append(sample.adding(seconds: configuration.bathingWater.maxSampleAgeSeconds + 0.001))
        }
        if let seen = state.probe?.lastSeen {
            moments.append(seen.adding(seconds: configuration.bathingWater.bathing.probeOfflineSeconds + 0.001))
        }
        if let override = inputs.override {
            moments.append(override.at)
            if let until = override.until { moments.append(until) }
        }
        return moments.filter { $0 >= now }.min()
    }
}
