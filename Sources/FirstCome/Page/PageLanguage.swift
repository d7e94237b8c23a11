import Foundation

/// The languages of the waiting page and the texts in each.
///
/// Texts with `{n}`, `{seq}`, `{d}` or `{time}` are formats: the page fills them in on
/// the server, and its script fills the same formats in as live updates arrive. A
/// count's text may have a `KEY_one` form for exactly one ("1 second"); a language
/// without one uses `KEY` for every number.
public enum PageLanguage: String, Sendable, CaseIterable {
    case en
    case ko

    /// Durations under this many seconds are said in seconds, as the script does too.
    static let secondsBelow = 90
    /// Durations under this many seconds (and not in seconds) are said in minutes; longer ones in hours.
    static let minutesBelow = 90 * 60

    /// `?lang=` wins when it names a supported language; otherwise the best
    /// `Accept-Language` match by quality (a region such as `ko-KR` counts as `ko`);
    /// English when nothing matches.
    public static func choose(query: String?, acceptLanguage: String?) -> PageLanguage {
        if let query, let language = PageLanguage(rawValue: query.lowercased()) { return language }
        var best: (language: PageLanguage, quality: Double)?
        for part in (acceptLanguage ?? "").split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased(), !tag.isEmpty else { continue }
            let primary = String(tag.split(separator: "-").first ?? "")
            guard let language = PageLanguage(rawValue: primary) else { continue }
            var quality = 1.0
            for parameter in pieces.dropFirst() where parameter.lowercased().hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            if quality > 0, quality > (best?.quality ?? 0) { best = (language, quality) }
        }
        return best?.language ?? .en
    }

    /// The texts of this language, by key (the template's `t.KEY`).
    public var texts: [String: String] {
        switch self {
        case .en: return Self.english
        case .ko: return Self.korean
        }
    }

    /// Fills `{name}` placeholders of a format.
    static func fill(_ format: String, _ values: [String: String]) -> String {
        var text = format
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// The count text `key` for `n`: its `_one` form for exactly one where the language has one.
    func counted(_ key: String, _ n: Int64) -> String {
        let texts = self.texts
        let format = n == 1 ? texts[key + "_one"] ?? texts[key]! : texts[key]!
        return Self.fill(format, ["n": String(n)])
    }

    /// "N seconds/minutes/hours", rounded up, as the page's script does it too.
    func duration(seconds: Double) -> String {
        let whole = max(1, Int(seconds.rounded(.up)))
        if whole < Self.secondsBelow { return counted("seconds", Int64(whole)) }
        if whole < Self.minutesBelow { return counted("minutes", Int64((whole + 59) / 60)) }
        return counted("hours", Int64((whole + 3599) / 3600))
    }
}
