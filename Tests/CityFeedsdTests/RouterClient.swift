import FeedCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import TestSupport

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

/// The daemon's router answering in memory: a request value in, a response value out, through the same
/// middleware and handlers as the server, with no socket, no event loop and no HTTP/1 framing (as
/// HummingbirdTesting's `.router` test framework does; see docs/architecture.md for why it is not used itself).
/// For what only a socket shows (the polled fast path, the event stream, connection limits, timeouts), the
/// tests use `HTTPClient` against a listening daemon.
struct RouterClient: Sendable {
    let responder: HeadAsGetResponder<RouterResponder<BasicRequestContext>>
    let logger = Logger(label: "router-test")

    /// One request; the answer with its headers by lower-case name, as `HTTPClient.raw` gives them.
    func raw(
        _ path: String, method: String = "GET", headers: [String: String] = [:], body: String? = nil
    )
        async throws -> (status: Int, headers: [String: String], body: Data)
    {
        var fields = HTTPFields()
        for (name, value) in headers {
            guard let field = HTTPField.Name(name) else { continue }
            fields[field] = value
        }
        if let body { fields[.contentLength] = String(body.utf8.count) }
        let head = HTTPRequest(
            method: HTTPRequest.Method(method) ?? .get, scheme: "http", authority: "localhost", path: path,
            headerFields: fields)
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer(string: body ?? "")))
        let context = BasicRequestContext(
            source: ApplicationRequestContextSource(channel: EmbeddedChannel(), logger: logger))
        let response = try await responder.respond(to: request, context: context)
        let collector = CollectingWriter()
        try await response.body.write(collector.erased)
        var names: [String: String] = [:]
        for field in response.headers {
            names[field.name.canonicalName] =
                names[field.name.canonicalName].map { "\($0), \(field.value)" } ?? field.value
        }
        return (Int(response.status.code), names, Data(collector.erasedBytes ?? []))
    }
}

/// Builds the daemon on the Biarritz sample configuration (its MQTT session not started: nothing is
/// received), hands `body` its router in memory and the daemon (to feed the store and the alerts directly),
/// then closes it.
func daemonInMemory(
    adjust: (inout DaemonConfiguration) -> Void = { _ in }, _ body: (RouterClient, Daemon) async throws -> Void
) async throws {
    let dataDirectory = try makeTemporaryDirectory(prefix: "cityfeeds-router")
    var configuration = try DaemonConfiguration.load(
        path: repositoryRoot.appending(path: "config/biarritz.toml").path,
        overrides: .init(broker: "mqtt://127.0.0.1:1", httpListen: "127.0.0.1:0", dataDirectory: dataDirectory.path))
    adjust(&configuration)
    let daemon = try Daemon(configuration: configuration, logger: Logger(label: "router-test"))
    defer { daemon.close() }
    try await body(RouterClient(responder: daemon.responder), daemon)
}
