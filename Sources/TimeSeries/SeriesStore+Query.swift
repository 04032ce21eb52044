import FeedCore

/// One step of a range answer.
public struct SeriesPoint: Sendable, Equatable {
    /// The start of the step.
    public var start: Timestamp
    /// What the step's samples add up to; `nil` when it has none.
    public var aggregate: Aggregate?
    /// For a step without samples: the previous value, when it is recent enough to hold (within the class's
    /// heartbeat). Beyond the heartbeat a step is unknown: never interpolated.
    public var heldValue: Double?
}

/// A range query's answer and where it came from.
public struct SeriesAnswer: Sendable, Equatable {
    /// The step asked for.
    public var stepSeconds: Int64
    /// The step of the ring that answered; 0 for the raw samples.
    public var sourceStepSeconds: Int64
    /// One point per step of the range, oldest first.
    public var points: [SeriesPoint]
}

/// Why a series query was refused.
public enum SeriesQueryError: Error, Equatable, CustomStringConvertible {
    case emptyRange
    case tooManySteps(Int)

    public var description: String {
        switch self {
        case .emptyRange: "the range is empty: from must be before to"
        case .tooManySteps(let count): "\(count) steps requested; at most \(SeriesStore.maxSteps) per query"
        }
    }
}

extension SeriesStore {
    /// The most steps one answer may hold: a wider range or a finer step is refused.
    public static let maxSteps = 20_000

    /// The series over `[from, to]` in steps of `stepSeconds`, from the coarsest ring that answers it exactly
    /// (a rollup whose step divides the requested one and that reaches back to `from`), else from the ring that
    /// reaches back furthest. `nil` when the series has no samples.
    public func query(
        _ key: SeriesKey, from: Timestamp, to: Timestamp, stepSeconds: Int64
    ) throws(SeriesQueryError)
        -> SeriesAnswer?
    {
        guard from < to, stepSeconds > 0 else { throw .emptyRange }
        // Checked: the times and the step come from a client.
        let (span, spanOverflow) = to.milliseconds.subtractingReportingOverflow(from.milliseconds)
        let (stepMilliseconds, stepOverflow) = stepSeconds.multipliedReportingOverflow(by: 1_000)
        guard !spanOverflow, !stepOverflow else { throw .tooManySteps(Self.maxSteps + 1) }
        let steps = span / stepMilliseconds + 1
        guard steps <= Self.maxSteps else { throw .tooManySteps(Int(clamping: steps)) }
        return withSeries(key) { series in Self.answer(series, from: from, to: to, stepSeconds: stepSeconds) }
    }

    /// Count, min, max, sum and last over `[from, to]`: from the raw samples when memory still holds them all,
    /// else from the finest rollup that reaches back to `from` (whose first and last steps may reach a little
    /// outside the window).
    public func aggregate(_ key: SeriesKey, from: Timestamp, to: Timestamp) -> Aggregate? {
        withSeries(key) { series -> Aggregate? in
            let start = series.encodeTime(from)
            let end = series.encodeTime(to)
            if !series.raw.isTruncated || (series.raw.first?.time ?? .max) <= start {
                return Self.combine(series.raw.samples(from: start, to: end).map { series.decode($0) }, series)
            }
            let ring = series.rollups.first { $0.oldestStart <= start } ?? series.rollups.last
            guard let ring else {
                return Self.combine(series.raw.samples(from: start, to: end).map { series.decode($0) }, series)
            }
            var total: Aggregate?
            for (_, aggregate) in ring.steps(from: start, to: end) {
                if total == nil { total = aggregate } else { total!.merge(aggregate) }
            }
            return total
        } ?? nil
    }

    private static func combine(_ samples: [Sample], _ series: borrowing SeriesMemory) -> Aggregate? {
        var total: Aggregate?
        for sample in samples {
            let time = series.encodeTime(sample.time)
            if total == nil {
                total = Aggregate(value: sample.value, time: time)
            } else {
                total!.add(sample.value, time: time)
            }
        }
        return total
    }

    private static func answer(
        _ series: borrowing SeriesMemory, from: Timestamp, to: Timestamp, stepSeconds: Int64
    )
        -> SeriesAnswer
    {
        let unitsPerSecond = 1_000 / series.timeUnit
        let step = stepSeconds * 1_000 / series.timeUnit
        let heartbeat = Int64(series.seriesClass.heartbeatSeconds) * unitsPerSecond
        let start = floorDiv(series.encodeTime(from), step) * step
        let end = series.encodeTime(to)

        // Candidate sources: the raw samples (step 0) and the rollups whose step divides the requested one.
        let rawReach: Int64 = series.raw.isTruncated ? (series.raw.first?.time ?? .max) : .min
        var sources: [(step: Int64, reach: Int64, ring: Int?)] = [(0, rawReach, nil)]
        for (index, ring) in series.rollups.enumerated() where ring.step <= step && step % ring.step == 0 {
            sources.append((ring.step, ring.oldestStart, index))
        }
        let exact = sources.filter { $0.reach <= start }.max { $0.step < $1.step }
        let chosen = exact ?? sources.min { $0.reach < $1.reach }!

        // Entries from a heartbeat before the range, so the first steps can hold a recent value.
        let entries: [(time: Int64, aggregate: Aggregate)]
        if let index = chosen.ring {
            entries = series.rollups[index].steps(from: start - heartbeat, to: end).map { ($0.start, $0.aggregate) }
        } else {
            entries = series.raw.samples(from: start - heartbeat, to: end).map {
                ($0.time, Aggregate(value: Double($0.value) / Double(series.scale), time: $0.time))
            }
        }

        var points: [SeriesPoint] = []
        var cursor = 0
        var held: (time: Int64, value: Double)?
        var stepStart = start
        while stepStart <= end {
            var aggregate: Aggregate?
            while cursor < entries.count && entries[cursor].time < stepStart + step {
                let entry = entries[cursor].aggregate
                if entries[cursor].time >= stepStart {
                    if aggregate == nil { aggregate = entry } else { aggregate!.merge(entry) }
                }
                held = (entry.lastTime, entry.last)
                cursor += 1
            }
            var heldValue: Double?
            if aggregate == nil, let held, stepStart - held.time <= heartbeat {
                heldValue = held.value
            }
            points.append(SeriesPoint(start: series.decodeTime(stepStart), aggregate: aggregate, heldValue: heldValue))
            stepStart += step
        }
        return SeriesAnswer(
            stepSeconds: stepSeconds, sourceStepSeconds: chosen.step * series.timeUnit / 1_000, points: points)
    }
}

@inline(__always) func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    a >= 0 ? a / b : (a - b + 1) / b
}
