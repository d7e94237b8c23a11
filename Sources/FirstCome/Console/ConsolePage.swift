import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The values every console page renders (its layout: language, texts, title,
/// navigation, form token, script nonce) and the HTML response with its strict
/// Content-Security-Policy. Page-specific values go into `context` too.
struct ConsolePage {
    let language: PageLanguage
    let texts: [String: String]
    let nonce: String
    var context: [String: Any] = [:]

    init(language: PageLanguage, path: String, query: [(String, String)], csrf: String?) {
        self.language = language
        texts = ConsoleTexts.texts(language)
        nonce = Data(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) }).base64EncodedString()
        context["lang"] = language.rawValue
        context["t"] = texts
        context["nonce"] = nonce
        context["title"] = texts["console"]!
        context["en_url"] = WaitingPage.url(path, query: query, lang: "en")
        context["ko_url"] = WaitingPage.url(path, query: query, lang: "ko")
        context["is_en"] = language == .en
        context["is_ko"] = language == .ko
        context["home_url"] = url("/admin")
        if let csrf {
            context["csrf"] = csrf
            context["signed_in"] = true
            context["sign_out_url"] = url("/admin/sign-out")
        }
    }

    /// `path` with the page's language (and `query`) on it.
    func url(_ path: String, _ query: [(String, String)] = []) -> String {
        WaitingPage.url(path, query: query, lang: language.rawValue)
    }

    func text(_ key: String, _ values: [String: String] = [:]) -> String {
        PageLanguage.fill(texts[key] ?? key, values)
    }

    /// The state of an event in the page's language.
    func stateText(_ state: EventState) -> String {
        text("state_" + state.rawValue)
    }

    /// The page rendered with template `console-NAME`.
    func response(_ name: String, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentLanguage] = language.rawValue
        headers[.vary] = "Accept-Language"
        Self.protect(&headers, nonce: nonce)
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: ConsoleTemplates.builtIn.render(name, context))))
    }

    /// Headers every console answer carries: no caching, no framing, no sniffing,
    /// no referrer, and scripts and styles only from the page itself.
    static func protect(_ headers: inout HTTPFields, nonce: String) {
        headers[.cacheControl] = "no-store"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "no-referrer"
        headers[.xFrameOptions] = "DENY"
        headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'nonce-\(nonce)'; style-src 'nonce-\(nonce)'; connect-src 'self'; "
            + "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    }

    /// `2026-11-22 14:05:09` (UTC).
    static func time(_ milliseconds: Int64?) -> String {
        guard let milliseconds else { return "" }
        return String(Timestamp.format(milliseconds).prefix(19)).replacingOccurrences(of: "T", with: " ")
    }
}

extension HTTPField.Name {
    static var xFrameOptions: Self { .init("X-Frame-Options")! }
}
