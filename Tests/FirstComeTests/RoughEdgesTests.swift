import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FirstCome

/// What a new operator met in the console: names with spaces in the finder, a
/// blank beacon value, a sold-out event that could not be finished, the
/// sold-out notice's time.
@Suite("Console and webhook rough edges")
struct RoughEdgesTests {
    @Test("the finder reads '+' in its query as a space, as a form sends it")
    func finderSpaces() async throws {
        try await withLiveApp { client, _ in
            #expect(try await client.json(.post, "/v1/events", body: #"{"id":"f","name":"F","prizes":3}"#, admin: true).status == .created)
            #expect(try await client.json(.post, "/v1/events/f/entries", body: #"{"user":"Mina Park"}"#).status == .created)
            let visitor = try await ConsoleVisitor.signIn(client)
            let page = try await client.consoleGet("/admin/events/f?find=Mina+Park", as: visitor)
            #expect(page.status == .ok)
            #expect(!page.html.contains("Nobody entered under that name"), "found by the name with a space")
            #expect(page.html.contains("Mina Park"))
        }
    }

    @Test("a blank or padded beacon value is refused; the console shows the value before it draws")
    func beaconValue() async throws {
        let now = Timestamp.now()
        try await withLiveApp { client, store in
            let body = #"{"id":"l","name":"L","prizes":1,"order":"lottery","closes_at":"\#(Timestamp.format(now + 60_000))","beacon":"drand quicknet round 4242"}"#
            #expect(try await client.json(.post, "/v1/events", body: body, admin: true).status == .created)
            #expect(try await client.json(.post, "/v1/events/l/entries", body: #"{"user":"a"}"#).status == .created)
            #expect(try await client.json(.patch, "/v1/events/l", body: #"{"state":"closed"}"#, admin: true).status == .ok)
            for value in ["   ", " a1b2", "a1b2 ", "\u{200B}"] {
                let reply = try await client.json(.post, "/v1/events/l/beacon", body: "{\"value\":\(JSONText.quote(value))}", admin: true)
                #expect(reply.status == .badRequest, "\(JSONText.quote(value))")
            }
            #expect(try await store.event(id: "l").beaconValue == nil, "nothing was taken")
            let visitor = try await ConsoleVisitor.signIn(client)
            let asked = try await client.consolePost("/admin/events/l/beacon", as: visitor, ["value": "a1b2c3"])
            let html = String(buffer: asked.body)
            #expect(asked.status == .ok && html.contains("id=\"beacon-confirm-value\"") && html.contains("a1b2c3"))
            #expect(try await store.event(id: "l").beaconValue == nil, "the first post only shows the value")
            let confirmed = try await client.consolePost("/admin/events/l/beacon", as: visitor, ["value": "a1b2c3", "confirm": "yes"])
            #expect(confirmed.status == .seeOther)
            #expect(try await store.event(id: "l").beaconValue == "a1b2c3")
        }
    }

    @Test("a sold-out event still taking entries can be finished from the console")
    func finishSoldOut() async throws {
        try await withLiveApp { client, store in
            #expect(try await client.json(.post, "/v1/events", body: #"{"id":"s","name":"S","prizes":1}"#, admin: true).status == .created)
            #expect(try await client.json(.post, "/v1/events/s/entries", body: #"{"user":"a"}"#).status == .created)
            #expect(try await eventually { try await store.event(id: "s").awarded == 1 })
            let visitor = try await ConsoleVisitor.signIn(client)
            let page = try await client.consoleGet("/admin/events/s", as: visitor)
            #expect(page.html.contains("id=\"do-finish\""), "a sold-out event offers to close intake and finish")
            let closed = try await client.consolePost("/admin/events/s/control", as: visitor, ["action": "close"])
            #expect(closed.status == .seeOther)
            #expect(try await store.event(id: "s").closedAt != nil)
            #expect(!(try await client.consoleGet("/admin/events/s", as: visitor)).html.contains("id=\"do-finish\""))
        }
    }

    @Test("event.sold_out is timed by the decision that gave the last prize, not by the highest seq's")
    func soldOutTime() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let at = try await pool.write { db -> Int64? in
                try db.execute(sql: "INSERT INTO events (id, name, prizes, mode, created_at) VALUES ('s', 'S', 2, 'queue', 1)")
                try db.execute(sql: "INSERT INTO webhooks (event_key, url, secret, updated_at) VALUES (1, 'http://shop.example/', '0123456789abcdef', 1)")
                for seq in 1...2 {
                    try db.execute(
                        sql: "INSERT INTO entries (event_key, seq, user, created_at, chain) VALUES (1, ?, ?, 10, zeroblob(32))", arguments: [seq, "u\(seq)"])
                }
                // As a drawn order can give them: the higher seq wins first, the lower one takes the last prize later.
                try db.execute(sql: "UPDATE entries SET status = 'won', decided_at = 100 WHERE event_key = 1 AND seq = 2")
                try db.execute(sql: "UPDATE entries SET status = 'won', decided_at = 200 WHERE event_key = 1 AND seq = 1")
                return try Int64.fetchOne(db, sql: "SELECT at FROM webhook_outbox WHERE type = 'event.sold_out'")
            }
            #expect(at == 200)
        }
    }

    @Test("the event page: the commitment's URL and a download, a paused badge, the mode in the page's language; the sign-in names the token's file")
    func consoleSmallOnes() async throws {
        try await withLiveApp(configure: { $0.adminTokenFile = "/srv/firstcome/drop.sqlite.admin-token" }) { client, store in
            #expect(try await client.json(.post, "/v1/events", body: #"{"id":"c","name":"C","prizes":1}"#, admin: true).status == .created)
            #expect(try await client.json(.post, "/v1/events/c/entries", body: #"{"user":"a"}"#).status == .created)
            #expect(try await eventually { try await store.event(id: "c").awarded == 1 })
            #expect(try await client.json(.patch, "/v1/events/c", body: #"{"state":"closed","paused":true}"#, admin: true).status == .ok)
            let visitor = try await ConsoleVisitor.signIn(client)
            let page = try await client.consoleGet("/admin/events/c", as: visitor).html
            #expect(page.contains("href=\"/v1/events/c/commitment\" download=\"c.commitment.json\""))
            #expect(page.contains("id=\"commitment-json\""))
            #expect(page.contains("id=\"state-badge\">Sold out · Paused") || page.contains("· Paused</span>"), "the badge says paused")
            let korean = try await client.consoleGet("/admin/events/c?lang=ko", as: visitor).html
            #expect(korean.contains("대기열 (스케줄러가 순서대로 결정)"), "the mode in Korean")
            let signIn = String(buffer: try await client.execute(uri: "/admin/sign-in", method: .get).body)
            #expect(signIn.contains("/srv/firstcome/drop.sqlite.admin-token"))
        }
    }
}

/// The winners download for spreadsheets.
@Suite("Winners spreadsheet")
struct WinnersSpreadsheetTests {
    @Test("flat payload fields become columns, a drawn order gets a place column, Korean headers by language")
    func columns() async throws {
        try await withLiveApp { client, store in
            #expect(try await client.json(.post, "/v1/events", body: #"{"id":"w","name":"W","prizes":3}"#, admin: true).status == .created)
            for (user, payload) in [("민수", #"{"email":"m@example.com","size":42}"#), ("ann", #"{"email":"=cmd|x","vip":true}"#), ("cy", "null")] {
                #expect(try await client.json(.post, "/v1/events/w/entries", body: #"{"user":"\#(user)","payload":\#(payload)}"#).status == .created)
            }
            #expect(try await eventually { try await store.event(id: "w").awarded == 3 })
            let visitor = try await ConsoleVisitor.signIn(client)
            let csv = try await client.consoleGet("/admin/events/w/winners.csv?lang=ko", as: visitor).html
            let lines = csv.split(separator: "\n").map(String.init)
            #expect(lines[0] == "\u{FEFF}순번,이름,당첨 시각 (UTC),email,size,vip")
            #expect(lines[1].hasPrefix("1,민수,") && lines[1].hasSuffix(",m@example.com,42,"))
            #expect(lines[2].hasSuffix(",'=cmd|x,,true"), "the formula guard applies to payload columns too")
            #expect(lines[3].hasSuffix(",,,"))
            #expect(WinnersSpreadsheet.flatFields(#"{"a":{"b":1}}"#) == nil, "nested payloads stay in one column")
        }
    }
}

/// The webhook on the console: set at creation or later, replaced, removed; a failing receiver warned about; redelivering everything asks first.
@Suite("Console webhooks")
struct ConsoleWebhookTests {
    @Test("set with the create form, replaced and removed on the event page; failures warned about; redeliver everything asks first")
    func webhookForms() async throws {
        try await withLiveApp { client, store in
            let visitor = try await ConsoleVisitor.signIn(client)
            let created = try await client.consolePost(
                "/admin/events", as: visitor,
                ["id": "h", "name": "H", "prizes": "2", "mode": "queue", "webhook_url": "http://receiver.invalid/hook", "webhook_secret": "0123456789abcdef"])
            #expect(created.status == .seeOther)
            #expect(try await store.webhookStatus(event: "h", recent: 1).url == "http://receiver.invalid/hook")
            let refused = try await client.consolePost(
                "/admin/events", as: visitor, ["id": "h2", "name": "H2", "prizes": "2", "webhook_url": "http://127.0.0.1:9/", "webhook_secret": "0123456789abcdef"])
            #expect(refused.status == .badRequest, "an internal target is refused as on the API")
            #expect(try await client.json(.post, "/v1/events/h/entries", body: #"{"user":"a"}"#).status == .created)
            // The receiver's name does not resolve: the delivery fails and the page warns.
            #expect(try await eventually(timeout: .seconds(20)) {
                try await client.consoleGet("/admin/events/h", as: visitor).html.contains("id=\"webhook-warning\"")
            })
            #expect(try await client.consoleGet("/admin", as: visitor).html.contains("webhook failing"))
            let page = try await client.consoleGet("/admin/events/h", as: visitor).html
            #expect(page.contains("Delivered / next try") && page.contains("next try "))
            let ask = try await client.consolePost("/admin/events/h/webhook/redeliver", as: visitor, ["which": "all"])
            #expect(ask.status == .ok && String(buffer: ask.body).contains("id=\"redeliver-confirm\""), "asks before resending everything")
            let replaced = try await client.consolePost("/admin/events/h/webhook", as: visitor, ["url": "https://shop.example/hook", "secret": "fedcba9876543210"])
            #expect(replaced.status == .seeOther)
            #expect(try await store.webhookStatus(event: "h", recent: 1).url == "https://shop.example/hook")
            let removed = try await client.consolePost("/admin/events/h/webhook", as: visitor, ["remove": "yes"])
            #expect(removed.status == .seeOther)
            #expect(try await store.webhookStatus(event: "h", recent: 1).url == nil)
        }
    }
}

/// The event forms' errors in their own words, next to the field.
@Suite("Console form errors")
struct ConsoleFormErrorTests {
    @Test("a refused create shows the error in words next to its field; time fields carry their local-time helper")
    func fieldErrors() async throws {
        try await withLiveApp { client, _ in
            let visitor = try await ConsoleVisitor.signIn(client)
            let form = try await client.consoleGet("/admin", as: visitor).html
            #expect(form.contains("id=\"opens_at\" data-utc") && form.contains("input[data-utc]"))
            let times = try await client.consolePost(
                "/admin/events", as: visitor,
                ["id": "t", "name": "T", "prizes": "1", "opens_at": "2026-12-01T18:00:00Z", "closes_at": "2026-12-01T09:00:00Z"])
            let html = String(buffer: times.body)
            #expect(times.status == .badRequest)
            #expect(html.contains("id=\"error-closes_at\">Closes at must be later than Opens at.</p>"), "\(html.prefix(0))")
            let id = try await client.consolePost("/admin/events?lang=ko", as: visitor, ["id": "Bad Id", "name": "T", "prizes": "1"])
            #expect(String(buffer: id.body).contains("id=\"error-id\">영어 소문자, 숫자, 대시만"))
        }
    }
}

/// The live page's charts start from what the database kept.
@Suite("Console charts from the stored series")
struct ConsoleSeriesTests {
    @Test("the event page carries the last minutes of the stored series, with a time axis, a legend and the changed-since notice")
    func storedSeries() async throws {
        try await withLiveApp { client, store in
            #expect(try await client.json(.post, "/v1/events", body: #"{"id":"g","name":"G","prizes":2}"#, admin: true).status == .created)
            for index in 0..<5 {
                #expect(try await client.json(.post, "/v1/events/g/entries", body: #"{"user":"u\#(index)"}"#).status == .created)
            }
            #expect(try await eventually { try await store.event(id: "g").waiting == 0 })
            let visitor = try await ConsoleVisitor.signIn(client)
            let html = try await client.consoleGet("/admin/events/g", as: visitor).html
            let attribute = try #require(html.range(of: #"data-series="[^"]*""#, options: .regularExpression).map { String(html[$0]) })
            let json = String(attribute.dropFirst(13).dropLast()).replacingOccurrences(of: "&quot;", with: "\"")
            let series = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
            #expect(series.last?["entries"] as? Int == 5 && series.last?["awarded"] as? Int == 2 && series.last?["lost"] as? Int == 3)
            #expect(series.reduce(0.0) { $0 + ($1["arrivals"] as? Double ?? 0) } == 5)
            #expect(html.contains("id=\"axis-from\"") && html.contains("class=\"key key-won\"") && html.contains("id=\"changed\""))
        }
    }
}
