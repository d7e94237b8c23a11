import AsyncHTTPClient
import Foundation
import Testing

@testable import FirstCome

/// The real binary on a PostgreSQL database: every command that takes --db.
@Suite("The firstcome command on PostgreSQL", .serialized)
struct PostgresCLITests {
    @Test("migrate, serve, winners, audit verify/export/entry and keys rotate work on a postgres:// URL")
    func commands() async throws {
        try await TemporaryPostgres.with { database in
            let migrate = try Binary.run(["migrate", "--db", database.url])
            #expect(migrate.status == 0 && migrate.out.contains("0001_initial"), "\(migrate.err)")

            let server = try ServerProcess(database: database.url, adminToken: "pg-admin-token-0123")
            let api = DemoAPI(base: server.baseURL, adminToken: "pg-admin-token-0123")
            try await api.createEvent(id: "pg", prizes: 3)
            let replies = try await LoadGenerator(baseURL: server.baseURL, concurrency: 16).submit(event: "pg", count: 200)
            #expect(replies.allSatisfy { $0.status == 201 })
            #expect(try await eventually { try await api.event("pg").waiting == 0 })
            let jwks = try await HTTPFetch.get(server.baseURL + "/.well-known/jwks.json")

            let winners = try Binary.run(["winners", "--db", database.url, "--event", "pg"])
            #expect(winners.status == 0 && winners.out.split(separator: "\n").map { String($0.prefix { $0 != "," }) } == ["seq", "1", "2", "3"])
            let verify = try Binary.run(["audit", "verify", "--db", database.url, "--event", "pg"])
            #expect(verify.status == 0 && verify.out.contains("200 entries"), "\(verify.out)\(verify.err)")

            // An export from PostgreSQL verifies offline like one from SQLite.
            let folder = try TemporaryDatabase()
            defer { folder.remove() }
            let file = folder.directory.appending(path: "pg.jsonl").path(percentEncoded: false)
            let export = try Binary.run(["audit", "export", "--db", database.url, "--event", "pg", "--output", file])
            #expect(export.status == 0)
            let offline = try Binary.run(["audit", "verify", "--file", file])
            #expect(offline.status == 0 && offline.out.contains("winners: 3"), "\(offline.out)\(offline.err)")
            let entry = try Binary.run(["audit", "entry", "--db", database.url, "--event", "pg", "--user", replies[0].user])
            #expect(entry.status == 0 && entry.out.contains(#""receipt""#))

            // One rotation for every node: the running server publishes the new key too.
            let rotate = try Binary.run(["keys", "rotate", "--db", database.url])
            #expect(rotate.status == 0 && rotate.out.contains("new signing key"))
            #expect(try await eventually {
                let now = try await HTTPFetch.get(server.baseURL + "/.well-known/jwks.json")
                return now != jwks && now.components(separatedBy: "\"kid\"").count == 3
            })
            #expect(server.stop(signal: SIGTERM) == 0)

            let backup = try Binary.run(["backup", "--db", database.url, "--to", "/tmp/never"])
            #expect(backup.status == 1 && backup.err.contains("pg_dump") && backup.err.split(separator: "\n").count == 1)
        }
    }

    @Test("a Unix socket folder (?host=/dir) reaches the server; URLs are shown without their password")
    func socketAndURLs() async throws {
        guard let folder = ProcessInfo.processInfo.environment["FIRSTCOME_TEST_POSTGRES_SOCKETS"], !folder.isEmpty else {
            throw TestSetupError(message: "FIRSTCOME_TEST_POSTGRES_SOCKETS is not set: run ./scripts/test")
        }
        try await TemporaryPostgres.with { database in
            let port = URLComponents(string: database.url)?.port ?? 5432
            let url = "postgres://firstcome@:\(port)/\(database.name)?host=\(folder)"
            guard case .postgres(let location) = try DatabaseLocation(url) else { throw TestSetupError(message: "not postgres") }
            #expect(location.endpoint == .socket(path: "\(folder)/.s.PGSQL.\(port)"))
            let migrate = try Binary.run(["migrate", "--db", url])
            #expect(migrate.status == 0 && migrate.out.contains("schema is current"), "\(migrate.err)")
        }
        guard case .postgres(let secret) = try DatabaseLocation("postgresql://u:p%40ss@db.example.com:6543/app?sslmode=require") else {
            throw TestSetupError(message: "not postgres")
        }
        #expect(secret.display == "postgresql://u:***@db.example.com:6543/app?sslmode=require")
        #expect(secret.endpoint == .tcp(host: "db.example.com", port: 6543))
        if case .sqlite(let path) = try DatabaseLocation("./x.sqlite") { #expect(path == "./x.sqlite") } else { Issue.record("not a file") }
    }

    @Test("serve on PostgreSQL needs the admin token; an unreachable server fails with one line naming it")
    func refusals() throws {
        let url = try TemporaryPostgres.baseURL
        let noToken = try Binary.run(["serve", "--port", "0", "--db", url], environment: ["FIRSTCOME_ADMIN_TOKEN": ""])
        #expect(noToken.status == 1 && noToken.err.contains("--admin-token"))
        let unreachable = try Binary.run(["winners", "--event", "e", "--db", "postgres://u@127.0.0.1:1/none"])
        #expect(unreachable.status == 1 && unreachable.err.contains("127.0.0.1:1"), "\(unreachable.err)")
    }
}
