/// An entry's page: waiting (before the draw, or in line with its outlook), then its result.
extension WaitingPage {
    mutating func show(
        entry: EntryView, event: Event, now: Int64, streamURL: String, pollURL: String, refresh: Int, admission: AdmissionIssuer.Token?,
        admissionLink: String?
    ) {
        var values: [String: Any] = [
            "seq": entry.seq, "status": entry.status.rawValue,
            "number_text": numberText(entry, event: event), "line_place": entry.place ?? entry.seq, "prizes": event.prizes,
            "waiting": entry.status == .waiting, "won": entry.status == .won,
            "lost": entry.status == .lost, "expired": entry.status == .expired, "decided": entry.status != .waiting,
            "paused": entry.paused, "receipt": entry.receipt, "stream_url": streamURL, "poll_url": pollURL,
        ]
        title("title_" + entry.status.rawValue, seq: entry.seq, event: event)
        showRemaining(entry.remaining)
        values["back_url"] = Self.url("/e/\(event.id)", query: [], lang: language.rawValue)
        if event.order.draws { values["drawn_order"] = true }
        switch entry.status {
        case .waiting:
            context["refresh"] = true
            context["refresh_s"] = refresh
            context["live_script"] = true
            values["presence"] = event.presenceTimeout != nil
            if let place = entry.place, let position = entry.position {
                values.merge(standing(entry, place: place, position: position, prizes: event.prizes)) { $1 }
            } else {
                values["undrawn"] = undrawn(event, now: now)
            }
        case .won:
            values["result_text"] = texts["won"]!
            values.merge(winner(admission: admission, admissionLink: admissionLink, claim: event.claim)) { $1 }
        case .lost:
            values["result_text"] = texts[event.order == .lottery ? "lost_lottery" : "lost"]!
        case .expired:
            values["result_text"] = texts["expired"]!
        }
        context["entry"] = values
    }

    /// Waiting for the draw: when it comes, in the visitor's local time, and what a lottery's draw waits for after its close.
    func undrawn(_ event: Event, now: Int64) -> [String: Any] {
        let cutoff = event.drawCutoff ?? event.createdAt
        let key = event.order == .shuffle ? "in_prequeue" : "in_lottery"
        var values: [String: Any] = ["cutoff_ms": cutoff, "countdown_now": texts["draw_now"]!]
        let beaconWait = event.beaconValue == nil ? event.beacon.map { fill("beacon_wait", ["beacon": $0]) } : nil
        if let beaconWait, now >= cutoff {
            values["text"] = beaconWait
            return values
        }
        values["text"] = fill(key, ["time": Self.time(cutoff) + " UTC"])
        values["format"] = texts[key]!
        values["countdown_in"] = texts[event.order == .shuffle ? "draw_in" : "closes_in"]!
        if let beaconWait { values["beacon_text"] = beaconWait }
        return values
    }

    /// In line: prizes left and people ahead, whether the prizes will likely be gone
    /// first, the progress toward the result and when it is expected.
    func standing(_ entry: EntryView, place: Int64, position: Int64, prizes: Int64) -> [String: Any] {
        let outlook = EntryOutlook(place: place, position: position, serving: entry.serving, remaining: entry.remaining, prizes: prizes)
        return [
            "placed": true, "standing_text": standingText(position: position, remaining: entry.remaining), "gone": outlook.prizesGoneFirst,
            "progress_label": texts[outlook.prizesGoneFirst ? "progress_prizes" : "progress"]!,
            "progress_value": outlook.progressValue, "progress_max": outlook.progressMax, "wait_text": waitText(entry.estimatedWait),
        ]
    }

    /// "20 prizes left; 303 people ahead of you".
    func standingText(position: Int64, remaining: Int64) -> String {
        let ahead = position > 0 ? language.counted("people_ahead", position) : texts["ahead_none"]!
        return fill("standing", ["left": language.counted("prizes_left", max(remaining, 0)), "ahead": ahead])
    }

    /// A winner's next step (the event's own words when it has them), the link on, and the pass.
    func winner(admission: AdmissionIssuer.Token?, admissionLink: String?, claim: ClaimInstructions?) -> [String: Any] {
        var values: [String: Any] = [:]
        let next: String
        if let claim, claim.text != nil || claim.link != nil {
            next = "next_claim"
            if let text = claim.text { values["claim_text"] = text }
            if let link = claim.link { values["claim_link"] = link }
        } else if admission != nil, admissionLink != nil {
            next = "next_link"
        } else {
            next = admission != nil ? "next_pass" : "next_plain"
        }
        values["next_text"] = texts[next]!
        if let admission {
            values["admission_token"] = admission.jwt
            values["admission_expires_text"] = fill("admission_expires", ["time": Self.time(admission.expiresAt) + " UTC"])
            values["admission_expires_ms"] = admission.expiresAt
            if let admissionLink { values["admission_link"] = admissionLink }
        }
        return values
    }

    /// "You are number 42" while waiting under fifo, "Your number: 42" after; an
    /// entry number, then its drawn place, under a draw.
    func numberText(_ entry: EntryView, event: Event) -> String {
        guard event.order.draws else { return fill(entry.status == .waiting ? "number" : "number_decided", ["seq": String(entry.seq)]) }
        if let place = entry.place { return fill(event.order == .lottery ? "place_drawn" : "place", ["place": String(place)]) }
        return fill("entry_number", ["seq": String(entry.seq)])
    }

    /// The expected time to the result without false precision: under a minute, else minutes or hours.
    func waitText(_ seconds: Double?) -> String {
        guard let seconds else { return texts["wait_unknown"]! }
        if seconds < 60 { return texts["wait_short"]! }
        return fill("wait", ["d": language.duration(seconds: seconds)])
    }
}
