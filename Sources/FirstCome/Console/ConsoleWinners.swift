import Hummingbird

/// The winners of an event a page at a time, their CSV for a spreadsheet
/// (`WinnersSpreadsheet`), and finding one entrant by the name they entered with.
extension ConsoleController {
    /// Winners one page of the table shows.
    static var winnersPageSize: Int { 50 }

    func winnersRoutes(_ routes: RouteCollection<Context>) {
        routes.get("events/:id/winners.csv") { request, context in
            let id = try context.parameters.require("id")
            return try await page(request) { visit in
                _ = try await store.event(id: id)  // 404 before the stream starts
                let store = self.store
                var headers: HTTPFields = [
                    .contentType: WinnersExport.Format.csv.contentType,
                    .contentDisposition: "attachment; filename=\"\(id)-winners.csv\"",
                ]
                ConsolePage.protect(&headers, nonce: "none")
                return Response(
                    status: .ok, headers: headers,
                    body: ResponseBody { writer in
                        try await WinnersSpreadsheet.write(store: store, event: id, language: visit.language) { text in
                            try await writer.write(ByteBuffer(string: text))
                        }
                        try await writer.finish(nil)
                    })
            }
        }
    }

    /// The page of winners after `?after=` (a seq), with a link to the next.
    func winners(_ page: inout ConsolePage, event: Event, request: Request) async throws {
        let after = FormBody.value("after", in: request.uri).flatMap { Int64($0) }.map { max(0, $0) } ?? 0
        let list = try await store.winners(event: event.id, after: after, limit: Self.winnersPageSize)
        page.context["winners"] = list.map { ["seq": $0.seq, "user": VisibleText.escaped($0.user), "decided_at": ConsolePage.time($0.decidedAt)] }
        page.context["has_winners"] = !list.isEmpty
        if let last = list.last, list.count == Self.winnersPageSize {
            page.context["next_winners_url"] = page.url("/admin/events/\(event.id)", [("after", String(last.seq))])
        }
        if after > 0 { page.context["first_winners_url"] = page.url("/admin/events/\(event.id)") }
    }

    /// `?find=NAME`: that entrant's number, status, place and receipt, as their own page shows them.
    func find(_ page: inout ConsolePage, event: Event, request: Request) async throws {
        guard let name = FormBody.value("find", in: request.uri), !name.isEmpty else { return }
        let user = (try? EventRules.user(fromSent: name)) ?? name
        // `user` refills the search box as typed; `shown_user` is what the page shows.
        var found: [String: Any] = ["user": user, "shown_user": VisibleText.escaped(user)]
        defer { page.context["found"] = found }
        guard (try? EventRules.checkUser(user)) != nil, let seq = try await store.seq(event: event.id, user: user) else {
            found["missing"] = true
            return
        }
        found["seq"] = seq
        guard let view = store.live.board.view(eventKey: event.key, seq: seq, token: "") else { return }
        found["status"] = view.status.rawValue
        found["status_text"] = page.text("status_" + view.status.rawValue)
        found["receipt"] = view.receipt
        if event.order.draws, let place = view.place { found["place"] = place }
        if view.status == .waiting, let position = view.position { found["position"] = position }
        if let decidedAt = view.decidedAt { found["decided_at"] = ConsolePage.time(decidedAt) }
    }
}
