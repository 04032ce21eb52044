import ArgumentParser
import CityAPI
import CityCore
import EventStream
import Foundation

/// How a command reaches the running daemon: its address and the operator token, from the configuration file
/// (the token from `http.operator_token_file`, as the daemon reads it), or from `--url` and `--token-file`.
struct DaemonAccess: ParsableArguments {
    @Option(name: .shortAndLong, help: "The configuration file (TOML): the daemon's address and token file.")
    var config: String?

    @Option(help: "The daemon's base URL, e.g. http://127.0.0.1:8080 (instead of --config).")
    var url: String?

    @Option(help: "A file whose first line is the operator token (instead of the configuration's).")
    var tokenFile: String?

    /// Host and port of the daemon's HTTP listener.
    func address() throws -> (String, Int) {
        if let url {
            guard let components = URLComponents(string: url), let host = components.host else {
                throw ValidationError("--url must look like http://127.0.0.1:8080")
            }
            return (host, components.port ?? 80)
        }
        let configuration = try loaded()
        let host = ["0.0.0.0", "::", ""].contains(configuration.http.host) ? "127.0.0.1" : configuration.http.host
        return (host, configuration.http.port)
    }

    /// The operator token: `--token-file`, else the configuration's.
    func token() throws -> String {
        if let tokenFile {
            guard let line = try? String(contentsOfFile: tokenFile, encoding: .utf8).split(separator: "\n").first
            else { throw ValidationError("cannot read a token from \(tokenFile)") }
            return String(line)
        }
        guard let token = try loaded().http.operatorToken else {
            throw ValidationError(
                "the configuration sets no operator token: set http.operator_token_file (see docs/api.md)")
        }
        return token
    }

    private func loaded() throws -> DaemonConfiguration {
        guard let config else { throw ValidationError("give --config (or --url and --token-file)") }
        return try DaemonConfiguration.load(path: config, overrides: .environment())
    }

    /// Sends an operator's write and prints the answer's summary; a refusal exits 1 with the daemon's reason.
    func write(_ path: String, method: String = "POST", body: String? = nil) throws -> [String: Any] {
        let (host, port) = try address()
        let client = try EventStreamClient(
            host: host, port: port, path: path, method: method,
            headers: ["Authorization": "Bearer \(try token())"], body: body)
        let answer = (try? JSONSerialization.jsonObject(with: client.body())) as? [String: Any] ?? [:]
        guard (200..<300).contains(client.status) else {
            throw ValidationError("the daemon refused (\(client.status)): \(answer["detail"] as? String ?? "")")
        }
        return answer
    }
}

/// Who acts, for the alert's history: `--by`, else the login name.
func operatorName(_ given: String?) -> String {
    given ?? ProcessInfo.processInfo.environment["USER"] ?? "operator"
}

/// A JSON string literal.
func jsonString(_ text: String) -> String {
    String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
}

/// `cityfeedsd alerts`: the daemon's alerts for people at a terminal, and an operator's actions on them.
struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "List, follow, acknowledge, silence or mark alerts not genuine.",
        subcommands: [List.self, Acknowledge.self, Silence.self, NotGenuine.self], defaultSubcommand: List.self)

    /// Lists the alerts (active by default), newest first as the API gives them; with `--follow`, prints each
    /// transition as it happens, reconnecting with `Last-Event-ID` so nothing is missed across a restart.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the daemon's alerts readably, newest first; --follow streams transitions live.")

        @OptionGroup var daemon: DaemonAccess

        @Flag(help: "Keep printing transitions as they happen.")
        var follow = false

        @Option(help: "Which alerts to list first: active, resolved or all.")
        var state = "active"

        @Option(help: "With --follow: start after this transition (the sequence number of the last one seen).")
        var after: Int64?

        func run() throws {
            let (host, port) = try daemon.address()
            let list = try EventStreamClient(host: host, port: port, path: "/v1/alerts?state=\(state)&limit=1000")
            guard list.status == 200 else { throw ValidationError("the daemon answered \(list.status)") }
            let items =
                (try JSONSerialization.jsonObject(with: list.body()) as? [String: Any])?["items"] as? [[String: Any]]
                ?? []
            if items.isEmpty, !follow { print("no \(state) alerts") }
            for alert in items { print(AlertText.alert(alert)) }
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
    }

    /// `cityfeedsd alerts ack ID --reason …`: an operator has seen the alert (it stays open).
    struct Acknowledge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ack", abstract: "Acknowledge an open alert (it stays open; the history keeps why).")

        @Argument(help: "The alert's id (`cityfeedsd alerts` lists them).") var id: Int64
        @Option(help: "Why, or what is being done.") var reason: String?
        @Option(help: "Who acknowledges (default: the login name).") var by: String?
        @OptionGroup var daemon: DaemonAccess

        func run() throws {
            var body = "{\"by\":\(jsonString(operatorName(by)))"
            if let reason { body += ",\"reason\":\(jsonString(reason))" }
            print(AlertText.alert(try daemon.write("/v1/alerts/\(id)/acknowledge", body: body + "}")))
        }
    }

    /// `cityfeedsd alerts silence ID --minutes N`: no notifications for a while; the alert runs its course.
    struct Silence: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Silence an open alert's notifications.")

        @Argument(help: "The alert's id.") var id: Int64
        @Option(help: "For how long.") var minutes: Double = 60
        @Option(help: "Why.") var reason: String?
        @Option(help: "Who silences (default: the login name).") var by: String?
        @OptionGroup var daemon: DaemonAccess

        func run() throws {
            var body = "{\"by\":\(jsonString(operatorName(by))),\"minutes\":\(minutes)"
            if let reason { body += ",\"reason\":\(jsonString(reason))" }
            print(AlertText.alert(try daemon.write("/v1/alerts/\(id)/silence", body: body + "}")))
        }
    }

    /// `cityfeedsd alerts not-genuine ID --reason …`: the discharge was not real (a faulty monitor, a test).
    struct NotGenuine: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "not-genuine", abstract: "Mark a discharge alert not genuine, with a reason.")

        @Argument(help: "The alert's id.") var id: Int64
        @Option(help: "Why it is not genuine (required).") var reason: String
        @Option(help: "Who marks it (default: the login name).") var by: String?
        @OptionGroup var daemon: DaemonAccess

        func run() throws {
            let body = "{\"by\":\(jsonString(operatorName(by))),\"reason\":\(jsonString(reason))}"
            print(AlertText.alert(try daemon.write("/v1/alerts/\(id)/not-genuine", body: body)))
        }
    }
}

/// `cityfeedsd beach close|open ID --reason …`: a municipal order on a beach; `lift` ends the one in force.
struct BeachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "beach", abstract: "Close or reopen a beach by municipal order, or lift the order.",
        subcommands: [Close.self, Open.self, Lift.self])

    /// What an order says besides its action.
    struct OrderOptions: ParsableArguments {
        @Argument(help: "The beach's id.") var beach: String
        @Option(help: "Why, as the public will read it (required).") var reason: String
        @Option(help: "Who orders it (default: the login name).") var author: String?
        @Option(help: "When the order ends (RFC 3339); without it, until lifted.") var until: String?
        @OptionGroup var daemon: DaemonAccess

        /// Records the order `action` (close or open) and prints the beach's status after it.
        func send(_ action: String) throws {
            var body = "{\"action\":\(jsonString(action)),\"reason\":\(jsonString(reason))"
            body += ",\"author\":\(jsonString(operatorName(author)))"
            if let until { body += ",\"until\":\(jsonString(until))" }
            let answer = try daemon.write("/v1/beaches/\(beach)/override", body: body + "}")
            print("\(answer["name"] as? String ?? beach): \(answer["status"] as? String ?? "?")")
        }
    }

    /// Closes a beach (swimming forbidden, whatever the samples say).
    struct Close: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close a beach by municipal order.")
        @OptionGroup var order: OrderOptions
        func run() throws { try order.send("close") }
    }

    /// Reopens a beach by order (the status follows the evidence again).
    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reopen a beach by municipal order.")
        @OptionGroup var order: OrderOptions
        func run() throws { try order.send("open") }
    }

    /// Lifts the order in force on a beach.
    struct Lift: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift the order in force on a beach.")

        @Argument(help: "The beach's id.") var beach: String
        @OptionGroup var daemon: DaemonAccess

        func run() throws {
            let answer = try daemon.write("/v1/beaches/\(beach)/override", method: "DELETE")
            print("\(answer["name"] as? String ?? beach): \(answer["status"] as? String ?? "?")")
        }
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
