import Beaches
import FeedCore
import Foundation
import Ingest
import Logging
import Parking

/// Publishes realistic traffic for the configured city: car parks filling in the morning and
/// emptying at night, beach probes, and every simulated evening a storm that makes the outfalls discharge and
/// contaminates their beaches.
///
/// A simulated day passes in `dayLength` of real time so that changes are visible within minutes, while every
/// reading carries the real current time (the daemon rejects timestamps from the future).
package struct TrafficSimulator {
    var configuration: DaemonConfiguration
    /// How long a simulated day lasts.
    package var dayLength: Duration = .seconds(600)
    /// Time between two rounds of readings.
    package var interval: Duration = .seconds(2)
    /// Simulated hour of day at start.
    var startHour: Double = 7
    var random = SeededGenerator(seed: 2026)

    /// One message to publish.
    struct Message: Equatable {
        var topic: String
        var payload: String
    }

    private var occupancyJitter: [String: Double] = [:]
    private var lastOccupied: [String: Int] = [:]
    private var outfallStates: [SensorID: OverflowState] = [:]
    private var lastOutfallPublish: [SensorID: Double] = [:]
    private var tick = 0

    /// A simulator for `configuration`'s sensors and topics.
    package init(configuration: DaemonConfiguration) {
        self.configuration = configuration
    }

    /// The simulated hour of day (0..<24) after `elapsed` real seconds.
    func hour(afterSeconds elapsed: Double) -> Double {
        let dayLengthSeconds = Double(dayLength.components.seconds)
        return (startHour + elapsed / dayLengthSeconds * 24).truncatingRemainder(dividingBy: 24)
    }

    /// The storm of each simulated evening: rain from 20:00, outfalls discharging 21:00–22:30.
    static func isRaining(hour: Double) -> Bool { (20...23).contains(hour) }
    static func isDischarging(hour: Double) -> Bool { (21...22.5).contains(hour) }
    /// Contamination lingers on the linked beaches until 03:00.
    static func isContaminated(hour: Double) -> Bool { hour >= 21 || hour < 3 }

    /// Occupancy ratio of a car park at `hour`: city-centre car parks follow business hours, beach car parks
    /// peak mid-afternoon, park-and-ride fills early and empties in the evening.
    static func occupancyRatio(of carPark: CarPark, hour: Double) -> Double {
        func bump(_ peak: Double, _ width: Double) -> Double {
            let distance = min(abs(hour - peak), 24 - abs(hour - peak))
            return exp(-(distance * distance) / (2 * width * width))
        }
        if carPark.parkAndRide { return 0.05 + 0.9 * bump(13, 3.5) }
        if !carPark.hasFee { return 0.1 + 0.8 * bump(14, 4) }
        return 0.12 + 0.86 * max(bump(11.5, 2.5), bump(16, 3))
    }

    /// The messages of one tick, `elapsed` real seconds after the start.
    mutating func messages(afterSeconds elapsed: Double, now: Timestamp) -> [Message] {
        let hour = hour(afterSeconds: elapsed)
        let ts = "\"ts\":\"\(now.iso8601)\""
        var messages: [Message] = []
        defer { tick += 1 }

        for carPark in configuration.carParks {
            var jitter = occupancyJitter[carPark.id, default: 0] + Double.random(in: -0.02...0.02, using: &random)
            jitter = min(max(jitter, -0.06), 0.06)
            occupancyJitter[carPark.id] = jitter
            let ratio = min(max(Self.occupancyRatio(of: carPark, hour: hour) + jitter, 0), 1)
            let occupied = Int((ratio * Double(carPark.capacity)).rounded())
            let topic = topic(configuration.simulatorTopics.parking, carPark.sensor)
            if carPark.balancing != nil {
                // Entry and exit loops see the change, plus cars that come and go within the tick.
                let change = occupied - (lastOccupied[carPark.id] ?? occupied)
                let through = Int.random(in: 0...3, using: &random)
                lastOccupied[carPark.id] = occupied
                messages.append(
                    Message(
                        topic: topic,
                        payload:
                            "{\(ts),\"entries\":\(max(change, 0) + through),\"exits\":\(max(-change, 0) + through)}"))
            } else {
                messages.append(Message(topic: topic, payload: "{\(ts),\"occupied\":\(occupied)}"))
            }
        }

        let contaminatedBeaches = Set(configuration.outfalls.flatMap(\.beaches))
        for beach in configuration.beaches {
            guard let probe = beach.probe else { continue }
            let contaminated = Self.isContaminated(hour: hour) && contaminatedBeaches.contains(beach.id)
            let plume = contaminated ? 1.0 : 0.0
            let turbidity = 1.5 + 6 * plume + Double.random(in: 0...0.8, using: &random)
            let salinity = 35 - 4 * plume - Double.random(in: 0...0.3, using: &random)
            let temperature = 17 + 4 * sin((hour - 9) / 24 * 2 * .pi) + Double.random(in: 0...0.2, using: &random)
            var fields = [
                ts, "\"turbidity\":\(rounded(turbidity))", "\"salinity\":\(rounded(salinity))",
                "\"temperature\":\(rounded(temperature))",
            ]
            // Bacteriology is a rapid test, not a continuous probe: one result every 10 ticks.
            if tick % 10 == 0 {
                let ecoli =
                    contaminated
                    ? Double.random(in: 1_200...4_000, using: &random) : Double.random(in: 5...80, using: &random)
                let enterococci =
                    contaminated
                    ? Double.random(in: 400...1_500, using: &random) : Double.random(in: 5...60, using: &random)
                fields += ["\"ecoli\":\(Int(ecoli))", "\"enterococci\":\(Int(enterococci))"]
            }
            messages.append(
                Message(
                    topic: topic(configuration.simulatorTopics.beach, probe),
                    payload: "{\(fields.joined(separator: ","))}"))
        }

        let raining = Self.isRaining(hour: hour)
        for gauge in configuration.rainGauges {
            let rain = raining ? Double.random(in: 2...9, using: &random) : 0
            messages.append(
                Message(
                    topic: topic(configuration.simulatorTopics.rain, gauge.id),
                    payload: "{\(ts),\"rain_mm\":\(rounded(rain))}"))
        }

        // Outfall monitors report on change, and otherwise every five real minutes as a heartbeat.
        let state: OverflowState = Self.isDischarging(hour: hour) ? .discharging : .stopped
        for outfall in configuration.outfalls {
            let changed = outfallStates[outfall.id] != state
            let heartbeatDue = elapsed - lastOutfallPublish[outfall.id, default: -.infinity] >= 300
            guard changed || heartbeatDue else { continue }
            outfallStates[outfall.id] = state
            lastOutfallPublish[outfall.id] = elapsed
            messages.append(
                Message(
                    topic: topic(configuration.simulatorTopics.outfall, outfall.id),
                    payload: "{\(ts),\"state\":\"\(state.name)\"}"))
        }
        return messages
    }

    func topic(_ pattern: String, _ sensor: SensorID) -> String {
        pattern.replacingOccurrences(of: "{sensor}", with: sensor.rawValue)
    }

    func rounded(_ value: Double) -> String { String(format: "%.2f", value) }

    /// Publishes a tick every `interval` until `duration` has passed (forever when `nil`).
    package mutating func run(broker: BrokerAddress, duration: Duration?, logger: Logger) async throws {
        let publisher = try MQTTPublisher(
            broker: broker, clientID: "cityfeeds-simulator-\(ProcessInfo.processInfo.processIdentifier)",
            username: configuration.mqtt.username, password: configuration.mqtt.password, tls: configuration.mqtt.tls)
        let clock = ContinuousClock()
        let start = clock.now
        logger.info("simulating \(configuration.cityName)", metadata: ["mqtt.broker": "\(broker)"])
        var published = 0
        while duration.map({ clock.now - start < $0 }) ?? true {
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            for message in messages(afterSeconds: seconds, now: .now) {
                try publisher.publish(topic: message.topic, text: message.payload, qos: 1)
                published += 1
            }
            publisher.waitForAcknowledgements(timeout: .seconds(5))
            if tick % 30 == 1 {
                logger.info(
                    "simulated time \(String(format: "%05.2f", hour(afterSeconds: seconds))) h",
                    metadata: ["published": "\(published)"])
            }
            try await Task.sleep(for: interval)
        }
    }
}
