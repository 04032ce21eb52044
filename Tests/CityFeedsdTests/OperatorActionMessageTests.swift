import Alerts
import Beaches
import FeedCore
import RequestParsing
import Testing

/// The operators' writes as a pair shares them: every action survives the wire unchanged, and anything else
/// on the topic is refused with a reason.
@Suite struct OperatorActionMessageTests {
    let time = Timestamp(milliseconds: 1_784_000_000_123)
    let fingerprint = AlertFingerprint(.sewageDischarge, "grande-plage")

    @Test func everyActionSurvivesTheWire() throws {
        let note = OperatorNote(by: "duty officer", at: time, reason: "crew on the way")
        let start = time.adding(seconds: -3_600)
        let actions: [OperatorAction] = [
            .acknowledge(fingerprint, startedAt: start, note: note),
            .silence(fingerprint, startedAt: start, until: time.adding(seconds: 600), note: note),
            .markNotGenuine(
                fingerprint, startedAt: start, note: OperatorNote(by: "engineer", at: time, reason: "test")),
            .setBeachOrder(
                beach: "grande-plage",
                order: BeachOverride(
                    action: .close, reason: "Pollution", author: "mayor's office", at: time,
                    until: time.adding(seconds: 86_400)), at: time),
            .setBeachOrder(beach: "grande-plage", order: nil, at: time),
            .setOccupancy(carPark: "clemenceau", occupied: 120, at: time),
        ]
        for action in actions {
            let message = OperatorActionMessage(origin: "cityfeedsd-a", action: action)
            #expect(try OperatorActionMessage.decode(message.encoded) == message)
        }
    }

    @Test(arguments: [
        (#"{"origin":"a","action":"acknowledge","at":"soon"}"#, "RFC 3339"),
        (#"{"origin":"a","action":"reboot","at":"2026-07-14T12:00:00Z"}"#, "unknown action"),
        (#"{"origin":"a","action":"occupancy","at":"2026-07-14T12:00:00Z","car_park":"x","occupied":-1}"#, "0 or more"),
        (
            #"{"origin":"a","action":"acknowledge","at":"2026-07-14T12:00:00Z","alert":"nope","started_at":"2026-07-14T12:00:00Z","by":"x"}"#,
            "fingerprint"
        ),
        (
            #"{"origin":"a","action":"acknowledge","at":"2026-07-14T12:00:00Z","alert":"sewage_discharge:x","started_at":"2026-07-14T12:00:00Z"}"#,
            "\"by\""
        ),
        (
            #"{"origin":"a","action":"lift_beach_order","at":"2026-07-14T12:00:00Z","beach":"x","sudo":true}"#,
            "Unknown field"
        ),
        (#"{"action":"lift_beach_order","at":"2026-07-14T12:00:00Z","beach":"x"}"#, "missing"),
        (#"[1,2,3]"#, "not a JSON object"),
    ])
    func anythingElseIsRefusedWithAReason(payload: String, reason: String) {
        #expect {
            try OperatorActionMessage.decode(Array(payload.utf8))
        } throws: { error in
            (error as? BadParameter)?.message.contains(reason) == true
        }
    }

    @Test func aMessageLargerThanAnyWriteIsRefusedBeforeParsing() {
        let huge = Array(#"{"origin":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 20_000)
        #expect {
            try OperatorActionMessage.decode(huge)
        } throws: { error in
            (error as? BadParameter)?.message.contains("the limit is 16384") == true
        }
    }
}
