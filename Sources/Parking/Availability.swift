import FeedCore
import Foundation

/// DATEX II parking-site status names.
public enum ParkingStatus: String, Sendable, Codable, CaseIterable {
    case spacesAvailable
    case almostFull
    case full
    case closed
    case unknown
}

/// Live availability of one car park at one moment.
///
/// When there is no fresh data, `free`/`occupied` are `nil` and `hasRealtimeData` is false: a driver is never
/// shown an old figure as if it were current.
public struct Availability: Sendable, Equatable {
    /// Free spaces now; `nil` when unknown (no live figure, too old, or withheld).
    public var free: Int?
    /// Occupied spaces now; `nil` when unknown.
    public var occupied: Int?
    /// Open with room, almost full, full, closed or unknown, with hysteresis.
    public var status: ParkingStatus
    /// Whether the figures are live (recent enough and plausible).
    public var hasRealtimeData: Bool
    /// The observation time of the figures (or of the last, stale, reading).
    public var observedAt: Timestamp?
    /// How old the figures are; `nil` without any.
    public var dataAgeSeconds: Double?
    /// The cut-off these figures were judged by: past it they are withheld.
    public var staleAfterSeconds: Double? = nil
    /// Why the figures are withheld although recent: the counter is `stuck` or `dead`.
    public var dataQuality: CounterQuality?
    /// For per-space detection: spaces whose state is unknown (counted as occupied).
    public var unknownSpaces: Int?

    /// An availability as computed (tests build them directly).
    public init(
        free: Int?, occupied: Int?, status: ParkingStatus, hasRealtimeData: Bool, observedAt: Timestamp?,
        dataAgeSeconds: Double?
    ) {
        self.free = free
        self.occupied = occupied
        self.status = status
        self.hasRealtimeData = hasRealtimeData
        self.observedAt = observedAt
        self.dataAgeSeconds = dataAgeSeconds
    }

    /// occupied / capacity, 0…1.
    public func occupancyRatio(capacity: Int) -> Double? {
        guard let occupied, capacity > 0 else { return nil }
        return Double(occupied) / Double(capacity)
    }
}

/// Computes a car park's availability from its latest absolute reading. Pure: same inputs, same answer.
public struct AvailabilityCalculator: Sendable {
    /// Live figures older than this are withheld (ParkAPI v3 uses 30 minutes).
    public var staleAfterSeconds: Double
    /// The city's time zone, in which opening hours are written.
    public var timeZone: TimeZone

    /// A calculator withholding figures older than `staleAfterSeconds`, reading opening hours in `timeZone`.
    public init(staleAfterSeconds: Double = 1_800, timeZone: TimeZone = TimeZone(identifier: "Europe/Paris")!) {
        self.staleAfterSeconds = staleAfterSeconds
        self.timeZone = timeZone
    }

    /// Whether the car park is open at `time`, from its opening hours in the city's time zone.
    public func isOpen(_ carPark: CarPark, at time: Timestamp) -> Bool {
        guard let hours = carPark.openingHours else { return true }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: time.date)
        // Calendar counts Sunday as 1; opening hours count Monday as 0.
        let weekday = ((parts.weekday ?? 2) + 5) % 7
        return hours.isOpen(weekday: weekday, minute: (parts.hour ?? 0) * 60 + (parts.minute ?? 0))
    }

    /// - Parameters:
    ///   - occupied: the newest `occupied` sample of the car park's sensor, if any.
    ///   - free: the newest `free` sample, if any. The newer of the two wins.
    ///   - staleAfter: this car park's cut-off, if it differs from `staleAfterSeconds` (see
    ///     `ParkingDynamics.staleAfter`).
    public func availability(
        of carPark: CarPark, occupied: Sample?, free: Sample?, now: Timestamp, staleAfter: Double? = nil
    ) -> Availability {
        let staleAfterSeconds = staleAfter ?? self.staleAfterSeconds
        let capacity = carPark.capacity
        let newest: (time: Timestamp, occupied: Int)?
        switch (occupied, free) {
        case let (occupied?, free?) where free.time > occupied.time:
            newest = (free.time, capacity - carPark.spaces(free.value))
        case let (occupied?, _):
            newest = (occupied.time, carPark.spaces(occupied.value))
        case let (nil, free?):
            newest = (free.time, capacity - carPark.spaces(free.value))
        case (nil, nil):
            newest = nil
        }
        // A closed car park is closed whatever its counter says; without fresh figures an open one is unknown.
        let closedOrUnknown: ParkingStatus = isOpen(carPark, at: now) ? .unknown : .closed
        guard let newest else {
            return Availability(
                free: nil, occupied: nil, status: closedOrUnknown, hasRealtimeData: false, observedAt: nil,
                dataAgeSeconds: nil)
        }
        let age = max(0, now.seconds(since: newest.time))
        guard age <= staleAfterSeconds else {
            return Availability(
                free: nil, occupied: nil, status: closedOrUnknown, hasRealtimeData: false, observedAt: newest.time,
                dataAgeSeconds: age)
        }
        let freeSpaces = capacity - newest.occupied
        return Availability(
            free: freeSpaces, occupied: newest.occupied,
            status: isOpen(carPark, at: now)
                ? status(free: freeSpaces, almostFullFree: carPark.almostFullFree) : .closed,
            hasRealtimeData: true, observedAt: newest.time, dataAgeSeconds: age)
    }

    func status(free: Int, almostFullFree: Int) -> ParkingStatus {
        if free <= 0 { return .full }
        if free <= almostFullFree { return .almostFull }
        return .spacesAvailable
    }
}

extension CarPark {
    /// Rounds a counter's value into [0, capacity]: a counter can overshoot, availability cannot.
    public func spaces(_ value: Double) -> Int {
        min(max(Int(value.rounded()), 0), capacity)
    }
}
