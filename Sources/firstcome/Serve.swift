import ArgumentParser
import FirstCome
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP service and the award scheduler.",
        discussion: """
            Migrates the database at start-up. SIGTERM or SIGINT stop intake, finish \
            every accepted request (each reply after its commit) and exit 0. \
            If no admin token is given, one is generated and kept in <db>.admin-token (mode 0600); \
            with a PostgreSQL --db every node needs the same --admin-token (nodes share only the database).
            """)

    @Option(help: "Address to listen on (env FIRSTCOME_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one (env FIRSTCOME_PORT; default 8080).")
    var port: Int?

    @OptionGroup var database: DatabaseOption

    @Option(help: "Bearer token for admin routes, at least 16 characters (env FIRSTCOME_ADMIN_TOKEN; default: stored in <db>.admin-token; `firstcome admin-token rotate` makes one). A token that begins with - goes as --admin-token=TOKEN.")
    var adminToken: String?

    @Option(help: "Milliseconds between award scheduler ticks (env FIRSTCOME_TICK_MS; default 1000).")
    var tickMs: Int?

    @Option(help: "full: an acknowledged entry survives power loss (synchronous=FULL); normal: it survives a process crash only (env FIRSTCOME_DURABILITY; default full; SQLite only, PostgreSQL commits as its server is set). Measured cost: BENCHMARKS.md.")
    var durability: String?

    @Option(help: "How long a write waits for a database locked by another process before answering 503 storage_busy (env FIRSTCOME_BUSY_TIMEOUT_MS; default 5000; SQLite only).")
    var busyTimeoutMs: Int?

    @Option(help: "Serve admin routes and /metrics only on this separate address (env FIRSTCOME_ADMIN_HOST; needs --admin-port).")
    var adminHost: String?

    @Option(help: "Port of the separate admin listener (env FIRSTCOME_ADMIN_PORT; default: admin routes on the main port).")
    var adminPort: Int?

    @Option(help: "Per-client-address limit on submit and poll, RATE or RATE/BURST per second, e.g. 20/40 (env FIRSTCOME_RATE_LIMIT_IP; default off).")
    var rateLimitIp: String?

    @Option(help: "Per-user submit and per-token poll limit, RATE or RATE/BURST per second, e.g. 1/5 (env FIRSTCOME_RATE_LIMIT_USER; default off).")
    var rateLimitUser: String?

    @Option(help: "Comma-separated proxy IP addresses whose X-Forwarded-For names the client (env FIRSTCOME_TRUSTED_PROXIES; default none).")
    var trustedProxies: String?

    @Option(help: "Seconds before an idle connection is closed (env FIRSTCOME_IDLE_TIMEOUT_S; default 30).")
    var idleTimeoutS: Int?

    @Option(help: "Seconds a request may take to arrive complete, however slowly it trickles in (env FIRSTCOME_REQUEST_TIMEOUT_S; default 30).")
    var requestTimeoutS: Int?

    @Option(help: "Most client connections open at once on both listeners; more are closed on arrival (env FIRSTCOME_MAX_CONNECTIONS; default: the descriptor limit less an eighth of it, at least 64, kept for the database, logs and webhooks).")
    var maxConnections: Int?

    @Option(help: "Most live-update streams open at once for one entrant token; 0 = no limit (env FIRSTCOME_MAX_STREAMS_PER_TOKEN; default 4).")
    var maxStreamsPerToken: Int?

    @Option(help: "Most live-update streams open at once from one client address; 0 = no limit (env FIRSTCOME_MAX_STREAMS_PER_CLIENT; default 1000; behind a proxy, set --trusted-proxies or every entrant counts as the proxy).")
    var maxStreamsPerClient: Int?

    @Option(help: "Seconds after which a webhook delivery that keeps failing is given up; it can be redelivered later (env FIRSTCOME_WEBHOOK_GIVE_UP_S; default 86400).")
    var webhookGiveUpS: Int?

    @Flag(help: "Let webhooks reach loopback, link-local, private and unspecified addresses (a receiver on this machine or the LAN); refused by default, when the URL is set and after DNS at each delivery (env FIRSTCOME_WEBHOOK_ALLOW_PRIVATE=1).")
    var webhookAllowPrivate = false

    @Flag(help: "Log one line per HTTP request: method, path, status, milliseconds, client (env FIRSTCOME_ACCESS_LOG=1).")
    var accessLog = false

    @Option(help: "Lifetime of winners' admission tokens in seconds, 60 to 604800, for events that set none of their own (env FIRSTCOME_ADMISSION_TTL_S; default 3600).")
    var admissionTtlS: Int?

    @Option(help: "The 'iss' of admission tokens (env FIRSTCOME_ADMISSION_ISSUER; default firstcome).")
    var admissionIssuer: String?

    @Option(help: "Seconds after a start during which no entry expires for lack of presence, so entrants can reconnect (env FIRSTCOME_PRESENCE_GRACE_S; default 60).")
    var presenceGraceS: Int?

    @Option(help: "Folder whose page.mustache (and partials) replaces the built-in waiting page (env FIRSTCOME_TEMPLATES; see templates/ in the source).")
    var templates: String?

    @Option(help: "Where a winner's page links to, with {token} replaced by the admission token (env FIRSTCOME_ADMISSION_URL; default: the page shows the token only).")
    var admissionUrl: String?

    @Option(help: "Least important log lines shown (env FIRSTCOME_LOG_LEVEL; default info).")
    var logLevel: Logger.Level?

    func run() async throws {
        do {
            try await serve()
        } catch let error as ValidationError {
            // This command's usage, not the top-level one.
            Self.exit(withError: error)
        }
    }

    private func serve() async throws {
        let host = try setting(host, env: "FIRSTCOME_HOST", default: "127.0.0.1") { $0 }
        let port = try setting(port, env: "FIRSTCOME_PORT", default: 8080) { Int($0) }
        let location = try database.location()
        let tickMs = try setting(tickMs, env: "FIRSTCOME_TICK_MS", default: 1000) { Int($0) }
        let durabilityName = try setting(durability, env: "FIRSTCOME_DURABILITY", default: "full") { $0 }
        let busyMs = try setting(busyTimeoutMs, env: "FIRSTCOME_BUSY_TIMEOUT_MS", default: 5000) { Int($0) }
        let level = try setting(logLevel, env: "FIRSTCOME_LOG_LEVEL", default: .info) { Logger.Level(rawValue: $0) }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard (10...3_600_000).contains(tickMs) else { throw ValidationError("--tick-ms must be 10 to 3600000") }
        let adminHost = try setting(adminHost, env: "FIRSTCOME_ADMIN_HOST", default: host) { $0 }
        let adminPort = try setting(adminPort, env: "FIRSTCOME_ADMIN_PORT") { Int($0) }
        let ipRule = try setting(rateLimitIp, env: "FIRSTCOME_RATE_LIMIT_IP") { $0 }
        let userRule = try setting(rateLimitUser, env: "FIRSTCOME_RATE_LIMIT_USER") { $0 }
        let proxies = try setting(trustedProxies, env: "FIRSTCOME_TRUSTED_PROXIES", default: "") { $0 }
        let idleSeconds = try setting(idleTimeoutS, env: "FIRSTCOME_IDLE_TIMEOUT_S", default: 30) { Int($0) }
        if let adminPort, !(0...65535).contains(adminPort) { throw ValidationError("--admin-port must be 0 to 65535") }
        let ipLimit = try ipRule.map { text in
            guard let rule = RateLimiter.Rule(text) else { throw ValidationError("--rate-limit-ip must be RATE or RATE/BURST, e.g. 20/40") }
            return rule
        }
        let userLimit = try userRule.map { text in
            guard let rule = RateLimiter.Rule(text) else { throw ValidationError("--rate-limit-user must be RATE or RATE/BURST, e.g. 1/5") }
            return rule
        }
        let admissionTtl = try setting(admissionTtlS, env: "FIRSTCOME_ADMISSION_TTL_S", default: Int(ClaimInstructions.defaultPassLifetime)) { Int($0) }
        let issuerName = try setting(admissionIssuer, env: "FIRSTCOME_ADMISSION_ISSUER", default: "firstcome") { $0 }
        let lifetimes = ClaimInstructions.passLifetimes
        guard lifetimes.contains(Int64(admissionTtl)) else {
            throw ValidationError("--admission-ttl-s must be \(lifetimes.lowerBound) to \(lifetimes.upperBound)")
        }
        let requestSeconds = try setting(requestTimeoutS, env: "FIRSTCOME_REQUEST_TIMEOUT_S", default: 30) { Int($0) }
        guard (1...3600).contains(requestSeconds) else { throw ValidationError("--request-timeout-s must be 1 to 3600") }
        let giveUpSeconds = try setting(webhookGiveUpS, env: "FIRSTCOME_WEBHOOK_GIVE_UP_S", default: 86_400) { Int($0) }
        guard (1...2_592_000).contains(giveUpSeconds) else { throw ValidationError("--webhook-give-up-s must be 1 to 2592000 (30 days)") }
        let graceSeconds = try setting(presenceGraceS, env: "FIRSTCOME_PRESENCE_GRACE_S", default: 60) { Int($0) }
        guard (0...86_400).contains(graceSeconds) else { throw ValidationError("--presence-grace-s must be 0 to 86400") }
        let templatesDirectory = try setting(templates, env: "FIRSTCOME_TEMPLATES") { $0 }
        guard (1...3600).contains(idleSeconds) else { throw ValidationError("--idle-timeout-s must be 1 to 3600") }
        guard (0...600_000).contains(busyMs) else { throw ValidationError("--busy-timeout-ms must be 0 to 600000") }
        guard let durability = Durability(rawValue: durabilityName) else {
            throw ValidationError("--durability must be 'full' or 'normal'")
        }
        let maxConnections = try setting(maxConnections, env: "FIRSTCOME_MAX_CONNECTIONS") { Int($0) }
        if let maxConnections, maxConnections < 1 { throw ValidationError("--max-connections must be at least 1") }
        let streamsPerToken = try setting(maxStreamsPerToken, env: "FIRSTCOME_MAX_STREAMS_PER_TOKEN", default: StreamCounts.defaultPerToken) { Int($0) }
        let streamsPerClient = try setting(maxStreamsPerClient, env: "FIRSTCOME_MAX_STREAMS_PER_CLIENT", default: StreamCounts.defaultPerClient) { Int($0) }
        guard streamsPerToken >= 0, streamsPerClient >= 0 else {
            throw ValidationError("--max-streams-per-token and --max-streams-per-client must be 0 (no limit) or more")
        }
        let explicitToken = try setting(adminToken, env: "FIRSTCOME_ADMIN_TOKEN") { $0 }
        if let explicitToken, !explicitToken.isEmpty { try requireStrongAdminToken(explicitToken) }
        bootstrapLogging(level: level)
        let logger = Logger(label: "firstcome")

        // Before anything is created: can we listen where we were told to?
        do {
            try await ListenCheck.ensureFree(host: host, port: port)
            if let adminPort { try await ListenCheck.ensureFree(host: adminHost, port: adminPort) }
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        var lock: DatabaseLock?
        let token: String
        var tokenFile: String?
        switch location {
        case .sqlite(let path):
            lock = try orExit { try DatabaseLock(databasePath: path) }
            let (resolved, source) = try orExit { try AdminToken.resolve(explicit: explicitToken, databasePath: path) }
            try requireStrongAdminToken(resolved)
            if case .file(let file, let created) = source {
                logger.notice("\(created ? "generated an admin token and stored it" : "using the admin token stored") in \(file)")
                tokenFile = file
            }
            token = resolved
        case .postgres:
            // Nodes share nothing but the database: each is given the same token.
            guard let explicitToken else {
                printError("with a PostgreSQL database give the admin token with --admin-token or FIRSTCOME_ADMIN_TOKEN (the same on every node)")
                throw ExitCode.failure
            }
            token = explicitToken
        }
        let connectionCap = Self.connectionCap(asked: maxConnections, logger: logger)
        let access = OpenedStore.Access.serve(durability: durability, busyTimeout: .milliseconds(busyMs), presenceGrace: Int64(graceSeconds) * 1000)
        try await database.withOpened(access) { opened in
            let store = opened.store
            switch location {
            case .sqlite: logger.notice("database \(location.display) (durability \(durability.rawValue)), award tick \(tickMs) ms")
            case .postgres: logger.notice("database \(location.display) (PostgreSQL; durability as the server commits), award tick \(tickMs) ms")
            }
            var settings = AppSettings(
                host: host, port: port, adminToken: token, tickInterval: .milliseconds(tickMs),
                adminListener: adminPort.map { (adminHost, $0) }, ipRateLimit: ipLimit, userRateLimit: userLimit,
                trustedProxies: Set(proxies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }),
                idleTimeout: .seconds(idleSeconds), requestTimeout: .seconds(requestSeconds))
            settings.adminTokenFile = tokenFile
            settings.maxConnections = connectionCap
            settings.maxStreamsPerToken = streamsPerToken == 0 ? nil : streamsPerToken
            settings.maxStreamsPerClient = streamsPerClient == 0 ? nil : streamsPerClient
            settings.webhookPolicy = WebhookPolicy(
                giveUpAfter: .seconds(giveUpSeconds), allowInternalTargets: webhookAllowPrivate || environmentFlag("FIRSTCOME_WEBHOOK_ALLOW_PRIVATE"))
            settings.accessLog = accessLog || environmentFlag("FIRSTCOME_ACCESS_LOG")
            settings.admissionURL = try setting(admissionUrl, env: "FIRSTCOME_ADMISSION_URL") { $0 }
            var templates: PageTemplates?
            do {
                if let templatesDirectory { templates = try await PageTemplates(directory: templatesDirectory) }
            } catch {
                printError("\(error)")
                throw ExitCode.failure
            }
            let keys: AdmissionKeys
            do {
                var legacyFile: String?
                if case .sqlite(let path) = location { legacyFile = AdmissionKeys.legacyFilePath(forDatabase: path) }
                keys = try await AdmissionKeys(store: store, legacyFile: legacyFile, logger: logger)
            } catch {
                printError("\(error)")
                throw ExitCode.failure
            }
            logger.notice("admission tokens signed with the keys in the database, valid \(admissionTtl) s")
            let admission = AdmissionIssuer(keys: keys, issuer: issuerName, lifetime: .seconds(admissionTtl))
            let metrics = FirstComeMetrics()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics.registry))
            let app = try buildApplication(settings: settings, store: store, logger: logger, metrics: metrics, admission: admission, templates: templates) { boundPort, admin in
                logger.notice("\(admin ? "admin routes listening" : "listening") on http://\(admin ? adminHost : host):\(boundPort)")
                // The console is served where the admin routes are.
                if admin || adminPort == nil { logger.notice("operator console at http://\(admin ? adminHost : host):\(boundPort)/admin") }
            }
            try await app.runService()
        }
        withExtendedLifetime(lock) {}
        logger.notice("stopped")
    }

    /// Raises the descriptor limit as far as it goes and says what it got: the
    /// connection cap is what is left after the reserve, or what was asked if that is less.
    static func connectionCap(asked: Int?, logger: Logger) -> Int {
        let before = DescriptorLimit.current()
        guard let limit = DescriptorLimit.raiseToHard() else {
            logger.warning("the descriptor limit could not be read; connections capped at \(asked ?? 1024)")
            return asked ?? 1024
        }
        let derived = ConnectionBudget.cap(forLimit: limit.soft)
        let cap = min(asked ?? derived, derived)
        let raised = before.map { $0.soft != limit.soft ? " (raised from \($0.soft))" : "" } ?? ""
        logger.notice("descriptor limit \(limit.soft)\(raised); up to \(cap) connections at once, \(limit.soft - cap) descriptors kept for the rest")
        if let asked, asked > derived {
            logger.warning("--max-connections \(asked) is more than the descriptor limit leaves; using \(cap)")
        }
        return cap
    }
}
