import FeedCore
import Testing

@testable import Ingest

@Suite struct LoRaWANCodecTests {
    static let theThingsStackUplink = #"""
        {
          "end_device_ids": {
            "device_id": "lot-casino-s12",
            "application_ids": {"application_id": "biarritz-parking"},
            "dev_eui": "70B3D57ED0041234",
            "dev_addr": "260B1234"
          },
          "correlation_ids": ["as:up:01HZX3Q4S5T6V7W8X9Y0Z1A2B3"],
          "received_at": "2026-07-14T12:03:01.123456789Z",
          "uplink_message": {
            "session_key_id": "AXA1b2c3d4e5f6g7h8i9j0",
            "f_port": 2,
            "f_cnt": 1342,
            "frm_payload": "AQ==",
            "decoded_payload": {"occupancy": "occupied", "battery": 3.6},
            "rx_metadata": [{"gateway_ids": {"gateway_id": "gw-biarritz-1"}, "rssi": -97, "snr": 7.5}],
            "settings": {"data_rate": {"lora": {"bandwidth": 125000, "spreading_factor": 9}}, "frequency": "868100000"},
            "received_at": "2026-07-14T12:03:00.987654321Z",
            "consumed_airtime": "0.185344s"
          }
        }
        """#

    static let chirpStackUplink = #"""
        {
          "deduplicationId": "3ac7e3c4-4401-4b8d-9386-a5c902f9202d",
          "time": "2026-07-14T12:03:00.812Z",
          "deviceInfo": {
            "tenantId": "52f14cd4-c6f1-4fbd-8f87-4025e1d49242", "tenantName": "Biarritz",
            "applicationId": "17c82e96-be03-4f38-aef3-f83d48582d97", "applicationName": "beaches",
            "deviceProfileId": "14855bf7-d10d-4aee-b618-ebfcb64dc7ad", "deviceProfileName": "water-probe",
            "deviceName": "probe-miramar", "devEui": "0004a30b001c1234", "tags": {}
          },
          "devAddr": "00189440", "adr": true, "dr": 5, "fCnt": 77, "fPort": 1, "confirmed": false,
          "data": "AQIDBA==",
          "object": {"ecoli": 120, "enterococci": 45, "turbidity": 2.1},
          "rxInfo": [{"gatewayId": "0016c001f153a14c", "rssi": -104, "snr": 4.2}],
          "txInfo": {"frequency": 868300000, "modulation": {"lora": {"bandwidth": 125000, "spreadingFactor": 7}}}
        }
        """#

    @Test func decodesAThingsStackUplink() throws {
        let decoded = try TheThingsStackCodec.decode(Array(Self.theThingsStackUplink.utf8))
        let time = Timestamp(milliseconds: 1_784_030_580_987)
        #expect(
            decoded.readings == [DecodedReading(metric: .spaceOccupied, time: time, value: SpaceState.occupied.value)])
        #expect(decoded.uplink == UplinkIdentity(frameCounter: 1342, deduplicationID: nil))
    }

    @Test func aThingsStackUplinkWithoutFrameCounterIsFrameZero() throws {
        let payload = #"{"received_at":"2026-07-14T12:03:00Z","uplink_message":{"decoded_payload":{"free":3}}}"#
        let decoded = try TheThingsStackCodec.decode(Array(payload.utf8))
        #expect(decoded.uplink?.frameCounter == 0)
        #expect(decoded.readings.first?.time == Timestamp(milliseconds: 1_784_030_580_000))
    }

    @Test func decodesAChirpStackUplink() throws {
        let decoded = try ChirpStackCodec.decode(Array(Self.chirpStackUplink.utf8))
        #expect(decoded.readings.map(\.metric) == [.ecoli, .enterococci, .turbidity])
        #expect(decoded.readings.allSatisfy { $0.time == Timestamp(milliseconds: 1_784_030_580_812) })
        #expect(
            decoded.uplink == UplinkIdentity(frameCounter: 77, deduplicationID: "3ac7e3c4-4401-4b8d-9386-a5c902f9202d"))
    }

    @Test(arguments: [
        (#"{"received_at":"2026-07-14T12:03:00Z"}"#, RejectionReason.wrongType),
        (#"{"uplink_message":{"frm_payload":"AQ=="}}"#, .noReadings),
        (#"{"uplink_message":{"f_cnt":-1,"decoded_payload":{"free":1}}}"#, .wrongType),
        (#"{"uplink_message":{"decoded_payload":{"battery":3.3}}}"#, .noReadings),
        (#"[1]"#, .wrongType),
    ])
    func rejectsBadThingsStackMessages(payload: String, reason: RejectionReason) {
        #expect {
            try TheThingsStackCodec.decode(Array(payload.utf8))
        } throws: { ($0 as? Rejection)?.reason == reason }
    }

    @Test(arguments: [
        (#"{"object":{"free":1}}"#, RejectionReason.wrongType),
        (#"{"deduplicationId":"x","data":"AQ=="}"#, .noReadings),
        (#"{"deduplicationId":"x","fCnt":"7","object":{"free":1}}"#, .wrongType),
        (#"{"deduplicationId":"x","time":"noon","object":{"free":1}}"#, .badTimestamp),
    ])
    func rejectsBadChirpStackEvents(payload: String, reason: RejectionReason) {
        #expect {
            try ChirpStackCodec.decode(Array(payload.utf8))
        } throws: { ($0 as? Rejection)?.reason == reason }
    }

    /// Per-space detectors name their state in many ways; all of them end up as one `SpaceState`.
    @Test(arguments: [
        (#"{"occupied": true}"#, SpaceState.occupied),
        (#"{"occupied": false}"#, .vacant),
        (#"{"occupancy": "occupied"}"#, .occupied),
        (#"{"occupancy": "vacant"}"#, .vacant),
        (#"{"parking_slot_status": 1}"#, .occupied),
        (#"{"parking_slot_status": 0}"#, .vacant),
        (#"{"status": "free"}"#, .vacant),
        (#"{"status": "occupied"}"#, .occupied),
        (#"{"status": "error"}"#, .unknown),
        (#"{"occupancy": "unknown"}"#, .unknown),
    ])
    func normalisesSpaceStates(object: String, state: SpaceState) throws {
        let payload = #"{"uplink_message":{"received_at":"2026-07-14T12:03:00Z","decoded_payload":\#(object)}}"#
        let decoded = try TheThingsStackCodec.decode(Array(payload.utf8))
        #expect(decoded.readings.map(\.metric) == [.spaceOccupied])
        #expect(decoded.readings.first.flatMap { SpaceState(value: $0.value) } == state)
    }

    @Test(arguments: [#"{"parking_slot_status": 2}"#, #"{"status": "maybe"}"#, #"{"occupancy": 0.5}"#])
    func refusesUnknownSpaceStates(object: String) {
        let payload = #"{"uplink_message":{"decoded_payload":\#(object)}}"#
        #expect {
            try TheThingsStackCodec.decode(Array(payload.utf8))
        } throws: { ($0 as? Rejection)?.reason == .invalidState }
    }
}

@Suite struct UplinkDeduplicatorTests {
    let now = Timestamp(milliseconds: 1_784_030_600_000)

    func outcome(_ sensor: SensorID, frame: Int, id: String? = nil) -> MessageOutcome {
        var outcome = MessageOutcome(
            topic: "t", sensor: sensor,
            accepted: [Reading(sensor: sensor, metric: .free, time: now, value: 1, received: now)], rejected: [])
        outcome.uplink = UplinkKey(sensor: sensor, identity: UplinkIdentity(frameCounter: frame, deduplicationID: id))
        return outcome
    }

    @Test func aRepeatedFrameIsDroppedOnlyAfterItsFirstDeliveryWasCommitted() {
        let deduplicator = UplinkDeduplicator()
        var first = [outcome("a", frame: 7), outcome("a", frame: 7), outcome("b", frame: 7)]
        deduplicator.markRepeats(in: &first, at: now)
        #expect(first.map(\.isRepeat) == [false, true, false])
        #expect(first[1].accepted.isEmpty)
        #expect(first[1].isAccepted)

        // Not remembered yet (the commit failed, say): a redelivery is not a repeat.
        var redelivered = [outcome("a", frame: 7)]
        deduplicator.markRepeats(in: &redelivered, at: now)
        #expect(redelivered.map(\.isRepeat) == [false])

        deduplicator.remember(redelivered, at: now)
        var retransmitted = [outcome("a", frame: 7), outcome("a", frame: 8)]
        deduplicator.markRepeats(in: &retransmitted, at: now.adding(seconds: 30))
        #expect(retransmitted.map(\.isRepeat) == [true, false])
    }

    @Test func aFrameCounterIsForgottenAfterTheWindowSoARejoinedDeviceIsHeard() {
        let deduplicator = UplinkDeduplicator(windowSeconds: 600)
        deduplicator.remember([outcome("a", frame: 0)], at: now)
        var later = [outcome("a", frame: 0)]
        deduplicator.markRepeats(in: &later, at: now.adding(seconds: 601))
        #expect(later.map(\.isRepeat) == [false])
    }

    @Test func aDeduplicationIDIdentifiesTheUplinkWhateverItsFrame() {
        let deduplicator = UplinkDeduplicator()
        deduplicator.remember([outcome("a", frame: 3, id: "u-1")], at: now)
        var again = [outcome("a", frame: 3, id: "u-1"), outcome("a", frame: 3, id: "u-2")]
        deduplicator.markRepeats(in: &again, at: now)
        #expect(again.map(\.isRepeat) == [true, false])
    }

    @Test func aFloodOfDistinctUplinksIsBoundedAndTheNewestAreKept() {
        let deduplicator = UplinkDeduplicator(windowSeconds: 600, capacity: 1_000)
        for index in 0..<5_000 {
            deduplicator.remember(
                [outcome("a", frame: index, id: "flood-\(index)")], at: now.adding(seconds: Double(index) / 100))
            #expect(deduplicator.count <= 1_000)
        }
        var newest = [outcome("a", frame: 4_999, id: "flood-4999")]
        deduplicator.markRepeats(in: &newest, at: now.adding(seconds: 50))
        #expect(newest.map(\.isRepeat) == [true])
    }

    @Test func anOversizedDeduplicationIDIsRejected() {
        let id = String(repeating: "x", count: 8_192)
        let payload = #"{"deduplicationId":"\#(id)","time":"2026-07-14T12:03:00Z","object":{"free":3}}"#
        #expect(throws: Rejection.self) { try ChirpStackCodec.decode(Array(payload.utf8)) }
    }
}
