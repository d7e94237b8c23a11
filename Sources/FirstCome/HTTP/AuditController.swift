import Foundation
import Hummingbird

/// Admin audit routes: the winner list and the paginated listing of every entry.
struct AuditController<Context: RequestContext> {
    let store: any EntryStore

    /// Most rows one page of the audit listing returns.
    static var maxPageSize: Int { 1000 }

    /// `GET /events/{id}/winners`, `GET /events/{id}/entries`
    func routes(_ routes: RouteCollection<Context>) {
        routes.get(":id/winners") { request, context in
            let id = try context.parameters.require("id")
            _ = try await store.event(id: id)  // 404 before the stream starts
            let format: WinnersExport.Format = Self.prefersCSV(request) ? .csv : .json
            let store = self.store
            return Response(
                status: .ok, headers: [.contentType: format.contentType],
                body: ResponseBody { writer in
                    try await WinnersExport.write(store: store, event: id, format: format) { text in
                        try await writer.write(ByteBuffer(string: text))
                    }
                    try await writer.finish(nil)
                })
        }
        routes.get(":id/entries") { request, context in
            let id = try context.parameters.require("id")
            let after = try Self.integer(request, "after", default: 0, range: 0...Int64.max)
            let limit = try Self.integer(request, "limit", default: 100, range: 1...Int64(Self.maxPageSize))
            let (event, entries) = try await store.auditEntries(event: id, after: after, limit: Int(limit))
            let lastSeq = entries.last?.seq ?? after
            return AuditPage(entries: entries, nextAfter: lastSeq < event.entries ? lastSeq : nil)
        }
    }

    static func prefersCSV(_ request: Request) -> Bool {
        (request.headers[.accept] ?? "").lowercased().contains("text/csv")
    }

    static func integer(_ request: Request, _ name: String, default value: Int64, range: ClosedRange<Int64>) throws -> Int64 {
        guard let text = request.uri.queryParameters[Substring(name)] else { return value }
        guard let number = Int64(text), range.contains(number) else {
            throw FirstComeError.invalidRequest("'\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// One page of the audit listing.
    struct AuditPage: ResponseEncodable {
        let entries: [AuditEntry]
        let nextAfter: Int64?

        enum CodingKeys: String, CodingKey {
            case entries
            case nextAfter = "next_after"
        }

        enum EntryKeys: String, CodingKey {
            case seq, user, status, payload
            case createdAt = "created_at"
            case decidedAt = "decided_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            var list = container.nestedUnkeyedContainer(forKey: .entries)
            for entry in entries {
                var item = list.nestedContainer(keyedBy: EntryKeys.self)
                try item.encode(entry.seq, forKey: .seq)
                try item.encode(entry.user, forKey: .user)
                try item.encode(entry.status, forKey: .status)
                try item.encode(Timestamp.format(entry.createdAt), forKey: .createdAt)
                try item.encodeIfPresent(entry.decidedAt.map(Timestamp.format), forKey: .decidedAt)
                if let payload = entry.payload, let data = payload.data(using: .utf8),
                    let value = try? JSONDecoder().decode(JSONValue.self, from: data)
                {
                    try item.encode(value, forKey: .payload)
                }
            }
            try container.encode(nextAfter, forKey: .nextAfter)
        }
    }
}
