import FeedCore

/// Everything the daemon keeps in memory for one series: the newest samples, compressed, and the rollups.
struct SeriesMemory {
    let metric: Metric
    let seriesClass: SeriesClass
    let scale: Int64
    let timeUnit: Int64
    var raw: CompressedSeries
    var rollups: [RollupRing]
    /// Readings the raw series could no longer place (older than what it holds): durable and in the rollups.
    var late = 0
    /// The store's revision of the last append that changed this series (see `SeriesStore.revision(of:)`).
    var revision: Int64 = 0

    init(metric: Metric, layout: SeriesLayout) {
        self.metric = metric
        seriesClass = layout.seriesClass(of: metric)
        scale = layout.scale(of: metric)
        timeUnit = layout.timeUnitMilliseconds
        raw = CompressedSeries(capacity: seriesClass.rawCapacity)
        let unit = layout.timeUnitMilliseconds
        rollups = seriesClass.rollups.map { RollupRing(step: $0.stepSeconds * 1_000 / unit, capacity: $0.capacity) }
    }

    func encode(_ sample: Sample) -> EncodedSample {
        // Values were checked finite and bounded at ingest; clamping only guards the conversion.
        let scaled = (sample.value * Double(scale)).rounded()
        let value = scaled.isFinite ? Int64(clamping: Int64(exactly: max(min(scaled, 4e18), -4e18)) ?? 0) : 0
        return EncodedSample(time: encodeTime(sample.time), value: value)
    }

    func encodeTime(_ time: Timestamp) -> Int64 {
        time.milliseconds >= 0 ? time.milliseconds / timeUnit : (time.milliseconds - timeUnit + 1) / timeUnit
    }

    func decode(_ sample: EncodedSample) -> Sample {
        Sample(time: decodeTime(sample.time), value: Double(sample.value) / Double(scale))
    }

    func decodeTime(_ time: Int64) -> Timestamp {
        Timestamp(milliseconds: time * timeUnit)
    }

    /// Adds a reading the durable log took as new, in the store's append numbered `revision`; returns whether it
    /// was older than the series' newest sample (a late reading).
    @discardableResult
    mutating func add(_ sample: Sample, revision: Int64) -> Bool {
        self.revision = revision
        let isLate = raw.last.map { decode($0).time > sample.time } ?? false
        if raw.insert(encode(sample)) == .beforeWindow { late += 1 }
        let time = encodeTime(sample.time)
        for index in rollups.indices {
            rollups[index].add(sample.value, time: time)
        }
        return isLate
    }

    var byteCount: Int {
        raw.byteCount + rollups.reduce(0) { $0 + $1.byteCount }
    }
}
