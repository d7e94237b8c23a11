import Foundation
import HTTPTypes
import Hummingbird

/// The waiting page, `/e/{event}`: a server-rendered HTML page for entrants.
///
/// - `GET /e/{event}` shows the event and the entry form; `?t=TOKEN` shows that
///   entry: its number, how many are ahead, progress and estimated wait, then the
///   result (a winner sees the admission token). `?lang=en|ko` picks the language,
///   else `Accept-Language` does; `?identity_token=JWT` is carried into the form for
///   events that verify identity.
/// - `POST /e/{event}` takes the form (`application/x-www-form-urlencoded`, fields
///   `user` and optionally `identity_token`) and redirects (303) to the entry's page.
///   With `find=1` it only finds the entry a name already has ("see your result",
///   offered after a sell-out or the close), and answers 404 with the form for a name not entered.
///
/// Without JavaScript a waiting page reloads itself (meta refresh); with it, it
/// follows the entry's live-update stream. Viewing a waiting entry's page counts
/// as presence. Bad input is answered with the page and the error, and a 4xx status.
struct WaitingRoomController<Context: RequestContext> {
    let store: any EntryStore
    let entries: EntryController<Context>
    let templates: PageTemplates
    /// Where winners go next; `{token}` is replaced by the admission token.
    let admissionURL: String?
    let clock: @Sendable () -> Int64
    /// Most seconds between reloads of a waiting page without JavaScript.
    static var refreshSeconds: Int { 5 }

    func routes(_ routes: RouteCollection<Context>) {
        routes.get(":event") { request, context in
            let id = try context.parameters.require("event")
            // Event ids are lowercase: send a mistyped capital to the event's page.
            if id != id.lowercased() {
                let query = request.uri.query.map { "?" + $0 } ?? ""
                return Response(status: .movedPermanently, headers: [.location: "/e/\(id.lowercased())\(query)"])
            }
            return try await show(request: request, event: id)
        }
        routes.post(":event") { request, context in
            try await enter(request: request, event: try context.parameters.require("event"))
        }
    }

    /// Sets up the page in the request's language with the event on it and hands
    /// it to `body`; an unknown event gets the not-found page instead.
    private func withEvent(
        _ request: Request, _ id: String, _ body: (inout WaitingPage, Event, [(String, String)]) async throws -> Response
    ) async throws -> Response {
        let query = Self.queryItems(request)
        var page = WaitingPage(language: language(request, query), path: "/e/\(id)", query: query)
        let event: Event
        do {
            event = try await store.liveEvent(id: id)
        } catch let error as FirstComeError {
            return html(problem: error, page: &page, backURL: nil)
        }
        page.show(event: event)
        return try await body(&page, event, query)
    }

    func show(request: Request, event id: String) async throws -> Response {
        try await withEvent(request, id) { page, event, query in try await show(page: &page, event: event, query: query) }
    }

    private func show(page: inout WaitingPage, event: Event, query: [(String, String)]) async throws -> Response {
        let id = event.id
        let now = clock()
        guard let token = Self.value("t", in: query) else {
            page.showForm(event: event, now: now, action: Self.path(id, page), identityToken: Self.value("identity_token", in: query))
            return html(page)
        }
        let entry: EntryView
        do {
            entry = try await store.entry(token: token)
            guard entry.event == id else { throw FirstComeError.entryNotFound }
        } catch let error as FirstComeError {
            return html(problem: error, page: &page, backURL: Self.path(id, page))
        }
        let admission = try await entries.admissionToken(for: entry)
        let refresh = max(1, min(Self.refreshSeconds, Int((event.presenceTimeout ?? 10) / 2)))
        page.show(
            entry: entry, event: event, now: now, streamURL: "/v1/entries/\(token)/events", pollURL: "/v1/entries/\(token)",
            refresh: refresh, admission: admission, admissionLink: admission.flatMap { link(for: $0.jwt) })
        return html(page)
    }

    func enter(request: Request, event id: String) async throws -> Response {
        try await withEvent(request, id) { page, event, _ in try await enter(request: request, page: &page, event: event) }
    }

    private func enter(request: Request, page: inout WaitingPage, event: Event) async throws -> Response {
        let id = event.id
        var fields: [String: String] = [:]
        var finding = false
        do {
            let contentType = request.headers[.contentType] ?? ""
            guard contentType.lowercased().hasPrefix("application/x-www-form-urlencoded") else {
                throw FirstComeError.unsupportedMediaType("send the form as application/x-www-form-urlencoded")
            }
            fields = try FormBody.parse(
                String(buffer: try await JSONBody.collectBody(request)), allowed: ["user", "identity_token", "lang", "pow_challenge", "pow_nonce", "find"])
            finding = fields["find"] != nil
            let user = fields["user"]?.trimmingCharacters(in: .whitespacesAndNewlines)
            if user?.isEmpty != false && fields["identity_token"] == nil { throw FirstComeError.invalidRequest(Self.emptyName) }
            var body = try SubmitRequest.validated(
                user: user?.isEmpty == true ? nil : user, identityToken: fields["identity_token"], payload: nil)
            if let challenge = fields["pow_challenge"], let nonce = fields["pow_nonce"], !challenge.isEmpty, !nonce.isEmpty {
                body.proof = SubmitRequest.Proof(challenge: challenge, nonce: nonce)
            }
            // "See your result" finds the entry of a name already in, and records none for a new name.
            let entry: EntryView
            if finding {
                guard let found = try await entries.existing(event: id, body: body) else { throw FirstComeError.entryNotFound }
                entry = found
            } else {
                entry = try await entries.enter(event: id, body: body).entry
            }
            let target = WaitingPage.url("/e/\(id)", query: [("t", entry.token)], lang: page.language.rawValue)
            return Response(status: .seeOther, headers: [.location: target, .cacheControl: "no-store"])
        } catch let error as FirstComeError {
            let text = finding && error == .entryNotFound ? page.texts["find_none"]! : message(error, page.language)
            page.showForm(
                event: event, now: clock(), action: Self.path(id, page), user: fields["user"] ?? "", error: text, finding: finding,
                identityToken: fields["identity_token"])
            return html(page, status: error.status, extra: error.headers)
        }
    }

    private func language(_ request: Request, _ query: [(String, String)]) -> PageLanguage {
        PageLanguage.choose(query: Self.value("lang", in: query), acceptLanguage: request.headers[.acceptLanguage])
    }

    private static func path(_ id: String, _ page: WaitingPage) -> String {
        WaitingPage.url("/e/\(id)", query: [], lang: page.language.rawValue)
    }

    private func link(for jwt: String) -> String? {
        guard let admissionURL else { return nil }
        if admissionURL.contains("{token}") { return admissionURL.replacingOccurrences(of: "{token}", with: jwt) }
        return admissionURL + (admissionURL.contains("?") ? "&" : "?") + "token=" + jwt
    }

    /// The form was sent without a name.
    static var emptyName: String { "enter your name or e-mail" }

    /// The error in the page's language (the service's own message in English).
    private func message(_ error: FirstComeError, _ language: PageLanguage) -> String {
        if error == .invalidRequest(Self.emptyName) { return language.texts["empty_name"]! }
        guard let text = language.texts["error_" + error.code] else { return error.message }
        return error.code == "invalid_request" ? "\(text) (\(error.message))" : text
    }

    private func html(problem error: FirstComeError, page: inout WaitingPage, backURL: String?) -> Response {
        let text: String
        switch error {
        case .eventNotFound, .entryNotFound: text = page.texts["not_found"]!
        default: text = message(error, page.language)
        }
        page.show(problem: text, backURL: backURL)
        return html(page, status: error.status, extra: error.headers)
    }

    private func html(_ page: WaitingPage, status: HTTPResponse.Status = .ok, extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentLanguage] = page.language.rawValue
        headers[.vary] = "Accept-Language"
        headers[.xContentTypeOptions] = "nosniff"
        // The entrant's token is in the URL: never send it on as a referrer.
        headers[.referrerPolicy] = "no-referrer"
        headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; "
            + "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: templates.render(page.context))))
    }

    static func queryItems(_ request: Request) -> [(String, String)] {
        request.uri.queryParameters.map { (String($0.key), String($0.value)) }.filter { ["t", "lang", "identity_token"].contains($0.0) }
    }

    static func value(_ name: String, in query: [(String, String)]) -> String? {
        query.first { $0.0 == name }.map(\.1)
    }
}

extension HTTPField.Name {
    static var referrerPolicy: Self { .init("Referrer-Policy")! }
    static var xContentTypeOptions: Self { .init("X-Content-Type-Options")! }
}
