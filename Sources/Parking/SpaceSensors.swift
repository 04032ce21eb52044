import FeedCore

/// A car park counted by one detector per space (FIWARE `singleSpaceDetection`).
public struct SpaceSensors: Sendable, Equatable {
    /// One detector per space.
    public var spaces: [SensorID]
    /// A space not heard from for this long is unknown, never free.
    public var heartbeatSeconds: Double
    /// Named groups of spaces (a level, a row, the disabled bays) counted on their own too.
    public var zones: [(id: String, spaces: [SensorID])]

    /// Detectors for `spaces`, each silent past `heartbeatSeconds` counted unknown, and the zones counted on their own.
    public init(spaces: [SensorID], heartbeatSeconds: Double, zones: [(id: String, spaces: [SensorID])] = []) {
        self.spaces = spaces
        self.heartbeatSeconds = heartbeatSeconds
        self.zones = zones
    }

    public static func == (lhs: SpaceSensors, rhs: SpaceSensors) -> Bool {
        lhs.spaces == rhs.spaces && lhs.heartbeatSeconds == rhs.heartbeatSeconds
            && lhs.zones.map(\.id) == rhs.zones.map(\.id) && lhs.zones.map(\.spaces) == rhs.zones.map(\.spaces)
    }

    /// Vacant and unknown spaces (unknown: the detector has not reported within its heartbeat).
    public struct Count: Sendable, Equatable {
        /// Spaces reported vacant.
        public var vacant: Int
        /// Spaces reported occupied.
        public var occupied: Int
        /// Spaces whose detector is silent past its heartbeat, says it cannot tell, or never reported.
        public var unknown: Int
        /// The newest report among the spaces.
        public var newest: Timestamp?
    }

    /// Counts the spaces from each detector's latest `space_occupied` sample (`nil`: never heard).
    public func count(latest: [Sample?], now: Timestamp) -> Count {
        var count = Count(vacant: 0, occupied: 0, unknown: 0, newest: nil)
        for sample in latest {
            guard let sample, now.seconds(since: sample.time) <= heartbeatSeconds,
                let state = SpaceState(value: sample.value), state != .unknown
            else {
                count.unknown += 1
                if let sample { count.newest = max(count.newest ?? sample.time, sample.time) }
                continue
            }
            count.newest = max(count.newest ?? sample.time, sample.time)
            if state == .occupied { count.occupied += 1 } else { count.vacant += 1 }
        }
        return count
    }
}
