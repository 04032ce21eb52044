import FeedCore
import Testing

/// A sensor id keeps its string's hash: ids are equal, and hash alike, exactly when their texts are equal
/// (Unicode canonical equivalence included, as for String).
@Suite struct SensorIDTests {
    @Test func idsAreEqualAndHashAlikeExactlyWhenTheirTextsAre() {
        let pairs: [(String, String)] = [
            ("casino", "casino"), ("casino", "Casino"), ("plage-\u{E9}", "plage-e\u{301}"), ("", ""), ("a", "b"),
            ("probe-1", "probe-10"),
        ]
        for (left, right) in pairs {
            let (a, b) = (SensorID(left), SensorID(right))
            #expect((a == b) == (left == right), "\(left) \(right)")
            if left == right { #expect(a.hashValue == b.hashValue) }
            #expect(Set([a, b]).count == (left == right ? 1 : 2))
        }
        let literal: SensorID = "casino"
        #expect(literal == SensorID("casino"))
        #expect([SensorID("plage-e\u{301}"): 1][SensorID("plage-\u{E9}")] == 1)
    }
}
