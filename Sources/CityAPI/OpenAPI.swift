import CityCore
import FeedCore
import Foundation
import HTTPTypes
import Hummingbird
import Yams

/// The HTTP API's contract, `openapi.yaml`, embedded in the binary at build time (nothing to install beside
/// it). The daemon serves it as JSON, takes each path's methods from it, and the tests hold the routes and the
/// responses to it.
package enum OpenAPI {
    /// The document as written.
    static let yaml = String(decoding: PackageResources.openapi_yaml, as: UTF8.self)

    /// The document as a JSON value. The file is part of the build, so a document that does not parse is a
    /// programming error caught by the first test that reads it, never a condition at run time.
    static let document: JSONValue = {
        do {
            guard let root = try Yams.compose(yaml: yaml) else { fatalError("openapi.yaml is empty") }
            return jsonValue(of: root)
        } catch {
            fatalError("openapi.yaml does not parse: \(error)")
        }
    }()

    /// The document served at `/openapi.json`: keys sorted, so the bytes (and the ETag) change only when the
    /// contract does.
    static let json: [UInt8] = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return Array((try? encoder.encode(document)) ?? Data())
    }()

    /// One operation of the contract: a method on a path template, with its id.
    package struct Operation: Sendable {
        var path: String
        var method: String
        var operationID: String?
    }

    /// Every documented operation, by path then method.
    package static let operations: [Operation] = {
        guard case .object(let root) = document, case .object(let paths)? = root["paths"] else { return [] }
        return paths.sorted { $0.key < $1.key }.flatMap { path, item -> [Operation] in
            guard case .object(let methods) = item else { return [] }
            return methods.sorted { $0.key < $1.key }.compactMap { method, operation in
                guard ["get", "put", "post", "delete", "patch"].contains(method) else { return nil }
                var operationID: String?
                if case .object(let fields) = operation, case .string(let id)? = fields["operationId"] {
                    operationID = id
                }
                return Operation(path: path, method: method.uppercased(), operationID: operationID)
            }
        }
    }()

    /// A plain scalar is resolved as JSON's literals only (`true`, `false`, `null`, numbers); anything quoted,
    /// and anything else (`yes`, a date, `3.1.0`), stays a string.
    private static func jsonValue(of node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            let text = scalar.string
            guard scalar.style == .plain else { return .string(text) }
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null", "~": return .null
            default:
                if let whole = Int64(text) { return .number(Double(whole)) }
                if text.first?.isNumber == true || text.first == "-", let number = Double(text), number.isFinite {
                    return .number(number)
                }
                return .string(text)
            }
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping { object[key.string ?? ""] = jsonValue(of: value) }
            return .object(object)
        case .sequence(let sequence):
            return .array(sequence.map(jsonValue(of:)))
        case .alias:
            return .null
        }
    }
}

extension Router {
    /// Registers the handler of the contract's operation `operationID` at the path and with the method
    /// `openapi.yaml` gives it, so that a route is named in one place, the contract. An id the contract does not
    /// have is a programming error, caught as soon as the routes are built (every test that starts a server).
    @discardableResult
    func on(
        operation operationID: String,
        use handler: @escaping @Sendable (Request, Context) async throws -> some ResponseGenerator
    ) -> Self {
        guard let operation = OpenAPI.operations.first(where: { $0.operationID == operationID }) else {
            preconditionFailure("openapi.yaml has no operation '\(operationID)'")
        }
        return on(RouterPath(operation.path), method: HTTPRequest.Method(operation.method)!, use: handler)
    }
}
