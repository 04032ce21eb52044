import FeedCore
import Foundation

/// The archive formats `cityfeedsd replay` reads (docs/ingest.md, "Archives").
public enum ArchiveFormat: String, Sendable, CaseIterable {
    /// CSV with a header naming `sensor`, `metric`, `time` and `value` (in any order; other columns ignored).
    case csv
    /// JSON Lines: one object per line, either `{"sensor", "metric", "time", "value"}` or a sensor's native
    /// payload with its `sensor` (`{"sensor": "casino", "ts": …, "occupied": 341}`).
    case jsonl
    /// Storm-overflow spill events, one per line, as water companies publish them: CSV with `outfall`,
    /// `start` and `stop` columns (or Beachbuoy's `associatedSiteId`, `eventStart`, `eventStop`) and an
    /// optional `status` (events marked "Not Genuine" are left out).
    case spills

    /// The format a file's name implies: `.jsonl`/`.ndjson` are JSON Lines; a CSV whose header names a start
    /// and a stop column holds spill events.
    public static func detect(path: String, firstLine: Substring) -> ArchiveFormat {
        let lower = path.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return .jsonl }
        let columns = Set(splitCSVLine(firstLine).map { $0.lowercased() })
        if !columns.isDisjoint(with: ["start", "eventstart"]), !columns.isDisjoint(with: ["stop", "eventstop"]) {
            return .spills
        }
        return .csv
    }
}

/// One reading of an archive, with the sensor as the archive names it (an id or an alias) and its line.
public struct ArchiveRecord: Sendable, Hashable {
    /// The sensor id as the archive names it (an alias is resolved later, as for live messages).
    public var sensor: String
    /// What was observed.
    public var metric: Metric
    /// When it was observed.
    public var time: Timestamp
    /// The value, in the metric's unit.
    public var value: Double
    /// Where in the file it came from, for messages.
    public var line: Int
}

/// What an archive held: its readings, and the lines that could not be read, with the reason.
public struct ArchiveContents: Sendable {
    /// The records read, in file order.
    public var records: [ArchiveRecord] = []
    /// Lines that could not be read, and why.
    public var rejected: [(line: Int, rejection: Rejection)] = []
    /// Spill events left out because the water company marked them not genuine.
    public var notGenuine = 0
}

/// Reads archives into readings. Pure: text in, records out; a bad line is rejected with a reason and the
/// rest still count. Every number is checked before use (times within 1970–9999, finite values).
public enum ArchiveReader {
    /// The longest line read; a longer one is rejected (an archive is outside input too).
    public static let maxLineBytes = 65_536

    /// Reads a whole archive: the records it holds and, by line, the ones it could not read.
    public static func read(_ text: String, format: ArchiveFormat) -> ArchiveContents {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
            .map { (number: $0.offset + 1, text: $0.element) }
        if lines.last?.text.isEmpty == true { lines.removeLast() }
        switch format {
        case .jsonl: return readJSONLines(lines)
        case .csv: return readCSV(lines)
        case .spills: return readSpills(lines)
        }
    }

    private static func readJSONLines(_ lines: [(number: Int, text: Substring)]) -> ArchiveContents {
        var contents = ArchiveContents()
        for (number, text) in lines where !text.allSatisfy(\.isWhitespace) {
            do throws(Rejection) {
                guard text.utf8.count <= maxLineBytes else {
                    throw Rejection(.payloadTooLarge, "line of \(text.utf8.count) bytes")
                }
                guard case .object(var fields) = try JSONValue.parse(Array(text.utf8)) else {
                    throw Rejection(.wrongType, "a line must be a JSON object")
                }
                guard case .string(let sensor)? = fields.removeValue(forKey: "sensor"), !sensor.isEmpty else {
                    throw Rejection(.wrongType, "no \"sensor\" string")
                }
                guard let time = try FieldMapper.timestamp(fields["time"] ?? fields["ts"], field: "time") else {
                    throw Rejection(.badTimestamp, "no \"time\"")
                }
                let readings: [DecodedReading]
                if case .string(let metricName)? = fields["metric"] {
                    let metric = try metric(named: metricName)
                    readings = [
                        DecodedReading(metric: metric, time: time, value: try value(fields["value"], metric: metric))
                    ]
                } else {
                    fields["ts"] = nil
                    fields["time"] = nil
                    readings = try FieldMapper.readings(in: fields, time: time)
                }
                for reading in readings {
                    contents.records.append(
                        ArchiveRecord(
                            sensor: sensor, metric: reading.metric, time: time, value: reading.value, line: number))
                }
            } catch {
                contents.rejected.append((number, error))
            }
        }
        return contents
    }

    private static func readCSV(_ lines: [(number: Int, text: Substring)]) -> ArchiveContents {
        var contents = ArchiveContents()
        guard let header = lines.first else { return contents }
        let columns = splitCSVLine(header.text).map { $0.lowercased() }
        guard let sensorColumn = columns.firstIndex(of: "sensor"), let metricColumn = columns.firstIndex(of: "metric"),
            let timeColumn = columns.firstIndex(of: "time"), let valueColumn = columns.firstIndex(of: "value")
        else {
            contents.rejected.append(
                (header.number, Rejection(.wrongType, "the header must name sensor, metric, time and value")))
            return contents
        }
        let needed = max(sensorColumn, metricColumn, timeColumn, valueColumn)
        for (number, text) in lines.dropFirst() where !text.allSatisfy(\.isWhitespace) {
            do throws(Rejection) {
                guard text.utf8.count <= maxLineBytes else {
                    throw Rejection(.payloadTooLarge, "line of \(text.utf8.count) bytes")
                }
                let fields = splitCSVLine(text)
                guard fields.count > needed else {
                    throw Rejection(.wrongType, "\(fields.count) fields, expected \(needed + 1)")
                }
                guard !fields[sensorColumn].isEmpty else { throw Rejection(.wrongType, "no sensor") }
                let metric = try metric(named: fields[metricColumn])
                let valueText = fields[valueColumn]
                let value: Double
                if let number = Double(valueText) {
                    value = number
                } else if metric == .overflowState, let state = OverflowState(name: valueText) {
                    value = state.value
                } else {
                    throw Rejection(.notANumber, "value '\(valueText.prefix(40))' is not a number")
                }
                contents.records.append(
                    ArchiveRecord(
                        sensor: fields[sensorColumn], metric: metric, time: try time(fields[timeColumn]), value: value,
                        line: number))
            } catch {
                contents.rejected.append((number, error))
            }
        }
        return contents
    }

    /// Spill events become each outfall's state changes: `discharging` at the start of a run of events that
    /// overlap or touch, `stopped` at its end.
    private static func readSpills(_ lines: [(number: Int, text: Substring)]) -> ArchiveContents {
        var contents = ArchiveContents()
        guard let header = lines.first else { return contents }
        let columns = splitCSVLine(header.text).map { $0.lowercased() }
        func column(_ names: [String]) -> Int? { names.lazy.compactMap { columns.firstIndex(of: $0) }.first }
        guard let outfallColumn = column(["outfall", "associatedsiteid"]),
            let startColumn = column(["start", "eventstart"]),
            let stopColumn = column(["stop", "eventstop"])
        else {
            contents.rejected.append(
                (header.number, Rejection(.wrongType, "the header must name outfall, start and stop")))
            return contents
        }
        let statusColumn = column(["status"])
        var events: [String: [(start: Timestamp, stop: Timestamp, line: Int)]] = [:]
        for (number, text) in lines.dropFirst() where !text.allSatisfy(\.isWhitespace) {
            do throws(Rejection) {
                guard text.utf8.count <= maxLineBytes else {
                    throw Rejection(.payloadTooLarge, "line of \(text.utf8.count) bytes")
                }
                let fields = splitCSVLine(text)
                guard fields.count > max(outfallColumn, startColumn, stopColumn) else {
                    throw Rejection(.wrongType, "\(fields.count) fields")
                }
                if let statusColumn, statusColumn < fields.count, fields[statusColumn].lowercased() == "not genuine" {
                    contents.notGenuine += 1
                    continue
                }
                guard !fields[outfallColumn].isEmpty else { throw Rejection(.wrongType, "no outfall") }
                let start = try time(fields[startColumn])
                let stop = try time(fields[stopColumn])
                guard stop > start else {
                    throw Rejection(.badTimestamp, "stop \(stop.iso8601) is not after start \(start.iso8601)")
                }
                events[fields[outfallColumn], default: []].append((start, stop, number))
            } catch {
                contents.rejected.append((number, error))
            }
        }
        for (outfall, list) in events.sorted(by: { $0.key < $1.key }) {
            var runs: [(start: Timestamp, stop: Timestamp, line: Int)] = []
            for event in list.sorted(by: { $0.start < $1.start }) {
                if let last = runs.last, event.start <= last.stop {
                    runs[runs.count - 1].stop = max(last.stop, event.stop)
                } else {
                    runs.append(event)
                }
            }
            for run in runs {
                contents.records.append(
                    ArchiveRecord(
                        sensor: outfall, metric: .overflowState, time: run.start,
                        value: OverflowState.discharging.value, line: run.line))
                contents.records.append(
                    ArchiveRecord(
                        sensor: outfall, metric: .overflowState, time: run.stop, value: OverflowState.stopped.value,
                        line: run.line))
            }
        }
        return contents
    }

    private static func metric(named name: String) throws(Rejection) -> Metric {
        guard let metric = Metric(rawValue: name) else {
            throw Rejection(.unknownMetric, "'\(name.prefix(40))' is not a metric")
        }
        return metric
    }

    private static func value(_ json: JSONValue?, metric: Metric) throws(Rejection) -> Double {
        switch json {
        case .number(let number)?: return number
        case .string(let text)? where metric == .overflowState:
            guard let state = OverflowState(name: text) else {
                throw Rejection(.invalidState, "'\(text.prefix(40))' is not a state")
            }
            return state.value
        case .bool(let flag)?: return flag ? 1 : 0
        default: throw Rejection(.wrongType, "\"value\" must be a number")
        }
    }

    /// RFC 3339 (a space may stand for the `T`; without an offset, UTC), or Unix seconds (milliseconds above
    /// 10^11).
    static func time(_ text: String) throws(Rejection) -> Timestamp {
        if let number = Double(text) {
            return try FieldMapper.timestamp(.number(number), field: "time")!
        }
        var normalized = text
        if normalized.count > 10, let space = normalized.firstIndex(of: " "),
            normalized.distance(from: normalized.startIndex, to: space) == 10
        {
            normalized.replaceSubrange(space...space, with: "T")
        }
        let hasOffset =
            normalized.hasSuffix("Z") || normalized.dropFirst(19).contains("+")
            || normalized.dropFirst(19).contains("-")
        if !hasOffset { normalized += "Z" }
        guard text.count <= 40, let time = Timestamp(rfc3339: normalized), time.milliseconds > 0,
            time < Timestamp(milliseconds: 253_402_300_800_000)
        else {
            throw Rejection(.badTimestamp, "'\(text.prefix(40))' is not a time")
        }
        return time
    }
}

/// Splits one CSV line (RFC 4180: fields in double quotes may hold commas and doubled quotes).
func splitCSVLine(_ line: Substring) -> [String] {
    var fields: [String] = []
    var field = ""
    var quoted = false
    var index = line.startIndex
    while index < line.endIndex {
        let character = line[index]
        if quoted {
            if character == "\"" {
                let next = line.index(after: index)
                if next < line.endIndex, line[next] == "\"" {
                    field.append("\"")
                    index = next
                } else {
                    quoted = false
                }
            } else {
                field.append(character)
            }
        } else if character == "\"" {
            quoted = true
        } else if character == "," {
            fields.append(field)
            field = ""
        } else if character != "\r" {
            field.append(character)
        }
        index = line.index(after: index)
    }
    fields.append(field)
    return fields.map { $0.trimmingCharacters(in: .whitespaces) }
}
