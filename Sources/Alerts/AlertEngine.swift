import Beaches
import FeedCore

/// The alert rules (docs/alerts.md) as a pure state machine: readings and the clock in, transitions out.
///
/// Nothing here does I/O; `AlertCenter` journals, logs and streams what the engine returns. The engine's time
/// only moves forward, and every transition carries the time it happened in the readings' time: a hold that
/// ran out while the daemon was down resolves at the hold's end, not at the restart.
///
/// Readings are applied idempotently: a repeated report of the current state, a redelivered sample or a rain
/// reading seen twice changes nothing, so a burst replayed after a crash neither re-notifies nor double-counts.
public struct AlertEngine: Sendable {
    /// The rules in force (replaced whole on reload).
    public private(set) var policy: AlertPolicy
    /// Everything the engine knows; journalled after each step.
    public private(set) var state: EngineState
    private var output: [AlertTransition] = []

    /// An engine applying `policy`, from `state` (a restart passes the journalled one).
    public init(policy: AlertPolicy, state: EngineState = EngineState()) {
        self.policy = policy
        self.state = state
    }

    /// Where a step began: what ``rollBack(to:)`` goes back to.
    public struct Checkpoint: Sendable {
        fileprivate let policy: AlertPolicy
        fileprivate let counters: EngineState.Counters
    }

    /// The engine as it stands, to go back to if the step about to run cannot be journalled.
    public func checkpoint() -> Checkpoint { Checkpoint(policy: policy, counters: state.counters) }

    /// Whether the steps since `checkpoint` changed anything worth journalling (see
    /// ``EngineState/hasChanges(since:)``).
    public func hasChanges(since checkpoint: Checkpoint) -> Bool { state.hasChanges(since: checkpoint.counters) }

    /// Whether the steps since `checkpoint` changed what a restart must find at once (see
    /// ``EngineState/hasEssentialChanges(since:)``).
    public func hasEssentialChanges(since checkpoint: Checkpoint) -> Bool {
        state.hasEssentialChanges(since: checkpoint.counters)
    }

    /// Whether watermarks or `lastHeard`s wait to be journalled.
    public var hasDeferredChanges: Bool { state.hasDeferredChanges }

    /// Keeps what the steps since the last checkpoint changed (they are journalled, or changed nothing);
    /// with `keepingDeferred`, the deferred changes stay pending for a later step's journal.
    public mutating func commit(keepingDeferred: Bool = false) { state.commit(keepingDeferred: keepingDeferred) }

    /// Undoes the steps since `checkpoint` (the journal refused them), key by key.
    public mutating func rollBack(to checkpoint: Checkpoint) {
        policy = checkpoint.policy
        state.rollBack(to: checkpoint.counters)
        output.removeAll(keepingCapacity: true)
    }

    /// Applies a new policy (a configuration reload), keeping alerts and tracks. Links that no longer exist
    /// stop feeding alerts; open alerts run their course. A beach newly linked to an outfall that is
    /// discharging, or within its hold, is warned at once: its alert starts with the discharge and fires now.
    public mutating func replacePolicy(_ policy: AlertPolicy) -> [AlertTransition] {
        let previous = self.policy
        self.policy = policy
        for (outfall, beaches) in policy.outfalls.sorted(by: { $0.key < $1.key }) {
            guard let track = state.outfalls[outfall] else { continue }
            let known = Set(previous.outfalls[outfall] ?? [])
            for beach in beaches where !known.contains(beach) {
                let fingerprint = AlertFingerprint(.sewageDischarge, beach)
                let active = track.state == .discharging || (track.state == .offline && track.dischargingWhenLost)
                if active, state.open[fingerprint] == nil {
                    let alert = newAlert(
                        fingerprint, beaches: [beach], at: track.since, causes: [outfall.rawValue],
                        summary: "Sewage discharge: outfall \(outfall) discharging since \(track.since.iso8601)")
                    fire(
                        alert, at: max(state.clock, track.since),
                        note: "beach newly linked to outfall \(outfall), which is discharging")
                } else if active, var alert = state.open[fingerprint] {
                    guard !alert.causes.contains(outfall.rawValue) else { continue }
                    alert.causes.append(outfall.rawValue)
                    alert.endsAt = nil
                    alert.stoppedAt = nil
                    store(alert)
                    emit(
                        .updated, alert, at: state.clock,
                        note: "beach newly linked to outfall \(outfall), which is discharging")
                } else if track.state == .stopped, let stop = track.lastStop, state.open[fingerprint] == nil,
                    policy.beach(beach)?.clearance != .cleanSample,
                    stop.adding(seconds: policy.holdSeconds) > state.clock
                {
                    var alert = newAlert(
                        fingerprint, beaches: [beach], at: stop, causes: [outfall.rawValue],
                        summary:
                            "Sewage discharge stopped at \(stop.iso8601); warning holds until \(stop.adding(seconds: policy.holdSeconds).iso8601)"
                    )
                    alert.stoppedAt = stop
                    alert.endsAt = stop.adding(seconds: policy.holdSeconds)
                    fire(alert, at: state.clock, note: "beach newly linked to outfall \(outfall), within its hold")
                }
            }
        }
        return takeOutput()
    }

    /// Alerts open now, oldest first.
    public var openAlerts: [Alert] { state.open.values.sorted { $0.id < $1.id } }

    /// Alerts open now that concern any of `beaches`, oldest first: only those are copied and sorted.
    public func openAlerts(concerning beaches: Set<String>) -> [Alert] {
        state.open.values.filter { alert in alert.beaches.contains { beaches.contains($0) } }.sorted { $0.id < $1.id }
    }

    /// The open alert with this fingerprint, if any.
    public func openAlert(_ fingerprint: AlertFingerprint) -> Alert? { state.open[fingerprint] }

    /// The current condition of an outfall, as `beach`'s sewage evidence. A discharge whose alert on the beach
    /// an operator marked not genuine no longer counts for it, until the outfall's next spill.
    public func condition(ofOutfall id: SensorID, forBeach beach: String) -> OutfallCondition {
        guard let track = state.outfalls[id] else { return .unknown }
        let alert = state.open[AlertFingerprint(.sewageDischarge, beach)]
        switch track.state {
        case .discharging:
            return track.discountedBeaches.contains(beach) ? .clear : .discharging(since: track.since)
        case .offline:
            return .offline(since: track.since)
        case .stopped:
            // The hold is the beach's alert: a stop inside its open alert is a recent discharge.
            if let alert, alert.causes.contains(id.rawValue), let stopped = track.lastStop {
                return .recentDischarge(stoppedAt: stopped, until: alert.endsAt)
            }
            return .clear
        }
    }

    // MARK: Input

    /// Applies accepted readings (any sensors; those the policy does not mention are ignored), in observation
    /// order. Each subject (outfall, probe, rain gauge) keeps its own time: before a reading applies, whatever
    /// fell due up to the reading's time for the alerts it feeds is settled (a hold that ran out before a late
    /// report of a new spill resolves at its end; the spill opens a new alert). A reading older than what its
    /// subject already had applied is late: it changes nothing here (the store keeps it).
    public mutating func apply(_ readings: [Reading]) -> [AlertTransition] {
        // A batch reported out of order applies as it happened (the sort is stable: equal times keep theirs).
        let sorted = readings.sorted(by: { $0.time < $1.time })
        var appliedWithTheirSample = Set<Int>()
        for (index, reading) in sorted.enumerated() where !appliedWithTheirSample.contains(index) {
            switch reading.metric {
            case .overflowState:
                guard policy.outfalls[reading.sensor] != nil, let reported = OverflowState(value: reading.value),
                    mark(reading)
                else { continue }
                settleOutfall(reading.sensor, upTo: reading.time)
                outfallReported(reading.sensor, reported, at: reading.time)
            case .ecoli, .enterococci:
                // Every parameter of one sample (the same probe, the same time) applies at once: one sample,
                // one transition, however many parameters it carries.
                var sample = [reading]
                for later in sorted.indices.dropFirst(index + 1) {
                    let other = sorted[later]
                    guard other.time == reading.time else { break }
                    if other.sensor == reading.sensor && (other.metric == .ecoli || other.metric == .enterococci) {
                        sample.append(other)
                        appliedWithTheirSample.insert(later)
                    }
                }
                sampleReported(sample)
            case .rainMillimetres:
                guard policy.rainGauges[reading.sensor] != nil, mark(reading) else { continue }
                expireRain(reading.sensor, upTo: reading.time)
                rainReported(reading)
            default:
                continue
            }
            state.clock = max(state.clock, reading.time)
        }
        return takeOutput()
    }

    /// Whether `reading` is late for its subject (older than the subject's watermark).
    public func isLate(_ reading: Reading) -> Bool {
        guard let mark = state.marks[reading.sensor] else { return false }
        return reading.time < mark.watermark
    }

    /// Moves every subject's time to `time`, as data that are known to be complete up to it do (an archive
    /// replayed in time order): holds that ran out resolve at their end, pending alerts that waited long
    /// enough fire, rain alerts whose totals fell resolve.
    public mutating func advance(to time: Timestamp) -> [AlertTransition] {
        settle(upTo: time) { _ in true }
        state.clock = max(state.clock, time)
        return takeOutput()
    }

    /// Moves on, to `now`, the subjects whose data are live (``CatchUpPolicy``): the wall clock decides only
    /// where no newer data can still be on their way.
    ///
    /// - Parameter sessionSince: when the current broker session began (`nil` while there is none: the
    ///   broker may be holding newer data, so the wall clock moves nothing).
    public mutating func advance(wallClock now: Timestamp, sessionSince: Timestamp?) -> [AlertTransition] {
        guard let sessionSince else { return [] }
        let catchUp = policy.catchUp
        let marks = state.marks
        settle(upTo: now) { subject in
            guard let mark = marks[subject] else {
                return now.seconds(since: sessionSince) >= catchUp.quietSeconds
            }
            if mark.arrival >= sessionSince, mark.arrival.seconds(since: mark.watermark) <= catchUp.lateAfterSeconds {
                return true
            }
            return now.seconds(since: max(mark.arrival, sessionSince)) >= catchUp.quietSeconds
        }
        state.clock = max(state.clock, now)
        return takeOutput()
    }

    /// Records `reading` as its subject's newest; `false` (and nothing recorded) when it is late.
    private mutating func mark(_ reading: Reading) -> Bool {
        if let mark = state.marks[reading.sensor] {
            guard reading.time >= mark.watermark else { return false }
            // A repeat of the newest reading (a redelivery) keeps the arrival of the first delivery.
            if reading.time == mark.watermark { return true }
        }
        state.marks[reading.sensor] = SubjectMark(watermark: reading.time, arrival: reading.received)
        return true
    }

    // MARK: Operator actions

    /// Marks an alert acknowledged. `alert` is the journal's copy, for alerts no longer open.
    public mutating func acknowledge(_ alert: Alert, note: OperatorNote) -> [AlertTransition] {
        var current = latest(alert)
        current.acknowledged = note
        store(current)
        // The note carries the reason: the alert keeps the latest acknowledgement, its transitions every one.
        emit(
            .acknowledged, current, at: note.at,
            note: "acknowledged by \(note.by)" + (note.reason.map { ": \($0)" } ?? ""))
        return takeOutput()
    }

    /// Silences an alert's notifications until `until`; it stays open and visible.
    public mutating func silence(_ alert: Alert, until: Timestamp, note: OperatorNote) -> [AlertTransition] {
        var current = latest(alert)
        current.silencedUntil = until
        store(current)
        emit(.silenced, current, at: note.at, note: "silenced by \(note.by) until \(until.iso8601)")
        return takeOutput()
    }

    /// Marks an alert "not genuine" (a faulty monitor, a test). Under `NotGenuinePolicy.resolve` an open
    /// alert resolves now; the outfall's ongoing report does not raise it again, only a new spill does.
    public mutating func markNotGenuine(_ alert: Alert, note: OperatorNote) -> [AlertTransition] {
        var current = latest(alert)
        current.notGenuine = note
        store(current)
        _ = emit(.notGenuine, current, at: note.at, note: "marked not genuine by \(note.by): \(note.reason ?? "")")
        if policy.notGenuine == .resolve, current.isOpen {
            if current.fingerprint.rule == .sewageDischarge {
                for cause in current.causes {
                    guard var track = state.outfalls[SensorID(cause)], track.state != .stopped else { continue }
                    track.discountedBeaches.insert(current.fingerprint.subject)
                    state.outfalls[SensorID(cause)] = track
                }
            }
            resolve(current, at: max(note.at, current.startedAt), note: "resolved: not genuine")
        }
        return takeOutput()
    }

    /// The engine's copy of `alert` if it is still open, else the journal's.
    private func latest(_ alert: Alert) -> Alert {
        state.open[alert.fingerprint].flatMap { $0.id == alert.id ? $0 : nil } ?? alert
    }

    // MARK: Outfalls

    private mutating func outfallReported(_ id: SensorID, _ reported: OverflowState, at time: Timestamp) {
        guard let beaches = policy.outfalls[id] else { return }
        var track = state.outfalls[id] ?? OutfallTrack(state: reported, since: time, firstHeard: time)
        let isNew = state.outfalls[id] == nil
        // A late report of an older state must not flip the current one; it is stored in the series anyway.
        guard isNew || (track.state != reported && time >= track.since) else {
            if !isNew, track.state == reported {
                track.lastHeard = max(track.lastHeard, time)
                state.outfalls[id] = track
            }
            return
        }
        let previous: OverflowState? = isNew ? nil : track.state
        track.state = reported
        track.discountedBeaches = []
        track.since = time
        track.lastHeard = time
        switch reported {
        case .discharging:
            track.dischargingWhenLost = false
            state.outfalls[id] = track
            for beach in beaches { dischargeStarted(on: beach, by: id, at: time) }
        case .stopped:
            if previous == .discharging || (previous == .offline && track.dischargingWhenLost) {
                track.lastStop = time
            }
            track.dischargingWhenLost = false
            state.outfalls[id] = track
            for beach in beaches { dischargeCauseEnded(on: beach, at: time) }
        case .offline:
            track.dischargingWhenLost = previous == .discharging
            state.outfalls[id] = track
            outfallLost(id, beaches: beaches, at: time)
        }
        if previous == .offline, reported != .offline,
            var lost = state.open[AlertFingerprint(.outfallOffline, id.rawValue)]
        {
            lost.causes = []
            resolve(lost, at: time, note: "outfall \(id) reports again (\(reported.name))")
        }
    }

    private mutating func dischargeStarted(on beach: String, by outfall: SensorID, at time: Timestamp) {
        let fingerprint = AlertFingerprint(.sewageDischarge, beach)
        if var alert = state.open[fingerprint] {
            // A spill during the hold (or beside another outfall's) merges into the open alert.
            if !alert.causes.contains(outfall.rawValue) { alert.causes.append(outfall.rawValue) }
            alert.spills += 1
            alert.endsAt = nil
            alert.stoppedAt = nil
            alert.summary = "Sewage discharge: outfall \(outfall) discharging since \(time.iso8601)"
            store(alert)
            emit(
                .updated, alert, at: time,
                note: "outfall \(outfall) started discharging; merged (spill \(alert.spills))")
        } else {
            let alert = newAlert(
                fingerprint, beaches: [beach], at: time, causes: [outfall.rawValue],
                summary: "Sewage discharge: outfall \(outfall) discharging since \(time.iso8601)")
            fire(alert, at: alert.startedAt, note: "outfall \(outfall) started discharging")
        }
    }

    /// A linked outfall stopped: once none is discharging (or lost while discharging), the hold begins.
    private mutating func dischargeCauseEnded(on beach: String, at time: Timestamp) {
        let fingerprint = AlertFingerprint(.sewageDischarge, beach)
        guard var alert = state.open[fingerprint], alert.endsAt == nil, alert.stoppedAt == nil else { return }
        let stillActive = policy.outfalls(reaching: beach).filter { id in
            guard let track = state.outfalls[id] else { return false }
            return track.state == .discharging || (track.state == .offline && track.dischargingWhenLost)
        }
        guard stillActive.isEmpty else { return }
        // The hold runs from the last stop of the outfalls behind this alert, whichever was reported last.
        let stops = policy.outfalls(reaching: beach).compactMap { state.outfalls[$0]?.lastStop }
        let time = max(time, stops.filter { $0 >= alert.startedAt }.max() ?? time)
        alert.stoppedAt = time
        switch policy.beach(beach)?.clearance ?? .hold {
        case .hold:
            let until = time.adding(seconds: policy.holdSeconds)
            alert.endsAt = until
            alert.summary = "Sewage discharge stopped at \(time.iso8601); warning holds until \(until.iso8601)"
            store(alert)
            emit(.updated, alert, at: time, note: "discharge stopped; hold until \(until.iso8601)")
        case .cleanSample:
            alert.summary = "Sewage discharge stopped at \(time.iso8601); warning holds until a clean sample"
            store(alert)
            emit(.updated, alert, at: time, note: "discharge stopped; holds until a clean sample")
            // A stop reported after a sample taken after it (a late report, or the two in separate bursts):
            // that sample decides, as it would have with the two applied in time order.
            if let samples = state.samples[beach], let policyBeach = policy.beach(beach),
                let latest = [samples.ecoli, samples.enterococci].compactMap({ $0?.time }).filter({ $0 > time }).max()
            {
                cleanSampleCheck(policyBeach, samples, at: latest)
            }
        }
    }

    private mutating func outfallLost(_ id: SensorID, beaches: [String], at time: Timestamp) {
        let fingerprint = AlertFingerprint(.outfallOffline, id.rawValue)
        guard state.open[fingerprint] == nil else { return }
        let alert = newAlert(
            fingerprint, beaches: beaches, at: time, causes: [id.rawValue],
            summary: "Outfall \(id) monitor offline since \(time.iso8601): sewage state unknown")
        if policy.offlineRaiseAfterSeconds <= 0 {
            fire(alert, at: alert.startedAt, note: "monitor offline")
        } else {
            store(alert)
            state.raiseAt[fingerprint] = alert.startedAt.adding(seconds: policy.offlineRaiseAfterSeconds)
            emit(
                .pending, alert, at: alert.startedAt,
                note: "monitor offline; fires if still offline after \(Int(policy.offlineRaiseAfterSeconds)) s")
        }
    }

    // MARK: Samples

    /// The parameters of one sample (one probe, one time), applied together.
    private mutating func sampleReported(_ parameters: [Reading]) {
        guard let first = parameters.first else { return }
        for beachID in policy.beachesByProbe[first.sensor] ?? [] {
            guard let beach = policy.beach(beachID) else { continue }
            var samples = state.samples[beachID] ?? ProbeSamples()
            var changed = false
            for reading in parameters {
                let sample = Sample(time: reading.time, value: reading.value)
                if reading.metric == .ecoli {
                    guard sample.time >= samples.ecoli?.time ?? sample.time else { continue }
                    samples.ecoli = sample
                } else {
                    guard sample.time >= samples.enterococci?.time ?? sample.time else { continue }
                    samples.enterococci = sample
                }
                changed = true
            }
            guard changed else { continue }
            state.samples[beachID] = samples
            contaminationCheck(beach, samples, at: first.time)
            cleanSampleCheck(beach, samples, at: first.time)
        }
    }

    private mutating func contaminationCheck(_ beach: AlertPolicy.Beach, _ samples: ProbeSamples, at time: Timestamp) {
        let limits = beach.thresholds
        let poorEcoli = samples.ecoli.map { $0.value > limits.poorEcoli } ?? false
        let poorEnterococci = samples.enterococci.map { $0.value > limits.poorEnterococci } ?? false
        let fingerprint = AlertFingerprint(.contamination, beach.id)
        let worst = [poorEcoli ? samples.ecoli : nil, poorEnterococci ? samples.enterococci : nil].compactMap { $0 }
        if let highest = worst.max(by: { $0.value < $1.value }) {
            // Named by the samples' own times: a poor E. coli count of Monday is still Monday's when Tuesday's
            // enterococci arrive.
            let poor = [
                poorEcoli ? samples.ecoli.map { ("E. coli", $0) } : nil,
                poorEnterococci ? samples.enterococci.map { ("enterococci", $0) } : nil,
            ].compactMap { $0 }
            let summary: String
            if Set(poor.map(\.1.time)).count == 1, let taken = poor.first?.1.time {
                let parameters = poor.map { "\($0.0) \(Int($0.1.value))" }.joined(separator: ", ")
                summary = "Poor sample at \(taken.iso8601): \(parameters) CFU/100 mL"
            } else {
                let parameters = poor.map { "\($0.0) \(Int($0.1.value)) (sample at \($0.1.time.iso8601))" }
                summary = "Poor samples: \(parameters.joined(separator: ", ")) CFU/100 mL"
            }
            if var alert = state.open[fingerprint] {
                guard alert.value != highest.value || alert.summary != summary else { return }
                alert.value = highest.value
                alert.summary = summary
                store(alert)
                emit(.updated, alert, at: time, note: "another poor sample")
            } else {
                var alert = newAlert(
                    fingerprint, beaches: [beach.id], at: time, causes: [beach.probe?.rawValue ?? ""], summary: summary)
                alert.value = highest.value
                fire(alert, at: alert.startedAt, note: "poor sample")
            }
        } else if let alert = state.open[fingerprint] {
            resolve(alert, at: time, note: "a later sample is no longer poor")
        }
    }

    /// Under `DischargeClearance.cleanSample`, a good sample after the stop ends the discharge alert.
    private mutating func cleanSampleCheck(_ beach: AlertPolicy.Beach, _ samples: ProbeSamples, at time: Timestamp) {
        guard beach.clearance == .cleanSample,
            let alert = state.open[AlertFingerprint(.sewageDischarge, beach.id)], let stopped = alert.stoppedAt
        else { return }
        let after = [samples.ecoli, samples.enterococci].compactMap { $0 }.filter { $0.time > stopped }
        guard !after.isEmpty,
            beach.thresholds.quality(
                ecoli: samples.ecoli.flatMap { $0.time > stopped ? $0.value : nil },
                enterococci: samples.enterococci.flatMap { $0.time > stopped ? $0.value : nil }) == .good
        else { return }
        resolve(alert, at: time, note: "clean sample after the stop")
    }

    // MARK: Rain

    private mutating func rainReported(_ reading: Reading) {
        guard let gauge = policy.rainGauges[reading.sensor] else { return }
        var window = state.rain[reading.sensor] ?? []
        // Keyed by time: a redelivered reading replaces itself instead of counting twice. Readings come in
        // time order (late ones are not applied), so a new one goes at the end.
        if let index = window.lastIndex(where: { $0.time == reading.time }) {
            window[index].value = reading.value
        } else {
            window.append(Sample(time: reading.time, value: reading.value))
        }
        state.rain[reading.sensor] = window
        let total = rainTotal(reading.sensor, at: reading.time)
        guard total >= gauge.alertMillimetres else { return }
        for beach in gauge.beaches {
            let fingerprint = AlertFingerprint(.heavyRain, beach)
            let summary =
                "Heavy rain: \(formatted(total)) mm in 24 h at \(reading.sensor) (alert level \(formatted(gauge.alertMillimetres)) mm)"
            if var alert = state.open[fingerprint] {
                alert.value = max(alert.value ?? 0, total)
                store(alert)
            } else {
                var alert = newAlert(
                    fingerprint, beaches: [beach], at: reading.time, causes: [reading.sensor.rawValue], summary: summary
                )
                alert.value = total
                fire(alert, at: alert.startedAt, note: "24 h rainfall reached the alert level")
            }
        }
    }

    /// Rain in the 24 h ending at `time`, from readings at or before `time`.
    private func rainTotal(_ gauge: SensorID, at time: Timestamp) -> Double {
        let from = time.adding(seconds: -86_400)
        return (state.rain[gauge] ?? []).lazy.filter { $0.time > from && $0.time <= time }.map(\.value).reduce(0, +)
    }

    /// Resolves the rain alerts of `gauge` whose totals fell, walking the moments its readings leave the 24 h
    /// window up to `time`; then forgets the readings that left it.
    private mutating func expireRain(_ gauge: SensorID, upTo time: Timestamp) {
        guard let rule = policy.rainGauges[gauge] else { return }
        let window = state.rain[gauge] ?? []
        let clearBelow = rule.alertMillimetres * policy.rainClearRatio
        for sample in window {
            let leaves = sample.time.adding(seconds: 86_400)
            guard leaves <= time else { break }
            guard rainTotal(gauge, at: leaves) < clearBelow else { continue }
            for beach in rule.beaches {
                guard let alert = state.open[AlertFingerprint(.heavyRain, beach)], alert.startedAt < leaves else {
                    continue
                }
                // Another gauge of the beach may still be over its level.
                let others = (policy.gaugesByBeach[beach] ?? []).filter { $0 != gauge }
                guard
                    others.allSatisfy({ other in
                        rainTotal(other, at: leaves) < (policy.rainGauges[other]?.alertMillimetres ?? 0)
                            * policy.rainClearRatio
                    })
                else { continue }
                resolve(alert, at: leaves, note: "24 h rainfall fell below \(formatted(clearBelow)) mm")
            }
        }
        let kept = window.filter { $0.time > time.adding(seconds: -86_400) }
        // An empty window is no window: the journal keeps rain one reading a row, and restores none.
        if kept != window || kept.isEmpty { state.rain[gauge] = kept.isEmpty ? nil : kept }
    }

    // MARK: Time

    /// Settles what fell due up to `time` for the alerts an outfall's reports feed: its beaches' discharge
    /// alerts and its own monitoring alert.
    private mutating func settleOutfall(_ id: SensorID, upTo time: Timestamp) {
        var fingerprints = (policy.outfalls[id] ?? []).map { AlertFingerprint(.sewageDischarge, $0) }
        fingerprints.append(AlertFingerprint(.outfallOffline, id.rawValue))
        settle(fingerprints, upTo: time)
    }

    /// Settles, up to `time`, every alert whose subjects all pass `eligible`, and the rain of every eligible
    /// gauge.
    private mutating func settle(upTo time: Timestamp, where eligible: (SensorID) -> Bool) {
        let due = state.open.compactMap { fingerprint, alert -> AlertFingerprint? in
            guard let at = dueTime(of: alert), at <= time, subjects(feeding: fingerprint).allSatisfy(eligible) else {
                return nil
            }
            return fingerprint
        }
        settle(due, upTo: time)
        for gauge in policy.rainGauges.keys.sorted() where eligible(gauge) {
            expireRain(gauge, upTo: time)
        }
    }

    /// Fires the pending alerts among `fingerprints` whose raise time came, and resolves the held ones whose
    /// hold ran out, each at the time it fell due, in time order.
    private mutating func settle(_ fingerprints: [AlertFingerprint], upTo time: Timestamp) {
        let due = fingerprints.compactMap { fingerprint -> (time: Timestamp, fingerprint: AlertFingerprint)? in
            guard let alert = state.open[fingerprint], let at = dueTime(of: alert), at <= time else { return nil }
            return (at, fingerprint)
        }
        for item in due.sorted(by: { ($0.time, $0.fingerprint.description) < ($1.time, $1.fingerprint.description) }) {
            guard let alert = state.open[item.fingerprint] else { continue }
            if alert.state == .pending {
                state.raiseAt[item.fingerprint] = nil
                fire(
                    alert, at: item.time,
                    note:
                        "still \(alert.fingerprint.rule == .outfallOffline ? "offline" : "true") after the raise delay")
            } else {
                resolve(alert, at: item.time, note: "hold ended")
            }
        }
    }

    /// When an open alert changes by itself: a pending one fires, a held one resolves.
    private func dueTime(of alert: Alert) -> Timestamp? {
        alert.state == .pending ? state.raiseAt[alert.fingerprint] : alert.endsAt
    }

    /// The subjects whose data decide when an alert falls due.
    private func subjects(feeding fingerprint: AlertFingerprint) -> [SensorID] {
        switch fingerprint.rule {
        case .sewageDischarge: policy.outfalls(reaching: fingerprint.subject)
        case .outfallOffline: [SensorID(fingerprint.subject)]
        case .heavyRain: policy.gaugesByBeach[fingerprint.subject] ?? []
        case .contamination: policy.beach(fingerprint.subject)?.probe.map { [$0] } ?? []
        }
    }

    // MARK: Bookkeeping

    private mutating func newAlert(
        _ fingerprint: AlertFingerprint, beaches: [String], at time: Timestamp, causes: [String], summary: String
    ) -> Alert {
        state.nextAlertID += 1
        // A condition reported late, after its fingerprint's previous alert was already resolved past it,
        // starts where that alert ended: history is not rewritten, and alerts of one fingerprint never overlap.
        let start = max(time, state.lastResolved[fingerprint] ?? time)
        return Alert(
            id: state.nextAlertID, fingerprint: fingerprint, state: .pending, beaches: beaches, startedAt: start,
            firedAt: nil, endsAt: nil, resolvedAt: nil, causes: causes,
            spills: fingerprint.rule == .sewageDischarge ? 1 : 0,
            value: nil, summary: start > time ? summary + " (reported late: since \(time.iso8601))" : summary)
    }

    private mutating func fire(_ alert: Alert, at time: Timestamp, note: String) {
        var alert = alert
        alert.state = .firing
        alert.firedAt = time
        store(alert)
        emit(.firing, alert, at: time, note: note)
    }

    private mutating func resolve(_ alert: Alert, at time: Timestamp, note: String) {
        var alert = alert
        alert.state = .resolved
        alert.resolvedAt = time
        state.raiseAt[alert.fingerprint] = nil
        state.lastResolved[alert.fingerprint] = max(time, state.lastResolved[alert.fingerprint] ?? time)
        store(alert)
        emit(.resolved, alert, at: time, note: note)
    }

    /// Keeps an open alert in the open set (or drops a resolved one from it).
    private mutating func store(_ alert: Alert) {
        guard let open = state.open[alert.fingerprint], open.id != alert.id else {
            state.open[alert.fingerprint] = alert.isOpen ? alert : nil
            return
        }
        // An older alert of the same fingerprint (an operator acting on history) leaves the open one alone.
    }

    @discardableResult
    private mutating func emit(
        _ kind: TransitionKind, _ alert: Alert, at time: Timestamp, note: String
    ) -> AlertTransition {
        state.lastSequence += 1
        let transition = AlertTransition(sequence: state.lastSequence, kind: kind, at: time, alert: alert, note: note)
        output.append(transition)
        return transition
    }

    private mutating func takeOutput() -> [AlertTransition] {
        defer { output.removeAll(keepingCapacity: true) }
        return output
    }
}

/// Millimetres with at most one decimal.
private func formatted(_ millimetres: Double) -> String {
    let tenths = (millimetres * 10).rounded()
    return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(tenths / 10)
}
