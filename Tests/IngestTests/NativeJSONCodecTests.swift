import FeedCore
import Testing

@testable import Ingest

@Suite struct NativeJSONCodecTests {
    static let received = Timestamp(milliseconds: 1_784_030_600_000)

    @Test(arguments: [
        (
            #"{"ts": "2026-07-14T12:03:00Z", "occupied": 341}"#,
            [DecodedReading(metric: .occupied, time: Timestamp(milliseconds: 1_784_030_580_000), value: 341)]
        ),
        (
            #"{"ts": 1784030580, "free": 12}"#,
            [DecodedReading(metric: .free, time: Timestamp(milliseconds: 1_784_030_580_000), value: 12)]
        ),
        (
            #"{"ts": 1784030580123, "free": 12}"#,
            [DecodedReading(metric: .free, time: Timestamp(milliseconds: 1_784_030_580_123), value: 12)]
        ),
        (
            #"{"ts": "2026-07-14T14:03:00.250+02:00", "rain_mm": 4.2}"#,
            [DecodedReading(metric: .rainMillimetres, time: Timestamp(milliseconds: 1_784_030_580_250), value: 4.2)]
        ),
        (#"{"state": "discharging"}"#, [DecodedReading(metric: .overflowState, time: nil, value: 1)]),
        (
            #"{"ts": 1784030580, "state": "offline", "battery": 87}"#,
            [DecodedReading(metric: .overflowState, time: Timestamp(milliseconds: 1_784_030_580_000), value: 2)]
        ),
        (
            #"{"ts": 1784030580, "entries": 3, "exits": 1}"#,
            [
                DecodedReading(metric: .entries, time: Timestamp(milliseconds: 1_784_030_580_000), value: 3),
                DecodedReading(metric: .exits, time: Timestamp(milliseconds: 1_784_030_580_000), value: 1),
            ]
        ),
    ])
    func decodesOneObject(payload: String, expected: [DecodedReading]) throws {
        let decoded = try NativeJSONCodec.decode(Array(payload.utf8))
        #expect(decoded.rejected.isEmpty)
        #expect(Set(decoded.readings) == Set(expected))
    }

    @Test func decodesABeachSampleIntoFiveReadings() throws {
        let payload =
            #"{"ts": 1784030580, "ecoli": 120, "enterococci": 45, "turbidity": 2.1, "salinity": 34.8, "temperature": 19.5}"#
        let readings = try NativeJSONCodec.decode(Array(payload.utf8)).readings
        #expect(Set(readings.map(\.metric)) == [.ecoli, .enterococci, .turbidity, .salinity, .temperature])
    }

    @Test func anArrayKeepsItsGoodItemsAndReportsTheBadOnes() throws {
        let payload =
            #"[{"ts": 1784030580, "occupied": 10}, {"occupied": "many"}, 7, {"ts": 1784030640, "occupied": 11}]"#
        let decoded = try NativeJSONCodec.decode(Array(payload.utf8))
        #expect(decoded.readings.map(\.value) == [10, 11])
        #expect(decoded.rejected.map(\.reason) == [.wrongType, .wrongType])
    }

    @Test(arguments: [
        ("{", RejectionReason.malformedJSON),
        ("", .malformedJSON),
        ("\"text\"", .wrongType),
        ("42", .wrongType),
        ("[]", .noReadings),
        (#"{"ts": 1784030580}"#, .noReadings),
        (#"{"free": true}"#, .wrongType),
        (#"{"occupied": null}"#, .wrongType),
        (#"{"ts": "yesterday", "occupied": 1}"#, .badTimestamp),
        (#"{"ts": -5, "occupied": 1}"#, .badTimestamp),
        (#"{"ts": [1], "occupied": 1}"#, .wrongType),
        (#"{"state": "leaking"}"#, .invalidState),
        (#"{"state": 1}"#, .wrongType),
        (#"{"occupied": NaN}"#, .malformedJSON),
    ])
    func rejectsBadPayloads(payload: String, reason: RejectionReason) {
        #expect(throws: Rejection.self) { try NativeJSONCodec.decode(Array(payload.utf8)) }
        do {
            _ = try NativeJSONCodec.decode(Array(payload.utf8))
        } catch {
            #expect(error.reason == reason, "\(payload): \(error)")
        }
    }
}
