import HTTPTypes
import NIOCore
import Hummingbird

/// Signing in with the admin token and out again.
extension ConsoleController {
    func signInRoutes(_ routes: RouteCollection<Context>) {
        routes.get("sign-in") { request, _ in
            let language = language(request)
            if try await session(request) != nil { return Self.redirect(ConsolePage(language: language, path: "", query: [], csrf: nil), "/admin") }
            return signInPage(language)
        }
        routes.post("sign-in") { request, context in
            try await signIn(request, peer: context.remoteAddress)
        }
        routes.post("sign-out") { request, context in
            try await post(request, allowed: []) { visit in
                // The cookie stays valid until its end unless the session is ended here, for every node.
                try await store.endConsoleSession(id: visit.session.id, expiresAt: visit.session.expiresAt, now: clock())
                admin.logger.info("console sign-out")
                var response = Self.redirect(visit.page("/admin/sign-in"), "/admin/sign-in")
                response.setCookie(cookie("", maxAge: 0, request: request, peer: context.remoteAddress))
                return response
            }
        }
    }

    private func signInPage(_ language: PageLanguage, error: String? = nil, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:])
        -> Response
    {
        var page = ConsolePage(language: language, path: "/admin/sign-in", query: [], csrf: nil)
        page.context["title"] = page.text("sign_in") + " · " + page.text("console")
        page.context["action"] = page.url("/admin/sign-in")
        page.context["token_hint"] = page.text("admin_token_hint", ["file": tokenFile ?? "DATABASE.admin-token"])
        if let error { page.context["error"] = error }
        return page.response("sign-in", status: status, headers: headers)
    }

    private func signIn(_ request: Request, peer: SocketAddress?) async throws -> Response {
        var language = language(request)
        let fields: [String: String]
        do {
            fields = try await Self.form(request, allowed: ["token", "lang"])
        } catch let error as FirstComeError {
            return signInPage(language, error: error.message, status: error.status)
        }
        language = self.language(request, form: fields["lang"])
        let texts = ConsoleTexts.texts(language)
        let client = clients.resolve(request, peer: peer)
        do {
            try signInFailures.check(client: client)
        } catch {
            guard case .rateLimited(let wait) = error else { throw error }
            let seconds = String(max(1, Int(wait.rounded(.up))))
            return signInPage(
                language, error: PageLanguage.fill(texts["too_many_tries"]!, ["n": seconds]), status: .tooManyRequests,
                headers: [.retryAfter: seconds])
        }
        guard sessions.isAdminToken(fields["token"] ?? "") else {
            signInFailures.failed(client: client)
            return signInPage(language, error: texts["wrong_token"]!, status: .unauthorized)
        }
        let (_, value) = sessions.issue(now: clock())
        admin.logger.info("console sign-in", metadata: ["client": "\(client)"])
        var response = Response(
            status: .seeOther, headers: [.location: WaitingPage.url("/admin", query: [], lang: language.rawValue), .cacheControl: "no-store"])
        response.setCookie(cookie(value, maxAge: Int(ConsoleSessions.lifetime.components.seconds), request: request, peer: peer))
        return response
    }

    /// The session cookie: HttpOnly, SameSite=Strict, only for `/admin`, and
    /// Secure when the request reached a trusted proxy over TLS.
    func cookie(_ value: String, maxAge: Int, request: Request, peer: SocketAddress?) -> Cookie {
        Cookie(
            name: ConsoleSessions.cookieName, value: value, maxAge: maxAge, path: "/admin", secure: cameOverTLS(request, peer: peer),
            httpOnly: true, sameSite: .strict)
    }

    /// Whether a trusted proxy says the client used HTTPS (`X-Forwarded-Proto: https`).
    func cameOverTLS(_ request: Request, peer: SocketAddress?) -> Bool {
        guard let peer = peer?.ipAddress, clients.trustedProxies.contains(peer) else { return false }
        let proto = request.headers[.xForwardedProto]?.split(separator: ",").first?.trimmingCharacters(in: .whitespaces).lowercased()
        return proto == "https"
    }
}

extension HTTPField.Name {
    static var xForwardedProto: Self { .init("X-Forwarded-Proto")! }
}
