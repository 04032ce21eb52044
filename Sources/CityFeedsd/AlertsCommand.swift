import ArgumentParser
import CityAPI
import CityCore
import EventStream
import Foundation

/// `cityfeedsd alerts`: the daemon's alerts for people at a terminal. Lists the alerts (active by default);
/// with `--follow`, prints each transition as it happens, reconnecting with `Last-Event-ID` so nothing is
/// missed across a daemon restart.
struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "Print the daemon's alerts readably; --follow streams transitions live.")

    @Option(name: .shortAndLong, help: "The configuration file (TOML), to find the daemon's HTTP address.")
    var config: String?

    @Option(help: "The daemon's base URL, e.g. http://127.0.0.1:8080 (instead of --config).")
    var url: String?

    @Flag(help: "Keep printing transitions as they happen.")
    var follow = false

    @Option(help: "Which alerts to list first: active, resolved or all.")
    var state = "active"

    @Option(help: "With --follow: start after this transition (the sequence number of the last one seen).")
    var after: Int64?

    func run() throws {
        let (host, port) = try address()
        let list = try EventStreamClient(host: host, port: port, path: "/v1/alerts?state=\(state)&limit=1000")
        guard list.status == 200 else { throw ValidationError("the daemon answered \(list.status)") }
        let items =
            (try JSONSerialization.jsonObject(with: list.body()) as? [String: Any])?["items"] as? [[String: Any]] ?? []
        if items.isEmpty, !follow { print("no \(state) alerts") }
        for alert in items.reversed() { print(AlertText.alert(alert)) }
        guard follow else { return }

        var lastSeen = after
        while true {
            do {
                let stream = try EventStreamClient(
                    host: host, port: port, path: "/v1/alerts/stream",
                    headers: lastSeen.map { ["Last-Event-ID": String($0)] } ?? [:])
                guard stream.status == 200 else { throw ValidationError("the stream answered \(stream.status)") }
                while let event = try stream.nextEvent() {
                    if event.event == "end" {
                        // The daemon ended the stream (shutting down, or this client fell behind): say why.
                        printToStandardError(event.data)
                        continue
                    }
                    guard
                        let transition = try? JSONSerialization.jsonObject(with: Data(event.data.utf8))
                            as? [String: Any]
                    else { continue }
                    // Unbuffered: a pipe (`| grep`, `| tee`) sees each line at once.
                    FileHandle.standardOutput.write(Data((AlertText.transition(transition) + "\n").utf8))
                    lastSeen = event.id.flatMap { Int64($0) } ?? lastSeen
                }
                printToStandardError("stream ended; reconnecting")
            } catch {
                printToStandardError("\(error); reconnecting in 2 s")
            }
            Thread.sleep(forTimeInterval: 2)
        }
    }

    func address() throws -> (String, Int) {
        if let url {
            guard let components = URLComponents(string: url), let host = components.host else {
                throw ValidationError("--url must look like http://127.0.0.1:8080")
            }
            return (host, components.port ?? 80)
        }
        guard let config else { throw ValidationError("give --config or --url") }
        let configuration = try DaemonConfiguration.load(path: config, overrides: .environment())
        let host = ["0.0.0.0", "::", ""].contains(configuration.http.host) ? "127.0.0.1" : configuration.http.host
        return (host, configuration.http.port)
    }
}

/// One line per alert or transition, for people.
enum AlertText {
    static func transition(_ json: [String: Any]) -> String {
        let alert = json["alert"] as? [String: Any] ?? [:]
        let kind = (json["kind"] as? String ?? "?").uppercased().padding(toLength: 12, withPad: " ", startingAt: 0)
        let note = json["note"] as? String ?? ""
        return "\(short(json["at"] as? String))  #\(json["sequence"] ?? "?")  \(kind) \(describe(alert))  (\(note))"
    }

    static func alert(_ json: [String: Any]) -> String {
        let state = (json["state"] as? String ?? "?").uppercased().padding(toLength: 8, withPad: " ", startingAt: 0)
        return "\(short(json["started_at"] as? String))  \(state) \(describe(json))"
    }

    static func describe(_ alert: [String: Any]) -> String {
        var text =
            "alert \(alert["id"] ?? "?") \(alert["fingerprint"] as? String ?? "?"): \(alert["summary"] as? String ?? "")"
        if let ends = alert["ends_at"] as? String { text += "; ends \(short(ends))" }
        if let resolved = alert["resolved_at"] as? String { text += "; resolved \(short(resolved))" }
        if let note = alert["acknowledged"] as? [String: Any] { text += "; acknowledged by \(note["by"] ?? "?")" }
        if let until = alert["silenced_until"] as? String { text += "; silenced until \(short(until))" }
        if let note = alert["not_genuine"] as? [String: Any] {
            text += "; NOT GENUINE (\(note["by"] ?? "?"): \(note["reason"] ?? ""))"
        }
        return text
    }

    /// `2026-07-14T21:03:12.000Z` → `2026-07-14 21:03:12Z`.
    static func short(_ time: String?) -> String {
        guard let time else { return "-" }
        return time.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: ".000Z", with: "Z")
    }
}
