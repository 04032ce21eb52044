import FeedCore
import Testing

@testable import Ingest

/// RFC 8428's own examples (§5.1), then the mapping of SenML records to the daemon's readings.
@Suite struct SenMLCodecTests {
    static let now = Timestamp(milliseconds: 1_784_030_600_000)

    func resolve(_ text: String) throws -> [SenMLRecord] {
        try SenMLCodec.resolve(Array(text.utf8), now: Self.now)
    }

    @Test func rfc8428SingleDataPoint() throws {
        let records = try resolve(#"[{"n":"urn:dev:ow:10e2073a01080063","u":"Cel","v":23.1}]"#)
        #expect(
            records == [
                SenMLRecord(name: "urn:dev:ow:10e2073a01080063", unit: "Cel", time: Self.now, value: .number(23.1))
            ])
        let decoded = try SenMLCodec.decode(
            Array(#"[{"n":"urn:dev:ow:10e2073a01080063","u":"Cel","v":23.1}]"#.utf8), now: Self.now)
        #expect(decoded.readings == [DecodedReading(metric: .temperature, time: Self.now, value: 23.1)])
    }

    @Test func rfc8428MultipleDataPoints() throws {
        let pack = #"""
            [{"bn":"urn:dev:ow:10e2073a01080063:","n":"voltage","u":"V","v":120.1},
             {"n":"current","u":"A","v":1.2}]
            """#
        let records = try resolve(pack)
        #expect(records.map(\.name) == ["urn:dev:ow:10e2073a01080063:voltage", "urn:dev:ow:10e2073a01080063:current"])
        #expect(records.map(\.unit) == ["V", "A"])
        // Neither is something a city sensor here measures: each record is rejected on its own.
        let decoded = try SenMLCodec.decode(Array(pack.utf8), now: Self.now)
        #expect(decoded.readings.isEmpty)
        #expect(decoded.rejected.map(\.reason) == [.unknownMetric, .unknownMetric])
    }

    @Test func rfc8428MultipleMeasurementsResolveBaseTimeAndUnit() throws {
        let records = try resolve(
            #"""
            [{"bn":"urn:dev:ow:10e2073a0108006:","bt":1.276020076001e+09,"bu":"A","bver":5,"n":"voltage","u":"V","v":120.1},
             {"n":"current","t":-5,"v":1.2},
             {"n":"current","t":-4,"v":1.3},
             {"n":"current","t":-3,"v":1.4},
             {"n":"current","t":-2,"v":1.5},
             {"n":"current","t":-1,"v":1.6},
             {"n":"current","v":1.7}]
            """#)
        #expect(records.count == 7)
        #expect(
            records[0]
                == SenMLRecord(
                    name: "urn:dev:ow:10e2073a0108006:voltage", unit: "V",
                    time: Timestamp(milliseconds: 1_276_020_076_001), value: .number(120.1)))
        #expect(
            records[1]
                == SenMLRecord(
                    name: "urn:dev:ow:10e2073a0108006:current", unit: "A",
                    time: Timestamp(milliseconds: 1_276_020_071_001), value: .number(1.2)))
        #expect(
            records.map(\.time.milliseconds) == [
                1_276_020_076_001, 1_276_020_071_001, 1_276_020_072_001, 1_276_020_073_001, 1_276_020_074_001,
                1_276_020_075_001, 1_276_020_076_001,
            ])
    }

    @Test func rfc8428MultipleDataTypes() throws {
        let pack = #"""
            [{"bn":"urn:dev:ow:10e2073a01080063:","n":"temp","u":"Cel","v":23.1},
             {"n":"label","vs":"Machine Room"},
             {"n":"open","vb":false},
             {"n":"nfc-reader","vd":"aGkgCg"}]
            """#
        let records = try resolve(pack)
        #expect(records.map(\.value) == [.number(23.1), .string("Machine Room"), .bool(false), .data("aGkgCg")])
        let decoded = try SenMLCodec.decode(Array(pack.utf8), now: Self.now)
        #expect(decoded.readings == [DecodedReading(metric: .temperature, time: Self.now, value: 23.1)])
        #expect(decoded.rejected.map(\.reason) == [.unknownMetric, .unknownMetric, .wrongType])
    }

    @Test func baseValueAndRelativeTimes() throws {
        let records = try resolve(
            #"[{"bn":"casino/","bv":300,"bt":-60,"n":"occupied","v":41},{"n":"occupied","t":30,"v":-2}]"#)
        #expect(records.map(\.value) == [.number(341), .number(298)])
        #expect(records.map(\.time) == [Self.now.adding(seconds: -60), Self.now.adding(seconds: -30)])
    }

    @Test(arguments: [
        (
            #"[{"bn":"probe/","n":"ecoli","v":120},{"n":"enterococci","v":45}]"#, [Metric.ecoli, .enterococci],
            [120.0, 45]
        ),
        (#"[{"n":"space-12:occupied","vb":true}]"#, [.spaceOccupied], [1]),
        (#"[{"n":"outfall-7/state","vs":"discharging"}]"#, [.overflowState], [1]),
        (#"[{"n":"gauge:rain_mm","v":4.2,"t":-300}]"#, [.rainMillimetres], [4.2]),
    ])
    func mapsRecordsToReadings(pack: String, metrics: [Metric], values: [Double]) throws {
        let decoded = try SenMLCodec.decode(Array(pack.utf8), now: Self.now)
        #expect(decoded.rejected.isEmpty)
        #expect(decoded.readings.map(\.metric) == metrics)
        #expect(decoded.readings.map(\.value) == values)
    }

    @Test(arguments: [
        (#"{"n":"x","v":1}"#, RejectionReason.wrongType),
        (#"[{"n":"x","v":1,"secret_":true}]"#, .unsupported),
        (#"[{"bver":11,"n":"x","v":1}]"#, .unsupported),
        (#"[{"n":"x","v":1,"vs":"a"}]"#, .wrongType),
        (#"[{"n":"-bad","v":1}]"#, .wrongType),
        (#"[{"n":"a b","v":1}]"#, .wrongType),
        (#"[{"n":"x","v":"1"}]"#, .wrongType),
        (#"[{"n":"x","vb":"yes"}]"#, .wrongType),
        (#"[{"bn":5,"n":"x","v":1}]"#, .wrongType),
        (#"[]"#, .noReadings),
        (#"[7]"#, .wrongType),
    ])
    func rejectsInvalidPacks(pack: String, reason: RejectionReason) {
        #expect {
            try SenMLCodec.decode(Array(pack.utf8), now: Self.now)
        } throws: { error in
            (error as? Rejection)?.reason == reason
        }
    }

    @Test func unknownFieldsWithoutTheUnderscoreAreIgnored() throws {
        let decoded = try SenMLCodec.decode(Array(#"[{"n":"p:ecoli","v":5,"note":"lab"}]"#.utf8), now: Self.now)
        #expect(decoded.readings.map(\.value) == [5])
    }
}
