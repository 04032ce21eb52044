import FeedCore

/// What ingest knows about one configured sensor: which metrics it may report and their plausible bounds.
public struct SensorSpec: Sendable, Hashable {
    public var id: SensorID
    public var metrics: Set<Metric>
    /// Upper bounds; a value above is impossible for this sensor (e.g. occupied > 1.1 × capacity).
    public var maximum: [Metric: Double]

    public init(id: SensorID, metrics: Set<Metric>, maximum: [Metric: Double] = [:]) {
        self.id = id
        self.metrics = metrics
        self.maximum = maximum
    }
}

/// Limits that apply to every message.
public struct IngestPolicy: Sendable, Hashable {
    /// Larger payloads are rejected unread.
    public var maxPayloadBytes: Int = 65_536
    /// How far in the future an observation time may lie (sensor clocks drift).
    public var maxFutureSkewSeconds: Double = 300
    /// Observations older than this are rejected (they fall outside what the store keeps).
    public var maxAgeSeconds: Double = 90 * 86_400

    public init() {}
}
