import Foundation
import Testing

@testable import FirstCome

@Suite("The firstcome command", .serialized)
struct CLITests {
    @Test("--help explains every command")
    func help() throws {
        let top = try Binary.run(["--help"])
        #expect(top.status == 0)
        for command in ["serve", "migrate", "winners", "demo"] { #expect(top.out.contains(command)) }
        let serve = try Binary.run(["serve", "--help"])
        for text in [
            "FIRSTCOME_HOST", "FIRSTCOME_PORT", "FIRSTCOME_DB", "FIRSTCOME_ADMIN_TOKEN", "FIRSTCOME_TICK_MS", "--durability", "--webhook-allow-private",
            "FIRSTCOME_WEBHOOK_ALLOW_PRIVATE",
        ] {
            #expect(serve.out.contains(text), "serve --help lacks \(text)")
        }
    }

    @Test("bad options fail with a clear message")
    func badOptions() throws {
        let port = try Binary.run(["serve", "--port", "70000", "--db", "/nonexistent/x.sqlite"])
        #expect(port.status != 0 && port.err.contains("--port"))
        let durability = try Binary.run(["serve", "--durability", "fast"])
        #expect(durability.status != 0 && durability.err.contains("durability"))
        let env = try Binary.run(["migrate"], environment: ["FIRSTCOME_DB": "postgres://127.0.0.1/db"])
        #expect(env.status != 0 && env.err.contains("invalid PostgreSQL URL: no user"))
        let mode = try Binary.run(["winners", "--event", "e", "--db", "postgres://u@127.0.0.1/db?sslmode=always"])
        #expect(mode.status != 0 && mode.err.contains("sslmode 'always'"))
    }

    @Test("the listening socket holds a burst of connections: its backlog is 4,096 (or the kernel's cap), not 256")
    func listenBacklog() throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let running = try ServerProcess(database: database.path)
        defer { _ = running.stop(signal: SIGTERM) }
        let cap = Int(try String(contentsOfFile: "/proc/sys/net/core/somaxconn", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        // For a listening socket, ss shows the backlog in the Send-Q column.
        let listing = try Binary.runProcess("/usr/bin/env", ["ss", "-ltnH", "sport = :\(running.port)"])
        let columns = listing.out.split(whereSeparator: \.isWhitespace)
        #expect(listing.status == 0 && columns.count >= 4, "\(listing.out) \(listing.err)")
        #expect(columns.count >= 4 && Int(columns[2]) == min(AppSettings(adminToken: "x").listenBacklog, cap), "\(listing.out)")
    }

    @Test("start-up problems: one line that says what is wrong, before anything is created")
    func startupProblems() async throws {
        let usage = try Binary.run(["serve", "--port", "99999"])
        #expect(usage.status != 0 && usage.err.contains("--port must be 0 to 65535") && usage.err.contains("Usage: serve"))

        let database = try TemporaryDatabase()
        defer { database.remove() }
        let running = try ServerProcess(database: database.path)
        let other = database.directory.appending(path: "other.sqlite").path(percentEncoded: false)
        let busy = try Binary.run(["serve", "--port", "\(running.port)", "--db", other, "--admin-token", testAdminToken])
        #expect(busy.status == 1 && busy.err.contains("cannot listen on 127.0.0.1:\(running.port): address already in use"), "\(busy.err)")
        #expect(busy.err.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: other), "nothing is created")
        #expect(running.stop(signal: SIGTERM) == 0)

        for command in [["migrate"], ["serve", "--port", "0", "--admin-token", testAdminToken]] {
            let missing = try Binary.run(command + ["--db", "/nonexistent-firstcome-folder/x.sqlite"])
            #expect(missing.status == 1 && missing.err.contains("the folder /nonexistent-firstcome-folder/ does not exist"), "\(missing.err)")
        }
        let verify = try Binary.run(["audit", "verify", "--db", database.path, "--event", "nosuch"])
        #expect(verify.status == 1 && verify.err.contains("no event 'nosuch'") && !verify.err.contains("eventNotFound"), "\(verify.err)")
    }

    @Test("migrate, then serve, SIGTERM exits 0 with every acknowledged entry kept, then winners reads the file")
    func lifecycle() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let migrate = try Binary.run(["migrate", "--db", database.path])
        #expect(migrate.status == 0 && migrate.out.contains("0001_initial"))

        let server = try ServerProcess(database: database.path, adminToken: "cli-admin-token-0123")
        let base = "http://127.0.0.1:\(server.port)"
        let api = DemoAPI(base: base, adminToken: "cli-admin-token-0123")
        try await api.createEvent(id: "cli", prizes: 3)
        let replies = try await LoadGenerator(baseURL: base, concurrency: 16).submit(event: "cli", count: 200)
        #expect(replies.allSatisfy { $0.status == 201 })
        #expect(try await eventually { try await api.event("cli").waiting == 0 })

        // Readers are safe while the server runs.
        let live = try Binary.run(["winners", "--db", database.path, "--event", "cli"])
        #expect(live.status == 0)
        let firstColumn: [String] = live.out.split(separator: "\n").map { line in String(line.prefix { $0 != "," }) }
        #expect(firstColumn == ["seq", "1", "2", "3"])

        #expect(server.stop(signal: SIGTERM) == 0)

        let json = try Binary.run(["winners", "--db", database.path, "--event", "cli", "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        #expect((object?["winners"] as? [[String: Any]])?.count == 3)
        let pool = try FirstComeDatabase.openForReading(path: database.path)
        let (event, entries) = try await SQLiteEntryStore(pool: pool).auditEntries(event: "cli", after: 0, limit: 1000)
        #expect(event.entries == 200 && entries.map(\.seq) == Array(1...200))
        try pool.close()

        let missing = try Binary.run(["winners", "--db", database.path, "--event", "nope"])
        #expect(missing.status == 1 && missing.err.contains("no event 'nope'"))
    }

    @Test("serve without a token generates one in a 0600 file next to the database")
    func generatedToken() throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let server = try ServerProcess(database: database.path, adminToken: "")
        let path = AdminToken.filePath(forDatabase: database.path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(server.stop(signal: SIGINT) == 0)
        let (token, source) = try AdminToken.resolve(explicit: nil, databasePath: database.path)
        #expect(token.count >= 32 && source == .file(path, created: false))
    }

    @Test("generated admin tokens never begin with '-' (they must survive `--admin-token TOKEN` on a command line)")
    func generatedTokensAreArguments() {
        // One base64url token in 64 would begin with '-' if nothing prevented it.
        let tokens = (0..<4096).map { _ in AdminToken.generate() }
        #expect(tokens.allSatisfy { $0.count == 43 && $0.first != "-" })
        #expect(Set(tokens).count == tokens.count)
    }

    @Test("admin-token rotate: a running server takes the new token within a second; the old one stops working")
    func rotateAdminToken() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let server = try ServerProcess(database: database.path, adminToken: "")
        let (old, _) = try AdminToken.resolve(explicit: nil, databasePath: database.path)
        try await DemoAPI(base: server.baseURL, adminToken: old).createEvent(id: "one", prizes: 1)
        let rotated = try Binary.run(["admin-token", "rotate", "--db", database.path])
        let new = rotated.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(rotated.status == 0 && new.count >= 32 && new != old)
        let oldAPI = DemoAPI(base: server.baseURL, adminToken: old)
        #expect(try await eventually(timeout: .seconds(3)) { (try? await oldAPI.call(.GET, "/v1/events/one/entries", expect: 401)) != nil })
        await #expect(throws: (any Error).self) { try await oldAPI.createEvent(id: "two", prizes: 1) }
        try await DemoAPI(base: server.baseURL, adminToken: new).createEvent(id: "three", prizes: 1)
        #expect(server.stop(signal: SIGTERM) == 0)
        let postgres = try Binary.run(["admin-token", "rotate", "--db", "postgres://u@127.0.0.1/db"])
        #expect(postgres.status == 1 && postgres.err.contains("restart of each node"))
    }

    @Test("serve and demo refuse an admin token under 16 characters, from the option, the environment or the token file: one line, exit 64")
    func shortAdminTokens() throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        func refused(_ result: (status: Int32, out: String, err: String)) -> Bool {
            let lines = result.err.split(separator: "\n")
            return result.status == 64 && lines.count == 1 && lines[0].contains("at least 16") && lines[0].contains("firstcome admin-token rotate")
        }
        let serve = ["serve", "--port", "0", "--db", database.path]
        #expect(refused(try Binary.run(serve + ["--admin-token", "secret"])))
        #expect(refused(try Binary.run(serve + ["--admin-token=0123456789abcde"])))
        #expect(refused(try Binary.run(serve, environment: ["FIRSTCOME_ADMIN_TOKEN": "secret"])))
        #expect(refused(try Binary.run(["demo", "--target", "http://127.0.0.1:9", "--admin-token", "secret"])))
        #expect(!FileManager.default.fileExists(atPath: database.path), "refused before anything is created")
        try Data("short\n".utf8).write(to: URL(fileURLWithPath: AdminToken.filePath(forDatabase: database.path)))
        #expect(refused(try Binary.run(serve)))
        let sixteen = try ServerProcess(database: database.path, adminToken: "0123456789abcdef")
        #expect(sixteen.stop(signal: SIGTERM) == 0)
    }

    @Test("a foreign file as --db fails at start with one line")
    func foreignDatabase() throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        try Data("this is not sqlite, just text that is long enough to look like a header".utf8).write(to: URL(fileURLWithPath: database.path))
        let result = try Binary.run(["migrate", "--db", database.path])
        #expect(result.status == 1)
        #expect(result.err.contains("not a database") && result.err.split(separator: "\n").count == 1)
    }
}
