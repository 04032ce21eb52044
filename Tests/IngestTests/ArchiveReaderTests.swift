import FeedCore
import Ingest
import Testing

/// Archives for `cityfeedsd replay`: the three formats, located rejections, spill runs.
@Suite struct ArchiveReaderTests {
    @Test func nativeCSVReadsAnyColumnOrderAndRejectsBadLinesWithTheirNumbers() {
        let text = """
            time,value,sensor,metric,note
            2026-07-14T12:03:00Z,341,casino,occupied,ok
            2026-07-14 12:08:00,339,casino,occupied,space for T and no offset: UTC
            1784030580,discharging,outfall-port-vieux,overflow_state,
            2026-07-14T12:13:00Z,abc,casino,occupied,
            2026-07-14T12:13:00Z,1,casino,parking_spaces,
            not-a-time,1,casino,occupied,
            """
        let contents = ArchiveReader.read(text, format: .csv)
        #expect(contents.records.map(\.value) == [341, 339, 1])
        #expect(contents.records[1].time == Timestamp(rfc3339: "2026-07-14T12:08:00Z"))
        #expect(contents.records[2].time == Timestamp(milliseconds: 1_784_030_580_000))
        #expect(contents.records[2].metric == .overflowState)
        #expect(contents.rejected.map(\.line) == [5, 6, 7])
        #expect(contents.rejected.map(\.rejection.reason) == [.notANumber, .unknownMetric, .badTimestamp])
    }

    @Test func jsonLinesTakeExplicitReadingsOrANativePayloadWithItsSensor() {
        let text = """
            {"sensor":"casino","metric":"occupied","time":"2026-07-14T12:03:00Z","value":341}
            {"sensor":"p-cdb","ts":1784030580,"ecoli":120,"enterococci":45}

            {"metric":"occupied","time":"2026-07-14T12:03:00Z","value":1}
            [1,2]
            {"sensor":"casino","metric":"occupied","time":1e300,"value":1}
            """
        let contents = ArchiveReader.read(text, format: .jsonl)
        #expect(contents.records.map(\.sensor) == ["casino", "p-cdb", "p-cdb"])
        #expect(Set(contents.records.dropFirst().map(\.metric)) == [.ecoli, .enterococci])
        #expect(contents.rejected.map(\.line) == [4, 5, 6])
    }

    /// The shape of Southern Water's Beachbuoy archive (csodata/tools), with its quoted names.
    @Test func spillEventsBecomeRunsOfDischargeAndNotGenuineOnesAreLeftOut() {
        let text = """
            eventId,siteUnitNumber,bathingSite,eventStart,eventStop,duration,status,associatedSiteId,outfallName
            1,S1,"Bognor Regis (East), Aldwick",2021-01-01 10:00:00,2021-01-01 11:00:00,60,Genuine,A,Outfall A
            2,S1,"Bognor Regis (East), Aldwick",2021-01-01 10:30:00,2021-01-01 12:00:00,90,Genuine,A,Outfall A
            3,S1,"Bognor Regis (East), Aldwick",2021-01-01 12:00:00,2021-01-01 12:30:00,30,Under Review,A,Outfall A
            4,S1,Felpham,2021-01-05 09:00:00,2021-01-05 09:10:00,10,Not Genuine,A,Outfall A
            5,S2,Felpham,2021-01-03 08:00:00,2021-01-03 07:00:00,0,Genuine,B,Outfall B
            6,S2,Felpham,2021-01-04 08:00:00,2021-01-04 09:00:00,60,Genuine,B,Outfall B
            """
        #expect(ArchiveFormat.detect(path: "spills.csv", firstLine: text.split(separator: "\n")[0]) == .spills)
        let contents = ArchiveReader.read(text, format: .spills)
        let states = contents.records.map { "\($0.sensor) \(OverflowState(value: $0.value)!.name) \($0.time.iso8601)" }
        #expect(
            states == [
                "A discharging 2021-01-01T10:00:00.000Z", "A stopped 2021-01-01T12:30:00.000Z",
                "B discharging 2021-01-04T08:00:00.000Z", "B stopped 2021-01-04T09:00:00.000Z",
            ])
        #expect(contents.notGenuine == 1)
        #expect(contents.rejected.map(\.line) == [6])
        #expect(contents.rejected.first?.rejection.reason == .badTimestamp)
    }
}
