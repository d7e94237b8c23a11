import Foundation

/// Builds the values the page template renders (its "context"). Keys:
///
/// - `lang`, `is_en`, `is_ko`, `t` (texts of the language, see `PageLanguage`),
///   `title`, `en_url`, `ko_url`, `refresh`/`refresh_s` (no-script reload period)
/// - `event`: `id`, `name`, `prizes_text`, `remaining_text` (absent on a not-found page)
/// - `form`: the entry form is shown; `action`, `user`, `error`, `identity_token`
/// - `notice`: a line about the event's state; `problem`, `back_url`: an error page
/// - `entry`: `seq`, `status`, `number_text`, `waiting`/`won`/`lost`/`expired`,
///   `ahead_text`, `served`, `wait_text`, `presence`, `receipt`, `stream_url`,
///   `poll_url`, `admission_token`, `admission_expires_text`, `admission_link`
/// - `live_script`: the page may update itself with its script
struct WaitingPage {
    let language: PageLanguage
    let texts: [String: String]
    var context: [String: Any] = [:]

    init(language: PageLanguage, path: String, query: [(String, String)]) {
        self.language = language
        texts = language.texts
        context["lang"] = language.rawValue
        context["is_en"] = language == .en
        context["is_ko"] = language == .ko
        context["t"] = texts
        context["title"] = texts["waiting_room"]!
        context["en_url"] = Self.url(path, query: query, lang: "en")
        context["ko_url"] = Self.url(path, query: query, lang: "ko")
    }

    /// `path?query` with `lang` set to `lang`.
    static func url(_ path: String, query: [(String, String)], lang: String) -> String {
        let items = query.filter { $0.0 != "lang" } + [("lang", lang)]
        return path + "?" + items.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    func fill(_ key: String, _ values: [String: String]) -> String {
        PageLanguage.fill(texts[key]!, values)
    }

    mutating func show(event: Event) {
        context["title"] = "\(event.name) · \(texts["waiting_room"]!)"
        context["event"] = [
            "id": event.id, "name": event.name,
            "prizes_text": prizesText(event),
            "remaining_text": fill("remaining", ["n": String(event.remaining)]),
            "event_url": "/v1/events/\(event.id)",
        ]
    }

    /// A tab title for the entry's state, e.g. "Waiting · #42 · Drop".
    mutating func title(_ key: String, seq: Int64, event: Event) {
        context["title"] = fill(key, ["seq": String(seq)]) + " · " + event.name
    }

    /// The entry form, or the reason there is none, for `event` at `now`.
    mutating func showForm(event: Event, now: Int64, action: String, user: String = "", error: String? = nil, identityToken: String?) {
        switch event.state(at: now) {
        case .prequeue:
            // The form stays; the notice says what the pre-queue means, with the visitor's local time and a countdown.
            let opensAt = event.opensAt ?? now
            context["notice"] = fill("prequeue_open", ["time": Self.time(opensAt) + " UTC"])
            context["notice_format"] = texts["prequeue_open"]!
            context["opens_at_ms"] = opensAt
        case .scheduled:
            // UTC on the server; the page's script shows the visitor's local time and a countdown.
            let opensAt = event.opensAt ?? now
            context["notice"] = fill("opens_at", ["time": Self.time(opensAt) + " UTC"])
            context["opens_at_ms"] = opensAt
            return
        case .closed:
            context["notice"] = texts["not_open"]!
            return
        case .soldOut:
            context["sold_out"] = true
        case .open:
            break
        }
        if event.identity != nil && identityToken == nil {
            context["notice"] = texts["identity_required"]!
            return
        }
        var form: [String: Any] = ["action": action, "user": user]
        if event.powBits > 0 {
            form["pow_bits"] = event.powBits
            form["challenge_url"] = "/v1/events/\(event.id)/challenge"
        }
        if let error { form["error"] = error }
        if let identityToken { form["identity_token"] = identityToken }
        context["form"] = form
    }

    mutating func show(
        entry: EntryView, event: Event, streamURL: String, pollURL: String, refresh: Int, admission: AdmissionIssuer.Token?,
        admissionLink: String?
    ) {
        var values: [String: Any] = [
            "seq": entry.seq, "status": entry.status.rawValue,
            "number_text": numberText(entry, event: event), "line_place": entry.place ?? entry.seq,
            "waiting": entry.status == .waiting, "won": entry.status == .won,
            "lost": entry.status == .lost, "expired": entry.status == .expired,
            "receipt": entry.receipt, "stream_url": streamURL, "poll_url": pollURL,
        ]
        title("title_" + entry.status.rawValue, seq: entry.seq, event: event)
        values["back_url"] = Self.url("/e/\(event.id)", query: [], lang: language.rawValue)
        if event.order.draws { values["drawn_order"] = true }
        if entry.status == .waiting, entry.place == nil {
            // Waiting for the draw: when it comes, in the visitor's local time.
            let cutoff = event.drawCutoff ?? event.createdAt
            let key = event.order == .shuffle ? "in_prequeue" : "in_lottery"
            values["undrawn"] = ["text": fill(key, ["time": Self.time(cutoff) + " UTC"]), "format": texts[key]!, "cutoff_ms": cutoff]
            context["refresh"] = true
            context["refresh_s"] = refresh
            context["live_script"] = true
        } else if entry.status == .waiting, let position = entry.position, let place = entry.place {
            values["ahead_text"] = position > 0 ? fill("ahead", ["n": String(position)]) : texts["ahead_none"]!
            values["served"] = min(entry.serving, place)
            values["wait_text"] = waitText(entry.estimatedWait)
            values["presence"] = event.presenceTimeout != nil
            context["refresh"] = true
            context["refresh_s"] = refresh
            context["live_script"] = true
        }
        if let admission {
            values["admission_token"] = admission.jwt
            values["admission_expires_text"] = fill("admission_expires", ["time": Self.time(admission.expiresAt) + " UTC"])
            values["admission_expires_ms"] = admission.expiresAt
            if let admissionLink { values["admission_link"] = admissionLink }
        }
        context["entry"] = values
    }

    /// "N prizes, first come first served", or what the event's draw means.
    func prizesText(_ event: Event) -> String {
        switch event.order {
        case .fifo: return event.prizes == 1 ? texts["prize_one"]! : fill("prizes", ["n": String(event.prizes)])
        case .shuffle: return fill("prizes_shuffle", ["n": String(event.prizes)])
        case .lottery: return fill("prizes_lottery", ["n": String(event.prizes)])
        }
    }

    /// "You are number 42" under fifo; an entry number, then its drawn place, otherwise.
    func numberText(_ entry: EntryView, event: Event) -> String {
        guard event.order.draws else { return fill("number", ["seq": String(entry.seq)]) }
        if let place = entry.place { return fill("place", ["place": String(place)]) }
        return fill("entry_number", ["seq": String(entry.seq)])
    }

    /// The estimated wait without false precision: under a minute, else minutes or hours.
    func waitText(_ seconds: Double?) -> String {
        guard let seconds else { return texts["wait_unknown"]! }
        if seconds < 60 { return texts["wait_short"]! }
        return fill("wait", ["d": language.duration(seconds: seconds)])
    }

    mutating func show(problem: String, backURL: String?) {
        context["problem"] = problem
        if let backURL { context["back_url"] = backURL }
    }

    /// `2026-11-22 14:05` (UTC).
    static func time(_ milliseconds: Int64) -> String {
        String(Timestamp.format(milliseconds).prefix(16)).replacingOccurrences(of: "T", with: " ")
    }
}
