import FeedCore
import Foundation
import FuzzSupport
import RequestParsing

/// A coverage-guided fuzz target for what an HTTP client sends besides the path: the first byte picks a
/// query (read as every endpoint reads its parameters: times, steps, the alert filter, the parking filter)
/// or a body (as each write endpoint decodes it, or as an instance reads the operator's write the other instance
/// of a pair shares), the rest is the text. Whatever the bytes, the answer is a
/// value or a `BadParameter` with a reason, never a trap.
///
/// Built with `-sanitize=fuzzer -DFUZZING` by `scripts/fuzz.sh`, libFuzzer drives it; built normally, it is a
/// tool that replays input files through the same function (`cityfeeds-fuzz-requests FILE...`).
enum RequestHarness {
    /// The shapes of the write endpoints' bodies.
    struct Action: Decodable {
        var by: String
        var reason: String?
        var minutes: Double?
    }

    struct Override: Decodable {
        var action: String
        var reason: String
        var author: String
        var until: String?
    }

    struct Occupancy: Decodable {
        var occupied: Int
    }

    static func run(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let rest = Array(input.dropFirst())
        switch selector % 5 {
        case 0:
            let query = Query(parsing: String(decoding: rest, as: UTF8.self))
            for name in ["from", "to", "at", "since"] {
                _ = try? RequestParsing.time(query.get(name), name: name)
            }
            if let step = query.get("step") { _ = try? RequestParsing.step(step) }
            _ = try? RequestParsing.alertFilter(query)
            _ = try? RequestParsing.parkingQuery(query)
            _ = try? RequestParsing.page(query)
            _ = try? RequestParsing.boundingBox(query)
        case 1:
            _ = try? RequestParsing.decodeStrictly(Action.self, rest, keys: ["by", "reason", "minutes"])
        case 2:
            _ = try? RequestParsing.decodeStrictly(Override.self, rest, keys: ["action", "reason", "author", "until"])
        case 3:
            _ = try? RequestParsing.decodeStrictly(Occupancy.self, rest, keys: ["occupied"])
        default:
            // An operator's write shared by the other instance of a pair, read back from the broker.
            if let message = try? OperatorActionMessage.decode(rest) {
                _ = try? OperatorActionMessage.decode(message.encoded)
            }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    RequestHarness.run(FuzzTarget.bytes(data, size))
    return 0
}

#if FUZZING
/// SwiftPM links an executable target's entry point as `<module>_main`: here it hands over to libFuzzer.
@_cdecl("FuzzRequests_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzTarget.runFuzzer(argc, argv, fuzzOneInput)
}
#else
@main
struct ReplayInputs {
    static func main() throws {
        try FuzzTarget.replay(RequestHarness.run)
    }
}
#endif
