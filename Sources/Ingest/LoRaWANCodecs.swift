import FeedCore

/// What identifies one LoRaWAN uplink, so that a retransmission or a repeated delivery is stored once even
/// when its receive time differs.
public struct UplinkIdentity: Sendable, Hashable {
    /// The frame counter (`f_cnt`, `fCnt`); The Things Stack omits it when it is 0.
    public var frameCounter: Int
    /// ChirpStack's `deduplicationId`, unique per uplink across gateways.
    public var deduplicationID: String?
}

/// The Things Stack v3 uplink messages (`v3/{app}@{tenant}/devices/{device}/up`): readings come from
/// `uplink_message.decoded_payload` (the application's payload formatter), timed by a `ts`/`time` field in it,
/// else by `uplink_message.received_at`, else by the top-level `received_at`.
public enum TheThingsStackCodec {
    /// The readings of one uplink, or why it was rejected.
    public static func decode(_ payload: [UInt8]) throws(Rejection) -> DecodedPayload {
        let document = try JSONValue.parse(payload)
        guard let uplink = document["uplink_message"], uplink.objectFields != nil else {
            throw Rejection(.wrongType, "not a Things Stack uplink: no uplink_message object")
        }
        guard let decoded = uplink["decoded_payload"]?.objectFields else {
            throw Rejection(
                .noReadings, "uplink has no decoded_payload object (is a payload formatter set for the device?)")
        }
        var time = try FieldMapper.timestamp(decoded["ts"] ?? decoded["time"])
        if time == nil { time = try FieldMapper.timestamp(uplink["received_at"], field: "uplink_message.received_at") }
        if time == nil { time = try FieldMapper.timestamp(document["received_at"], field: "received_at") }
        let frameCounter = try counter(uplink["f_cnt"], field: "f_cnt") ?? 0
        return DecodedPayload(
            readings: try FieldMapper.readings(in: decoded, time: time),
            uplink: UplinkIdentity(frameCounter: frameCounter, deduplicationID: nil))
    }

    static func counter(_ value: JSONValue?, field: String) throws(Rejection) -> Int? {
        guard let value else { return nil }
        guard let number = value.numberValue, let counter = Int(exactly: number), counter >= 0 else {
            throw Rejection(.wrongType, "\(field) is not a frame counter")
        }
        return counter
    }
}

/// ChirpStack v4 uplink events (`application/{id}/device/{devEui}/event/up`): readings from `object` (the
/// device profile's codec), timed by a `ts`/`time` field in it, else by the event's `time`; identified by
/// `deduplicationId` and `fCnt`.
public enum ChirpStackCodec {
    /// The readings of one uplink event, or why it was rejected.
    public static func decode(_ payload: [UInt8]) throws(Rejection) -> DecodedPayload {
        let document = try JSONValue.parse(payload)
        guard document.objectFields != nil, document["deviceInfo"] != nil || document["deduplicationId"] != nil
        else {
            throw Rejection(.wrongType, "not a ChirpStack uplink event: no deviceInfo or deduplicationId")
        }
        guard let object = document["object"]?.objectFields else {
            throw Rejection(.noReadings, "uplink has no object (is a codec set in the device profile?)")
        }
        var time = try FieldMapper.timestamp(object["ts"] ?? object["time"])
        if time == nil { time = try FieldMapper.timestamp(document["time"], field: "time") }
        let frameCounter = try TheThingsStackCodec.counter(document["fCnt"], field: "fCnt") ?? 0
        let deduplicationID = document["deduplicationId"]?.stringValue
        // ChirpStack sends a UUID; the daemon remembers these ids for a while, so their size is bounded.
        if let deduplicationID, deduplicationID.utf8.count > 128 {
            throw Rejection(.wrongType, "deduplicationId is longer than 128 bytes")
        }
        return DecodedPayload(
            readings: try FieldMapper.readings(in: object, time: time),
            uplink: UplinkIdentity(frameCounter: frameCounter, deduplicationID: deduplicationID))
    }
}
