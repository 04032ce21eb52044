import FeedCore

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
    public var free: Int?
    public var occupied: Int?
    public var status: ParkingStatus
    public var hasRealtimeData: Bool
    /// The observation time of the figures (or of the last, stale, reading).
    public var observedAt: Timestamp?
    public var dataAgeSeconds: Double?

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

    public init(staleAfterSeconds: Double = 1_800) {
        self.staleAfterSeconds = staleAfterSeconds
    }

    /// - Parameters:
    ///   - occupied: the newest `occupied` sample of the car park's sensor, if any.
    ///   - free: the newest `free` sample, if any. The newer of the two wins.
    public func availability(
        of carPark: CarPark, occupied: Sample?, free: Sample?, now: Timestamp
    ) -> Availability {
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
        guard let newest else {
            return Availability(
                free: nil, occupied: nil, status: .unknown, hasRealtimeData: false, observedAt: nil,
                dataAgeSeconds: nil)
        }
        let age = max(0, now.seconds(since: newest.time))
        guard age <= staleAfterSeconds else {
            return Availability(
                free: nil, occupied: nil, status: .unknown, hasRealtimeData: false, observedAt: newest.time,
                dataAgeSeconds: age)
        }
        let freeSpaces = capacity - newest.occupied
        return Availability(
            free: freeSpaces, occupied: newest.occupied,
            status: status(free: freeSpaces, almostFullFree: carPark.almostFullFree),
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
