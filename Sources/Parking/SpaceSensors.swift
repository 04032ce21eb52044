import FeedCore

/// A car park counted by one detector per space (FIWARE `singleSpaceDetection`).
public struct SpaceSensors: Sendable, Equatable {
    public var spaces: [SensorID]
    /// A space not heard from for this long is unknown, never free.
    public var heartbeatSeconds: Double

    public init(spaces: [SensorID], heartbeatSeconds: Double) {
        self.spaces = spaces
        self.heartbeatSeconds = heartbeatSeconds
    }

    public struct Count: Sendable, Equatable {
        public var vacant: Int
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
