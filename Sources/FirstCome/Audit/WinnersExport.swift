/// Writes an event's winner list as JSON or CSV, page by page, so a list of a
/// million winners never sits in memory at once. Used by the HTTP API, the console
/// and the CLI; CSV fields go through `SpreadsheetCSV`.
public enum WinnersExport {
    public enum Format: String, Sendable, CaseIterable {
        case json
        case csv

        public var contentType: String {
            switch self {
            case .json: "application/json; charset=utf-8"
            case .csv: "text/csv; charset=utf-8"
            }
        }
    }

    /// Streams the export of `event` (which must exist) to `emit` in chunks; with
    /// `includePayload`, each winner's payload too (JSON: the object as sent; CSV:
    /// its compact JSON text).
    public static func write(
        store: any EntryStore, event: String, format: Format, includePayload: Bool = false, pageSize: Int = 5000,
        emit: (String) async throws -> Void
    ) async throws {
        switch format {
        case .json: try await emit("{\"event\":\(JSONText.quote(event)),\"winners\":[")
        case .csv: try await emit(SpreadsheetCSV.row(["seq", "user", "decided_at"] + (includePayload ? ["payload"] : [])))
        }
        var after: Int64 = 0
        var first = true
        while true {
            let page = try await store.winners(event: event, after: after, limit: pageSize)
            guard let last = page.last else { break }
            var chunk = ""
            for winner in page {
                switch format {
                case .json:
                    if !first { chunk += "," }
                    chunk += "{\"seq\":\(winner.seq),"
                    if let place = winner.place { chunk += "\"place\":\(place)," }
                    chunk += "\"user\":\(JSONText.quote(winner.user)),\"decided_at\":\"\(Timestamp.format(winner.decidedAt))\""
                    if includePayload { chunk += ",\"payload\":" + (winner.payload ?? "null") }
                    chunk += "}"
                case .csv:
                    let fields = [String(winner.seq), winner.user, Timestamp.format(winner.decidedAt)]
                    chunk += SpreadsheetCSV.row(fields + (includePayload ? [winner.payload ?? ""] : []))
                }
                first = false
            }
            try await emit(chunk)
            after = last.seq
            if page.count < pageSize { break }
        }
        if format == .json { try await emit("]}\n") }
    }
}
