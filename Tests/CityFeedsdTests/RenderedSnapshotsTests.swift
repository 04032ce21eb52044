import Foundation
import Synchronization
import Testing

@testable import CityCore

/// Quick documents are rendered in the request that finds them out of date; slow ones are served from the last
/// rendering while one new rendering is made in the background, never two at a time.
@Suite struct RenderedSnapshotsTests {
    @Test func aQuickDocumentIsAlwaysCurrent() {
        let snapshots = RenderedSnapshots<Int, String>()
        let renders = Atomic<Int>(0)
        for version in [1, 1, 2, 2, 3] {
            let value = snapshots.value("doc", version: version) {
                renders.add(1, ordering: .relaxed)
                return "v\(version)"
            }
            #expect(value == "v\(version)")
        }
        #expect(renders.load(ordering: .relaxed) == 3)
    }

    @Test func aSlowDocumentIsServedAtOnceAndRenderedOnceInTheBackground() async throws {
        let snapshots = RenderedSnapshots<Int, String>()
        let renders = Atomic<Int>(0)
        let slow: @Sendable (Int) -> @Sendable () -> String = { version in
            {
                renders.add(1, ordering: .relaxed)
                Thread.sleep(forTimeInterval: 0.08)
                return "v\(version)"
            }
        }
        #expect(snapshots.value("doc", version: 1, render: slow(1)) == "v1")  // the first one is waited for
        let clock = ContinuousClock()
        // The spacing after an 80 ms rendering is 4 × 80 ms: until then, a new version is served the old one.
        #expect(snapshots.value("doc", version: 2, render: slow(2)) == "v1")
        #expect(renders.load(ordering: .relaxed) == 1)
        try await Task.sleep(for: .milliseconds(400))
        // Twenty pollers of a changed document: none waits, one rendering starts.
        let began = clock.now
        for _ in 0..<20 { #expect(snapshots.value("doc", version: 2, render: slow(2)) == "v1") }
        #expect(clock.now - began < .milliseconds(50))
        try await Task.sleep(for: .milliseconds(300))
        #expect(renders.load(ordering: .relaxed) == 2)
        #expect(snapshots.value("doc", version: 2, render: slow(2)) == "v2")
    }
}
