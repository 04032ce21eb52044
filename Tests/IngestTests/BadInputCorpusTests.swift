import FeedCore
import Logging
import TestSupport
import Testing

@testable import Ingest

/// Every kind of bad message, through the whole pipeline, each with the reason it must get;
/// then a fuzz run checking that nothing crashes and every message is accounted for.
@Suite struct BadInputCorpusTests {
    static let now = Timestamp(milliseconds: 1_784_030_600_000)

    static let pipeline = corpusPipeline(
        policy: {
            var policy = IngestPolicy()
            policy.maxPayloadBytes = 4_096
            return policy
        }())

    struct Case: CustomTestStringConvertible, Sendable {
        var topic: String
        var payload: String
        var reason: RejectionReason
        var testDescription: String { "\(reason.rawValue): \(topic) \(payload.prefix(60))" }
    }

    static func json(_ payload: String, _ reason: RejectionReason, sensor: String = "lot") -> Case {
        Case(topic: "c/parking/\(sensor)/json", payload: payload, reason: reason)
    }
    static func number(_ payload: String, _ reason: RejectionReason) -> Case {
        Case(topic: "c/parking/lot/number", payload: payload, reason: reason)
    }
    static func senml(_ payload: String, _ reason: RejectionReason, sensor: String = "probe") -> Case {
        Case(topic: "c/any/\(sensor)/senml", payload: payload, reason: reason)
    }
    static func ttn(_ payload: String, _ reason: RejectionReason) -> Case {
        Case(topic: "v3/app@ttn/devices/lot/up", payload: payload, reason: reason)
    }
    static func chirpstack(_ payload: String, _ reason: RejectionReason) -> Case {
        Case(topic: "application/1/device/lot/event/up", payload: payload, reason: reason)
    }

    static let future = now.adding(seconds: 3_600).iso8601
    static let ancient = now.adding(seconds: -200 * 86_400).iso8601

    static let corpus: [Case] = [
        // Malformed JSON
        json("{", .malformedJSON), json("{\"occupied\": 1", .malformedJSON), json("occupied=1", .malformedJSON),
        json("{'occupied': 1}", .malformedJSON), json("{\"occupied\": 01}", .malformedJSON),
        json("{\"occupied\": NaN}", .malformedJSON), json("{\"occupied\": Infinity}", .malformedJSON),
        json("{\"occupied\": 1e999}", .malformedJSON), json("\u{FF}\u{FE}", .malformedJSON),
        json("{\"occupied\": 1,}", .malformedJSON), json("{\"occupied\": 1}}", .malformedJSON),
        // Wrong shapes and types
        json("\"341\"", .wrongType), json("341", .wrongType), json("null", .wrongType), json("true", .wrongType),
        json(#"{"occupied": "341"}"#, .wrongType), json(#"{"occupied": [341]}"#, .wrongType),
        json(#"{"occupied": {"value": 341}}"#, .wrongType), json(#"{"free": null}"#, .wrongType),
        json(#"{"ts": true, "occupied": 1}"#, .wrongType), json(#"{"state": 1}"#, .wrongType, sensor: "outfall"),
        json(#"[1]"#, .wrongType),
        // Nothing to read
        json("{}", .noReadings), json("[]", .noReadings), json(#"{"battery": 3.6, "rssi": -90}"#, .noReadings),
        json(#"{"ts": "2026-07-14T12:03:00Z"}"#, .noReadings),
        // Impossible values
        json(#"{"occupied": -1}"#, .negativeCount), json(#"{"entries": -3}"#, .negativeCount),
        json(#"{"free": -0.5}"#, .negativeCount), json(#"{"occupied": 111}"#, .aboveMaximum),
        json(#"{"free": 1000000}"#, .aboveMaximum), json(#"{"ecoli": -10}"#, .negativeCount, sensor: "probe"),
        json(#"{"salinity": 51}"#, .aboveMaximum, sensor: "probe"),
        json(#"{"state": "overflowing"}"#, .invalidState, sensor: "outfall"),
        json(#"{"occupancy": "half"}"#, .invalidState), json(#"{"parking_slot_status": 3}"#, .invalidState),
        // Clocks
        json(#"{"ts": "\#(future)", "occupied": 1}"#, .futureTimestamp),
        json(#"{"ts": "\#(ancient)", "occupied": 1}"#, .tooOld),
        json(#"{"ts": "14/07/2026 12:03", "occupied": 1}"#, .badTimestamp),
        json(#"{"ts": -1, "occupied": 1}"#, .badTimestamp), json(#"{"ts": 1e300, "occupied": 1}"#, .badTimestamp),
        // Topics and sensors
        Case(topic: "c/parking/lot", payload: #"{"occupied": 1}"#, reason: .unknownTopic),
        Case(topic: "c/parking/lot/json/extra", payload: #"{"occupied": 1}"#, reason: .unknownTopic),
        Case(topic: "somewhere/else", payload: #"{"occupied": 1}"#, reason: .unknownTopic),
        Case(topic: "c/parking//json", payload: #"{"occupied": 1}"#, reason: .unknownTopic),
        json(#"{"occupied": 1}"#, .unknownSensor, sensor: "ghost"),
        json(#"{"ecoli": 1}"#, .metricNotAllowed), json(#"{"occupied": 1}"#, .metricNotAllowed, sensor: "probe"),
        json(#"{"state": "discharging"}"#, .metricNotAllowed),
        // Size
        json(#"{"occupied": 1, "pad": "\#(String(repeating: "x", count: 5_000))"}"#, .payloadTooLarge),
        // Bare numbers
        number("", .emptyPayload), number("forty", .notANumber), number("12 cars", .notANumber),
        number("nan", .nonFiniteValue), number("inf", .nonFiniteValue), number("-4", .negativeCount),
        number("500", .aboveMaximum),
        // SenML
        senml(#"{"n":"p:ecoli","v":1}"#, .wrongType), senml(#"[{"n":"p:ecoli","v":1,"crit_":1}]"#, .unsupported),
        senml(#"[{"bver":99,"n":"p:ecoli","v":1}]"#, .unsupported), senml(#"[{"n":" p","v":1}]"#, .wrongType),
        senml(#"[{"n":"p:ecoli","v":1,"vb":true}]"#, .wrongType), senml(#"[{"n":"p:voltage","v":1}]"#, .unknownMetric),
        senml(#"[{"n":"p:ecoli","v":-5}]"#, .negativeCount),
        // The Things Stack and ChirpStack
        ttn(#"{"end_device_ids":{}}"#, .wrongType), ttn(#"{"uplink_message":{"frm_payload":"AQ=="}}"#, .noReadings),
        ttn(#"{"uplink_message":{"f_cnt":1.5,"decoded_payload":{"free":1}}}"#, .wrongType),
        ttn(#"{"uplink_message":{"decoded_payload":{"free":-1}}}"#, .negativeCount),
        chirpstack(#"{"object":{"free":1}}"#, .wrongType),
        chirpstack(#"{"deduplicationId":"d","data":"AQ=="}"#, .noReadings),
        chirpstack(#"{"deduplicationId":"d","time":"later","object":{"free":1}}"#, .badTimestamp),
        // Numbers that trapped a conversion (a time, or a value summed from base and relative fields), and
        // a field given twice
        senml(#"[{"n":"p:ecoli","t":9.3e15,"v":1}]"#, .badTimestamp),
        senml(#"[{"bt":1e300,"n":"p:ecoli","v":1}]"#, .badTimestamp),
        senml(#"[{"bt":1e308,"n":"p:ecoli","t":1e308,"v":1}]"#, .badTimestamp),
        senml(#"[{"bt":-9.3e15,"n":"p:ecoli","v":1}]"#, .badTimestamp),
        senml(#"[{"bv":1.7e308,"n":"p:ecoli","v":1.7e308}]"#, .nonFiniteValue),
        senml(#"[{"n":"p:ecoli","v":1e200}]"#, .aboveMaximum), json(#"{"entries": 1e19}"#, .aboveMaximum),
        json(#"{"occupied": 1, "occupied": 2}"#, .duplicateKey),
        senml(#"[{"n":"p:ecoli","v":1,"v":2}]"#, .duplicateKey),
    ]

    @Test func theCorpusIsLargeEnough() {
        #expect(Self.corpus.count >= 50)
        #expect(Set(Self.corpus.map(\.reason)).count >= 18)
    }

    @Test(arguments: corpus)
    func eachBadMessageGetsItsReason(_ item: Case) {
        let outcome = Self.pipeline.process(
            InboundMessage(topic: item.topic, payload: Array(item.payload.utf8), received: Self.now))
        #expect(outcome.accepted.isEmpty)
        #expect(outcome.rejected.map(\.reason) == [item.reason], "\(outcome.rejected)")
        #expect(outcome.rejected.allSatisfy { !$0.detail.isEmpty })
    }

    static let validSeeds: [(String, String)] = [
        ("c/parking/lot/json", #"{"ts":1784030580,"occupied":41}"#),
        ("c/parking/lot/json", #"[{"ts":"2026-07-14T12:03:00Z","free":7},{"entries":2,"exits":1}]"#),
        ("c/parking/lot/number", "42"),
        ("c/any/probe/senml", #"[{"bn":"p:","bt":1784030500,"n":"ecoli","v":120},{"n":"turbidity","t":10,"v":2.5}]"#),
        (
            "v3/app@ttn/devices/lot/up",
            #"{"received_at":"2026-07-14T12:03:00Z","uplink_message":{"f_cnt":5,"decoded_payload":{"occupancy":"vacant"}}}"#
        ),
        (
            "application/1/device/lot/event/up",
            #"{"deduplicationId":"a","time":"2026-07-14T12:03:00Z","fCnt":9,"object":{"free":3}}"#
        ),
        ("c/parking/outfall/json", #"{"state":"discharging"}"#),
    ]

    /// 100,000 random and mutated messages: none crashes the pipeline, and received = accepted + rejected.
    @Test func fuzzingNeverCrashesAndAccountsForEveryMessage() {
        var random = SeededGenerator(seed: 0xC17F_EED5)
        let statistics = IngestStatistics(logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }))
        let topics = Self.validSeeds.map(\.0) + ["c/parking/ghost/json", "nowhere", "c/any/lot/senml"]
        let alphabet = Array(#"{}[]":,0123456789.-+eEtruefalsnu \"#.utf8) + [0, 0xFF, 0xC3, 0xA9]
        for index in 0..<100_000 {
            let (seedTopic, seedPayload) = Self.validSeeds[Int(random.next() % UInt64(Self.validSeeds.count))]
            var payload = Array(seedPayload.utf8)
            switch index % 4 {
            case 0:  // random bytes from a JSON-ish alphabet
                payload = (0..<Int(random.next() % 64)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))]
                }
            case 1:  // flip, insert or delete a few bytes
                for _ in 0..<(1 + random.next() % 4) where !payload.isEmpty {
                    let position = Int(random.next() % UInt64(payload.count))
                    switch random.next() % 3 {
                    case 0: payload[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                    case 1: payload.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: position)
                    default: payload.remove(at: position)
                    }
                }
            case 2:  // truncate
                payload = Array(payload.prefix(Int(random.next() % UInt64(payload.count + 1))))
            default:  // a valid message on a random topic
                break
            }
            let topic = index % 8 == 7 ? topics[Int(random.next() % UInt64(topics.count))] : seedTopic
            let outcome = Self.pipeline.process(InboundMessage(topic: topic, payload: payload, received: Self.now))
            #expect(outcome.isAccepted || !outcome.rejected.isEmpty, "a message neither accepted nor rejected")
            statistics.record(outcome, payload: payload, at: Self.now)
        }
        let totals = statistics.snapshot
        #expect(totals.messagesReceived == 100_000)
        #expect(totals.messagesAccepted + totals.messagesRejected == totals.messagesReceived)
        #expect(totals.messagesAccepted > 10_000, "the valid quarter and some mutations must survive")
        #expect(totals.messagesRejected > 50_000)
        #expect(totals.recent.count <= 50)
    }

    /// 20,000 messages naming 8 KB sensor ids nobody configured: the statistics stay the size of the
    /// configuration (one `unconfigured` bucket and a short sample), and `/v1/ingest` stays small.
    @Test func senderChosenSensorIDsCannotGrowTheStatistics() {
        let statistics = IngestStatistics(
            logger: Logger(label: "flood", factory: { _ in SwiftLogNoOpLogHandler() }),
            sensors: ["lot", "probe", "outfall"])
        for index in 0..<20_000 {
            let id = "\(index)-" + String(repeating: "x", count: 8_192)
            let outcome = Self.pipeline.process(
                InboundMessage(
                    topic: "c/parking/\(id)/json", payload: Array(#"{"occupied": 1}"#.utf8), received: Self.now))
            statistics.record(outcome, payload: Array(#"{"occupied": 1}"#.utf8), at: Self.now)
        }
        let lot = Self.pipeline.process(
            InboundMessage(topic: "c/parking/lot/json", payload: Array(#"{"occupied": -1}"#.utf8), received: Self.now))
        statistics.record(lot, payload: [], at: Self.now)
        let totals = statistics.snapshot
        #expect(totals.rejectionsBySensor == ["unconfigured": 20_000, "lot": 1])
        #expect(totals.unconfiguredSample.count <= 8)
        #expect(totals.unconfiguredSample.allSatisfy { $0.count <= 64 })
        #expect(totals.unconfiguredSample.last?.hasPrefix("19999-") == true)
        #expect(totals.recent.allSatisfy { ($0.sensor?.rawValue.count ?? 0) <= 64 && $0.detail.count <= 512 })
    }
}
