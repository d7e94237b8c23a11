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
        try emit(Self.eventLine(event: event.id, name: event.name, rules: event.rules.isEmpty ? "{}" : event.rules, genesis: AuditRecords.hex(event.genesis)))

        // Entries up to the event's count as read above, so the heads match them.
        var after: Int64 = 0
        while after < event.entries {
            let (_, page) = try await store.auditEntries(event: eventID, after: after, limit: Self.pageSize)
            guard let last = page.last else { break }
            for entry in page where entry.seq <= event.entries {
                // Decided entries never change: later decisions are past this export's heads
                // (and a draw made since is past them too: no place then).
                let place = event.order.draws ? (event.draw == nil ? nil : entry.place) : entry.seq
                try emit(
                    Self.entryLine(
                        seq: entry.seq, user: entry.user, createdAt: entry.createdAt, payloadDigest: AuditRecords.payloadDigest(entry.payload),
                        status: ((place ?? .max) <= event.serving ? entry.status : .waiting).rawValue,
                        place: event.order.draws ? place : nil, chain: AuditRecords.hex(entry.chain),
                        payload: includePayload ? entry.payload : nil))
            }
            after = last.seq
        }

        for record in try await store.controlLog(event: eventID) {
            try emit(Self.controlLine(position: record.position, record: record.record, chain: AuditRecords.hex(record.chain)))
            if record.chain == event.controlHead { break }
        }
        try emit(Self.headsLine(entries: event.entries, head: AuditRecords.hex(event.head), controlHead: AuditRecords.hex(event.controlHead)))
    }

    // The four line shapes, written here once: the export writes them and
    // `AuditVerifier` rebuilds each line it reads to check it is canonical.

    static func eventLine(event: String, name: String, rules: String, genesis: String) -> String {
        var line = JSONObject()
        line.string("type", "event")
        line.string("event", event)
        line.string("name", name)
        line.string("rules", rules)
        line.string("genesis", genesis)
        return line.json
    }

    static func entryLine(
        seq: Int64, user: String, createdAt: Int64, payloadDigest: String, status: String, place: Int64? = nil, chain: String,
        payload: String?
    ) -> String {
        var line = JSONObject()
        line.string("type", "entry")
        line.integer("seq", seq)
        line.string("user", user)
        line.integer("created_at", createdAt)
        line.string("payload_sha256", payloadDigest)
        line.string("status", status)
        if let place { line.integer("place", place) }
        line.string("chain", chain)
        if let payload { line.string("payload", payload) }
        return line.json
    }

    static func controlLine(position: Int64, record: String, chain: String) -> String {
        var line = JSONObject()
        line.string("type", "control")
        line.integer("position", position)
        line.string("record", record)
        line.string("chain", chain)
        return line.json
    }

    static func headsLine(entries: Int64, head: String, controlHead: String) -> String {
        var line = JSONObject()
        line.string("type", "heads")
        line.integer("entries", entries)
        line.string("head", head)
        line.string("control_head", controlHead)
        return line.json
    }

    /// The header of the CSV export, matching `csvRow`.
    public static func csvHeader(includePayload: Bool) -> String {
        SpreadsheetCSV.row(["seq", "user", "created_at", "status", "payload_sha256", "chain"] + (includePayload ? ["payload"] : []))
    }

    /// The CSV line (newline included) for an entry line of the export (`nil` for
    /// other lines). Times are RFC 3339 here, for people; the JSON Lines export
    /// keeps the integer milliseconds that the chain hashes.
    public static func csvRow(_ line: String, includePayload: Bool) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            object["type"] as? String == "entry"
        else { return nil }
        let keys = ["seq", "user", "created_at", "status", "payload_sha256", "chain"] + (includePayload ? ["payload"] : [])
        return SpreadsheetCSV.row(
            keys.map { key -> String in
                if key == "created_at", let number = object[key] as? NSNumber { return Timestamp.format(number.int64Value) }
                if let number = object[key] as? NSNumber { return number.stringValue }
                return object[key] as? String ?? ""
            })
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
        let place = event.order.draws ? entry.place : seq
        if event.order.draws { object.integer("place", place) }
        if entry.status != .waiting, let place {
            let settling = try await store.controlLog(event: eventID).map(\.record).first { record in
                guard record.hasPrefix(#"{"type":"decision""#),
                    let fields = try? JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any],
                    let first = (fields[event.order.draws ? "first_place" : "first_seq"] as? NSNumber)?.int64Value,
                    let last = (fields[event.order.draws ? "last_place" : "last_seq"] as? NSNumber)?.int64Value
                else { return false }
                return (first...last).contains(place)
            }
            object.raw("decision", settling ?? "null")
        }
        object.integer("waiting_ahead", event.position(ofPlace: place))
        return object.json
    }
}
