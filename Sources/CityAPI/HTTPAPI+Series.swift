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
                Contract.SeriesList.Item(
                    latest: store.latest(key).map { .init(time: $0.time.iso8601, value: $0.value) },
                    metric: key.metric.rawValue, sensor: key.sensor.rawValue)
            }
            return json(
                Contract.SeriesList(
                    generatedAt: now().iso8601, items: items,
                    memory: .init(
                        bytes: report.bytes, late: report.late, samples: report.samples, series: report.series)))
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
                    Contract.SeriesRaw(
                        from: from.iso8601, metric: metric.rawValue,
                        points: samples.map { .init(time: $0.time.iso8601, value: $0.value) }, sensor: sensor,
                        to: to.iso8601))
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
            // An answer of mostly empty steps (a range reaching far before the data) is refused with what to ask
            // instead, rather than sent as megabytes of nothing.
            let filled = answer.points.filter { $0.aggregate != nil || $0.heldValue != nil }
            if answer.points.count > Self.emptyStepsAllowed, filled.count * 10 < answer.points.count,
                let first = filled.first
            {
                return problem(
                    .badRequest,
                    "\(answer.points.count - filled.count) of the \(answer.points.count) steps asked for would be empty: "
                        + "this series has data from \(first.start.iso8601). Ask from then, or with a coarser step.")
            }
            let points = answer.points.map(Contract.SeriesSteps.Point.init)
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
                Contract.SeriesSteps(
                    from: from.iso8601, metric: metric.rawValue, points: points, sensor: sensor,
                    sourceStep: Int(answer.sourceStepSeconds), step: Int(step), to: to.iso8601))
        }
    }

    /// Up to this many steps, an answer is sent however many are empty.
    static let emptyStepsAllowed = 1_000

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
