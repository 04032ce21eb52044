import FeedCore
import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

@testable import Ingest

/// The poison-message quarantine around a handler that commits what it is given, except what it cannot.
@Suite struct QuarantineTests {
    /// Commits every message whose payload does not contain `refuse`; with `refuseAll`, none (a full disk).
    final class Committer: MessageBurstHandler {
        let committed = Mutex<[String]>([])
        let refuse: String
        let refuseAll = Atomic<Bool>(false)

        init(refusing refuse: String = "\u{0}") {
            self.refuse = refuse
        }

        struct Refused: Error {}

        func handle(burst: [InboundMessage]) throws {
            let texts = burst.map { String(decoding: $0.payload, as: UTF8.self) }
            if refuseAll.load(ordering: .relaxed) || texts.contains(where: { $0.contains(refuse) }) { throw Refused() }
            committed.withLock { $0 += texts }
        }
    }

    let directory: URL

    init() throws {
        directory = try makeTemporaryDirectory(prefix: "cityfeeds-quarantine")
    }

    func message(_ text: String, topic: String = "c/parking/lot/json") -> InboundMessage {
        InboundMessage(topic: topic, payload: Array(text.utf8), received: Timestamp(milliseconds: 1_784_030_600_000))
    }

    func handler(_ inner: Committer, quarantine: Quarantine) throws -> QuarantiningHandler {
        try QuarantiningHandler(
            wrapping: inner, quarantine: quarantine, markerPath: directory.appending(path: "ingest.inflight").path,
            logger: Logger(label: "test"))
    }

    func openQuarantine() throws -> Quarantine {
        try Quarantine(path: directory.appending(path: "quarantine.sqlite").path)
    }

    /// One message whose commit keeps failing while the others commit is set aside after three rounds; the
    /// burst is then acknowledged, and every other message was committed.
    @Test func aMessageThatAloneFailsItsCommitIsSetAsideAfterThreeRounds() throws {
        let inner = Committer(refusing: "bad")
        let quarantine = try openQuarantine()
        let handler = try handler(inner, quarantine: quarantine)
        let burst = [message("a"), message("bad"), message("b")]
        for _ in 0..<2 {
            #expect(throws: Committer.Refused.self) { try handler.handle(burst: burst) }
            #expect(try quarantine.count() == 0)
        }
        try handler.handle(burst: burst)
        let held = try quarantine.messages()
        #expect(held.map(\.payload) == [Array("bad".utf8)])
        #expect(held.first?.topic == "c/parking/lot/json")
        #expect(held.first?.reason.contains("failed 3 times") == true)
        #expect(Set(inner.committed.withLock { $0 }) == ["a", "b"])
        #expect(quarantine.quarantinedSinceStart == 1)
    }

    /// When nothing commits, the fault is not the messages': nothing is set aside, however often it happens.
    @Test func nothingIsSetAsideWhenNoMessageCommits() throws {
        let inner = Committer()
        inner.refuseAll.store(true, ordering: .relaxed)
        let quarantine = try openQuarantine()
        let handler = try handler(inner, quarantine: quarantine)
        for _ in 0..<10 {
            #expect(throws: Committer.Refused.self) { try handler.handle(burst: [message("a"), message("b")]) }
        }
        #expect(try quarantine.count() == 0)
        inner.refuseAll.store(false, ordering: .relaxed)
        try handler.handle(burst: [message("a"), message("b")])
        #expect(inner.committed.withLock { $0 }.suffix(2) == ["a", "b"])
    }

    /// After a crash in the middle of a burst, the next start processes the redelivered burst one message at
    /// a time; after a crash on one message alone, the next start sets that message aside.
    @Test func afterCrashesTheMessageThatKilledTheProcessIsSetAside() throws {
        let burst = [message("a"), message("kills"), message("b")]
        // The process died with the whole burst in hand.
        InFlightMarker.recordForTest(at: directory.appending(path: "ingest.inflight").path, .burst, burst)
        do {
            let inner = Committer()
            let quarantine = try openQuarantine()
            let restarted = try handler(inner, quarantine: quarantine)
            // Redelivered with a newer message: processed one by one (each commits alone).
            try restarted.handle(burst: [message("c")] + burst)
            #expect(inner.committed.withLock { $0 } == ["c", "a", "kills", "b"])
            quarantine.close()
        }
        // This time it died on "kills" alone.
        InFlightMarker.recordForTest(at: directory.appending(path: "ingest.inflight").path, .single, [burst[1]])
        let inner = Committer()
        let quarantine = try openQuarantine()
        let restarted = try handler(inner, quarantine: quarantine)
        try restarted.handle(burst: burst)
        #expect(inner.committed.withLock { $0 } == ["a", "b"])
        #expect(try quarantine.messages().map(\.payload) == [Array("kills".utf8)])
        #expect(try quarantine.messages().first?.reason.contains("crash") == true)
        // Set aside once: it is not waiting for another redelivery.
        try restarted.handle(burst: [message("kills")])
        #expect(inner.committed.withLock { $0 } == ["a", "b", "kills"])
    }

    @Test func theQuarantineKeepsTheNewestUpToItsCapacity() throws {
        let quarantine = try Quarantine(path: directory.appending(path: "small.sqlite").path, capacity: 5)
        for index in 0..<12 {
            try quarantine.add(message("m\(index)"), reason: "test", at: .now)
        }
        #expect(try quarantine.count() == 5)
        #expect(
            try quarantine.messages().map { String(decoding: $0.payload, as: UTF8.self) } == [
                "m11", "m10", "m9", "m8", "m7",
            ])
    }

    /// A failure of the machine (here, the store's disk) on some messages only is still not theirs: nothing
    /// is set aside, however many rounds it lasts.
    @Test func aFailureOfTheMachineNeverSetsAMessageAside() throws {
        let quarantine = try openQuarantine()
        let handler = try QuarantiningHandler(
            wrapping: FailsOnOutfalls(), quarantine: quarantine,
            markerPath: directory.appending(path: "ingest.inflight").path, logger: Logger(label: "test"))
        for _ in 0..<6 {
            #expect(throws: DiskFull.self) { try handler.handle(burst: [message("a"), message("outfall")]) }
        }
        #expect(try quarantine.count() == 0)
    }
}

struct DiskFull: EnvironmentalFailure {}

/// Commits everything but outfall readings, whose second commit (the alert journal's) fails for the machine.
final class FailsOnOutfalls: MessageBurstHandler {
    func handle(burst: [InboundMessage]) throws {
        if burst.contains(where: { $0.payload == Array("outfall".utf8) }) { throw DiskFull() }
    }
}

extension InFlightMarker {
    /// Writes the marker a process would have left behind.
    static func recordForTest(at path: String, _ mode: Mode, _ messages: [InboundMessage]) {
        let marker = try! InFlightMarker(path: path)
        marker.record(mode, messages.map(MessageFingerprint.init))
    }
}
