import CityCore
import FeedCore
import Foundation
import HTTPTypes
import Hummingbird
import Ingest
import NIOCore
import RequestParsing
import TimeSeries

/// `GET /v1/series` and `GET /v1/series/{sensor}/{metric}?from&to&step`, as JSON or CSV.
package extension HTTPAPI {
    func addSeriesRoutes(to router: Router<BasicRequestContext>) {
        router.on(operation: "listSeries") { _, _ in
            let report = store.memoryReport
            let items = store.keys.map { key in
                SeriesSummaryDocument(
                    sensor: key.sensor.rawValue, metric: key.metric.rawValue,
                    latest: store.latest(key).map { PointDocument(time: $0.time.iso8601, value: $0.value) })
            }
            return json(
                SeriesListDocument(
                    generatedAt: now().iso8601,
                    memory: .init(
                        series: report.series, samples: report.samples, bytes: report.bytes, late: report.late),
                    items: items))
        }
        router.on(operation: "getSeries") { request, context in
            let sensor = try context.parameters.require("sensor")
            let metricName = try context.parameters.require("metric")
            guard let metric = Metric(rawValue: metricName) else {
                return problem(.notFound, "No metric is called '\(metricName)'.")
            }
            let key = SeriesKey(sensor: SensorID(sensor), metric: metric)
            let parameters = request.uri.queryParameters
            let time = now()
            let from: Timestamp
            let to: Timestamp
            do throws(BadParameter) {
                to = try RequestParsing.time(parameters.get("to"), name: "to") ?? time
                from = try RequestParsing.time(parameters.get("from"), name: "from") ?? to.adding(seconds: -86_400)
            } catch {
                return problem(.badRequest, error.message)
            }
            let wantsCSV = request.headers[.accept]?.contains("text/csv") == true
            guard store.latest(key) != nil else {
                return problem(.notFound, "No readings of \(metric.rawValue) from '\(sensor)'.")
            }
            guard let stepText = parameters.get("step") else {
                let samples = store.samples(key, from: from, to: to)
                if wantsCSV {
                    return csv(["time,value"] + samples.map { "\($0.time.iso8601),\(format($0.value))" })
                }
                return json(
                    RawSeriesDocument(
                        sensor: sensor, metric: metric.rawValue, from: from.iso8601, to: to.iso8601,
                        points: samples.map { PointDocument(time: $0.time.iso8601, value: $0.value) }))
            }
            let step: Int64
            do throws(BadParameter) {
                step = try RequestParsing.step(stepText)
            } catch {
                return problem(.badRequest, error.message)
            }
            let answer: SeriesAnswer
            do throws(SeriesQueryError) {
                guard let result = try store.query(key, from: from, to: to, stepSeconds: step) else {
                    return problem(.notFound, "No readings of \(metric.rawValue) from '\(sensor)'.")
                }
                answer = result
            } catch {
                return problem(.badRequest, error.description)
            }
            let points = answer.points.map(StepDocument.init)
            if wantsCSV {
                return csv(
                    ["time,count,min,max,mean,last,held"]
                        + points.map {
                            [
                                $0.time, "\($0.count)", format($0.min), format($0.max), format($0.mean),
                                format($0.last), format($0.held),
                            ]
                            .joined(separator: ",")
                        })
            }
            return json(
                SteppedSeriesDocument(
                    sensor: sensor, metric: metric.rawValue, from: from.iso8601, to: to.iso8601, step: step,
                    sourceStep: answer.sourceStepSeconds, points: points))
        }
    }

    func format(_ value: Double?) -> String {
        guard let value else { return "" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    func csv(_ lines: [String]) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: lines.joined(separator: "\r\n") + "\r\n")))
    }
}

struct PointDocument: Encodable, Sendable {
    var time: String
    var value: Double
}

struct SeriesSummaryDocument: Encodable, Sendable {
    var sensor: String
    var metric: String
    var latest: PointDocument?
}

struct SeriesListDocument: Encodable, Sendable {
    struct Memory: Encodable, Sendable {
        var series: Int
        var samples: Int
        var bytes: Int
        /// Readings too old for their raw series in memory (durable, and in the rollups).
        var late: Int
    }

    var generatedAt: String
    var memory: Memory
    var items: [SeriesSummaryDocument]

    enum CodingKeys: String, CodingKey {
        case memory, items
        case generatedAt = "generated_at"
    }
}

struct RawSeriesDocument: Encodable, Sendable {
    var sensor: String
    var metric: String
    var from: String
    var to: String
    var points: [PointDocument]
}

struct StepDocument: Encodable, Sendable {
    var time: String
    var count: Int
    var min: Double?
    var max: Double?
    var mean: Double?
    var last: Double?
    /// For a step without readings: the previous value, while within the heartbeat.
    var held: Double?

    init(_ point: SeriesPoint) {
        time = point.start.iso8601
        count = point.aggregate?.count ?? 0
        min = point.aggregate?.min
        max = point.aggregate?.max
        mean = point.aggregate?.mean
        last = point.aggregate?.last
        held = point.heldValue
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(time, forKey: .time)
        try container.encode(count, forKey: .count)
        try container.encode(min, forKey: .min)
        try container.encode(max, forKey: .max)
        try container.encode(mean, forKey: .mean)
        try container.encode(last, forKey: .last)
        try container.encode(held, forKey: .held)
    }

    enum CodingKeys: String, CodingKey { case time, count, min, max, mean, last, held }
}

struct SteppedSeriesDocument: Encodable, Sendable {
    var sensor: String
    var metric: String
    var from: String
    var to: String
    var step: Int64
    /// The step of the ring that answered: 0 for raw samples.
    var sourceStep: Int64
    var points: [StepDocument]

    enum CodingKeys: String, CodingKey {
        case sensor, metric, from, to, step, points
        case sourceStep = "source_step"
    }
}
