import FeedCore

/// What ingest knows about one configured sensor: which metrics it may report and their plausible bounds.
public struct SensorSpec: Sendable, Hashable {
    /// The configured sensor.
    public var id: SensorID
    /// The metrics it may report; others are refused.
    public var metrics: Set<Metric>
    /// Upper bounds; a value above is impossible for this sensor (e.g. occupied > 1.1 × capacity).
    public var maximum: [Metric: Double]

    /// What sensor `id` may report.
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

    /// The documented defaults.
    public init() {}
}
