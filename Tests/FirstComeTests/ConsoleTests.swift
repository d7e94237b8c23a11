import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@testable import FirstCome

@Suite("Operator console")
struct ConsoleTests {
    @Test("without a session, pages redirect to the sign-in form and posts are refused")
    func noSession() async throws {
        try await withLiveApp { client, store in
            try await client.json(.post, "/v1/events", body: #"{"id":"drop","name":"Drop","prizes":2}"#, admin: true)
            for path in ["/admin", "/admin/events/drop", "/admin/events/drop/stream", "/admin/events/drop/winners.csv"] {
                let reply = try await client.execute(uri: path, method: .get)
                #expect(reply.status == .seeOther, "\(path)")
                #expect(reply.headers[.location] == "/admin/sign-in?lang=en", "\(path)")
            }
            let refused = try await client.consolePost("/admin/events/drop/control", ["action": "pause"])
            #expect(refused.status == .forbidden)
            #expect(String(buffer: refused.body).contains("id=\"refused\""))
            #expect(try await store.event(id: "drop").paused == false)
            let create = try await client.consolePost("/admin/events", ["id": "other", "name": "Other", "prizes": "1"])
            #expect(create.status == .forbidden)
            await #expect(throws: FirstComeError.eventNotFound("other")) { try await store.event(id: "other") }
        }
    }

    @Test("signing in sets a session cookie: HttpOnly, SameSite=Strict, Path=/admin, 12 h, Secure only over TLS via a trusted proxy")
    func signIn() async throws {
        try await withLiveApp(configure: { $0.trustedProxies = ["127.0.0.1"] }) { client, _ in
            let form = try await client.execute(uri: "/admin/sign-in", method: .get)
            #expect(form.status == .ok)
            let csp = try #require(form.headers[.contentSecurityPolicy])
            #expect(csp.contains("default-src 'none'") && csp.contains("script-src 'nonce-") && csp.contains("frame-ancestors 'none'"))
            let reply = try await client.consolePost("/admin/sign-in", ["token": testAdminToken])
            #expect(reply.status == .seeOther)
            #expect(reply.headers[.location] == "/admin?lang=en")
            let cookie = try #require(reply.headers[.setCookie])
            #expect(cookie.hasPrefix(ConsoleSessions.cookieName + "="))
            for flag in ["HttpOnly", "SameSite=Strict", "Path=/admin", "Max-Age=43200"] { #expect(cookie.contains(flag), "\(flag)") }
            #expect(!cookie.contains("Secure"))
            let overTLS = try await client.consolePost("/admin/sign-in", ["token": testAdminToken], headers: [.xForwardedProto: "https"])
            #expect(try #require(overTLS.headers[.setCookie]).contains("Secure"))
            let visitor = try await ConsoleVisitor.signIn(client)
            let page = try await client.consoleGet("/admin", as: visitor)
            #expect(page.html.contains("Create an event"))
            let signedOut = try await client.consolePost("/admin/sign-out", as: visitor, [:])
            #expect(signedOut.status == .seeOther)
            #expect(try #require(signedOut.headers[.setCookie]).contains("Max-Age=0"))
        }
    }

    @Test("a wrong token shows the form again with an error; tries are limited per client address")
    func wrongToken() async throws {
        try await withLiveApp { client, _ in
            let reply = try await client.consolePost("/admin/sign-in", ["token": "nope", "lang": "ko"])
            #expect(reply.status == .unauthorized)
            #expect(reply.headers[.setCookie] == nil)
            let html = String(buffer: reply.body)
            #expect(html.contains("관리자 토큰이 올바르지 않습니다.") && html.contains("id=\"sign-in\""))
            // The bucket holds 5 tries and refills one per 12 s: on a slow machine a
            // try may find one back, so drive it to a refusal and send the right token
            // at once; a refill in between lets that one in, and the round is repeated (bounded).
            var limited: TestResponse?
            for _ in 0..<3 where limited == nil {
                var refused = false
                for _ in 0..<20 where !refused {
                    refused = try await client.consolePost("/admin/sign-in", ["token": "nope"]).status == .tooManyRequests
                }
                #expect(refused, "wrong tries are limited")
                let right = try await client.consolePost("/admin/sign-in", ["token": testAdminToken])
                if right.status == .tooManyRequests { limited = right }
            }
            let refusal = try #require(limited, "the right token is refused too while the address is limited")
            #expect(refusal.headers[.retryAfter] != nil)
            #expect(refusal.headers[.setCookie] == nil)
        }
    }

    @Test("rotating the admin token ends console sessions")
    func rotation() async throws {
        let folder = try TemporaryDatabase()
        defer { folder.remove() }
        let database = folder.path
        let file = AdminToken.filePath(forDatabase: database)
        try (testAdminToken + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        try await withLiveApp(configure: { $0.adminTokenFile = file }) { client, _ in
            let visitor = try await ConsoleVisitor.signIn(client)
            _ = try AdminToken.rotate(databasePath: database)
            #expect(try await eventually { try await client.consoleGet("/admin", as: visitor).status == .seeOther })
        }
    }

    @Test("a post with a wrong form token is refused and changes nothing; pause and resume work")
    func pauseResume() async throws {
        try await withLiveApp { client, store in
            try await client.json(.post, "/v1/events", body: #"{"id":"drop","name":"Drop","prizes":2}"#, admin: true)
            let visitor = try await ConsoleVisitor.signIn(client)
            let forged = try await client.consolePost(
                "/admin/events/drop/control", ["action": "pause", "csrf": String(repeating: "0", count: 64)], headers: visitor.headers)
            #expect(forged.status == .forbidden)
            #expect(try await store.event(id: "drop").paused == false)
            let pause = try await client.consolePost("/admin/events/drop/control", as: visitor, ["action": "pause"])
            #expect(pause.status == .seeOther)
            #expect(pause.headers[.location] == "/admin/events/drop?done=pause&lang=en")
            #expect(try await store.event(id: "drop").paused == true)
            let page = try await client.consoleGet("/admin/events/drop?done=pause", as: visitor)
            #expect(page.html.contains("Admissions paused.") && page.html.contains("id=\"do-resume\""))
            _ = try await client.consolePost("/admin/events/drop/control", as: visitor, ["action": "resume"])
            #expect(try await store.event(id: "drop").paused == false)
            _ = try await client.consolePost("/admin/events/drop/control", as: visitor, ["action": "close"])
            #expect(try await store.event(id: "drop").closedAt != nil)
            let settings = try await client.consolePost(
                "/admin/events/drop/settings", as: visitor,
                ["name": "Drop two", "mode": "queue", "admit_per_tick": "3", "presence_timeout_s": "", "opens_at": "", "closes_at": ""])
            #expect(settings.status == .seeOther)
            let event = try await store.event(id: "drop")
            #expect(event.name == "Drop two" && event.admitPerTick == 3)
            let bad = try await client.consolePost("/admin/events/drop/settings", as: visitor, ["name": "Drop", "admit_per_tick": "0"])
            #expect(bad.status == .badRequest)
            #expect(String(buffer: bad.body).contains("must be at least 1 (or null for no limit)"))
            #expect(try await store.event(id: "drop").name == "Drop two")
        }
    }

    @Test("the create form makes an event, and shows the API's validation errors inline")
    func create() async throws {
        try await withLiveApp { client, store in
            let visitor = try await ConsoleVisitor.signIn(client)
            let fields = [
                "id": "launch", "name": "Launch", "prizes": "3", "mode": "queue", "admit_per_tick": "2", "presence_timeout_s": "30",
                "opens_at": "", "closes_at": "2099-01-01T00:00",
            ]
            let reply = try await client.consolePost("/admin/events", as: visitor, fields)
            #expect(reply.status == .seeOther)
            #expect(reply.headers[.location] == "/admin/events/launch?done=created&lang=en")
            let event = try await store.event(id: "launch")
            #expect(event.prizes == 3 && event.admitPerTick == 2 && event.presenceTimeout == 30)
            #expect(event.closesAt == Timestamp.parse("2099-01-01T00:00:00Z"))
            let bad = try await client.consolePost("/admin/events", as: visitor, fields.merging(["id": "other", "prizes": "0"]) { $1 })
            #expect(bad.status == .badRequest)
            let html = String(buffer: bad.body)
            #expect(html.contains("id=\"error\"") && html.contains("must be between 1 and 1000000"))
            #expect(html.contains("value=\"other\""))
            let taken = try await client.consolePost("/admin/events", as: visitor, fields)
            #expect(taken.status == .conflict)
            let list = try await client.consoleGet("/admin", as: visitor)
            #expect(list.html.contains("id=\"row-launch\""))
        }
    }

    @Test("the winners CSV and the entrant finder")
    func winnersAndFinder() async throws {
        try await withLiveApp(tick: .milliseconds(20)) { client, store in
            try await client.json(.post, "/v1/events", body: #"{"id":"drop","name":"Drop","prizes":2}"#, admin: true)
            for user in ["ann", "bob, jr", "cy"] {
                try await client.json(.post, "/v1/events/drop/entries", body: #"{"user":"\#(user)"}"#)
            }
            #expect(try await eventually { try await store.event(id: "drop").waiting == 0 })
            let visitor = try await ConsoleVisitor.signIn(client)
            let csv = try await client.consoleGet("/admin/events/drop/winners.csv", as: visitor)
            #expect(csv.status == .ok)
            #expect(csv.response.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.response.headers[.contentDisposition] == "attachment; filename=\"drop-winners.csv\"")
            let lines = csv.html.split(separator: "\n")
            #expect(lines.count == 3)
            #expect(lines[0] == "\u{FEFF}Number,Name,Won at (UTC)", "plain headers after a byte-order mark")
            #expect(lines[1].hasPrefix("1,ann,") && lines[2].hasPrefix("2,\"bob, jr\","))
            #expect(lines[1].range(of: #",\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"#, options: .regularExpression) != nil, "a time a spreadsheet reads")
            let found = try await client.consoleGet("/admin/events/drop?find=cy", as: visitor)
            #expect(found.html.contains("<dd id=\"found-seq\">3</dd>"))
            #expect(found.html.contains("data-status=\"lost\""))
            let winner = try await client.consoleGet("/admin/events/drop?find=ann", as: visitor)
            #expect(winner.html.contains("data-status=\"won\"") && winner.html.contains("id=\"found-receipt\""))
            let nobody = try await client.consoleGet("/admin/events/drop?find=zed", as: visitor)
            #expect(nobody.html.contains("Nobody entered under that name."))
            // Sold out and drained: the commitment is shown, as the API gives it.
            let commitment = try await client.json(.get, "/v1/events/drop/commitment")
            let digest = try #require(commitment.json["winners_digest"] as? String)
            #expect(winner.html.contains(digest))
            let korean = try await client.consoleGet("/admin/events/drop?lang=ko", as: visitor)
            #expect(korean.html.contains("<html lang=\"ko\">") && korean.html.contains("당첨자"))
        }
    }

    @Test("with a separate admin listener the console is served there only")
    func adminListener() async throws {
        let adminPort = Mutex<Int?>(nil)
        try await withLiveApp(
            configure: { $0.adminListener = ("127.0.0.1", 0) },
            onServerRunning: { port, admin in if admin { adminPort.withLock { $0 = port } } }
        ) { client, _ in
            #expect(try await client.execute(uri: "/admin/sign-in", method: .get).status == .notFound)
            let port = try #require(adminPort.withLock { $0 })
            let form = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/admin/sign-in"), timeout: testRequestTimeout)
            #expect(form.status.code == 200)
        }
    }

    @Test("the live stream sends one JSON sample a second from the event's figures")
    func stream() async throws {
        let mainPort = Mutex<Int?>(nil)
        try await withLiveApp(onServerRunning: { port, _ in mainPort.withLock { $0 = port } }) { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"drop","name":"Drop","prizes":2}"#, admin: true)
            try await client.json(.post, "/v1/events/drop/entries", body: #"{"user":"ann"}"#)
            let visitor = try await ConsoleVisitor.signIn(client)
            let port = try #require(mainPort.withLock { $0 })
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/admin/events/drop/stream")
            request.headers.add(name: "Cookie", value: visitor.cookie)
            let response = try await HTTPClient.shared.execute(request, timeout: testRequestTimeout)
            #expect(response.status.code == 200)
            #expect(response.headers.first(name: "Content-Type") == "text/event-stream; charset=utf-8")
            var text = ""
            for try await chunk in response.body {
                text += String(buffer: chunk)
                if text.components(separatedBy: "\n\n").count > 2 { break }
            }
            let first = try #require(text.components(separatedBy: "\n\n").first)
            #expect(first.hasPrefix("data: "))
            let sample = try #require(try JSONSerialization.jsonObject(with: Data(first.dropFirst(6).utf8)) as? [String: Any])
            #expect(sample["entries"] as? Int == 1 && sample["prizes"] as? Int == 2 && sample["state"] as? String == "open")
            #expect(sample["expired"] as? Int == 0 && sample["paused"] as? Bool == false)
        }
    }
}
