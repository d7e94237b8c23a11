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
            let includePayload: Bool
            switch request.uri.queryParameters.get("include") {
            case nil: includePayload = false
            case "payload": includePayload = true
            case let other?: throw FirstComeError.invalidRequest("include must be 'payload', not '\(other)'")
            }
            let store = self.store
            return Response(
                status: .ok, headers: [.contentType: format.contentType],
                body: ResponseBody { writer in
                    try await WinnersExport.write(store: store, event: id, format: format, includePayload: includePayload) { text in
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
            return Response.json(Self.renderPage(entries, nextAfter: lastSeq < event.entries ? lastSeq : nil))
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

    /// One page of the audit listing. Payloads are stored as compact JSON text and
    /// written back as they are.
    static func renderPage(_ entries: [AuditEntry], nextAfter: Int64?) -> String {
        var list = "["
        for (index, entry) in entries.enumerated() {
            if index > 0 { list += "," }
            var object = JSONObject()
            object.integer("seq", entry.seq)
            object.string("user", entry.user)
            object.string("status", entry.status.rawValue)
            if let place = entry.place { object.integer("place", place) }
            object.string("created_at", Timestamp.format(entry.createdAt))
            if let decidedAt = entry.decidedAt { object.string("decided_at", Timestamp.format(decidedAt)) }
            if let payload = entry.payload { object.raw("payload", payload) }
            list += object.json
        }
        var page = JSONObject()
        page.raw("entries", list + "]")
        page.integer("next_after", nextAfter)
        return page.json
    }
}
