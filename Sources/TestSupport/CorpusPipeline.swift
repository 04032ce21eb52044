import FeedCore
import Ingest

/// The ingest pipeline that the bad-input corpus (`BadInputCorpusTests`) and the payload fuzzer
/// (`FuzzPayloads`) both feed: every codec on a route of its own, and three sensors with their bounds: a car
/// park `lot`, a beach `probe`, an `outfall`.
public func corpusPipeline(policy: IngestPolicy = IngestPolicy()) -> IngestPipeline {
    IngestPipeline(
        routes: [
            try! TopicRoute(pattern: "c/parking/{sensor}/json"),
            try! TopicRoute(pattern: "c/parking/{sensor}/number", format: .number, metric: .occupied),
            try! TopicRoute(pattern: "c/any/{sensor}/senml", format: .senml),
            try! TopicRoute(pattern: "v3/+/devices/{sensor}/up", format: .ttn),
            try! TopicRoute(pattern: "application/+/device/{sensor}/event/up", format: .chirpstack),
        ],
        sensors: [
            SensorSpec(
                id: "lot", metrics: [.occupied, .free, .entries, .exits, .spaceOccupied],
                maximum: [.occupied: 110, .free: 110]),
            SensorSpec(
                id: "probe", metrics: [.ecoli, .enterococci, .turbidity, .salinity, .temperature],
                maximum: [.salinity: 50]),
            SensorSpec(id: "outfall", metrics: [.overflowState]),
        ],
        policy: policy)
}
