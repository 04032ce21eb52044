import FeedCore
import Foundation
import Ingest
import Parking
import TestSupport
import Testing

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

@Suite struct SimulatorTests {
    let configuration = try! DaemonConfiguration.load(
        path: repositoryRoot.appending(path: "config/biarritz.toml").path)

    /// A simulated day, tick by tick: every message it publishes must be accepted by the daemon's own
    /// pipeline, so the simulator and the sample configuration cannot drift apart.
    @Test func everySimulatedMessageIsAcceptedByTheSampleConfiguration() {
        let pipeline = IngestPipeline(
            routes: configuration.ingest.routes, sensors: configuration.sensorSpecs, policy: configuration.ingest.policy
        )
        var simulator = TrafficSimulator(configuration: configuration)
        let now = Timestamp.now
        var metrics = Set<Metric>()
        for tick in 0..<300 {
            for message in simulator.messages(afterSeconds: Double(tick) * 2, now: now) {
                let outcome = pipeline.process(
                    InboundMessage(topic: message.topic, payload: Array(message.payload.utf8), received: now))
                #expect(outcome.rejected.isEmpty, "\(message.topic) \(message.payload): \(outcome.rejected)")
                metrics.formUnion(outcome.accepted.map(\.metric))
            }
        }
        #expect(
            metrics == [
                .occupied, .entries, .exits, .ecoli, .enterococci, .turbidity, .salinity, .temperature,
                .rainMillimetres,
                .overflowState,
            ])
    }

    @Test func carParksFillByDayAndEmptyAtNight() {
        for carPark in configuration.carParks {
            let night = TrafficSimulator.occupancyRatio(of: carPark, hour: 3)
            let day = TrafficSimulator.occupancyRatio(of: carPark, hour: 14)
            #expect(night < 0.3, "\(carPark.id)")
            #expect(day > 0.6, "\(carPark.id)")
        }
    }

    @Test func theEveningStormMakesTheOutfallsDischarge() {
        var simulator = TrafficSimulator(configuration: configuration)
        simulator.startHour = 0
        // A day is 600 s by default: 21:30 is 537.5 s in; 12:00 is 300 s in.
        let storm = simulator.messages(afterSeconds: 537.5, now: .now).filter { $0.topic.contains("/sewer/") }
        #expect(storm.count == configuration.outfalls.count)
        #expect(storm.allSatisfy { $0.payload.contains("\"discharging\"") })
        var calm = TrafficSimulator(configuration: configuration)
        calm.startHour = 0
        #expect(calm.messages(afterSeconds: 300, now: .now).filter { $0.payload.contains("discharging") }.isEmpty)
    }
}
