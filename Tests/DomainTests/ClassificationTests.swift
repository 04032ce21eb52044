import Beaches
import FeedCore
import Foundation
import TestSupport
import Testing

@Suite struct ClassificationTests {
    let origin = Timestamp(milliseconds: 1_700_000_000_000)

    func samples(ecoli: [Double], enterococci: [Double]? = nil, polluted: Set<Int> = []) -> [ClassificationSample] {
        ecoli.enumerated().map { index, count in
            ClassificationSample(
                time: origin.adding(seconds: Double(index) * 86_400), ecoli: count,
                enterococci: enterococci?[index], duringShortTermPollution: polluted.contains(index))
        }
    }

    @Test func theStandardDeviationUsesNMinusOneWhichDecidesThisBoundary() throws {
        // Eight counts of 10 and eight of 110 E. coli: P95 is 255.8 with n − 1 (good) but would be 239.8
        // with n (excellent, under the coastal limit of 250).
        let counts = Array(repeating: 10.0, count: 8) + Array(repeating: 110.0, count: 8)
        let result = Classifier(water: .coastal).classify(
            seasons: [samples(ecoli: counts, enterococci: Array(repeating: 10, count: 16))])
        let ecoli = try #require(result.parameters.first { $0.parameter == .ecoli })
        #expect(abs(try #require(ecoli.meanLog10) - 1.520696) < 1e-6)
        #expect(abs(try #require(ecoli.standardDeviationLog10) - 0.537773) < 1e-6)
        #expect(abs(try #require(ecoli.percentile95) - 255.8) < 0.1)
        #expect(ecoli.waterClass == .good)
        #expect(result.parameters.first { $0.parameter == .enterococci }?.waterClass == .excellent)
        #expect(result.waterClass == .good, "the worse of the two parameters")
    }

    @Test(arguments: [
        (100.0, WaterClass.excellent),  // P95 exactly 100: the limit is inclusive
        (101, .good),
        (200, .good),
        (201, .poor),  // P90 = 201 > 185 as well
    ])
    func limitsAreInclusive(count: Double, expected: WaterClass) {
        // Identical counts: σ = 0, so P95 = P90 = the count itself.
        let result = Classifier(water: .coastal).classify(
            seasons: [samples(ecoli: Array(repeating: 10, count: 16), enterococci: Array(repeating: count, count: 16))])
        #expect(result.waterClass == expected)
    }

    @Test func aZeroCountStandsForTheDetectionLimit() throws {
        let zeros = Classifier(water: .coastal, detectionLimit: 10).classify(
            seasons: [samples(ecoli: Array(repeating: 0, count: 16))])
        let ecoli = try #require(zeros.parameters.first)
        #expect(ecoli.meanLog10 == 1)
        #expect(ecoli.percentile95 == 10)
        #expect(zeros.waterClass == .excellent)
    }

    @Test func fewerThanSixteenSamplesIsInsufficientData() {
        let classifier = Classifier(water: .coastal)
        #expect(
            classifier.classify(seasons: [samples(ecoli: Array(repeating: 10, count: 15))]).waterClass
                == .insufficientData)
        #expect(
            classifier.classify(seasons: [samples(ecoli: Array(repeating: 10, count: 16))]).waterClass == .excellent)
        #expect(classifier.classify(seasons: [[]]).waterClass == .insufficientData)
        #expect(
            classifier.classify(seasons: [samples(ecoli: [10_000])]).waterClass == .insufficientData,
            "one sample is never a class")
        // Short seasons (eight weeks or less) need eight.
        #expect(Classifier.minimumSamples(seasonDays: 56) == 8)
        #expect(Classifier.minimumSamples(seasonDays: 93) == 16)
        let short = Classifier(water: .coastal, minimumSamples: Classifier.minimumSamples(seasonDays: 56))
        #expect(short.classify(seasons: [samples(ecoli: Array(repeating: 10, count: 8))]).waterClass == .excellent)
    }

    @Test func shortTermPollutionSamplesAreDiscountedWithinTheDirectivesLimit() {
        // 20 samples over two seasons: 15 % is 3, one per season is 2, so at most 3 may be discounted.
        var counts = Array(repeating: 20.0, count: 20)
        for index in [2, 5, 8, 11] { counts[index] = 5_000 }
        let seasons = samples(ecoli: counts, polluted: [2, 5, 8, 11])
        let result = Classifier(water: .coastal).classify(seasons: [Array(seasons[..<10]), Array(seasons[10...])])
        #expect(result.discounted == 3)
        #expect(result.samples == 20)
        #expect(result.parameters.first?.samples == 17)
        let none = Classifier(water: .coastal).classify(seasons: [samples(ecoli: counts)])
        #expect(none.discounted == 0)
        #expect(none.waterClass >= result.waterClass)
    }

    /// Chicago Park District culture E. coli results, season 2015, Lake Michigan: inland waters. The repository's
    /// excerpt of the lab results holds these four beaches' 2015 rows whole, so the figures are the same from it
    /// as from the whole data set. Expected figures computed independently from the CSV (log10, n − 1, zero → 10).
    @Test(
        arguments: [
            ChicagoSeason("63rd Street", 83, 1.7633909017758966, 819.4976199385942, 453.9707568789678, .good),
            ChicagoSeason("Montrose", 91, 2.1686982988862717, 1547.216219553642, 915.9461048181237, .poor),
            ChicagoSeason("Calumet", 90, 1.988185451624016, 1606.918085755861, 859.7765334948016, .sufficient),
            ChicagoSeason("Ohio Street", 87, 1.5433302209795114, 409.1893717779635, 236.37169724240198, .excellent),
        ], RealDataFile.available("beach/chicago_beach_lab_results.csv"))
    func aChicagoSeasonClassifiedWithTheInlandTable(_ expected: ChicagoSeason, file: RealDataFile) throws {
        let season = try Self.chicagoSamples(file, beach: expected.beach, year: "2015")
        let result = Classifier(water: .inland).classify(seasons: [season])
        let ecoli = try #require(result.parameters.first)
        #expect(ecoli.samples == expected.count)
        #expect(abs(try #require(ecoli.meanLog10) - expected.mean) < 1e-9)
        #expect(abs(try #require(ecoli.percentile95) / expected.p95 - 1) < 1e-9)
        #expect(abs(try #require(ecoli.percentile90) / expected.p90 - 1) < 1e-9)
        #expect(result.waterClass == expected.waterClass)
        // The same counts judged as sea water are worse or equal: the coastal limits are stricter.
        #expect(Classifier(water: .coastal).classify(seasons: [season]).waterClass >= expected.waterClass)
    }

    /// One beach's 2015 figures, as computed from the CSV outside the project.
    struct ChicagoSeason: Sendable, CustomStringConvertible {
        var beach: String
        var count: Int
        var mean: Double
        var p95: Double
        var p90: Double
        var waterClass: WaterClass
        init(_ beach: String, _ count: Int, _ mean: Double, _ p95: Double, _ p90: Double, _ waterClass: WaterClass) {
            (self.beach, self.count, self.mean, self.p95, self.p90) = (beach, count, mean, p95, p90)
            self.waterClass = waterClass
        }
        var description: String { beach }
    }

    static func chicagoSamples(_ file: RealDataFile, beach: String, year: String) throws -> [ClassificationSample] {
        let text = try String(contentsOf: file.url, encoding: .utf8)
        let parser = DateFormatter()
        parser.locale = Locale(identifier: "en_US_POSIX")
        parser.timeZone = TimeZone(identifier: "America/Chicago")
        parser.dateFormat = "MM/dd/yyyy hh:mm:ss a"
        return text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
            // Beach (2), Culture Sample 1 Timestamp (7) and Reading (8) come before any quoted field.
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count > 8, fields[2] == beach, fields[7].dropFirst(6).hasPrefix(year),
                let reading = Double(fields[8]), let date = parser.date(from: String(fields[7]))
            else { return nil }
            return ClassificationSample(time: Timestamp(date), ecoli: reading, enterococci: nil)
        }
    }
}
