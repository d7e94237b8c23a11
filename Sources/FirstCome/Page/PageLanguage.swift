/// The languages of the waiting page and the texts in each.
///
/// Texts with `{n}`, `{seq}`, `{d}` or `{time}` are formats: the page fills them in on
/// the server, and its script fills the same formats in as live updates arrive.
public enum PageLanguage: String, Sendable, CaseIterable {
    case en
    case ko

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

    static let english: [String: String] = [
        "waiting_room": "Waiting room",
        "language": "Language",
        "prizes": "{n} prizes, first come first served",
        "prize_one": "1 prize, first come first served",
        "prizes_shuffle": "{n} prizes; everyone in the pre-queue gets a random place",
        "prizes_lottery": "{n} prizes, drawn by lottery",
        "prequeue_open": "Pre-queue: the line opens at {time}. Everyone who joins before then gets a random place in line, so there is no need to rush.",
        "in_prequeue": "You are in the pre-queue. At {time} everyone in it gets a random place in line; this page will update by itself.",
        "in_lottery": "You are in the draw. At {time} the order of every entry is drawn, and the first places win; this page will update by itself.",
        "draw_in": "Places are drawn in {d}",
        "draw_now": "Drawing places…",
        "entry_number": "Entry\u{00A0}#{seq}",
        "place": "Your place in line:\u{00A0}{place}",
        "lost_drawn": "Thank you for taking part. Places were drawn at random, and the audit log lets anyone check the draw.",
        "empty_name": "Please enter your name or e-mail.",
        "sold_out_title": "All prizes are gone",
        "late_entry": "Enter anyway: you get a number and a place in the log, but late entries do not win",
        "opens_in": "Opens in {d}",
        "opens_now": "Opening…",
        "title_waiting": "Waiting · #{seq}",
        "title_won": "You won",
        "title_lost": "Not this time",
        "title_expired": "Place skipped",
        "admission_help": "This is your admission pass: the shop checks it when you claim your prize. Keep it until then.",
        "copy": "Copy the pass",
        "copied": "Copied",
        "lost_next": "Thank you for taking part. Prizes go strictly in order of arrival, and the audit log proves it.",
        "expired_next": "Next time, keep this page open until your turn: an entrant who is away when their turn comes is skipped.",
        "reconnecting": "Reconnecting…",
        "wait_short": "Estimated wait: under a minute",
        "receipt_summary": "Proof of your place",
        "remaining": "{n} left",
        "join": "Join the line",
        "user_label": "Your name or e-mail",
        "user_hint": "Entering again with the same name shows your existing place.",
        "enter": "Enter",
        "not_open": "This giveaway is not taking entries right now.",
        "opens_at": "Entries open at {time}.",
        "sold_out": "Every prize is taken.",
        "number": "You are number\u{00A0}{seq}",
        "ahead": "{n} ahead of you",
        "ahead_none": "You are next",
        "progress": "Progress of the line up to you",
        "wait": "Estimated wait: about {d}",
        "wait_unknown": "Estimated wait: not known yet",
        "seconds": "{n} seconds",
        "minutes": "{n} minutes",
        "hours": "{n} hours",
        "keep_open": "Keep this page open. If you leave for too long, your turn may be skipped.",
        "live": "This page updates by itself.",
        "won": "You won!",
        "admission": "Your admission pass",
        "admission_expires": "Valid until {time}.",
        "continue": "Continue to claim your prize",
        "lost": "Sorry, every prize went to someone ahead of you.",
        "expired": "Your turn came while you were away, so your place was skipped.",
        "receipt": "Receipt: the link of your entry in the audit log's hash chain",
        "not_found": "There is no such giveaway or entry.",
        "error": "Something went wrong",
        "back": "Back to the giveaway",
        "identity_required": "This giveaway needs you to sign in on the organiser's site first; follow the link they gave you.",
        "pow_working": "Your browser is solving a small puzzle that keeps bots out… {n} tries",
        "pow_needs_js": "This giveaway asks your browser to solve a small puzzle before you enter, to keep bots out. It needs JavaScript and a secure (https) connection.",
        "pow_failed": "The puzzle could not be solved in this browser; please reload and try again.",
        "error_pow_required": "This giveaway asks your browser to solve a small puzzle first: please turn JavaScript on.",
        "error_pow_invalid": "The puzzle's answer was not right; please try again.",
        "error_pow_expired": "The puzzle timed out; please try again.",
        "error_pow_wrong_user": "The puzzle was solved for another name; please try again.",
    ]

    static let korean: [String: String] = [
        "waiting_room": "대기실",
        "language": "언어",
        "prizes": "경품 {n}개, 선착순",
        "prize_one": "경품 1개, 선착순",
        "prizes_shuffle": "경품 {n}개, 사전 대기열은 무작위 순서",
        "prizes_lottery": "경품 {n}개, 추첨",
        "prequeue_open": "사전 대기열: 줄은 {time}에 열립니다. 그 전에 들어온 모든 분께 무작위 순서가 정해지니 서두르지 않으셔도 됩니다.",
        "in_prequeue": "사전 대기열에 들어와 있습니다. {time}에 대기열의 모든 분께 무작위 순서가 정해지며, 이 페이지는 저절로 바뀝니다.",
        "in_lottery": "추첨에 참여했습니다. {time}에 모든 응모의 순서를 추첨하고 앞 순서가 당첨됩니다. 이 페이지는 저절로 바뀝니다.",
        "draw_in": "{d} 후 순서 추첨",
        "draw_now": "순서를 추첨하는 중…",
        "entry_number": "응모\u{00A0}#{seq}",
        "place": "내 순서:\u{00A0}{place}번째",
        "lost_drawn": "참여해 주셔서 감사합니다. 순서는 무작위로 추첨되었고, 누구나 감사 로그로 추첨을 확인할 수 있습니다.",
        "empty_name": "이름 또는 이메일을 입력해 주세요.",
        "sold_out_title": "경품이 모두 소진되었습니다",
        "late_entry": "그래도 응모하기: 번호와 기록은 남지만 당첨되지 않습니다",
        "opens_in": "{d} 후 시작",
        "opens_now": "곧 시작합니다…",
        "title_waiting": "대기 중 · {seq}번",
        "title_won": "당첨",
        "title_lost": "미당첨",
        "title_expired": "순서 건너뜀",
        "admission_help": "경품을 받을 때 확인하는 입장권입니다. 받을 때까지 보관해 주세요.",
        "copy": "입장권 복사",
        "copied": "복사됨",
        "lost_next": "참여해 주셔서 감사합니다. 경품은 도착 순서대로만 돌아가며, 감사 기록이 이를 증명합니다.",
        "expired_next": "다음에는 차례가 올 때까지 이 페이지를 열어 두세요. 차례가 왔을 때 자리에 없으면 건너뜁니다.",
        "reconnecting": "다시 연결하는 중…",
        "wait_short": "예상 대기 시간: 1분 이내",
        "receipt_summary": "내 순서의 증명",
        "remaining": "{n}개 남음",
        "join": "줄 서기",
        "user_label": "이름 또는 이메일",
        "user_hint": "같은 이름으로 다시 응모하면 기존 순서를 보여 줍니다.",
        "enter": "응모하기",
        "not_open": "지금은 응모를 받지 않습니다.",
        "opens_at": "응모는 {time}에 시작합니다.",
        "sold_out": "모든 경품이 주인을 찾았습니다.",
        "number": "대기 번호\u{00A0}{seq}번",
        "ahead": "내 앞에 {n}명",
        "ahead_none": "다음 차례입니다",
        "progress": "내 차례까지의 진행 상황",
        "wait": "예상 대기 시간: 약 {d}",
        "wait_unknown": "예상 대기 시간: 아직 알 수 없음",
        "seconds": "{n}초",
        "minutes": "{n}분",
        "hours": "{n}시간",
        "keep_open": "이 페이지를 열어 두세요. 너무 오래 자리를 비우면 순서가 건너뛰어질 수 있습니다.",
        "live": "이 페이지는 자동으로 갱신됩니다.",
        "won": "당첨되었습니다!",
        "admission": "입장권",
        "admission_expires": "{time}까지 유효합니다.",
        "continue": "경품 받으러 가기",
        "lost": "아쉽지만 모든 경품이 앞선 응모자에게 돌아갔습니다.",
        "expired": "자리를 비운 사이 차례가 지나 순서가 건너뛰어졌습니다.",
        "receipt": "영수증: 감사 기록 해시 체인 속 내 응모의 고리",
        "not_found": "해당 응모 또는 대기실이 없습니다.",
        "error": "문제가 발생했습니다",
        "back": "응모 페이지로 돌아가기",
        "identity_required": "이 응모는 주최 측 사이트에서 먼저 로그인해야 합니다. 안내받은 링크로 들어와 주세요.",
        "pow_working": "봇을 막기 위한 작은 퍼즐을 브라우저가 푸는 중입니다… {n}회 시도",
        "pow_needs_js": "이 응모는 봇을 막기 위해 응모 전에 브라우저가 작은 퍼즐을 풀어야 합니다. 자바스크립트와 보안(https) 연결이 필요합니다.",
        "pow_failed": "이 브라우저에서 퍼즐을 풀지 못했습니다. 새로 고침한 뒤 다시 시도해 주세요.",
        "error_pow_required": "응모 전에 브라우저가 작은 퍼즐을 풀어야 합니다. 자바스크립트를 켜 주세요.",
        "error_pow_invalid": "퍼즐 답이 올바르지 않습니다. 다시 시도해 주세요.",
        "error_pow_expired": "퍼즐 시간이 지났습니다. 다시 시도해 주세요.",
        "error_pow_wrong_user": "다른 이름으로 푼 퍼즐입니다. 다시 시도해 주세요.",
        "error_invalid_request": "입력값이 올바르지 않습니다",
        "error_event_not_open": "지금은 응모를 받지 않습니다.",
        "error_rate_limited": "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.",
        "error_identity_required": "주최 측 사이트에서 먼저 로그인해야 합니다.",
        "error_invalid_identity": "로그인 정보가 올바르지 않거나 만료되었습니다.",
        "error_payload_too_large": "입력이 너무 깁니다.",
        "error_unsupported_media_type": "지원하지 않는 양식입니다.",
        "error_storage_busy": "잠시 후 다시 시도해 주세요.",
        "error_storage_unavailable": "잠시 후 다시 시도해 주세요.",
        "error_shutting_down": "잠시 후 다시 시도해 주세요.",
        "error_internal_error": "문제가 발생했습니다. 잠시 후 다시 시도해 주세요.",
    ]

    /// Fills `{name}` placeholders of a format.
    static func fill(_ format: String, _ values: [String: String]) -> String {
        var text = format
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// "about N seconds/minutes/hours", rounded up, as the page's script does it too.
    func duration(seconds: Double) -> String {
        let texts = self.texts
        let whole = max(1, Int(seconds.rounded(.up)))
        if whole < 90 { return Self.fill(texts["seconds"]!, ["n": String(whole)]) }
        if whole < 90 * 60 { return Self.fill(texts["minutes"]!, ["n": String((whole + 59) / 60)]) }
        return Self.fill(texts["hours"]!, ["n": String((whole + 3599) / 3600)])
    }
}

import Foundation
