import GRDB
import Hummingbird
import Logging

/// Everything `buildApplication` needs; the CLI fills it from options and
/// environment variables, tests fill it directly.
public struct AppSettings: Sendable {
    public var host: String
    public var port: Int
    /// Bearer token for admin routes.
    public var adminToken: String
    /// Time between award scheduler ticks.
    public var tickInterval: Duration
    /// Most submissions per group-commit transaction.
    public var maxBatch: Int

    public init(
        host: String = "127.0.0.1", port: Int = 8080, adminToken: String, tickInterval: Duration = .seconds(1),
        maxBatch: Int = 2048
    ) {
        self.host = host
        self.port = port
        self.adminToken = adminToken
        self.tickInterval = tickInterval
        self.maxBatch = maxBatch
    }
}

/// The parts of a running firstcome service that callers may need to reach.
public struct FirstComeServices: Sendable {
    public let store: any EntryStore
    public let committer: GroupCommitter
    public let scheduler: AwardScheduler
    public let metrics: FirstComeMetrics
}

/// Builds the HTTP application on an open, migrated database pool. The award
/// scheduler runs as a service of the application.
public func buildApplication(
    settings: AppSettings, pool: DatabasePool, logger: Logger = Logger(label: "firstcome"),
    metrics: FirstComeMetrics = FirstComeMetrics(),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let services = try makeServices(settings: settings, pool: pool, logger: logger, metrics: metrics)
    var app = Application(
        router: buildRouter(settings: settings, services: services),
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "firstcome"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger)
    app.addServices(services.scheduler, CommitterShutdown(committer: services.committer))
    return app
}

/// The store, group committer and scheduler of one service instance.
public func makeServices(
    settings: AppSettings, pool: DatabasePool, logger: Logger, metrics: FirstComeMetrics = FirstComeMetrics()
) throws -> FirstComeServices {
    let store = try SQLiteEntryStore(pool: pool)
    var commitLogger = logger
    commitLogger[metadataKey: "component"] = "commit"
    var schedulerLogger = logger
    schedulerLogger[metadataKey: "component"] = "scheduler"
    return FirstComeServices(
        store: store,
        committer: GroupCommitter(store: store, maxBatch: settings.maxBatch, logger: commitLogger, metrics: metrics),
        scheduler: AwardScheduler(store: store, interval: settings.tickInterval, logger: schedulerLogger, metrics: metrics),
        metrics: metrics)
}

/// The router with every route and the error mapping.
public func buildRouter(settings: AppSettings, services: FirstComeServices) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: MetricsMiddleware(metrics: services.metrics))
    router.add(middleware: ErrorMiddleware())
    SystemController(store: services.store, metrics: services.metrics).routes(router)

    let events = EventController<BasicRequestContext>(store: services.store, clock: Timestamp.now)
    let entries = EntryController<BasicRequestContext>(
        committer: services.committer, store: services.store, metrics: services.metrics)
    let audit = AuditController<BasicRequestContext>(store: services.store)

    let publicEvents = RouteCollection(context: BasicRequestContext.self)
    events.publicRoutes(publicEvents)
    entries.submitRoutes(publicEvents)
    router.addRoutes(publicEvents, atPath: "/v1/events")

    let polls = RouteCollection(context: BasicRequestContext.self)
    entries.pollRoutes(polls)
    router.addRoutes(polls, atPath: "/v1/entries")

    let adminEvents = RouteCollection(context: BasicRequestContext.self)
        .add(middleware: AdminAuthMiddleware(token: settings.adminToken))
    events.adminRoutes(adminEvents)
    audit.routes(adminEvents)
    router.addRoutes(adminEvents, atPath: "/v1/events")
    return router
}
