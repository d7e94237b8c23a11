import Foundation

/// Writes an event's full audit log as JSON Lines, in an order an outsider can
/// replay: the event and its rules, every entry in seq order, the control log
/// (admin actions and decisions) in order, then the heads.
///
/// Lines: `{"type":"event",…}`, `{"type":"entry",…}`, `{"type":"control",…}`,
/// `{"type":"heads",…}`. Record texts that were hashed are carried as strings,
/// byte for byte.
public struct AuditExport: Sendable {
    let store: any EntryStore
    /// Entries read per page.
    static let pageSize = 2000

    public init(store: any EntryStore) {
        self.store = store
    }

    /// Streams the log of `eventID` to `emit`, a line at a time (no newline).
    public func write(eventID: String, includePayload: Bool, emit: (String) throws -> Void) async throws {
        let event = try await store.event(id: eventID)
        var header = JSONObject()
        header.string("type", "event")
        header.string("event", event.id)
        header.string("name", event.name)
        header.string("rules", event.rules.isEmpty ? "{}" : event.rules)
        header.string("genesis", AuditRecords.hex(event.genesis))
        try emit(header.json)

        // Entries up to the event's count as read above, so the heads match them.
        var after: Int64 = 0
        while after < event.entries {
            let (_, page) = try await store.auditEntries(event: eventID, after: after, limit: Self.pageSize)
            guard let last = page.last else { break }
            for entry in page where entry.seq <= event.entries {
                var line = JSONObject()
                line.string("type", "entry")
                line.integer("seq", entry.seq)
                line.string("user", entry.user)
                line.integer("created_at", entry.createdAt)
                line.string("payload_sha256", AuditRecords.payloadDigest(entry.payload))
                // Decided entries never change: later decisions are past this export's heads.
                line.string("status", (entry.seq <= event.serving ? entry.status : .waiting).rawValue)
                line.string("chain", AuditRecords.hex(entry.chain))
                if includePayload, let payload = entry.payload { line.string("payload", payload) }
                try emit(line.json)
            }
            after = last.seq
        }

        for record in try await store.controlLog(event: eventID) {
            var line = JSONObject()
            line.string("type", "control")
            line.integer("position", record.position)
            line.string("record", record.record)
            line.string("chain", AuditRecords.hex(record.chain))
            try emit(line.json)
            if record.chain == event.controlHead { break }
        }

        var heads = JSONObject()
        heads.string("type", "heads")
        heads.integer("entries", event.entries)
        heads.string("head", AuditRecords.hex(event.head))
        heads.string("control_head", AuditRecords.hex(event.controlHead))
        try emit(heads.json)
    }

    /// The CSV row for an entry line of the export (`nil` for other lines). Times
    /// are RFC 3339 here, for people; the JSON Lines export keeps the integer
    /// milliseconds that the chain hashes.
    public static func csvRow(_ line: String, includePayload: Bool) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            object["type"] as? String == "entry"
        else { return nil }
        var fields = ["seq", "user", "created_at", "status", "payload_sha256", "chain"].map { key -> String in
            if key == "created_at", let number = object[key] as? NSNumber { return Timestamp.format(number.int64Value) }
            if let number = object[key] as? NSNumber { return number.stringValue }
            return WinnersExport.csvField(object[key] as? String ?? "")
        }
        if includePayload { fields.append(WinnersExport.csvField(object["payload"] as? String ?? "")) }
        return fields.joined(separator: ",")
    }

    /// One user's entry as JSON: where it stands in the log and what happened to it.
    public func entryReport(eventID: String, user: String) async throws -> String? {
        guard let seq = try await store.seq(event: eventID, user: user) else { return nil }
        let (event, page) = try await store.auditEntries(event: eventID, after: seq - 1, limit: 1)
        guard let entry = page.first, entry.seq == seq else { return nil }
        var object = JSONObject()
        object.string("event", event.id)
        object.string("user", user)
        object.integer("seq", seq)
        object.string("status", entry.status.rawValue)
        object.string("created_at", Timestamp.format(entry.createdAt))
        object.string("decided_at", entry.decidedAt.map(Timestamp.format))
        object.string("payload_sha256", AuditRecords.payloadDigest(entry.payload))
        object.string("receipt", AuditRecords.hex(entry.chain))
        if entry.status != .waiting {
            let settling = try await store.controlLog(event: eventID).map(\.record).first { record in
                guard record.hasPrefix(#"{"type":"decision""#),
                    let fields = try? JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any],
                    let first = (fields["first_seq"] as? NSNumber)?.int64Value, let last = (fields["last_seq"] as? NSNumber)?.int64Value
                else { return false }
                return (first...last).contains(seq)
            }
            object.raw("decision", settling ?? "null")
        }
        object.integer("waiting_ahead", event.position(ofSeq: seq))
        return object.json
    }
}
