import Alerts
import Beaches
import CityCore
import FeedCore
import Foundation
import Parking
import Synchronization

/// One car park's or beach's JSON as the polled lists carry it, with the place of its age: the only part that
/// changes with every second, written in at each rendering of a list instead of rendering the item again.
struct RenderedItem: Sendable {
    /// The item's JSON with a placeholder where the age goes.
    var bytes: [UInt8]
    /// The placeholder's place in `bytes`, and the time the age counts from; `nil` when the item has no age.
    var age: (range: Range<Int>, since: Timestamp)?

    /// Stands for the age while the item is encoded; found again by its member name.
    static let placeholder: Double = 7_777_777_777

    /// Encodes `document` with `placeholder` in the member named `member` (when set) and finds it again.
    init(_ document: some Encodable, member: String, since: Timestamp?) {
        bytes = Array((try? HTTPAPI.encoder.encode(document)) ?? Data("null".utf8))
        age = nil
        guard let since else { return }
        let marker = Array("\"\(member)\":\(Int64(Self.placeholder))".utf8)
        guard let found = bytes.firstRange(of: marker) else { return }
        let digits = (found.lowerBound + member.utf8.count + 3)..<found.upperBound
        age = (digits, since)
    }

    /// Appends the item as of `now` (its age in whole seconds, as the encoder writes a rounded age).
    func write(to buffer: inout [UInt8], now: Timestamp) {
        guard let age else {
            buffer.append(contentsOf: bytes)
            return
        }
        buffer.append(contentsOf: bytes[..<age.range.lowerBound])
        let seconds = max(0, now.seconds(since: age.since)).rounded()
        buffer.append(contentsOf: String(Int64(seconds)).utf8)
        buffer.append(contentsOf: bytes[age.range.upperBound...])
    }
}

/// Each car park's and beach's rendering for the polled lists, kept until what it depends on changes, so that
/// a list costs the items that changed plus copying the others, not a recomputation of the whole city.
///
/// An item is computed again when:
/// - a reading reaches one of its series (`CityStatus.inputsRevision(of:)`), or, for a beach, its open alerts,
///   its outfalls' conditions or its municipal order change (`CityStatus.BeachInputs`);
/// - the clock reaches a moment that changes it (`CityStatus.clockChange`): live figures going stale, a sample
///   growing too old, a probe going offline, an order starting or ending;
/// - the minute changes: opening hours, nightly resets and forecasts move by the minute, and the figures that
///   slide with the clock (the last hour's hysteresis, the last day's checks) are at most a minute behind;
/// - the configuration is reloaded.
/// Its age is written in at each rendering of a list (`RenderedItem`).
final class ItemRenderings: Sendable {
    /// A car park's rendering and what it was computed from.
    struct CarParkItem: Sendable {
        var revision: Int64
        var minute: Int64
        var validUntil: Timestamp?
        var item: RenderedItem
        /// The GeoJSON feature's members before `properties` (geometry and id).
        var featureHead: [UInt8]
        /// Free spaces when it has live figures (for the totals).
        var liveFree: Int?
        var hasRealtimeData: Bool
    }

    /// A beach's rendering and what it was computed from.
    struct BeachItem: Sendable {
        var inputs: CityStatus.BeachInputs
        var minute: Int64
        var validUntil: Timestamp?
        var item: RenderedItem
        var status: BeachStatus
    }

    private struct Kept {
        var generation: Int64 = -1
        var carParks: [String: CarParkItem] = [:]
        var beaches: [String: BeachItem] = [:]
    }

    private let kept = Mutex(Kept())

    /// Items computed since start, for tests and benchmarks: how much of a list was computed again.
    private let computed = Atomic<Int>(0)
    var itemsComputed: Int { computed.load(ordering: .relaxed) }

    init() {}

    private static func minute(_ time: Timestamp) -> Int64 {
        time.milliseconds >= 0 ? time.milliseconds / 60_000 : (time.milliseconds - 59_999) / 60_000
    }

    private static func current(minute: Int64, validUntil: Timestamp?, at now: Timestamp) -> Bool {
        minute == Self.minute(now) && validUntil.map { now < $0 } ?? true
    }

    /// The car parks at `indices` of the configuration `status` computes from (loaded as `generation`), as of
    /// `now`, in the order given.
    func carParks(
        _ indices: some Collection<Int>, status: CityStatus, generation: Int64, now: Timestamp
    ) -> [CarParkItem] {
        let carParks = status.configuration.carParks
        let found = kept.withLock { kept -> [CarParkItem?] in
            if kept.generation != generation { kept = Kept(generation: generation) }
            return indices.map { kept.carParks[carParks[$0].id] }
        }
        var fresh: [String: CarParkItem] = [:]
        let items = zip(indices, found).map { index, cached -> CarParkItem in
            let carPark = carParks[index]
            // Read before computing: a reading arriving meanwhile changes it again, and the next list recomputes.
            let revision = status.inputsRevision(of: carPark)
            if let cached, cached.revision == revision,
                Self.current(minute: cached.minute, validUntil: cached.validUntil, at: now)
            {
                return cached
            }
            computed.add(1, ordering: .relaxed)
            let item = Self.render(carPark, status.carPark(carPark, now: now), revision: revision, status, now)
            fresh[carPark.id] = item
            return item
        }
        store(carParks: fresh, beaches: [:], generation: generation)
        return items
    }

    /// The beaches at `indices`, as `carParks(_:status:generation:now:)`, their open alerts read once for all.
    func beaches(_ indices: some Collection<Int>, status: CityStatus, generation: Int64, now: Timestamp) -> [BeachItem]
    {
        let beaches = status.configuration.beaches
        let found = kept.withLock { kept -> [BeachItem?] in
            if kept.generation != generation { kept = Kept(generation: generation) }
            return indices.map { kept.beaches[beaches[$0].id] }
        }
        let open = status.openAlerts(concerning: Set(indices.map { beaches[$0].id }))
        var fresh: [String: BeachItem] = [:]
        let items = zip(indices, found).map { index, cached -> BeachItem in
            let beach = beaches[index]
            let inputs = status.inputs(of: beach, open: open[beach.id] ?? [])
            if let cached, cached.inputs == inputs,
                Self.current(minute: cached.minute, validUntil: cached.validUntil, at: now)
            {
                return cached
            }
            computed.add(1, ordering: .relaxed)
            let state = status.beach(beach, inputs: inputs, now: now)
            let item = BeachItem(
                inputs: inputs, minute: Self.minute(now),
                validUntil: status.clockChange(of: state, inputs: inputs, now: now),
                item: RenderedItem(
                    Self.withPlaceholderAge(Contract.Beach(state)), member: "age_seconds",
                    since: state.assessment.sampleAgeSeconds == nil ? nil : state.assessment.sampleTime),
                status: state.assessment.status)
            fresh[beach.id] = item
            return item
        }
        store(carParks: [:], beaches: fresh, generation: generation)
        return items
    }

    private func store(carParks: [String: CarParkItem], beaches: [String: BeachItem], generation: Int64) {
        guard !carParks.isEmpty || !beaches.isEmpty else { return }
        kept.withLock { kept in
            // A reload during the computation: these belong to the old configuration.
            guard kept.generation == generation else { return }
            kept.carParks.merge(carParks) { _, new in new }
            kept.beaches.merge(beaches) { _, new in new }
        }
    }

    private static func render(
        _ carPark: CarPark, _ state: CarParkState, revision: Int64, _ status: CityStatus, _ now: Timestamp
    ) -> CarParkItem {
        var document = Contract.CarPark(state)
        let hasAge = document.dataAgeSeconds != nil
        if hasAge { document.dataAgeSeconds = RenderedItem.placeholder }
        var head = Array("{\"geometry\":".utf8)
        head += Array(
            (try? HTTPAPI.encoder.encode(
                Contract.FeatureCollection.Feature.Geometry(coordinates: [document.lon, document.lat], type: "Point")))
                ?? Data())
        head += Array(",\"id\":".utf8)
        head += Array((try? HTTPAPI.encoder.encode(document.id)) ?? Data())
        return CarParkItem(
            revision: revision, minute: minute(now), validUntil: status.clockChange(of: state, now: now),
            item: RenderedItem(
                document, member: "data_age_seconds", since: hasAge ? state.availability.observedAt : nil),
            featureHead: head, liveFree: state.availability.hasRealtimeData ? state.availability.free : nil,
            hasRealtimeData: state.availability.hasRealtimeData)
    }

    private static func withPlaceholderAge(_ beach: Contract.Beach) -> Contract.Beach {
        var beach = beach
        if beach.sample.ageSeconds != nil { beach.sample.ageSeconds = RenderedItem.placeholder }
        return beach
    }
}
