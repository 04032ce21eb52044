import FeedCore

/// The kind of car park, with ParkAPI v3 names.
public enum CarParkType: String, Sendable, Codable, CaseIterable {
    case underground = "UNDERGROUND"
    case carPark = "CAR_PARK"
    case offStreetParkingGround = "OFF_STREET_PARKING_GROUND"
    case onStreet = "ON_STREET"
}

/// Which absolute figure a car park's counter reports.
public enum OccupancySource: String, Sendable, Codable, CaseIterable {
    /// The counter reports occupied spaces.
    case occupied
    /// The counter reports free spaces.
    case free
    /// Entry and exit counters report increments (`entries`, `exits`): see `BalancingCounter`.
    case balancing
    /// One detector per space: see `SpaceSensors`.
    case spaces
}

/// Prices for a stay, in the city's currency (euros for Biarritz), as the national schema lists them.
public struct Tariffs: Sendable, Equatable {
    /// Price of one hour, in euros; `nil` when not published.
    public var oneHour: Double?
    /// Price of two hours.
    public var twoHours: Double?
    /// Price of three hours.
    public var threeHours: Double?
    /// Price of four hours.
    public var fourHours: Double?
    /// Price of a day.
    public var twentyFourHours: Double?

    /// Prices by length of stay; any may be missing.
    public init(
        oneHour: Double? = nil, twoHours: Double? = nil, threeHours: Double? = nil, fourHours: Double? = nil,
        twentyFourHours: Double? = nil
    ) {
        self.oneHour = oneHour
        self.twoHours = twoHours
        self.threeHours = threeHours
        self.fourHours = fourHours
        self.twentyFourHours = twentyFourHours
    }

    /// Whether no price is known.
    public var isEmpty: Bool { [oneHour, twoHours, threeHours, fourHours, twentyFourHours].allSatisfy { $0 == nil } }
}

/// The static description of one car park.
public struct CarPark: Sendable, Identifiable {
    /// The configured id, used in URLs.
    public var id: String
    /// The name shown to the public.
    public var name: String
    /// Underground, multi-storey, surface…, as ParkAPI names them.
    public var type: CarParkType
    /// Street address, when known.
    public var address: String?
    /// WGS84 degrees.
    public var latitude: Double
    /// WGS84 degrees.
    public var longitude: Double
    /// All spaces, disabled and charging spaces included.
    public var capacity: Int
    /// Whether parking is paid.
    public var hasFee: Bool
    /// Whether it serves as a park-and-ride.
    public var parkAndRide: Bool
    /// Maximum vehicle height in centimetres, when there is a barrier or a ceiling.
    public var maxHeightCentimetres: Int?
    /// The sensor whose `occupied` or `free` readings give the live figures.
    public var sensor: SensorID
    /// At or below this many free spaces the car park is `almostFull`.
    public var almostFullFree: Int
    /// Prices by length of stay (only for a paid car park).
    public var tariffs = Tariffs()
    /// Spaces reserved for disabled drivers (PMR) and spaces with EV charging.
    public var disabledSpaces: Int?
    /// Spaces with a charging point, when known.
    public var evChargingSpaces: Int?
    /// `nil`: open at all times.
    public var openingHours: OpeningHours?
    /// Set for car parks counted by entries and exits.
    public var balancing: BalancingCounter?
    /// Set for car parks counted space by space.
    public var spaceSensors: SpaceSensors?
    /// The district (`[[districts]]` id) it is listed under, if the city is divided into districts.
    public var district: String?

    /// A car park as configured; the optional details are set afterwards.
    public init(
        id: String, name: String, type: CarParkType, address: String? = nil, latitude: Double,
        longitude: Double, capacity: Int, hasFee: Bool, parkAndRide: Bool = false,
        maxHeightCentimetres: Int? = nil, sensor: SensorID, almostFullFree: Int? = nil
    ) {
        self.id = id
        self.name = name
        self.type = type
        self.address = address
        self.latitude = latitude
        self.longitude = longitude
        self.capacity = capacity
        self.hasFee = hasFee
        self.parkAndRide = parkAndRide
        self.maxHeightCentimetres = maxHeightCentimetres
        self.sensor = sensor
        self.almostFullFree = almostFullFree ?? max(5, capacity / 20)
    }
}
