import Alerts
import Beaches
import CoreMetrics
import FeedCore
import Foundation
import Logging
import Parking
import RequestParsing
import TimeSeries

/// Where operators' writes are carried out: those taken here (the HTTP API), and, in a pair, those the other
/// instance took and shared through the broker. A write taken here is applied at once and queued for the pair
/// (`outbox`); a write from the pair is applied as the taking instance applied it, once.
package final class OperatorDesk: Sendable {
    let status: Reloadable<CityStatus>
    /// This instance's MQTT client id: the origin of the writes it shares.
    let origin: String
    /// Writes waiting to be published for the pair; `nil` when `mqtt.operator_topic` is not set.
    let outbox: OperatorActionOutbox?
    let logger: Logger
    let counters: Counters

    /// How many writes were taken, shared, applied from the pair, found already applied, or refused.
    struct Counters: Sendable {
        let taken: Counter
        let applied: Counter
        let unchanged: Counter
        let refused: Counter

        init(factory: any MetricsFactory) {
            func counter(_ outcome: String) -> Counter {
                Counter(label: "cityfeeds_operator_actions_total", dimensions: [("outcome", outcome)], factory: factory)
            }
            (taken, applied, unchanged, refused) = (
                counter("taken"), counter("applied_from_pair"), counter("unchanged_from_pair"),
                counter("refused_from_pair")
            )
        }
    }

    /// What became of a message from the pair.
    package enum Received: Equatable, Sendable {
        /// This instance's own write, come back from the broker.
        case own
        case applied
        /// Already so here (a message the broker delivered again).
        case unchanged
        case refused(String)
    }

    /// A desk over `status`'s store and alerts, sharing through `outbox` (if any) as `origin`.
    package init(
        status: Reloadable<CityStatus>, origin: String, outbox: OperatorActionOutbox?, metrics: any MetricsFactory,
        logger: Logger
    ) {
        self.status = status
        self.origin = origin
        self.outbox = outbox
        self.logger = logger
        counters = Counters(factory: metrics)
    }

    // MARK: Writes taken here

    /// Acknowledges alert `id` (this instance's id).
    package func acknowledge(alert id: Int64, note: OperatorNote) throws -> Alert {
        let alert = try status.value.alerts.acknowledge(id: id, note: note)
        share(.acknowledge(alert.fingerprint, startedAt: alert.startedAt, note: note))
        return alert
    }

    /// Silences alert `id` until `until`.
    package func silence(alert id: Int64, until: Timestamp, note: OperatorNote) throws -> Alert {
        let alert = try status.value.alerts.silence(id: id, until: until, note: note)
        share(.silence(alert.fingerprint, startedAt: alert.startedAt, until: until, note: note))
        return alert
    }

    /// Marks alert `id` not genuine.
    package func markNotGenuine(alert id: Int64, note: OperatorNote) throws -> Alert {
        let alert = try status.value.alerts.markNotGenuine(id: id, note: note)
        share(.markNotGenuine(alert.fingerprint, startedAt: alert.startedAt, note: note))
        return alert
    }

    /// Puts a municipal order on `beach` (a configured beach), or lifts the one in force (`nil`).
    package func setBeachOrder(_ order: BeachOverride?, beach: String, at time: Timestamp) throws {
        try status.value.alerts.setOverride(order, beach: beach, at: time)
        share(.setBeachOrder(beach: beach, order: order, at: time))
    }

    /// Records an operator's count for `carPark` (an entry/exit counted one; `occupied` within its capacity).
    package func setOccupancy(of carPark: CarPark, occupied: Int, at time: Timestamp) throws {
        try recordOccupancy(of: carPark, occupied: occupied, at: time)
        share(.setOccupancy(carPark: carPark.id, occupied: occupied, at: time))
    }

    /// `false` when the store already held this count (one reading per sensor, metric and time).
    @discardableResult
    private func recordOccupancy(of carPark: CarPark, occupied: Int, at time: Timestamp) throws -> Bool {
        let result = try status.value.store.append([
            Reading(sensor: carPark.sensor, metric: .occupancySet, time: time, value: Double(occupied), received: time)
        ])
        return !result.new.isEmpty
    }

    private func share(_ action: OperatorAction) {
        counters.taken.increment()
        outbox?.enqueue(OperatorActionMessage(origin: origin, action: action))
    }

    // MARK: Writes from the pair

    /// Applies a write another instance took, unless it is this one's or is already so here. A message that
    /// cannot be read, or names what this instance does not have, is refused with the reason (counted and
    /// logged); only a failure to write the journal or the store throws, so that the broker delivers it again.
    @discardableResult
    package func receive(_ payload: [UInt8]) throws -> Received {
        let received: Received
        do {
            let message = try OperatorActionMessage.decode(payload)
            received = message.origin == origin ? .own : try apply(message.action)
        } catch let refusal as BadParameter {
            received = .refused(refusal.message)
        } catch let refusal as AlertActionError {
            received = .refused("the alert cannot take it here (\(refusal))")
        }
        switch received {
        case .own: break
        case .applied: counters.applied.increment()
        case .unchanged: counters.unchanged.increment()
        case .refused(let reason):
            counters.refused.increment()
            logger.warning("operator write from the pair refused", metadata: ["reason": "\(reason)"])
        }
        return received
    }

    /// Every check a write taken here passed, again: the pair's configuration may differ during a rollout.
    private func apply(_ action: OperatorAction) throws -> Received {
        let status = status.value
        let alerts = status.alerts
        func alert(_ fingerprint: AlertFingerprint, _ start: Timestamp) throws -> Alert {
            guard let alert = try alerts.alert(fingerprint, startedAt: start) else {
                throw BadParameter(message: "no alert \(fingerprint) started at \(start.iso8601) here")
            }
            return alert
        }
        switch action {
        case .acknowledge(let fingerprint, let start, let note):
            let found = try alert(fingerprint, start)
            guard found.acknowledged != note else { return .unchanged }
            _ = try alerts.acknowledge(id: found.id, note: note)
        case .silence(let fingerprint, let start, let until, let note):
            let found = try alert(fingerprint, start)
            guard found.silencedUntil != until else { return .unchanged }
            _ = try alerts.silence(id: found.id, until: until, note: note)
        case .markNotGenuine(let fingerprint, let start, let note):
            let found = try alert(fingerprint, start)
            guard found.notGenuine != note else { return .unchanged }
            _ = try alerts.markNotGenuine(id: found.id, note: note)
        case .setBeachOrder(let beach, let order, let time):
            guard status.configuration.beaches.contains(where: { $0.id == beach }) else {
                throw BadParameter(message: "no beach '\(beach.prefix(64))' here")
            }
            guard alerts.override(of: beach) != order else { return .unchanged }
            try alerts.setOverride(order, beach: beach, at: time)
        case .setOccupancy(let id, let occupied, let time):
            guard let carPark = status.configuration.carParks.first(where: { $0.id == id }),
                carPark.balancing != nil, (0...carPark.capacity).contains(occupied)
            else {
                throw BadParameter(message: "no counted car park '\(id.prefix(64))' here for \(occupied) vehicles")
            }
            // The store keeps one reading per time: a repeated count is a duplicate, not a second count.
            guard try recordOccupancy(of: carPark, occupied: occupied, at: time) else { return .unchanged }
        }
        return .applied
    }
}
