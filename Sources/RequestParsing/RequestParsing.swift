import Alerts
import FeedCore
import Foundation
import Parking
import TimeSeries

/// A query parameter or body that cannot be taken: the message says which and why (a 400 problem).
public struct BadParameter: Error, Sendable {
    /// What is wrong with the parameter, as the problem document's detail.
    public var message: String

    /// A refusal with this detail.
    public init(message: String) {
        self.message = message
    }
}

/// A request's query parameters, the first value of each name.
public struct Query: Sendable {
    private let values: [String: String]

    /// Parameters from name-value pairs; a name given twice keeps its first value.
    public init(_ pairs: some Sequence<(String, String)>) {
        var values: [String: String] = [:]
        for (name, value) in pairs where values[name] == nil { values[name] = value }
        self.values = values
    }

    /// Parses `a=1&b=x%20y` (`+` is a space; a malformed escape is kept as it came).
    public init(parsing query: String) {
        self.init(
            query.split(separator: "&", omittingEmptySubsequences: true).map { item -> (String, String) in
                let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                func decode(_ text: Substring) -> String {
                    let spaced = text.replacingOccurrences(of: "+", with: " ")
                    return spaced.removingPercentEncoding ?? spaced
                }
                return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
            })
    }

    /// The value of the parameter `name`, if given.
    public func get(_ name: String) -> String? { values[name] }
}

/// Everything a client sends the API besides its path, read into the daemon's types: each number, time and
/// body is checked before use, and anything wrong is a `BadParameter` with the reason, never a trap. Kept
/// apart from the HTTP server so that it can be fuzzed on its own.
public enum RequestParsing {
    /// A query time: RFC 3339 or Unix seconds, from 1970 to 9999 (no sensor data is older, and earlier
    /// dates would be written in the Julian calendar by the formatter).
    public static func time(_ text: String?, name: String) throws(BadParameter) -> Timestamp? {
        guard let text else { return nil }
        var time = Timestamp(rfc3339: text)
        var outOfRange = false
        if time == nil, let seconds = Double(text), seconds.isFinite {
            time = Timestamp(validatingSeconds: seconds)
            outOfRange = time == nil
        }
        guard let time, !outOfRange else {
            throw BadParameter(
                message: outOfRange
                    ? "\(name) must lie between 1970 and 9999."
                    : "\(name) must be RFC 3339 or Unix seconds, not '\(text.prefix(40))'.")
        }
        guard time.milliseconds >= 0, time <= Timestamp.latest else {
            throw BadParameter(message: "\(name) must lie between 1970 and 9999.")
        }
        return time
    }

    /// A series step: whole seconds or a duration such as 15m, 1h or 1d.
    public static func step(_ text: String) throws(BadParameter) -> Int64 {
        guard let step = RollupSpec.parseStep(Substring(text)) else {
            throw BadParameter(
                message:
                    "step must be whole seconds or a duration such as 15m, 1h or 1d, at most \(RollupSpec.maxStepSeconds / 86_400)d."
            )
        }
        return step
    }

    /// `GET /v1/alerts`' filter.
    public static func alertFilter(_ parameters: Query) throws(BadParameter) -> AlertFilter {
        var filter = AlertFilter(states: .active)
        if parameters.get("active") != nil { filter.states = .active }
        if let state = parameters.get("state") {
            guard let states = AlertFilter.States(rawValue: state) else {
                throw BadParameter(message: "state must be one of active, resolved, all.")
            }
            filter.states = states
        }
        filter.beach = parameters.get("beach")
        if let rule = parameters.get("rule") {
            guard let parsed = AlertRule(rawValue: rule) else {
                throw BadParameter(
                    message: "rule must be one of \(AlertRule.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            filter.rule = parsed
        }
        filter.since = try time(parameters.get("since"), name: "since")
        if let before = parameters.get("before_id") {
            guard let id = Int64(before) else { throw BadParameter(message: "before_id must be an alert id.") }
            filter.beforeID = id
        }
        if let limit = parameters.get("limit") {
            guard let value = Int(limit), (1...1_000).contains(value) else {
                throw BadParameter(message: "limit must be from 1 to 1000.")
            }
            filter.limit = value
        }
        return filter
    }

    /// The page `limit` and `cursor` ask for; `nil` when neither is given (the whole list).
    public static func page(_ parameters: Query) throws(BadParameter) -> PageRequest? {
        let limitText = parameters.get("limit")
        let cursorText = parameters.get("cursor")
        guard limitText != nil || cursorText != nil else { return nil }
        var page = PageRequest(limit: PageRequest.defaultLimit)
        if let limitText {
            guard let limit = Int(limitText), (1...PageRequest.maximumLimit).contains(limit) else {
                throw BadParameter(
                    message:
                        "limit is a whole number from 1 to \(PageRequest.maximumLimit), not '\(limitText.prefix(40))'.")
            }
            page.limit = limit
        }
        if let cursorText {
            guard let cursor = PageCursor(token: cursorText) else {
                throw BadParameter(
                    message: "cursor is the next_cursor of a previous page, not '\(cursorText.prefix(40))'.")
            }
            page.after = cursor
        }
        return page
    }

    /// A `bbox` parameter: `min_lon,min_lat,max_lon,max_lat`, each within its range.
    public static func boundingBox(_ parameters: Query) throws(BadParameter) -> ParkingQuery.Box? {
        guard let bbox = parameters.get("bbox") else { return nil }
        let values = bbox.split(separator: ",", omittingEmptySubsequences: false).compactMap { Double($0) }
        guard values.count == 4, values[0] <= values[2], values[1] <= values[3],
            values.allSatisfy({ $0.isFinite }), (-180...180).contains(values[0]), (-180...180).contains(values[2]),
            (-90...90).contains(values[1]), (-90...90).contains(values[3])
        else {
            throw BadParameter(
                message: "bbox is min_lon,min_lat,max_lon,max_lat in degrees, not '\(bbox.prefix(80))'.")
        }
        return .init(minLongitude: values[0], minLatitude: values[1], maxLongitude: values[2], maxLatitude: values[3])
    }

    /// Reads the query parameters; every malformed one is a 400 with the reason.
    public static func parkingQuery(_ parameters: Query) throws(BadParameter) -> ParkingQuery {
        func number(_ name: String) throws(BadParameter) -> Double? {
            guard let text = parameters.get(name) else { return nil }
            guard let value = Double(text), value.isFinite else {
                throw BadParameter(message: "\(name) must be a number, not '\(text.prefix(40))'.")
            }
            return value
        }
        var query = ParkingQuery()
        let latitude = try number("lat")
        let longitude = try number("lon")
        let radius = try number("radius")
        switch (latitude, longitude) {
        case let (latitude?, longitude?):
            guard (-90...90).contains(latitude), (-180...180).contains(longitude) else {
                throw BadParameter(message: "lat must be within ±90 and lon within ±180.")
            }
            let metres = radius ?? 1_000
            guard metres > 0, metres <= 100_000 else {
                throw BadParameter(message: "radius is in metres, more than 0 and at most 100000.")
            }
            query.near = .init(latitude: latitude, longitude: longitude, radiusMetres: metres)
        case (nil, nil):
            if radius != nil { throw BadParameter(message: "radius needs lat and lon.") }
        default:
            throw BadParameter(message: "lat and lon go together.")
        }
        query.box = try boundingBox(parameters)
        if let text = parameters.get("free_of_charge") {
            switch text.lowercased() {
            case "true", "1", "yes": query.freeOfCharge = true
            case "false", "0", "no": query.freeOfCharge = false
            default: throw BadParameter(message: "free_of_charge is true or false.")
            }
        }
        // ParkAPI names the same filter `max_height`; both names are accepted.
        var height = try number("vehicle_height")
        if height == nil { height = try number("max_height") }
        if let height {
            // Centimetres, as ParkAPI's max_height; a value under 10 is read as metres (2.10 → 210 cm).
            let centimetres = height < 10 ? height * 100 : height
            guard centimetres > 0, centimetres <= 1_000 else {
                throw BadParameter(message: "vehicle_height is in centimetres (or metres below 10).")
            }
            query.vehicleHeightCentimetres = Int(centimetres.rounded(.up))
        }
        if let minimum = try number("min_free") {
            guard minimum >= 0, minimum <= 1_000_000, minimum == minimum.rounded() else {
                throw BadParameter(message: "min_free is a whole number of spaces, from 0 to 1000000.")
            }
            query.minimumFree = Int(minimum)
        }
        if let type = parameters.get("type") {
            guard let parsed = CarParkType(rawValue: type.uppercased()) else {
                throw BadParameter(
                    message: "type is one of \(CarParkType.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            query.type = parsed
        }
        return query
    }

    /// A JSON object with only the known keys, decoded. An operator's typo (`"untill"`) is a 400 with the
    /// expected shape, never silently ignored; a key given twice is refused, not "last one wins", through the
    /// same strict parser as sensor payloads.
    public static func decodeStrictly<T: Decodable>(
        _ type: T.Type, _ bytes: [UInt8], keys: Set<String>
    ) throws(BadParameter) -> T {
        let document: JSONValue
        do throws(JSONParser.Failure) {
            document = try JSONParser.parse(bytes)
        } catch {
            if let key = error.duplicateKey {
                throw BadParameter(message: "The field \"\(key.prefix(40))\" appears twice.")
            }
            throw BadParameter(message: "The body is not JSON (\(error.problem) at byte \(error.offset)).")
        }
        guard case .object(let fields) = document else { throw BadParameter(message: "The body is not a JSON object.") }
        if let unknown = fields.keys.sorted().first(where: { !keys.contains($0) }) {
            throw BadParameter(message: "Unknown field \"\(unknown.prefix(40))\".")
        }
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw BadParameter(message: "A field is missing or of the wrong type.")
        }
    }
}
