import ArgumentParser
import FirstCome

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the built-in demo giveaway and print a checked summary.",
        discussion: """
            Starts a server on a free 127.0.0.1 port with a temporary database, creates an \
            event, fires distinct entrants at it concurrently over real HTTP, waits for the \
            draw, and checks that the winners are exactly the first seqs. Exits 1 if a check fails. \
            With --target it drives a running service instead (e.g. scripts/cluster's nodes \
            behind nginx), creating the event 'demo' there with the admin token.
            """)

    @Option(help: "Base URL of a running service to drive instead of starting one, e.g. http://127.0.0.1:8080.")
    var target: String?

    @Option(help: "The admin token of the --target service (env FIRSTCOME_ADMIN_TOKEN). A token that begins with - goes as --admin-token=TOKEN.")
    var adminToken: String?

    @Option(help: "Number of distinct entrants.")
    var entrants = 10_000

    @Option(help: "Number of prizes.")
    var prizes = 100

    @Option(help: "Concurrent HTTP connections.")
    var concurrency = 256

    @Option(help: "full or normal (see 'serve --help').")
    var durability = "full"

    func run() async throws {
        guard entrants >= 1, entrants <= 1_000_000 else { throw ValidationError("--entrants must be 1 to 1000000") }
        guard prizes >= 1, prizes <= 1_000_000 else { throw ValidationError("--prizes must be 1 to 1000000") }
        guard concurrency >= 1, concurrency <= 4096 else { throw ValidationError("--concurrency must be 1 to 4096") }
        guard let durability = Durability(rawValue: durability) else { throw ValidationError("--durability must be full or normal") }
        bootstrapLogging(level: .warning)
        var options = DemoRunner.Options()
        options.entrants = entrants
        options.prizes = Int64(prizes)
        options.concurrency = concurrency
        options.durability = durability
        let summary: DemoRunner.Summary
        if let target {
            guard let token = try setting(adminToken, env: "FIRSTCOME_ADMIN_TOKEN", parse: { $0 }) else {
                throw ValidationError("--target needs --admin-token (or FIRSTCOME_ADMIN_TOKEN)")
            }
            try requireStrongAdminToken(token)
            summary = try await DemoRunner(options: options).run(against: target, adminToken: token)
        } else {
            summary = try await DemoRunner(options: options).run()
        }
        if !summary.passed { throw ExitCode.failure }
    }
}
