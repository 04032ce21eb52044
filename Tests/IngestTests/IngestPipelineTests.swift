import FeedCore
import Testing

@testable import Ingest

@Suite struct IngestPipelineTests {
    static let now = Timestamp(milliseconds: 1_784_030_600_000)

    let pipeline = IngestPipeline(
        routes: [
            try! TopicRoute(pattern: "cityfeeds/parking/{sensor}/occupancy"),
            try! TopicRoute(pattern: "cityfeeds/parking/{sensor}/occupied", format: .number, metric: .occupied),
            try! TopicRoute(pattern: "cityfeeds/sewer/{sensor}/state"),
        ],
        sensors: [
            SensorSpec(id: "casino", metrics: [.occupied, .free], maximum: [.occupied: 440, .free: 440]),
            SensorSpec(id: "outfall-1", metrics: [.overflowState]),
        ])

    func process(_ topic: String, _ payload: String, size: Int? = nil) -> MessageOutcome {
        let bytes = size.map { [UInt8](repeating: UInt8(ascii: " "), count: $0) } ?? Array(payload.utf8)
        return pipeline.process(InboundMessage(topic: topic, payload: bytes, received: Self.now))
    }

    @Test func acceptsAValidReadingWithItsSensorAndTimes() {
        let outcome = process("cityfeeds/parking/casino/occupancy", #"{"ts": 1784030580, "occupied": 341}"#)
        #expect(outcome.rejected.isEmpty)
        #expect(
            outcome.accepted == [
                Reading(
                    sensor: "casino", metric: .occupied, time: Timestamp(milliseconds: 1_784_030_580_000), value: 341,
                    received: Self.now)
            ])
    }

    @Test func aPayloadWithoutTimeTakesTheReceiveTime() {
        let outcome = process("cityfeeds/parking/casino/occupied", " 17 \n")
        #expect(outcome.accepted.map(\.time) == [Self.now])
        #expect(outcome.accepted.map(\.value) == [17])
    }

    @Test(arguments: [
        ("cityfeeds/unknown/casino", #"{"occupied": 1}"#, RejectionReason.unknownTopic),
        ("cityfeeds/parking/casino/extra/occupancy", #"{"occupied": 1}"#, .unknownTopic),
        ("cityfeeds/parking/nowhere/occupancy", #"{"occupied": 1}"#, .unknownSensor),
        ("cityfeeds/parking/casino/occupancy", #"{"ecoli": 1}"#, .metricNotAllowed),
        ("cityfeeds/parking/casino/occupancy", #"{"occupied": -3}"#, .negativeCount),
        ("cityfeeds/parking/casino/occupancy", #"{"occupied": 441}"#, .aboveMaximum),
        ("cityfeeds/parking/casino/occupancy", #"{"occupied": 1e400}"#, .malformedJSON),
        ("cityfeeds/parking/casino/occupancy", #"{"ts": 1784040000, "occupied": 1}"#, .futureTimestamp),
        ("cityfeeds/parking/casino/occupancy", #"{"ts": 1700000000, "occupied": 1}"#, .tooOld),
        ("cityfeeds/parking/casino/occupied", "lots", .notANumber),
        ("cityfeeds/parking/casino/occupied", "nan", .nonFiniteValue),
        ("cityfeeds/parking/casino/occupied", "", .emptyPayload),
        ("cityfeeds/sewer/outfall-1/state", #"{"state": "gushing"}"#, .invalidState),
    ])
    func rejectsWithTheRightReason(topic: String, payload: String, reason: RejectionReason) {
        let outcome = process(topic, payload)
        #expect(outcome.accepted.isEmpty)
        #expect(outcome.rejected.map(\.reason) == [reason], "\(outcome.rejected)")
    }

    @Test func rejectsAnOversizedPayloadUnread() {
        let outcome = process("cityfeeds/parking/casino/occupancy", "", size: 65_537)
        #expect(outcome.rejected.map(\.reason) == [.payloadTooLarge])
    }

    @Test func aBadReadingInABatchDoesNotCostTheGoodOnes() {
        let outcome = process(
            "cityfeeds/parking/casino/occupancy",
            #"[{"ts": 1784030580, "occupied": 5}, {"ts": 1784030590, "occupied": -1}, {"ts": 1784030595, "occupied": 6}]"#
        )
        #expect(outcome.accepted.map(\.value) == [5, 6])
        #expect(outcome.rejected.map(\.reason) == [.negativeCount])
        #expect(outcome.rejected.first?.sensor == "casino")
        #expect(outcome.isAccepted)
    }

    @Test func aLoRaWANDeviceIDIsMappedToItsSensorByAlias() throws {
        let lorawan = IngestPipeline(
            routes: [
                try TopicRoute(pattern: "v3/+/devices/{sensor}/up", format: .ttn),
                try TopicRoute(pattern: "application/+/device/{sensor}/event/up", format: .chirpstack),
            ],
            sensors: [SensorSpec(id: "casino", metrics: [.spaceOccupied, .free])],
            aliases: ["lot-casino-s12": "casino", "0004a30b001c1234": "casino"])
        let message = InboundMessage(
            topic: "v3/biarritz-parking@ttn/devices/lot-casino-s12/up",
            payload: Array(LoRaWANCodecTests.theThingsStackUplink.utf8), received: Self.now)
        let outcome = lorawan.process(message)
        #expect(outcome.rejected.isEmpty)
        #expect(outcome.accepted.map(\.sensor) == ["casino"])
        #expect(
            outcome.uplink
                == UplinkKey(sensor: "casino", identity: UplinkIdentity(frameCounter: 1342, deduplicationID: nil)))

        let unknownDevice = lorawan.process(
            InboundMessage(topic: "v3/app@ttn/devices/stranger/up", payload: message.payload, received: Self.now))
        #expect(unknownDevice.rejected.map(\.reason) == [.unknownSensor])
    }

    @Test func subscriptionFiltersCoverEveryRouteOnce() {
        #expect(
            pipeline.subscriptionFilters == [
                "cityfeeds/parking/+/occupancy", "cityfeeds/parking/+/occupied", "cityfeeds/sewer/+/state",
            ])
    }
}

@Suite struct TopicRouteTests {
    @Test(arguments: [
        ("a/{sensor}/b", "a/x/b", SensorID?("x")),
        ("a/{sensor}/b", "a/x/c", nil),
        ("a/{sensor}/b", "a//b", nil),
        ("a/+/{sensor}", "a/any/y", "y"),
        ("a/{sensor}/#", "a/z/deep/er", "z"),
        ("a/{sensor}/#", "b/z/deep", nil),
        ("a/{sensor}", "a/x/y", nil),
    ])
    func matches(pattern: String, topic: String, sensor: SensorID?) throws {
        #expect(try TopicRoute(pattern: pattern).match(topic) == sensor)
    }

    @Test(arguments: ["a/b", "a/{sensor}/{sensor}", "a/#/{sensor}", "a/x+/{sensor}", ""])
    func refusesBadPatterns(pattern: String) {
        #expect(throws: TopicRouteError.self) { try TopicRoute(pattern: pattern) }
    }

    @Test func aNumberRouteMustNameItsMetric() {
        #expect(throws: TopicRouteError.self) { try TopicRoute(pattern: "a/{sensor}", format: .number) }
    }
}

@Suite struct BrokerAddressTests {
    @Test(arguments: [
        ("mqtt://127.0.0.1:1884", "127.0.0.1", 1884),
        ("mqtt://broker.example", "broker.example", 1883),
        ("localhost:2000", "localhost", 2000),
        ("tcp://[::1]:1883/", "::1", 1883),
    ])
    func parses(text: String, host: String, port: Int) throws {
        let address = try BrokerAddress(parsing: text)
        #expect(address.host == host)
        #expect(address.port == port)
    }

    @Test(arguments: ["http://x:1", "mqtt://:1883", "mqtt://x:0", "mqtt://x:port", "mqtt://x:70000"])
    func refuses(text: String) {
        #expect(throws: BrokerAddressError.self) { try BrokerAddress(parsing: text) }
    }
}
