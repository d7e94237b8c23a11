import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Everything `buildApplication` needs; the CLI fills it from options and
/// environment variables, tests fill it directly.
public struct AppSettings: Sendable {
    public var host: String
    public var port: Int
    /// Bearer token for admin routes.
    public var adminToken: String
    /// The file `adminToken` was read from, if any: a new token written there
    /// (`firstcome admin-token rotate`) takes over within a second.
    public var adminTokenFile: String?
    /// Time between award scheduler ticks.
    public var tickInterval: Duration
    /// Most submissions per group-commit transaction.
    public var maxBatch: Int
    /// If set, admin routes and `/metrics` are served only on this separate listener.
    public var adminListener: (host: String, port: Int)?
    /// Per-client-address limit on submit and poll; `nil` means none.
    public var ipRateLimit: RateLimiter.Rule?
    /// Per-user (submit) and per-token (poll) limit; `nil` means none.
    public var userRateLimit: RateLimiter.Rule?
    /// Proxies whose `X-Forwarded-For` names the client.
    public var trustedProxies: Set<String>
    /// Connections idle this long are closed.
    public var idleTimeout: Duration
    /// Comment lines are sent on idle live-update streams this often.
    public var liveUpdateHeartbeat: Duration = .seconds(15)
    /// Connections the kernel may hold for the server to accept (it caps this at
    /// `net.core.somaxconn`). A drop's crowd arrives at once; with the usual 256
    /// the rest of a burst of connections is dropped and retried a second or
    /// more later.
    public var listenBacklog = 4096
    /// Where a winner's page sends them, with `{token}` replaced by the admission
    /// token (or `token=` appended when there is no `{token}`); `nil` shows the token only.
    public var admissionURL: String?
    /// One info line per HTTP request (`--access-log`).
    public var accessLog = false
    /// When failed webhook deliveries are retried and given up.
    public var webhookPolicy = WebhookPolicy()
    /// Wrong admin tokens one client address may send to the admin API, and how fast it gets tries back.
    public var adminTokenFailures = TokenFailureLimit.adminRule
    /// A request (head and body) must arrive complete within this long of the
    /// connection being ready for it, or the connection is closed.
    public var requestTimeout: Duration
    /// Most client connections open at once on both listeners; `nil` derives it
    /// from the descriptor limit (`ConnectionBudget.cap(forLimit:)`).
    public var maxConnections: Int?
    /// Most live-update streams open at once for one entrant token, and from one
    /// client address; `nil` is no limit.
    public var maxStreamsPerToken: Int? = StreamCounts.defaultPerToken
    public var maxStreamsPerClient: Int? = StreamCounts.defaultPerClient

    public init(
        host: String = "127.0.0.1", port: Int = 8080, adminToken: String, tickInterval: Duration = .seconds(1),
        maxBatch: Int = 2048, adminListener: (host: String, port: Int)? = nil, ipRateLimit: RateLimiter.Rule? = nil,
        userRateLimit: RateLimiter.Rule? = nil, trustedProxies: Set<String> = [], idleTimeout: Duration = .seconds(30),
        requestTimeout: Duration = .seconds(30)
    ) {
        self.requestTimeout = requestTimeout
        self.host = host
        self.port = port
        self.adminToken = adminToken
        self.tickInterval = tickInterval
        self.maxBatch = maxBatch
        self.adminListener = adminListener
        self.ipRateLimit = ipRateLimit
        self.userRateLimit = userRateLimit
        self.trustedProxies = trustedProxies
        self.idleTimeout = idleTimeout
    }
}

/// The parts of a running firstcome service that callers may need to reach.
public struct FirstComeServices: Sendable {
    public let store: any EntryStore
    public let committer: GroupCommitter
    public let scheduler: AwardScheduler
    public let webhooks: WebhookDeliverer
    public let metrics: FirstComeMetrics
    public let admission: AdmissionIssuer?
    /// The waiting page's templates.
    public let templates: PageTemplates
    /// The service's one logger (label `firstcome`).
    public let logger: Logger
    /// The per-address and per-user limits (shared by every route and stream that applies them).
    public let limits: RateLimits
    /// The connection cap both listeners share.
    public let connections: ConnectionBudget
}

/// The rate limiters of one service instance.
public struct RateLimits: Sendable {
    /// Per client address, on submit, poll and the waiting page.
    public let perClient: RateLimiter?
    /// Per user (submit) and per token (poll, stream).
    public let perUser: RateLimiter?
    /// Live-update streams open at once, per token and per client address.
    public let streams: StreamCounts
    /// Wrong admin tokens per client address on the admin API.
    let adminTokenFailures: TokenFailureLimit
}

/// Builds the HTTP application on a store (SQLite or PostgreSQL). The award
/// scheduler runs as a service of the application, and so do the store's own
/// background services and the admin listener when one is configured.
/// `onServerRunning` gets each bound port and whether it is the admin listener.
public func buildApplication(
    settings: AppSettings, store: any EntryStore, logger: Logger = Logger(label: "firstcome"),
    metrics: FirstComeMetrics = FirstComeMetrics(), admission: AdmissionIssuer? = nil, templates: PageTemplates? = nil,
    onServerRunning: @escaping @Sendable (_ port: Int, _ admin: Bool) async -> Void = { _, _ in }
) throws -> some ApplicationProtocol {
    let services = try makeServices(
        settings: settings, store: store, logger: logger, metrics: metrics, admission: admission, templates: templates)
    let separateAdmin = settings.adminListener != nil
    // The service announces where it listens (onServerRunning); Hummingbird's own
    // info line would say it a second time.
    var serverLogger = logger
    if serverLogger.logLevel == .info { serverLogger.logLevel = .notice }
    var app = Application(
        router: buildRouter(settings: settings, services: services, parts: separateAdmin ? .public : .all),
        server: streamingServer(settings, services: services, serverName: "firstcome"),
        configuration: .init(
            address: .hostname(settings.host, port: settings.port), serverName: "firstcome", backlog: settings.listenBacklog),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port, false) },
        logger: serverLogger)
    app.addServices(services.scheduler, services.webhooks, services.committer)
    for service in store.services { app.addServices(service) }
    if let admin = settings.adminListener {
        var adminLogger = serverLogger
        adminLogger[metadataKey: "listener"] = "admin"
        app.addServices(
            Application(
                router: buildRouter(settings: settings, services: services, parts: .admin),
                server: guardedServer(settings, budget: services.connections),
                configuration: .init(
                    address: .hostname(admin.host, port: admin.port), serverName: "firstcome-admin", backlog: settings.listenBacklog),
                onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? admin.port, true) },
                logger: adminLogger))
    }
    return app
}

/// HTTP/1.1 with an idle timeout, a request deadline, bounded headers, the
/// connection cap and the HTTP/1 connection rules.
func guardedServer(_ settings: AppSettings, budget: ConnectionBudget) -> HTTPServerBuilder {
    let configuration = http1Configuration(settings)
    return HTTPServerBuilder { responder in
        GuardedHTTP1Channel(http: HTTP1Channel(responder: responder, configuration: configuration), budget: budget)
    }
}

/// The HTTP/1.1 settings of both listeners.
func http1Configuration(_ settings: AppSettings) -> HTTP1Channel.Configuration {
    func amount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
    let requestTimeout = amount(settings.requestTimeout)
    let headers = HTTP1Channel.Configuration.DecoderConfiguration(
        maxHeaderFieldSize: 8 * 1024, maxHeaderListSize: 32 * 1024, maxHeaderFieldCount: 100)
    return HTTP1Channel.Configuration(
        additionalChannelHandlers: [RequestDeadlineHandler(timeout: requestTimeout)],
        idleTimeout: amount(settings.idleTimeout), httpDecoderConfiguration: headers)
}

/// The group committer and scheduler of one service instance on `store`.
public func makeServices(
    settings: AppSettings, store: any EntryStore, logger: Logger, metrics: FirstComeMetrics = FirstComeMetrics(),
    admission: AdmissionIssuer? = nil, templates: PageTemplates? = nil
) throws -> FirstComeServices {
    var commitLogger = logger
    commitLogger[metadataKey: "component"] = "commit"
    var schedulerLogger = logger
    schedulerLogger[metadataKey: "component"] = "scheduler"
    var webhookLogger = logger
    webhookLogger[metadataKey: "component"] = "webhooks"
    let scheduler = AwardScheduler(store: store, interval: settings.tickInterval, logger: schedulerLogger, metrics: metrics)
    return FirstComeServices(
        store: store,
        committer: GroupCommitter(store: store, maxBatch: settings.maxBatch, logger: commitLogger, metrics: metrics),
        scheduler: scheduler,
        webhooks: WebhookDeliverer(
            store: store, policy: settings.webhookPolicy, admission: admission, lease: scheduler.lease,
            logger: webhookLogger, metrics: metrics),
        metrics: metrics, admission: admission, templates: try templates ?? PageTemplates.builtIn(), logger: logger,
        limits: RateLimits(
            perClient: settings.ipRateLimit.map { RateLimiter(rule: $0) }, perUser: settings.userRateLimit.map { RateLimiter(rule: $0) },
            streams: StreamCounts(perToken: settings.maxStreamsPerToken, perClient: settings.maxStreamsPerClient),
            adminTokenFailures: TokenFailureLimit(rule: settings.adminTokenFailures, what: "admin token", logger: logger)),
        connections: ConnectionBudget(
            cap: settings.maxConnections ?? ConnectionBudget.cap(forLimit: DescriptorLimit.current()?.soft ?? 1024),
            logger: logger, metrics: metrics))
}

/// Which routes a router serves.
public enum RouterParts: Sendable {
    /// Everything on one listener.
    case all
    /// Entrant routes, the event read, health and the API document.
    case `public`
    /// Admin routes, health and metrics.
    case admin
}

/// The router with the chosen routes and the error mapping.
public func buildRouter(settings: AppSettings, services: FirstComeServices, parts: RouterParts = .all) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: MetricsMiddleware(metrics: services.metrics))
    if settings.accessLog {
        router.add(middleware: AccessLogMiddleware(logger: services.logger, clients: ClientAddress(trustedProxies: settings.trustedProxies)))
    }
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: URILengthMiddleware())
    let system = SystemController<AppRequestContext>(store: services.store, metrics: services.metrics, committer: services.committer)
    system.healthRoutes(router)

    if parts != .admin {
        system.documentRoutes(router)
        let clients = ClientAddress(trustedProxies: settings.trustedProxies)
        let events = EventController<AppRequestContext>(store: services.store, clock: Timestamp.now)
        let entries = entryController(services)
        let ipLimit = services.limits.perClient.map { RateLimitMiddleware<AppRequestContext>(limiter: $0, clients: clients) }

        let publicEvents = RouteCollection(context: AppRequestContext.self)
        events.publicRoutes(publicEvents)
        CommitmentController<AppRequestContext>(store: services.store, clock: Timestamp.now).routes(publicEvents)
        DrawController<AppRequestContext>(store: services.store, clock: Timestamp.now).publicRoutes(publicEvents)
        let submissions = RouteCollection(context: AppRequestContext.self)
        if let ipLimit { submissions.add(middleware: ipLimit) }
        entries.submitRoutes(submissions)
        router.addRoutes(publicEvents, atPath: "/v1/events")
        router.addRoutes(submissions, atPath: "/v1/events")

        let polls = RouteCollection(context: AppRequestContext.self)
        if let ipLimit { polls.add(middleware: ipLimit) }
        entries.pollRoutes(polls)
        LiveUpdates<AppRequestContext>(
            store: services.store, heartbeat: settings.liveUpdateHeartbeat, minimumGap: settings.tickInterval,
            render: { try await entries.pollReply($0).json }
        ).routes(polls, perToken: entries.perUser, counts: services.limits.streams, clients: clients)
        router.addRoutes(polls, atPath: "/v1/entries")

        let pages = RouteCollection(context: AppRequestContext.self)
        if let ipLimit { pages.add(middleware: ipLimit) }
        WaitingRoomController<AppRequestContext>(
            store: services.store, entries: entries, templates: services.templates, admissionURL: settings.admissionURL,
            clock: Timestamp.now
        ).routes(pages)
        router.addRoutes(pages, atPath: "/e")
        if let admission = services.admission {
            router.get(".well-known/jwks.json") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "application/jwk-set+json"],
                    body: .init(byteBuffer: ByteBuffer(string: try await admission.keys.jwks())))
            }
        }
    }
    if parts != .public {
        system.metricsRoutes(router)
        let events = EventController<AppRequestContext>(
            store: services.store, clock: Timestamp.now, logger: services.logger, webhookPolicy: settings.webhookPolicy)
        let audit = AuditController<AppRequestContext>(store: services.store)
        let adminEvents = RouteCollection(context: AppRequestContext.self)
            .add(
                middleware: AdminAuthMiddleware(
                    token: settings.adminTokenFile.map { AdminTokenWatch(file: $0, token: settings.adminToken) } ?? AdminTokenWatch(fixed: settings.adminToken),
                    failures: services.limits.adminTokenFailures, clients: ClientAddress(trustedProxies: settings.trustedProxies)))
        events.adminRoutes(adminEvents)
        audit.routes(adminEvents)
        WebhookController<AppRequestContext>(store: services.store, clock: Timestamp.now, logger: services.logger).routes(adminEvents)
        StatsController<AppRequestContext>(store: services.store, clock: Timestamp.now).routes(adminEvents)
        DrawController<AppRequestContext>(store: services.store, clock: Timestamp.now, logger: services.logger).adminRoutes(adminEvents)
        router.addRoutes(adminEvents, atPath: "/v1/events")
        ConsoleController<AppRequestContext>(settings: settings, services: services).mount(on: router)
    }
    return router
}
