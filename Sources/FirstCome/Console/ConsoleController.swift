import HTTPTypes
import Hummingbird
import Logging

/// The operator console at `/admin`: server-rendered pages behind a sign-in with
/// the admin token (see `ConsoleSessions`). Every page but the sign-in form
/// needs a session, else it redirects (303) to the form; every POST needs a
/// session and its form token, else it is refused (403).
///
/// - `GET /admin`: the events with their figures, and the create form (`POST /admin/events`)
/// - `GET /admin/events/{id}`: one event live (`…/stream`, Server-Sent Events), its
///   controls (`POST …/control`, `POST …/settings`), winners (`?after=`, `…/winners.csv`)
///   and the entrant finder (`?find=`)
/// - `GET|POST /admin/sign-in`, `POST /admin/sign-out`
struct ConsoleController<Context: RemoteAddressRequestContext>: Sendable {
    let store: any EntryStore
    let sessions: ConsoleSessions
    let admin: EventAdmin
    let clients: ClientAddress
    /// Wrong sign-in tokens per client address.
    let signInFailures: TokenFailureLimit
    let rates: ArrivalRates
    /// The file the admin token was read from, named on the sign-in page.
    let tokenFile: String?
    /// Which webhook targets may be set (as on the API).
    let webhookPolicy: WebhookPolicy
    let clock: @Sendable () -> Int64

    /// Five wrong tokens at once, then one every twelve seconds.
    static var signInRule: RateLimiter.Rule { RateLimiter.Rule(perSecond: 1.0 / 12, burst: 5) }

    init(settings: AppSettings, services: FirstComeServices, clock: @escaping @Sendable () -> Int64 = Timestamp.now) {
        store = services.store
        sessions = ConsoleSessions(
            token: settings.adminTokenFile.map { AdminTokenWatch(file: $0, token: settings.adminToken) }
                ?? AdminTokenWatch(fixed: settings.adminToken))
        admin = EventAdmin(store: services.store, logger: services.logger)
        clients = ClientAddress(trustedProxies: settings.trustedProxies)
        signInFailures = TokenFailureLimit(rule: Self.signInRule, what: "console sign-in", logger: services.logger)
        rates = ArrivalRates()
        tokenFile = settings.adminTokenFile
        webhookPolicy = settings.webhookPolicy
        self.clock = clock
    }

    /// Adds the console's routes under `/admin`.
    func mount(on router: Router<Context>) {
        let routes = RouteCollection(context: Context.self)
        signInRoutes(routes)
        eventsRoutes(routes)
        eventRoutes(routes)
        drawRoutes(routes)
        streamRoutes(routes)
        router.addRoutes(routes, atPath: "/admin")
    }

    /// What a console handler knows of its request once the session is checked.
    struct Visit {
        let session: ConsoleSessions.Session
        let language: PageLanguage
        let csrf: String
        /// The form's fields (POST only), without `csrf` and `lang`.
        var fields: [String: String] = [:]

        func page(_ path: String, query: [(String, String)] = []) -> ConsolePage {
            ConsolePage(language: language, path: path, query: query, csrf: csrf)
        }
    }

    func language(_ request: Request, form: String? = nil) -> PageLanguage {
        PageLanguage.choose(query: form ?? FormBody.value("lang", in: request.uri), acceptLanguage: request.headers[.acceptLanguage])
    }

    /// The request's session: a genuine, unexpired cookie whose session was not
    /// ended by signing out (on any node).
    func session(_ request: Request) async throws -> ConsoleSessions.Session? {
        guard let cookie = request.cookies[ConsoleSessions.cookieName]?.value, let session = sessions.verify(cookie, now: clock()) else {
            return nil
        }
        return try await store.consoleSessionEnded(id: session.id) ? nil : session
    }

    /// A page that needs a session: without one, the sign-in form (303).
    func page(_ request: Request, _ body: (Visit) async throws -> Response) async throws -> Response {
        let language = language(request)
        guard let session = try await session(request) else {
            return Response(
                status: .seeOther, headers: [.location: WaitingPage.url("/admin/sign-in", query: [], lang: language.rawValue), .cacheControl: "no-store"])
        }
        return try await body(Visit(session: session, language: language, csrf: sessions.csrfToken(for: session)))
    }

    /// A form post that needs a session and its form token: without them, 403.
    func post(_ request: Request, allowed: Set<String>, _ body: (Visit) async throws -> Response) async throws -> Response {
        var fields: [String: String] = [:]
        var language = language(request)
        do {
            fields = try await Self.form(request, allowed: allowed.union(["csrf", "lang"]))
            language = self.language(request, form: fields["lang"])
        } catch let error as FirstComeError where error.status != .contentTooLarge {
            return refused(language)
        }
        guard let session = try await session(request), sessions.checkCSRF(fields["csrf"], session: session) else { return refused(language) }
        fields["csrf"] = nil
        fields["lang"] = nil
        return try await body(Visit(session: session, language: language, csrf: sessions.csrfToken(for: session), fields: fields))
    }

    /// The 403 page: a form without a valid session or form token.
    func refused(_ language: PageLanguage) -> Response {
        var page = ConsolePage(language: language, path: "/admin", query: [], csrf: nil)
        page.context["title"] = page.text("refused")
        return page.response("refused", status: .forbidden)
    }

    /// A redirect (303) after a change, to `path` with its query and the page's language.
    static func redirect(_ page: ConsolePage, _ path: String, _ query: [(String, String)] = []) -> Response {
        Response(status: .seeOther, headers: [.location: page.url(path, query), .cacheControl: "no-store"])
    }

    /// An `application/x-www-form-urlencoded` body, strictly parsed.
    static func form(_ request: Request, allowed: Set<String>) async throws -> [String: String] {
        guard (request.headers[.contentType] ?? "").lowercased().hasPrefix("application/x-www-form-urlencoded") else {
            throw FirstComeError.unsupportedMediaType("send the form as application/x-www-form-urlencoded")
        }
        return try FormBody.parse(String(buffer: try await JSONBody.collectBody(request)), allowed: allowed)
    }
}
