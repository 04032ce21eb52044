import FeedCore

/// One `[[car_parks]]` table as written in the configuration file.
public struct CarParkSection: Decodable, Sendable {
    var id: String
    var name: String
    var type: CarParkType?
    var address: String?
    var latitude: Number
    var longitude: Number
    var capacity: Int
    var hasFee: Bool
    var parkAndRide: Bool?
    var maxHeightCM: Int?
    var sensor: String?
    var source: OccupancySource?
    var almostFullFree: Int?
    var tariff1h: Number?
    var tariff2h: Number?
    var tariff3h: Number?
    var tariff4h: Number?
    var tariff24h: Number?
    var disabledSpaces: Int?
    var evChargingSpaces: Int?
    var openingHours: String?
    var overnightOccupancy: Int?
    var nightlyReset: String?
    /// Sensor ids of the per-space detectors (source = "spaces").
    var spaces: [String]?
    /// Groups of those spaces counted on their own.
    var zones: [Zone]?

    /// A group of the car park's spaces counted on its own (a level, the disabled bays).
    public struct Zone: Decodable, Sendable {
        var id: String
        var spaces: [String]
    }
    var spaceHeartbeatMinutes: Number?
    /// The `[[districts]]` id it is listed under.
    var district: String?

    enum CodingKeys: String, CodingKey {
        case id, name, type, address, latitude, longitude, capacity, sensor, source, district
        case overnightOccupancy = "overnight_occupancy"
        case nightlyReset = "nightly_reset"
        case spaces, zones
        case spaceHeartbeatMinutes = "space_heartbeat_minutes"
        case hasFee = "has_fee"
        case parkAndRide = "park_and_ride"
        case maxHeightCM = "max_height_cm"
        case almostFullFree = "almost_full_free"
        case tariff1h = "tariff_1h"
        case tariff2h = "tariff_2h"
        case tariff3h = "tariff_3h"
        case tariff4h = "tariff_4h"
        case tariff24h = "tariff_24h"
        case disabledSpaces = "disabled_spaces"
        case evChargingSpaces = "ev_charging_spaces"
        case openingHours = "opening_hours"
    }
}

/// `[parking]` as written in the configuration file.
public struct ParkingSection: Decodable, Sendable {
    var staleAfterMinutes: Number?
    enum CodingKeys: String, CodingKey { case staleAfterMinutes = "stale_after_minutes" }
}

/// The car parks and how live figures age, checked.
public struct ParkingSettings: Sendable {
    /// Live figures older than this are withheld (longer for a feed that reports less often).
    public var staleAfterSeconds: Double
    /// The car parks, in the file's order.
    public var carParks: [CarPark]

    /// Checks `section` and the `[[car_parks]]` tables; each car park's sensors are claimed in `report`.
    public init(_ section: ParkingSection?, carParks sections: [CarParkSection]?, report: inout ConfigurationReport) {
        let staleMinutes = section?.staleAfterMinutes?.value ?? 30
        if staleMinutes <= 0 { report.error("parking.stale_after_minutes", "must be positive") }
        staleAfterSeconds = staleMinutes * 60
        carParks = []
        var ids = Set<String>()
        for (index, raw) in (sections ?? []).enumerated() {
            let location = "car_parks[\(index)]"
            report.checkIdentifier(raw.id, at: "\(location).id", unique: &ids)
            report.checkPosition(latitude: raw.latitude.value, longitude: raw.longitude.value, at: location)
            if raw.capacity <= 0 { report.error("\(location).capacity", "must be positive") }
            if let height = raw.maxHeightCM, !(100...1_000).contains(height) {
                report.error("\(location).max_height_cm", "\(height) cm is not a plausible height limit")
            }
            let sensor = SensorID(raw.sensor ?? raw.id)
            report.claim(sensor, for: location, at: "\(location).sensor")
            var carPark = CarPark(
                id: raw.id, name: raw.name, type: raw.type ?? .carPark, address: raw.address,
                latitude: raw.latitude.value, longitude: raw.longitude.value, capacity: raw.capacity,
                hasFee: raw.hasFee,
                parkAndRide: raw.parkAndRide ?? false, maxHeightCentimetres: raw.maxHeightCM, sensor: sensor,
                almostFullFree: raw.almostFullFree)
            carPark.tariffs = Tariffs(
                oneHour: raw.tariff1h?.value, twoHours: raw.tariff2h?.value, threeHours: raw.tariff3h?.value,
                fourHours: raw.tariff4h?.value, twentyFourHours: raw.tariff24h?.value)
            if !raw.hasFee && !carPark.tariffs.isEmpty {
                report.error("\(location)", "has_fee = false but tariffs are given")
            }
            for (key, count) in [("disabled_spaces", raw.disabledSpaces), ("ev_charging_spaces", raw.evChargingSpaces)]
            {
                if let count, !(0...raw.capacity).contains(count) {
                    report.error("\(location).\(key)", "must be between 0 and the capacity")
                }
            }
            carPark.disabledSpaces = raw.disabledSpaces
            carPark.district = raw.district
            carPark.evChargingSpaces = raw.evChargingSpaces
            if raw.source == .balancing {
                let overnight = raw.overnightOccupancy ?? 0
                if !(0...raw.capacity).contains(overnight) {
                    report.error("\(location).overnight_occupancy", "must be between 0 and the capacity")
                }
                let reset = raw.nightlyReset ?? "04:00"
                let parts = reset.split(separator: ":").compactMap { Int($0) }
                if parts.count != 2 || !(0..<24).contains(parts[0]) || !(0..<60).contains(parts[1]) {
                    report.error("\(location).nightly_reset", "expected HH:MM, got '\(reset)'")
                }
                carPark.balancing = BalancingCounter(
                    capacity: raw.capacity, overnightOccupancy: overnight,
                    resetMinute: parts.count == 2 ? parts[0] * 60 + parts[1] : 240)
            } else if raw.source == .spaces {
                let spaces = (raw.spaces ?? []).map { SensorID($0) }
                if spaces.isEmpty {
                    report.error("\(location).spaces", "source = \"spaces\" needs the detectors' sensor ids")
                }
                if spaces.count > raw.capacity { report.error("\(location).spaces", "more detectors than spaces") }
                for (index, space) in spaces.enumerated() {
                    report.claim(space, for: location, at: "\(location).spaces[\(index)]")
                }
                let minutes = raw.spaceHeartbeatMinutes?.value ?? 60
                if minutes <= 0 { report.error("\(location).space_heartbeat_minutes", "must be positive") }
                var zones: [(id: String, spaces: [SensorID])] = []
                for (index, zone) in (raw.zones ?? []).enumerated() {
                    let members = zone.spaces.map { SensorID($0) }
                    for (spaceIndex, member) in members.enumerated() where !spaces.contains(member) {
                        report.error(
                            "\(location).zones[\(index)].spaces[\(spaceIndex)]",
                            "'\(member)' is not one of the car park's spaces")
                    }
                    zones.append((zone.id, members))
                }
                carPark.spaceSensors = SpaceSensors(spaces: spaces, heartbeatSeconds: minutes * 60, zones: zones)
            } else if raw.spaces != nil || raw.zones != nil {
                report.error("\(location).spaces", "spaces and zones apply to source = \"spaces\" only")
            }
            if raw.source != .balancing && (raw.overnightOccupancy != nil || raw.nightlyReset != nil) {
                report.error(
                    "\(location)", "overnight_occupancy and nightly_reset apply to source = \"balancing\" only")
            }
            if let hours = raw.openingHours {
                do throws(OpeningHoursError) {
                    carPark.openingHours = try OpeningHours(parsing: hours)
                } catch {
                    report.error("\(location).opening_hours", error.description)
                }
            }
            carParks.append(carPark)
        }
    }
}
