import Foundation

/// The winners as an operator opens them in a spreadsheet (the console's
/// download): plain headers, the place in line for a shuffle or lottery, the
/// payload's flat fields as columns of their own, times a spreadsheet reads as
/// times (UTC), and a UTF-8 byte-order mark so non-Latin names open as written.
/// Every field goes through `SpreadsheetCSV` (formula guard, visible controls).
/// Machines read `WinnersExport`'s CSV, which keeps its columns.
public enum WinnersSpreadsheet {
    /// Payload fields shown as columns at most; a wider payload stays in one column.
    static let maxPayloadColumns = 20
    static let pageSize = 5000

    /// Streams the spreadsheet of `event` to `emit`: one pass to learn the
    /// payload's columns, one to write the rows.
    public static func write(store: any EntryStore, event: String, language: PageLanguage = .en, emit: (String) async throws -> Void) async throws {
        let drawn = try await store.event(id: event).order.draws
        var keys: [String] = []
        var flat = true
        try await eachWinner(store: store, event: event) { winner in
            guard flat, let payload = winner.payload else { return }
            guard let fields = Self.flatFields(payload) else { return flat = false }
            for (key, _) in fields where !keys.contains(key) { keys.append(key) }
            if keys.count > maxPayloadColumns { flat = false }
        }
        let texts = language == .ko
            ? ["순번", "순서", "이름", "당첨 시각 (UTC)", "응모 정보"] : ["Number", "Place", "Name", "Won at (UTC)", "Payload"]
        var header = [texts[0]] + (drawn ? [texts[1]] : []) + [texts[2], texts[3]]
        header += flat ? keys : [texts[4]]
        try await emit("\u{FEFF}" + SpreadsheetCSV.row(header))
        var chunk = ""
        try await eachWinner(store: store, event: event) { winner in
            var row = [String(winner.seq)] + (drawn ? [winner.place.map(String.init) ?? ""] : [])
            row += [winner.user, Self.time(winner.decidedAt)]
            if flat {
                let fields = winner.payload.flatMap(Self.flatFields) ?? []
                row += keys.map { key in fields.first { $0.0 == key }?.1 ?? "" }
            } else {
                row.append(winner.payload ?? "")
            }
            chunk += SpreadsheetCSV.row(row)
            if chunk.utf8.count > 64 * 1024 {
                try await emit(chunk)
                chunk = ""
            }
        }
        if !chunk.isEmpty { try await emit(chunk) }
    }

    /// `2026-12-07 14:35:10`: the form spreadsheets take as a date and time.
    static func time(_ milliseconds: Int64) -> String {
        String(Timestamp.format(milliseconds).prefix(19)).replacingOccurrences(of: "T", with: " ")
    }

    /// A payload's fields in order when it is an object of strings, numbers and
    /// booleans (nothing nested); `nil` otherwise.
    static func flatFields(_ payload: String) -> [(String, String)]? {
        var fields: [(String, String)] = []
        var scanner = JSONScanner(Array(payload.utf8))
        do {
            try scanner.readObject { key, scanner in
                switch scanner.peekValue() {
                case UInt8(ascii: "\""): fields.append((key, try scanner.readString()))
                case UInt8(ascii: "{"), UInt8(ascii: "["): throw JSONScanner.Failure(message: "nested")
                default:
                    var text: [UInt8] = []
                    try scanner.copyValue(into: &text, maxDepth: 0)
                    let value = String(decoding: text, as: UTF8.self)
                    fields.append((key, value == "null" ? "" : value))
                }
            }
        } catch {
            return nil
        }
        return fields
    }

    private static func eachWinner(store: any EntryStore, event: String, _ body: (Winner) async throws -> Void) async throws {
        var after: Int64 = 0
        while true {
            let page = try await store.winners(event: event, after: after, limit: pageSize)
            for winner in page { try await body(winner) }
            guard let last = page.last, page.count == pageSize else { return }
            after = last.seq
        }
    }
}
