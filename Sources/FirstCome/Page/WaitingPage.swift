import Foundation

/// Builds the values the page template renders (its "context"). Keys:
///
/// - `lang`, `is_en`, `is_ko`, `t` (texts of the language, see `PageLanguage`),
///   `title`, `en_url`, `ko_url`, `refresh`/`refresh_s` (no-script reload period),
///   `seconds_below`/`minutes_below` (how the script words durations)
/// - `event`: `id`, `name`, `prizes_text`, `remaining_text` (absent on a not-found page)
/// - `notice`: a line about the event's state: `text`, and with `at_ms` a `format`
///   to fill with that time in the visitor's zone; `countdown`: `at_ms`, `in`, `now`
/// - `paused_form`, `sold_out`; `form`: `action`, `identity_token`, `pow_bits`,
///   `challenge_url`, `enter` (the entry form: `join`, `user`, `error`), `find` (the
///   "see your result" form after a sell-out or the close: `find_user`, `find_error`)
/// - `problem`, `back_url`: an error page
/// - `entry` (see `show(entry:)`): `seq`, `status`, `number_text`, `decided`,
///   `result_text`, `waiting`/`won`/`lost`/`expired`, `paused`, `undrawn`, `placed`
///   with `standing_text`, `gone`, `progress_label`/`_value`/`_max`, `wait_text`;
///   `presence`, `receipt`, `stream_url`, `poll_url`, `next_text`, `claim_text`,
///   `claim_link`, `admission_token`, `admission_expires_text`, `admission_link`
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
        context["seconds_below"] = PageLanguage.secondsBelow
        context["minutes_below"] = PageLanguage.minutesBelow
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
        ]
    }

    /// The header's "N left" from another reading than the event's (an entry's), so
    /// it agrees with the rest of that entry's page.
    mutating func showRemaining(_ remaining: Int64) {
        guard var event = context["event"] as? [String: Any] else { return }
        event["remaining_text"] = fill("remaining", ["n": String(remaining)])
        context["event"] = event
    }

    /// A tab title for the entry's state, e.g. "Waiting · #42 · Drop".
    mutating func title(_ key: String, seq: Int64, event: Event) {
        context["title"] = fill(key, ["seq": String(seq)]) + " · " + event.name
    }

    /// "N prizes, first come first served", or what the event's draw means.
    func prizesText(_ event: Event) -> String {
        switch event.order {
        case .fifo: return language.counted("prizes", event.prizes)
        case .shuffle: return language.counted("prizes_shuffle", event.prizes)
        case .lottery: return language.counted("prizes_lottery", event.prizes)
        }
    }

    /// A line about the event with the time `at` in it: UTC on the server, the
    /// visitor's own zone once the script fills `format` in.
    mutating func notice(_ key: String, at: Int64) {
        context["notice"] = ["text": fill(key, ["time": Self.time(at) + " UTC"]), "format": texts[key]!, "at_ms": at]
    }

    /// A live countdown to `at`, worded by the texts `inKey` ("Opens in 5 minutes") and `nowKey` (at the time).
    mutating func countdown(to at: Int64, _ inKey: String, _ nowKey: String) {
        context["countdown"] = ["at_ms": at, "in": texts[inKey]!, "now": texts[nowKey]!]
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
