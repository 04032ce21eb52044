import FeedCore
import Foundation
import TestSupport
import Testing
import TimeSeries

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

/// The car parks as ParkAPI v3 reads them, checked by ParkAPI's own validators (PyPI `parkapi-sources`, pinned
/// in `.venv-parkapi` by `scripts/parkapi-venv.sh`, which `scripts/test.sh` runs): every item of `/v1/parking`,
/// the car park of `/v1/parking/{id}` and the properties of `/v1/parking.geojson`, with and without live data.
@Suite struct ParkAPIValidationTests {
    static let python = repositoryRoot.appending(path: ".venv-parkapi/bin/python").path

    @Test func everyCarParkDocumentPassesParkAPIsValidators() async throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: Self.python),
            "ParkAPI's validators are not installed: run scripts/parkapi-venv.sh (scripts/test.sh does)")
        try await daemonInMemory { client, daemon in
            let now = Timestamp.now
            let time = now.adding(seconds: -60)
            _ = try daemon.store.append([
                Reading(sensor: "casino", metric: .occupied, time: time, value: 120, received: now),
                Reading(sensor: "clemenceau", metric: .entries, time: time, value: 30, received: now),
            ])
            func json(_ path: String) async throws -> Any {
                try JSONSerialization.jsonObject(with: try await client.raw(path).body)
            }
            var documents: [Any] = []
            documents += ((try await json("/v1/parking")) as? [String: Any])?["items"] as? [Any] ?? []
            documents.append(((try await json("/v1/parking/casino")) as? [String: Any])?["car_park"] as Any)
            let features = ((try await json("/v1/parking.geojson")) as? [String: Any])?["features"] as? [[String: Any]]
            documents += (features ?? []).compactMap { $0["properties"] }
            #expect(documents.count >= 13)
            #expect(documents.contains { ($0 as? [String: Any])?["has_realtime_data"] as? Bool == true })

            let file = try makeTemporaryDirectory(prefix: "cityfeeds-parkapi").appending(path: "car-parks.json")
            try JSONSerialization.data(withJSONObject: documents).write(to: file)
            try runToCompletion(
                Self.python, [repositoryRoot.appending(path: "scripts/parkapi-validate.py").path, file.path])
        }
    }
}
