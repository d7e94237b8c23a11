import ArgumentParser
import FirstCome

@main
struct FirstComeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firstcome",
        abstract: "First-come prize draws and virtual waiting rooms on SQLite, or PostgreSQL for several nodes.",
        discussion: """
            Entrants submit to an event and get a gapless sequence number; the award \
            scheduler gives the event's N prizes to the first N in one transaction per \
            step. Every acknowledged entry is committed before its reply.

            Start with 'firstcome demo' to watch a 10,000-entrant giveaway, or \
            'firstcome serve' to run the service.
            """,
        version: FirstComeVersion.string,
        subcommands: [Serve.self, Migrate.self, Winners.self, AuditCommand.self, BackupCommand.self, RestoreCommand.self, KeysCommand.self, AdminTokenCommand.self, Demo.self]
    )
}
