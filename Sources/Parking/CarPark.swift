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
    public var oneHour: Double?
    public var twoHours: Double?
    public var threeHours: Double?
    public var fourHours: Double?
    public var twentyFourHours: Double?

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

    public var isEmpty: Bool { [oneHour, twoHours, threeHours, fourHours, twentyFourHours].allSatisfy { $0 == nil } }
}

/// The static description of one car park.
public struct CarPark: Sendable, Identifiable {
    public var id: String
    public var name: String
    public var type: CarParkType
    public var address: String?
    public var latitude: Double
    public var longitude: Double
    public var capacity: Int
    public var hasFee: Bool
    public var parkAndRide: Bool
    /// Maximum vehicle height in centimetres, when there is a barrier or a ceiling.
    public var maxHeightCentimetres: Int?
    /// The sensor whose `occupied` or `free` readings give the live figures.
    public var sensor: SensorID
    /// At or below this many free spaces the car park is `almostFull`.
    public var almostFullFree: Int
    public var tariffs = Tariffs()
    /// Spaces reserved for disabled drivers (PMR) and spaces with EV charging.
    public var disabledSpaces: Int?
    public var evChargingSpaces: Int?
    /// `nil`: open at all times.
    public var openingHours: OpeningHours?
    /// Set for car parks counted by entries and exits.
    public var balancing: BalancingCounter?
    /// Set for car parks counted space by space.
    public var spaceSensors: SpaceSensors?

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
