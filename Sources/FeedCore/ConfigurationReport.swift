import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One problem in a configuration file, with where it is (`mqtt.broker`, `car_parks[2].capacity`).
public struct ConfigurationProblem: Sendable, Equatable, CustomStringConvertible {
    /// Where in the file: a dotted key path with indices (`car_parks[2].capacity`), or a flag (`--broker`).
    public var location: String
    /// What is wrong, in words an operator can act on.
    public var message: String

    /// A problem at `location`.
    public init(location: String, message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}

/// What checking a configuration found, gathered across every section so that an operator sees every problem
/// at once. Each module checks its own section into it; what spans sections (sensor ids, which must each have
/// one owner) is kept here too.
public struct ConfigurationReport: Sendable {
    /// The configuration file's folder: relative paths in the file are relative to it, not to wherever the
    /// daemon was started.
    public var baseDirectory: String
    /// Problems that make the file unusable: a file with any is refused as a whole.
    public private(set) var errors: [ConfigurationProblem] = []
    /// Not wrong enough to refuse, but an operator should know (`check-config` prints these; the daemon logs them).
    public private(set) var warnings: [ConfigurationProblem] = []
    /// Which part of the file each sensor id belongs to.
    public private(set) var sensorOwners: [SensorID: String] = [:]

    /// An empty report for a file in `baseDirectory`.
    public init(baseDirectory: String = "") {
        self.baseDirectory = baseDirectory
    }

    /// Records a problem that makes the file unusable.
    public mutating func error(_ location: String, _ message: String) {
        errors.append(ConfigurationProblem(location: location, message: message))
    }

    /// Records something allowed but worth an operator's attention.
    public mutating func warn(_ location: String, _ message: String) {
        warnings.append(ConfigurationProblem(location: location, message: message))
    }

    /// `path` as the daemon will open it.
    public func resolve(_ path: String) -> String {
        if path.hasPrefix("/") || baseDirectory.isEmpty { return path }
        return (baseDirectory as NSString).appendingPathComponent(path)
    }

    /// Records that `sensor` belongs to the part of the file at `owner`; a sensor claimed twice is an error at
    /// `location`.
    public mutating func claim(_ sensor: SensorID, for owner: String, at location: String) {
        if let previous = sensorOwners[sensor] {
            error(location, "sensor '\(sensor)' is already used by \(previous)")
        }
        sensorOwners[sensor] = owner
    }

    /// An id that appears in URLs and topics: lower-case ASCII letters, digits, `-`, `_`, each used once.
    public mutating func checkIdentifier(_ id: String, at location: String, unique: inout Set<String>) {
        let allowed = CharacterSet.lowercaseLetters.union(.decimalDigits).union(CharacterSet(charactersIn: "-_"))
        if id.isEmpty || id.unicodeScalars.contains(where: { !allowed.contains($0) || !$0.isASCII }) {
            error(location, "'\(id)' must be lower-case ASCII letters, digits, '-' or '_'")
        }
        if !unique.insert(id).inserted { error(location, "'\(id)' is used twice") }
    }

    /// A position in WGS84 degrees.
    public mutating func checkPosition(latitude: Double, longitude: Double, at location: String) {
        if !(-90...90).contains(latitude) { error("\(location).latitude", "must be between -90 and 90") }
        if !(-180...180).contains(longitude) { error("\(location).longitude", "must be between -180 and 180") }
    }

    /// The first line of a secret kept in a file (a password, a token); a file others can read is accepted with
    /// a warning, since the secret is no longer one.
    /// (`skippingEmptyLines`: the first line with something on it.)
    public mutating func readSecret(_ file: String, at location: String, skippingEmptyLines: Bool = false) -> String? {
        let path = resolve(file)
        guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
            error(location, "cannot read '\(path)'")
            return nil
        }
        var status = stat()
        if stat(path, &status) == 0, status.st_mode & 0o044 != 0 {
            warn(
                location,
                "'\(path)' is readable by other users (mode \(String(status.st_mode & 0o777, radix: 8))); chmod 600 it")
        }
        return contents.split(separator: "\n", omittingEmptySubsequences: skippingEmptyLines).first.map(String.init)
    }
}

/// A TOML number: TOML tells integers (`300`) from floats (`300.0`), an operator should not have to.
public struct Number: Decodable, Sendable, Equatable {
    /// The number, whichever way it was written.
    public var value: Double

    /// A number given in code rather than read from a file.
    public init(_ value: Double) {
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let integer = try? container.decode(Int.self) {
            value = Double(integer)
        } else {
            value = try container.decode(Double.self)
        }
    }
}
