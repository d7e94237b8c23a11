/// The entry form and what the event's state says around it.
extension WaitingPage {
    /// The entry form, or the reason there is none, for `event` at `now`, and after a
    /// sell-out or the close the "see your result" form; with `finding`, `user` and
    /// `error` belong to that one.
    mutating func showForm(
        event: Event, now: Int64, action: String, user: String = "", error: String? = nil, finding: Bool = false, identityToken: String?
    ) {
        var entering = true
        let state = event.state(at: now)
        switch state {
        case .prequeue:
            // The form stays; the notice says what the pre-queue means, with the visitor's local time and a countdown.
            let opensAt = event.opensAt ?? now
            notice("prequeue_open", at: opensAt)
            countdown(to: opensAt, "opens_in", "opens_now")
        case .scheduled:
            let opensAt = event.opensAt ?? now
            notice("opens_at", at: opensAt)
            countdown(to: opensAt, "opens_in", "opens_now")
            return
        case .closed:
            context["notice"] = ["text": closedText(event)]
            // Nothing to enter, but whoever entered can still find their entry.
            guard event.entries > 0, event.identity == nil || identityToken != nil else { return }
            entering = false
        case .soldOut:
            context["sold_out"] = true
        case .open:
            // A lottery takes entries until its close, when the draw is made: the time and a countdown.
            if event.order == .lottery, let cutoff = event.drawCutoff {
                notice("lottery_open", at: cutoff)
                countdown(to: cutoff, "closes_in", "closes_now")
            }
        }
        if event.paused && entering { context["paused_form"] = true }
        if event.identity != nil && identityToken == nil {
            context["notice"] = ["text": texts["identity_required"]!]
            return
        }
        var form: [String: Any] = [
            "action": action, "join": texts[event.order == .lottery ? "join_draw" : "join"]!, "enter": entering,
            "find": state == .soldOut || state == .closed,
        ]
        form[finding ? "find_user" : "user"] = user
        if let error { form[finding ? "find_error" : "error"] = error }
        if event.powBits > 0 {
            form["pow_bits"] = event.powBits
            form["challenge_url"] = "/v1/events/\(event.id)/challenge"
        }
        if let identityToken { form["identity_token"] = identityToken }
        context["form"] = form
    }

    /// Why a closed event takes no entries; a lottery whose draw is still to come says what it waits for.
    func closedText(_ event: Event) -> String {
        guard event.order == .lottery, event.awaitsDraw else { return texts["not_open"]! }
        if let beacon = event.beacon, event.beaconValue == nil { return fill("beacon_wait", ["beacon": beacon]) }
        return texts["draw_closed"]!
    }
}
