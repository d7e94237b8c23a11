import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FirstCome

/// Mending an event: a prize count corrected before the first entry, archiving,
/// and the claim instructions a winner's screen shows; what the audit log says
/// of each, and what a verifier refuses.
@Suite("Event upkeep")
struct EventUpkeepTests {
    /// The event's export as a verifier reads it.
    static func export(_ store: any EntryStore, _ id: String) async throws -> [String] {
        var lines: [String] = []
        try await AuditExport(store: store).write(eventID: id, includePayload: true) { lines.append($0) }
        return lines
    }

    static func verify(_ lines: [String]) -> Result<AuditVerifier.Report, AuditVerifier.Failure> {
        var verifier = AuditVerifier()
        do {
            for line in lines { try verifier.consume(line) }
            return .success(try verifier.finish())
        } catch let failure as AuditVerifier.Failure {
            return .failure(failure)
        } catch {
            return .failure(AuditVerifier.Failure(message: "\(error)"))
        }
    }

    /// `lines` with its control records replaced by `records`, re-chained and
    /// with a matching heads line: what a forger with the database would write.
    static func forged(_ lines: [String], records: [String]) throws -> [String] {
        let event = try #require(lines.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any])
        let genesis = try #require(object["genesis"] as? String)
        var head = try #require(AuditVerifier.bytes(hex: genesis))
        var out = lines.filter { $0.hasPrefix(#"{"type":"event""#) || $0.hasPrefix(#"{"type":"entry""#) }
        for (index, record) in records.enumerated() {
            head = AuditRecords.link(head, record)
            out.append(AuditExport.controlLine(position: Int64(index + 1), record: record, chain: AuditRecords.hex(head)))
        }
        let heads = try #require(lines.last)
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(heads.utf8)) as? [String: Any])
        out.append(
            AuditExport.headsLine(
                entries: (fields["entries"] as? NSNumber)?.int64Value ?? 0, head: fields["head"] as? String ?? "", controlHead: AuditRecords.hex(head)))
        return out
    }

    static func records(_ lines: [String]) throws -> [String] {
        try lines.filter { $0.hasPrefix(#"{"type":"control""#) }.map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try #require(object["record"] as? String)
        }
    }

    @Test("a prize count is corrected before the first entry, recorded in the log, and the award and the verifier follow it")
    func prizeCorrection() async throws {
        try await withLiveApp { client, store in
            #expect(try await client.json(.post, "/v1/events", body: #"{"id":"p","name":"P","prizes":1}"#, admin: true).status == .created)
            for bad in [#"{"prizes":0}"#, #"{"prizes":1000001}"#, #"{"prizes":"3"}"#, #"{"prizes":2.5}"#] {
                let reply = try await client.json(.patch, "/v1/events/p", body: bad, admin: true)
                #expect(reply.status == .badRequest && errorCode(reply.json) == "invalid_request", "\(bad)")
            }
            let fixed = try await client.json(.patch, "/v1/events/p", body: #"{"prizes":3}"#, admin: true)
            #expect(fixed.status == .ok && fixed.json["prizes"] as? Int == 3)
            #expect(try await store.controlLog(event: "p").last?.record.hasSuffix(#""action":{"patch":{"prizes":3}}}"#) == true)
            for user in ["a", "b", "c", "d"] {
                #expect(try await client.json(.post, "/v1/events/p/entries", body: #"{"user":"\#(user)"}"#).status == .created)
            }
            let late = try await client.json(.patch, "/v1/events/p", body: #"{"prizes":4}"#, admin: true)
            #expect(late.status == .conflict && errorCode(late.json) == "event_has_entries")
            #expect(try await eventually { try await store.event(id: "p").waiting == 0 })
            let event = try await store.event(id: "p")
            #expect(event.prizes == 3 && event.awarded == 3, "the corrected count decides")
            let report = try Self.verify(try await Self.export(store, "p")).get()
            #expect(report.winners == 3 && report.lost == 1)
        }
    }

    @Test("a verifier refuses a prize correction after a decision and an archive of an open event")
    func forgedUpkeep() async throws {
        try await withLiveApp { client, store in
            #expect(try await client.json(.post, "/v1/events", body: #"{"id":"f","name":"F","prizes":5}"#, admin: true).status == .created)
            #expect(try await client.json(.post, "/v1/events/f/entries", body: #"{"user":"a"}"#).status == .created)
            #expect(try await client.json(.post, "/v1/events/f/entries", body: #"{"user":"b"}"#).status == .created)
            #expect(try await eventually { try await store.event(id: "f").waiting == 0 })
            let lines = try await Self.export(store, "f")
            _ = try Self.verify(lines).get()
            let records = try Self.records(lines)
            let decided = try #require(records.last { $0.hasPrefix(#"{"type":"decision""#) })
            let at = try #require(decided.range(of: #""decided_at":"#)).upperBound
            let time = Int64(decided[at...].prefix { $0.isNumber })!
            // Fewer prizes once the first ones are given.
            let more = AuditRecords.action(at: time + 1, action: #"{"patch":{"prizes":2}}"#)
            switch Self.verify(try Self.forged(lines, records: records + [more])) {
            case .success: Issue.record("a prize correction after a decision verified")
            case .failure(let failure): #expect(failure.message.contains("has entries"), "\(failure)")
            }
            // Archived while intake is open (no close before it, none in it).
            let create = try #require(records.first)
            let archive = AuditRecords.action(at: time + 1, action: #"{"patch":{"archived":true}}"#)
            switch Self.verify(try Self.forged(lines, records: records + [archive])) {
            case .success: Issue.record("an archive of an open event verified")
            case .failure(let failure): #expect(failure.message.contains("archived"), "\(failure)")
            }
            // The same archive with the close in it is what the service writes: it verifies.
            let closedArchive = AuditRecords.action(at: time + 1, action: #"{"patch":{"state":"closed","archived":true}}"#)
            #expect(throws: Never.self) { try Self.verify(try Self.forged(lines, records: records + [closedArchive])).get() }
            // A prize correction written before any entry exists is genuine (the create comes first).
            #expect(create.contains(#""create""#))
        }
    }

    @Test("an archived event leaves the list, keeps its id and page, and is not re-opened while archived")
    func archive() async throws {
        try await withLiveApp { client, store in
            #expect(try await client.json(.post, "/v1/events", body: #"{"id":"old","name":"Old","prizes":1}"#, admin: true).status == .created)
            #expect(try await client.json(.post, "/v1/events", body: #"{"id":"new","name":"New","prizes":1}"#, admin: true).status == .created)
            let open = try await client.json(.patch, "/v1/events/old", body: #"{"archived":true}"#, admin: true)
            #expect(open.status == .conflict && errorCode(open.json) == "event_not_ended")
            let done = try await client.json(.patch, "/v1/events/old", body: #"{"state":"closed","archived":true}"#, admin: true)
            #expect(done.status == .ok && done.json["archived"] as? Bool == true && done.json["state"] as? String == "closed")
            let list = try await client.json(.get, "/v1/events", admin: true)
            #expect((list.json["events"] as? [[String: Any]])?.map { $0["id"] as? String } == ["new"])
            let all = try await client.json(.get, "/v1/events?archived=true", admin: true)
            #expect((all.json["events"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["old", "new"])
            #expect(try await client.json(.get, "/v1/events?archived=yes", admin: true).status == .badRequest)
            #expect(try await client.json(.get, "/v1/events/old").json["archived"] as? Bool == true, "its page and record stay")
            let again = try await client.json(.post, "/v1/events", body: #"{"id":"old","name":"Again","prizes":1}"#, admin: true)
            #expect(again.status == .conflict && errorCode(again.json) == "event_exists", "the id stays taken")
            let reopen = try await client.json(.patch, "/v1/events/old", body: #"{"state":"open"}"#, admin: true)
            #expect(reopen.status == .conflict && errorCode(reopen.json) == "event_not_ended")
            let entry = try await client.json(.post, "/v1/events/old/entries", body: #"{"user":"a"}"#)
            #expect(entry.status == .conflict, "an archived event takes no entries")
            #expect(try await client.json(.patch, "/v1/events/old", body: #"{"archived":false,"state":"open"}"#, admin: true).status == .ok)
            #expect(try await store.event(id: "old").archived == false)
            _ = try Self.verify(try await Self.export(store, "old")).get()
        }
    }

    @Test("the console archives an event without entries (closing it) and lists it apart")
    func consoleArchive() async throws {
        try await withLiveApp { client, store in
            #expect(try await client.json(.post, "/v1/events", body: #"{"id":"typo","name":"Typo","prizes":10}"#, admin: true).status == .created)
            let visitor = try await ConsoleVisitor.signIn(client)
            let page = try await client.consoleGet("/admin/events/typo", as: visitor)
            #expect(page.html.contains(#"id="do-archive""#) && page.html.contains(#"id="s-prizes""#) && !page.html.contains("disabled><p class=\"hint\""))
            let mended = try await client.consolePost("/admin/events/typo/settings", as: visitor, ["name": "Typo", "prizes": "100"])
            #expect(mended.status == .seeOther)
            #expect(try await store.event(id: "typo").prizes == 100)
            let archived = try await client.consolePost("/admin/events/typo/control", as: visitor, ["action": "archive"])
            #expect(archived.status == .seeOther)
            let event = try await store.event(id: "typo")
            #expect(event.archived && event.closedAt != nil)
            let list = try await client.consoleGet("/admin", as: visitor)
            #expect(!list.html.contains(#"id="row-typo""#) && list.html.contains("Show archived events (1)"))
            let shown = try await client.consoleGet("/admin?archived=1", as: visitor)
            #expect(shown.html.contains(#"id="row-typo""#))
            #expect(try await client.consoleGet("/admin/events/typo", as: visitor).html.contains(#"id="do-unarchive""#))
        }
    }

    @Test("a winner's screen shows the event's claim text and link; its pass lasts what the event says")
    func claim() async throws {
        try await withLiveApp(admission: testAdmission()) { client, store in
            let body = #"""
                {"id":"c","name":"C","prizes":1,"claim":{"text":"Bring this page to the desk <by Friday>.\nAsk for Mina.","link":"https://shop.example/how","pass_lifetime_s":600}}
                """#
            let created = try await client.json(.post, "/v1/events", body: body, admin: true)
            #expect(created.status == .created)
            #expect((created.json["claim"] as? [String: Any])?["pass_lifetime_s"] as? Int == 600)
            #expect(try await client.json(.get, "/v1/events/c").json["claim"] == nil, "the public record has no claim link")
            let entry = try await client.json(.post, "/v1/events/c/entries", body: #"{"user":"w"}"#)
            let token = try #require(entry.json["token"] as? String)
            #expect(try await eventually { try await client.json(.get, "/v1/entries/\(token)").json["status"] as? String == "won" })
            let poll = try await client.json(.get, "/v1/entries/\(token)")
            let admission = try #require(poll.json["admission"] as? [String: Any])
            let expiresText = try #require(admission["expires_at"] as? String)
            let expires = try #require(Timestamp.parse(expiresText))
            #expect(abs(expires - Timestamp.now() - 600_000) < 5_000, "the event's pass lifetime")
            let html = String(buffer: try await client.execute(uri: "/e/c?t=\(token)", method: .get).body)
            #expect(html.contains("Bring this page to the desk &lt;by Friday&gt;.\nAsk for Mina."))
            #expect(html.contains(#"href="https://shop.example/how""#) && html.contains("How to claim your prize"))
            #expect(!html.contains("The organiser will tell you how to claim it"), "the event's own text replaces the general one")
            // A claim-only change is not an audited change: no control record.
            let before = try await store.controlLog(event: "c").count
            #expect(try await client.json(.patch, "/v1/events/c", body: #"{"claim":null}"#, admin: true).status == .ok)
            #expect(try await store.controlLog(event: "c").count == before)
            #expect(try await store.event(id: "c").claim == nil)
            let plain = String(buffer: try await client.execute(uri: "/e/c?t=\(token)", method: .get).body)
            #expect(!plain.contains(#"id="claim-text""#) && plain.contains("The organiser will tell you how to claim it"))
        }
    }

    @Test("hostile claim settings are refused with a 400 and change nothing", arguments: [
        #"{"claim":{"link":"javascript:alert(1)"}}"#, #"{"claim":{"link":"https://"}}"#, #"{"claim":{"link":"https://shop.example/a b"}}"#,
        #"{"claim":{"text":"   "}}"#, #"{"claim":{"text":"a\u0007b"}}"#, #"{"claim":{"pass_lifetime_s":59}}"#,
        #"{"claim":{"pass_lifetime_s":604801}}"#, #"{"claim":{"colour":"red"}}"#, #"{"claim":"https://shop.example"}"#,
        #"{"archived":"yes"}"#,
    ])
    func hostileClaim(body: String) async throws {
        try await withLiveApp { client, store in
            #expect(try await client.json(.post, "/v1/events", body: #"{"id":"h","name":"H","prizes":1}"#, admin: true).status == .created)
            let long = #"{"claim":{"text":"\#(String(repeating: "x", count: 1001))"}}"#
            for sent in [body, long] {
                let reply = try await client.json(.patch, "/v1/events/h", body: sent, admin: true)
                #expect(reply.status == .badRequest && errorCode(reply.json) == "invalid_request", "\(sent.prefix(60))")
            }
            let event = try await store.event(id: "h")
            #expect(event.claim == nil && !event.archived)
        }
    }

    @Test("archive and claim settings survive a restart: the board is rebuilt from the database")
    func restart() async throws {
        try await TemporaryDatabase.with { pool, database in
            let store = try SQLiteEntryStore(pool: pool)
            _ = try await store.createEvent(try NewEvent(id: "r", name: "R", prizes: 2), now: 1_000)
            let claim = try ClaimInstructions(text: "Desk 4", link: "https://shop.example/r", passLifetime: 900)
            _ = try await store.updateEvent(id: "r", patch: try EventPatch(intake: .closed, prizes: 5, archived: true, claim: .some(claim)), now: 2_000)
            try pool.close()
            let reopened = try SQLiteEntryStore(pool: try FirstComeDatabase.open(path: database.path, durability: .full))
            let event = try await reopened.event(id: "r")
            #expect(event.archived && event.prizes == 5 && event.claim?.text == "Desk 4" && event.claim?.passLifetime == 900)
            #expect(try await reopened.liveEvent(id: "r").archived)
        }
    }
}
