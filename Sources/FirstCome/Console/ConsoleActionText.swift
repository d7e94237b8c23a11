import Foundation

/// An admin action of the control log in words, for the report: "intake closed;
/// opening time set to 2026-12-01 18:00:00" instead of the record's JSON.
enum ConsoleActionText {
    /// The fields in the order the log writes them (create's and patch's).
    static let order = [
        "name", "mode", "state", "admit_per_tick", "opens_at", "closes_at", "identity", "presence_timeout_s", "paused", "pow_bits",
        "prequeue_at",
    ]

    /// Each field of `action` as a phrase in the page's language, joined with "; ".
    static func describe(_ action: AdminAction, page: ConsolePage) -> String {
        guard let fields = try? JSONSerialization.jsonObject(with: Data(action.fields.utf8)) as? [String: Any] else { return action.fields }
        let phrases = order.compactMap { key -> String? in
            guard let value = fields[key] else { return nil }
            return phrase(key, value is NSNull ? nil : value, create: action.kind == "create", page: page)
        }
        return phrases.isEmpty ? action.fields : phrases.joined(separator: "; ")
    }

    private static func phrase(_ key: String, _ value: Any?, create: Bool, page: ConsolePage) -> String? {
        let number = (value as? NSNumber).map { Int64(truncating: $0) }
        switch key {
        case "name": return page.text("act_name", ["name": value as? String ?? ""])
        case "mode": return page.text("mode") + ": " + page.text("mode_" + (value as? String ?? ""))
        case "state": return page.text(value as? String == "closed" ? "act_closed" : "act_opened")
        case "paused": return page.text((value as? Bool) == true ? "act_paused" : "act_resumed")
        case "admit_per_tick": return number.map { page.text("act_admit", ["n": String($0)]) } ?? (create ? nil : page.text("act_admit_none"))
        case "presence_timeout_s":
            return number.map { page.text("act_presence", ["n": String($0)]) } ?? (create ? nil : page.text("act_presence_off"))
        case "pow_bits": return number.map { $0 == 0 ? page.text("act_pow_off") : page.text("act_pow", ["n": String($0)]) }
        case "identity": return (value as? String).map { page.text("act_identity", ["alg": $0]) }
        case "opens_at", "closes_at", "prequeue_at":
            if let number { return page.text("act_" + key, ["time": ConsolePage.time(number)]) }
            return create ? nil : page.text("act_" + key + "_removed")
        default: return nil
        }
    }

    /// The draw record as a row of the same table, or `nil` for any other record.
    static func draw(_ record: String, page: ConsolePage) -> [String: Any]? {
        guard record.hasPrefix("{\"type\":\"draw\","),
            let fields = try? JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any],
            let drawnAt = (fields["drawn_at"] as? NSNumber).map({ Int64(truncating: $0) }),
            let drawn = (fields["drawn"] as? NSNumber).map({ Int64(truncating: $0) }),
            let cutoff = (fields["cutoff"] as? NSNumber).map({ Int64(truncating: $0) })
        else { return nil }
        var text = page.text("act_draw", ["n": String(drawn), "time": ConsolePage.time(cutoff)])
        if let beacon = fields["beacon"] as? String { text += "; " + page.text("act_draw_beacon", ["value": VisibleText.escaped(beacon)]) }
        return ["at": ConsolePage.time(drawnAt), "kind": page.text("action_draw"), "fields": text]
    }
}
