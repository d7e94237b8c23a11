import Foundation

/// An admin action read back from its control-log record
/// (`{"type":"action","at":MS,"action":{"KIND":{FIELDS}}}`), for reports: when,
/// which kind, and the action and its fields as the log holds them.
struct AdminAction {
    let at: Int64
    let kind: String
    /// `{"KIND":{FIELDS}}`, byte for byte as recorded.
    let action: String
    /// `{FIELDS}`, byte for byte as recorded.
    let fields: String

    /// `nil` for records that are not admin actions (decisions).
    init?(record: String) {
        guard record.hasPrefix("{\"type\":\"action\","),
            let object = try? JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any],
            let at = (object["at"] as? NSNumber)?.int64Value, let kind = (object["action"] as? [String: Any])?.keys.first,
            let start = record.range(of: ",\"action\":")
        else { return nil }
        self.at = at
        self.kind = kind
        action = String(record[start.upperBound..<record.index(before: record.endIndex)])
        fields = String(action.dropFirst(kind.utf8.count + 4).dropLast())
    }
}
