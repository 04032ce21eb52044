import FeedCore
import Foundation
import FuzzSupport
import Ingest
import TestSupport

/// A coverage-guided fuzz target for everything a sensor or a file can send: the first byte of an input
/// picks a route (native JSON, a bare number, SenML, The Things Stack, ChirpStack) or an archive format
/// (CSV, JSON Lines, spill events), the rest is the payload. Whatever the bytes, the pipeline must account for
/// the message (accepted or rejected with a reason) and never trap.
///
/// Built with `-sanitize=fuzzer -DFUZZING` by `scripts/fuzz.sh`, libFuzzer drives it; built normally, it is a
/// tool that replays input files through the same function (`cityfeeds-fuzz-payloads FILE...`).
enum PayloadHarness {
    static let received = Timestamp(milliseconds: 1_784_030_600_000)

    static let topics = [
        "c/parking/lot/json", "c/parking/lot/number", "c/any/probe/senml", "v3/app@ttn/devices/lot/up",
        "application/1/device/lot/event/up", "c/parking/outfall/json", "c/parking/ghost/json",
    ]

    static let pipeline = corpusPipeline()

    static func run(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let payload = Array(input.dropFirst())
        let choice = Int(selector) % (topics.count + 3)
        if choice < topics.count {
            let outcome = pipeline.process(InboundMessage(topic: topics[choice], payload: payload, received: received))
            precondition(outcome.isAccepted || !outcome.rejected.isEmpty, "a message neither accepted nor rejected")
            for reading in outcome.accepted {
                precondition(reading.value.isFinite && abs(reading.value) <= Reading.largestValue)
            }
        } else {
            let format: ArchiveFormat = [.csv, .jsonl, .spills][choice - topics.count]
            _ = ArchiveReader.read(String(decoding: payload, as: UTF8.self), format: format)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    PayloadHarness.run(FuzzTarget.bytes(data, size))
    return 0
}

#if FUZZING
/// SwiftPM links an executable target's entry point as `<module>_main`: here it hands over to libFuzzer.
@_cdecl("FuzzPayloads_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzTarget.runFuzzer(argc, argv, fuzzOneInput)
}
#else
@main
struct ReplayInputs {
    static func main() throws {
        try FuzzTarget.replay(PayloadHarness.run)
    }
}
#endif
