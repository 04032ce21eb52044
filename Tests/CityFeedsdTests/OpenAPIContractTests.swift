import FeedCore
import Foundation
import TestSupport
import Testing

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd
@testable import Ingest

/// The OpenAPI document is a contract: every documented read is requested from a daemon with data in it, and
/// each real response is checked against the schema the document gives for its status code.
@Suite(.serialized) struct OpenAPIContractTests {
    let token = "contract-token"

    /// A small JSON Schema checker for the subset the document uses: `$ref`, `type` (one or several),
    /// `enum`, `properties`, `required`, `additionalProperties`, `items`, `oneOf`, `minimum`, `maximum`.
    struct SchemaChecker {
        let document: JSONValue

        func resolve(_ schema: JSONValue) -> JSONValue {
            guard case .object(let fields) = schema, case .string(let reference)? = fields["$ref"] else {
                return schema
            }
            var node = document
            for part in reference.dropFirst(2).split(separator: "/") {
                guard case .object(let children) = node, let next = children[String(part)] else { return .null }
                node = next
            }
            return node
        }

        func typeName(_ value: JSONValue) -> String {
            switch value {
            case .null: "null"
            case .bool: "boolean"
            case .number(let number): number.rounded() == number ? "integer" : "number"
            case .string: "string"
            case .array: "array"
            case .object: "object"
            }
        }

        func check(_ value: JSONValue, _ schema: JSONValue, at path: String) -> [String] {
            guard case .object(let rules) = resolve(schema) else { return [] }
            var problems: [String] = []
            if case .array(let options)? = rules["oneOf"] {
                let matching = options.filter { check(value, $0, at: path).isEmpty }
                if matching.count != 1 { problems.append("\(path): matches \(matching.count) of oneOf") }
            }
            var types: [String] = []
            if case .string(let type)? = rules["type"] { types = [type] }
            if case .array(let list)? = rules["type"] {
                types = list.compactMap { if case .string(let t) = $0 { t } else { nil } }
            }
            let actual = typeName(value)
            if !types.isEmpty, !types.contains(actual), !(actual == "integer" && types.contains("number")) {
                problems.append("\(path): \(actual), expected \(types.joined(separator: " or "))")
                return problems
            }
            if case .array(let allowed)? = rules["enum"], !allowed.contains(value) {
                problems.append("\(path): \(value) is not one of the documented values")
            }
            if case .number(let number) = value {
                if case .number(let minimum)? = rules["minimum"], number < minimum {
                    problems.append("\(path): below minimum")
                }
                if case .number(let maximum)? = rules["maximum"], number > maximum {
                    problems.append("\(path): above maximum")
                }
            }
            if case .array(let items) = value, let itemSchema = rules["items"] {
                for (index, item) in items.enumerated() { problems += check(item, itemSchema, at: "\(path)[\(index)]") }
            }
            if case .object(let fields) = value {
                var properties: [String: JSONValue] = [:]
                if case .object(let declared)? = rules["properties"] { properties = declared }
                if case .array(let required)? = rules["required"] {
                    for case .string(let name) in required where fields[name] == nil {
                        problems.append("\(path): required '\(name)' is missing")
                    }
                }
                for (name, field) in fields.sorted(by: { $0.key < $1.key }) {
                    if let fieldSchema = properties[name] {
                        problems += check(field, fieldSchema, at: "\(path).\(name)")
                    } else if let additional = rules["additionalProperties"] {
                        if additional == .bool(false) {
                            problems.append("\(path): '\(name)' is not in the document")
                        } else if case .object = additional {
                            problems += check(field, additional, at: "\(path).\(name)")
                        }
                    }
                }
            }
            return problems
        }

        /// The schema the document gives for `status` of `method` on the documented `path`; `.null` when the
        /// document says the answer has no body.
        func responseSchema(path: String, method: String, status: Int) -> JSONValue? {
            guard case .object(let root) = document, case .object(let paths)? = root["paths"],
                case .object(let item)? = paths[path], case .object(let operation)? = item[method],
                case .object(let responses)? = operation["responses"], let declared = responses[String(status)],
                case .object(let response) = resolve(declared)
            else { return nil }
            guard case .object(let content)? = response["content"] else { return .null }
            for type in ["application/json", "application/problem+json", "application/geo+json"] {
                if case .object(let media)? = content[type], let schema = media["schema"] { return schema }
            }
            return .object([:])
        }
    }

    @Test func realResponsesMatchTheDocument() async throws {
        let checker = SchemaChecker(document: OpenAPI.document)
        let broker = try TestBroker()
        defer { broker.stop() }
        try await runningDaemon(brokerURL: broker.address.description, adjust: { $0.http.operatorToken = token }) {
            client in
            _ = try await client.waitFor("/healthz") { ($0["ready"] as? Bool) == true }
            // Data everywhere, so that optional fields show up.
            let publisher = try MQTTPublisher(broker: broker.address)
            defer { publisher.close() }
            let now = Timestamp.now
            let ts = now.adding(seconds: -30).iso8601
            try publisher.publish(topic: "cityfeeds/parking/casino/occupancy", text: #"{"ts":"\#(ts)","occupied":120}"#)
            try publisher.publish(
                topic: "cityfeeds/parking/clemenceau/occupancy", text: #"{"ts":"\#(ts)","entries":30,"exits":2}"#)
            try publisher.publish(
                topic: "cityfeeds/sewer/outfall-port-vieux/state", text: #"{"ts":"\#(ts)","state":"discharging"}"#)
            try publisher.publish(
                topic: "cityfeeds/sewer/outfall-marbella/state", text: #"{"ts":"\#(ts)","state":"offline"}"#)
            try publisher.publish(
                topic: "cityfeeds/beach/probe-grande-plage/sample",
                text: #"{"ts":"\#(ts)","ecoli":1500,"enterococci":20,"turbidity":2,"salinity":35,"temperature":19}"#)
            try publisher.publish(
                topic: "cityfeeds/rain/rain-biarritz-parme/rain", text: #"{"ts":"\#(ts)","rain_mm":30}"#)
            try publisher.publish(topic: "cityfeeds/parking/casino/occupancy", text: #"{"occupied":"lots"}"#)
            #expect(publisher.waitForAcknowledgements())
            _ = try await client.waitFor("/v1/alerts") { ($0["items"] as? [Any])?.count ?? 0 >= 9 }
            let firstAlert = try #require(
                (try await client.get("/v1/alerts").json()["items"] as? [[String: Any]])?.first?["id"] as? Int)
            _ = try await client.post(
                "/v1/alerts/\(firstAlert)/acknowledge", json: #"{"by":"ops","reason":"seen"}"#,
                headers: ["Authorization": "Bearer \(token)"])
            _ = try await client.post(
                "/v1/beaches/miramar/override", json: #"{"action":"close","reason":"storm","author":"Mairie"}"#,
                headers: ["Authorization": "Bearer \(token)"])

            let requests: [(url: String, path: String)] = [
                ("/v1/status", "/v1/status"), ("/v1/parking", "/v1/parking"),
                ("/v1/parking?lat=43.48&lon=-1.55&radius=3000&vehicle_height=2.1", "/v1/parking"),
                ("/v1/parking?radius=-4", "/v1/parking"), ("/v1/parking.geojson", "/v1/parking.geojson"),
                ("/v1/parking/casino", "/v1/parking/{id}"), ("/v1/parking/clemenceau", "/v1/parking/{id}"),
                ("/v1/parking/nowhere", "/v1/parking/{id}"), ("/v1/beaches", "/v1/beaches"),
                ("/v1/beaches/grande-plage", "/v1/beaches/{id}"), ("/v1/beaches/miramar", "/v1/beaches/{id}"),
                ("/v1/beaches/atlantis", "/v1/beaches/{id}"), ("/v1/alerts", "/v1/alerts"),
                ("/v1/alerts?state=all&rule=sewage_discharge", "/v1/alerts"), ("/v1/alerts?limit=0", "/v1/alerts"),
                ("/v1/alerts/\(firstAlert)", "/v1/alerts/{id}"), ("/v1/alerts/99999", "/v1/alerts/{id}"),
                ("/v1/ingest", "/v1/ingest"), ("/v1/series", "/v1/series"),
                ("/v1/series/casino/occupied", "/v1/series/{sensor}/{metric}"),
                ("/v1/series/casino/occupied?step=15m", "/v1/series/{sensor}/{metric}"),
                ("/v1/series/casino/nonsense", "/v1/series/{sensor}/{metric}"), ("/healthz", "/healthz"),
                ("/readyz", "/readyz"),
            ]
            var revalidations: [(url: String, path: String, headers: [String: String])] = []
            for url in ["/v1/status", "/v1/ingest"] {
                let tag = try #require(try await client.raw(url).headers["etag"])
                revalidations.append((url, url, ["If-None-Match": tag]))
            }
            for (url, path, headers) in requests.map({ ($0.url, $0.path, [String: String]()) }) + revalidations {
                let reply = try await client.raw(url, headers: headers)
                let schema = try #require(
                    checker.responseSchema(path: path, method: "get", status: reply.status),
                    "\(url): status \(reply.status) is not documented")
                if schema == .null {
                    #expect(reply.body.isEmpty, "\(url): status \(reply.status) has no body in the document")
                    continue
                }
                let body = try JSONParser.parse(Array(reply.body))
                let problems = checker.check(body, schema, at: url)
                #expect(problems.isEmpty, "\(problems.prefix(10).joined(separator: "\n"))")
            }
            // The operator endpoints' answers too.
            let acknowledged = try await client.post(
                "/v1/alerts/\(firstAlert)/silence", json: #"{"by":"ops","minutes":30}"#,
                headers: ["Authorization": "Bearer \(token)"])
            let schema = try #require(
                checker.responseSchema(path: "/v1/alerts/{id}/silence", method: "post", status: 200))
            #expect(checker.check(try JSONParser.parse(Array(acknowledged.body)), schema, at: "silence").isEmpty)
            // Every operation of the contract has a route: none answers 405 or the router's "nothing here".
            for operation in OpenAPI.operations {
                let path = operation.path.replacingOccurrences(of: "{id}", with: "casino")
                    .replacingOccurrences(of: "{sensor}", with: "casino").replacingOccurrences(
                        of: "{metric}", with: "occupied")
                let method = operation.method == "GET" ? "HEAD" : operation.method
                let reply = try await client.raw(path, method: method)
                #expect(reply.status != 405, "\(operation.method) \(operation.path) has no route")
                #expect(
                    !(reply.status == 404 && String(decoding: reply.body, as: UTF8.self).contains("Nothing is served")),
                    "\(operation.method) \(operation.path) has no route")
            }
            let served = try await client.raw("/openapi.json")
            #expect(served.status == 200)
            #expect(try JSONParser.parse(Array(served.body)) == checker.document)
        }
    }

    /// Every operation names itself, once; the paths the event-loop fast path answers are documented reads.
    @Test func everyOperationHasAnIdAndTheFastPathOnlyDocumentedReads() {
        let operations = OpenAPI.operations
        #expect(operations.count >= 23)
        #expect(operations.allSatisfy { $0.operationID != nil }, "an operation without operationId")
        let ids = operations.compactMap(\.operationID)
        #expect(Set(ids).count == ids.count, "an operationId used twice")
        let reads = Set(operations.filter { $0.method == "GET" }.map(\.path))
        for document in PolledDocument.allCases {
            #expect(reads.contains(document.path), "the fast path serves \(document.path), which is not documented")
        }
        #expect(reads.contains(PolledReadHandler.alertStreamPath))
    }
}
