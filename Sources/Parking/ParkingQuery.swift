import FeedCore

#if canImport(Glibc)
import Glibc
#endif

/// What a driver or an app asks for: car parks near a point or in a box, free of charge, that a vehicle of a
/// given height fits under, with at least so many free spaces, of a type.
public struct ParkingQuery: Sendable, Equatable {
    /// Car parks within `radius` metres of a point.
    public struct Circle: Sendable, Equatable {
        /// The centre, WGS84.
        public var latitude: Double
        /// The centre, WGS84.
        public var longitude: Double
        /// How far from the centre.
        public var radiusMetres: Double

        /// Car parks within `radiusMetres` of a point.
        public init(latitude: Double, longitude: Double, radiusMetres: Double) {
            self.latitude = latitude
            self.longitude = longitude
            self.radiusMetres = radiusMetres
        }
    }

    /// Car parks inside a bounding box.
    public struct Box: Sendable, Equatable {
        /// West edge.
        public var minLongitude: Double
        /// South edge.
        public var minLatitude: Double
        /// East edge.
        public var maxLongitude: Double
        /// North edge.
        public var maxLatitude: Double

        /// A box in WGS84 degrees.
        public init(minLongitude: Double, minLatitude: Double, maxLongitude: Double, maxLatitude: Double) {
            self.minLongitude = minLongitude
            self.minLatitude = minLatitude
            self.maxLongitude = maxLongitude
            self.maxLatitude = maxLatitude
        }
    }

    /// Only car parks near a point, nearest first.
    public var near: Circle?
    /// Only car parks inside a box.
    public var box: Box?
    /// Only free (`true`) or only paid (`false`) car parks.
    public var freeOfCharge: Bool?
    /// The vehicle's height in centimetres: only car parks without a limit, or with a limit at least this high.
    public var vehicleHeightCentimetres: Int?
    /// Only car parks with live figures showing at least this many free spaces.
    public var minimumFree: Int?
    /// Only car parks of this type.
    public var type: CarParkType?

    /// A query; every criterion is optional (none: every car park).
    public init(
        near: Circle? = nil, box: Box? = nil, freeOfCharge: Bool? = nil, vehicleHeightCentimetres: Int? = nil,
        minimumFree: Int? = nil, type: CarParkType? = nil
    ) {
        self.near = near
        self.box = box
        self.freeOfCharge = freeOfCharge
        self.vehicleHeightCentimetres = vehicleHeightCentimetres
        self.minimumFree = minimumFree
        self.type = type
    }

    /// Whether `carPark` passes every criterion but `minimumFree` (which needs its availability), and its
    /// distance in metres from `near`'s centre when there is one.
    public func matchesBesidesAvailability(_ carPark: CarPark) -> (matches: Bool, distanceMetres: Double?) {
        var distance: Double?
        if let near {
            let metres = greatCircleDistance(
                latitude: near.latitude, longitude: near.longitude, toLatitude: carPark.latitude,
                longitude: carPark.longitude)
            guard metres <= near.radiusMetres else { return (false, nil) }
            distance = metres
        }
        if let box {
            guard (box.minLatitude...box.maxLatitude).contains(carPark.latitude),
                (box.minLongitude...box.maxLongitude).contains(carPark.longitude)
            else { return (false, nil) }
        }
        if let freeOfCharge, carPark.hasFee == freeOfCharge { return (false, nil) }
        if let height = vehicleHeightCentimetres, let limit = carPark.maxHeightCentimetres, limit < height {
            return (false, nil)
        }
        if let type, carPark.type != type { return (false, nil) }
        return (true, distance)
    }

    /// Whether `availability` has the free spaces `minimumFree` asks for (always, without it).
    public func availabilityMatches(_ availability: Availability) -> Bool {
        guard let minimumFree else { return true }
        return availability.hasRealtimeData && (availability.free.map { $0 >= minimumFree } ?? false)
    }

    /// The car parks that match, nearest first when `near` is given (with their distance in metres), in the
    /// given order otherwise: the query's plain definition over a list whose availabilities are all known. The
    /// daemon answers through the grid and pages instead (`CityStatus.carParks(_:page:now:)`), which the tests
    /// check against this.
    public func apply(
        to carParks: [(carPark: CarPark, availability: Availability)]
    )
        -> [(carPark: CarPark, availability: Availability, distanceMetres: Double?)]
    {
        var result: [(carPark: CarPark, availability: Availability, distanceMetres: Double?)] = []
        for (carPark, availability) in carParks {
            let (matches, distance) = matchesBesidesAvailability(carPark)
            guard matches, availabilityMatches(availability) else { continue }
            result.append((carPark, availability, distance))
        }
        if near != nil {
            result.sort { ($0.distanceMetres ?? 0) < ($1.distanceMetres ?? 0) }
        }
        return result
    }
}

/// The distance in metres between two WGS84 points along the Earth's surface (haversine, mean radius
/// 6,371,008.8 m: within 0.5 % of the ellipsoid, plenty for "within 1 km").
public func greatCircleDistance(
    latitude: Double, longitude: Double, toLatitude: Double, longitude toLongitude: Double
)
    -> Double
{
    let radians = Double.pi / 180
    let phi1 = latitude * radians
    let phi2 = toLatitude * radians
    let deltaPhi = (toLatitude - latitude) * radians
    let deltaLambda = (toLongitude - longitude) * radians
    let a = sin(deltaPhi / 2) * sin(deltaPhi / 2) + cos(phi1) * cos(phi2) * sin(deltaLambda / 2) * sin(deltaLambda / 2)
    return 2 * 6_371_008.8 * atan2(a.squareRoot(), (1 - a).squareRoot())
}
