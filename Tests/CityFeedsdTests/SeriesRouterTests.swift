import FeedCore
import Foundation
import Testing
import TimeSeries

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

/// Series answers, in memory against a real store.
@Suite struct SeriesRouterTests {
    /// A range reaching a month before an hour of data would be thousands of empty steps: refused with what to
    /// ask; the same step over the data's own days is answered.
    @Test func aMostlyEmptyStepAnswerIsRefusedWithWhereTheDataStart() async throws {
        try await daemonInMemory { client, daemon in
            let now = Timestamp.now
            let readings = (0..<12).map { index in
                let time = now.adding(seconds: -Double(index) * 300)
                return Reading(sensor: "casino", metric: .occupied, time: time, value: 100, received: time)
            }
            _ = try daemon.store.append(readings)
            let monthAgo = now.adding(seconds: -30 * 86_400).iso8601
            let refused = try await client.raw("/v1/series/casino/occupied?from=\(monthAgo)&step=15m")
            #expect(refused.status == 400)
            let detail = try #require(try JSONSerialization.jsonObject(with: refused.body) as? [String: Any])["detail"]
            #expect((detail as? String)?.contains("this series has data from") == true)

            let dayAgo = now.adding(seconds: -86_400).iso8601
            let answered = try await client.raw("/v1/series/casino/occupied?from=\(dayAgo)&step=15m")
            #expect(answered.status == 200)
        }
    }
}
