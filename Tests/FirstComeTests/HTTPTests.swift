import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FirstCome

@Suite("HTTP API against a live server")
struct HTTPTests {
    let create = #"{"id":"drop","name":"Summer drop","prizes":2}"#

    @Test("health and the API document")
    func system() async throws {
        try await withLiveApp { client, _ in
            let health = try await client.json(.get, "/healthz")
            #expect(health.status == .ok && health.json["status"] as? String == "ok")
            let doc = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(doc.status == .ok)
            #expect(String(buffer: doc.body).hasPrefix("openapi: 3"))
        }
    }

    @Test("admin routes need the bearer token")
    func unauthorized() async throws {
        try await withLiveApp { client, _ in
            for (method, uri, body) in [
                (HTTPRequest.Method.post, "/v1/events", create), (.patch, "/v1/events/drop", #"{"state":"closed"}"#),
                (.get, "/v1/events/drop/winners", nil), (.get, "/v1/events/drop/entries", nil),
            ] as [(HTTPRequest.Method, String, String?)] {
                let none = try await client.json(method, uri, body: body)
                #expect(none.status == .unauthorized && errorCode(none.json) == "unauthorized", "\(method) \(uri)")
                #expect(none.response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                let wrong = try await client.json(method, uri, body: body, headers: [.authorization: "Bearer nope"])
                #expect(wrong.status == .unauthorized, "\(method) \(uri)")
                let missingMessage = (none.json["error"] as? [String: Any])?["message"] as? String ?? ""
                let wrongMessage = (wrong.json["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(missingMessage.contains("need the header") && wrongMessage.contains("not this service's admin token"))
            }
            // The scheme is case-insensitive (RFC 9110).
            for (index, scheme) in ["bearer", "BEARER", "Bearer"].enumerated() {
                let created = try await client.json(
                    .post, "/v1/events", body: #"{"id":"case-\#(index)","name":"N","prizes":1}"#,
                    headers: [.authorization: "\(scheme) \(testAdminToken)"])
                #expect(created.status == .created, "\(scheme)")
            }
        }
    }

    @Test("ids are lowercase: an uppercase id reads the event, and its page redirects")
    func uppercaseIDs() async throws {
        try await withLiveApp { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"live","name":"Live","prizes":1}"#, admin: true)
            let read = try await client.json(.get, "/v1/events/LIVE")
            #expect(read.status == .ok && read.json["id"] as? String == "live")
            let page = try await client.execute(uri: "/e/LIVE?lang=ko", method: .get)
            #expect(page.status == .movedPermanently && page.headers[.location] == "/e/live?lang=ko")
            #expect(try await client.json(.get, "/v1/events/GONE").status == .notFound)
        }
    }

    @Test("rename and reschedule an event; list every event a page at a time")
    func renameRescheduleList() async throws {
        try await withLiveApp { client, _ in
            for id in ["a1", "a2", "a3"] {
                try await client.json(.post, "/v1/events", body: #"{"id":"\#(id)","name":"\#(id)","prizes":1}"#, admin: true)
            }
            let renamed = try await client.json(
                .patch, "/v1/events/a2", body: #"{"name":"Summer drop","opens_at":"2030-01-01T09:00:00Z","closes_at":"2030-01-01T10:00:00Z"}"#,
                admin: true)
            #expect(renamed.status == .ok && renamed.json["name"] as? String == "Summer drop")
            #expect(renamed.json["opens_at"] as? String == "2030-01-01T09:00:00.000Z" && renamed.json["state"] as? String == "scheduled")
            let backwards = try await client.json(.patch, "/v1/events/a2", body: #"{"closes_at":"2029-12-31T00:00:00Z"}"#, admin: true)
            #expect(backwards.status == .badRequest && errorCode(backwards.json) == "invalid_request")
            let cleared = try await client.json(.patch, "/v1/events/a2", body: #"{"opens_at":null,"closes_at":null}"#, admin: true)
            #expect(cleared.json["opens_at"] is NSNull && cleared.json["state"] as? String == "open")
            let blank = try await client.json(.patch, "/v1/events/a2", body: #"{"name":"   "}"#, admin: true)
            #expect(blank.status == .badRequest)

            let first = try await client.json(.get, "/v1/events?limit=2", admin: true)
            #expect((first.json["events"] as? [[String: Any]])?.map { $0["id"] as? String } == ["a1", "a2"])
            #expect(first.json["next_after"] as? String == "a2")
            let second = try await client.json(.get, "/v1/events?limit=2&after=a2", admin: true)
            #expect((second.json["events"] as? [[String: Any]])?.map { $0["id"] as? String } == ["a3"] && second.json["next_after"] is NSNull)
            #expect(try await client.json(.get, "/v1/events").status == .unauthorized)
            #expect(try await client.json(.get, "/v1/events?after=nope", admin: true).status == .badRequest)
        }
    }

    @Test("create, read and patch an event")
    func events() async throws {
        try await withLiveApp { client, _ in
            let created = try await client.json(.post, "/v1/events", body: create, admin: true)
            #expect(created.status == .created)
            #expect(created.json["id"] as? String == "drop" && created.json["state"] as? String == "open")
            #expect(created.json["mode"] as? String == "queue" && created.json["prizes"] as? Int == 2)
            #expect(created.json["opens_at"] is NSNull && created.json["closes_at"] is NSNull)
            let again = try await client.json(.post, "/v1/events", body: create, admin: true)
            #expect(again.status == .conflict && errorCode(again.json) == "event_exists")

            let read = try await client.json(.get, "/v1/events/drop")
            #expect(read.status == .ok)
            for key in ["id", "name", "prizes", "mode", "state", "entries", "awarded", "remaining", "serving", "opens_at", "closes_at"] {
                #expect(read.json.keys.contains(key), "missing \(key)")
            }
            let missing = try await client.json(.get, "/v1/events/nope")
            #expect(missing.status == .notFound && errorCode(missing.json) == "event_not_found")

            let patched = try await client.json(.patch, "/v1/events/drop", body: #"{"mode":"direct","admit_per_tick":5}"#, admin: true)
            #expect(patched.status == .ok && patched.json["mode"] as? String == "direct" && patched.json["admit_per_tick"] as? Int == 5)
            let cleared = try await client.json(.patch, "/v1/events/drop", body: #"{"admit_per_tick":null,"state":"closed"}"#, admin: true)
            #expect(cleared.json["admit_per_tick"] is NSNull && cleared.json["state"] as? String == "closed")
            let unknown = try await client.json(.patch, "/v1/events/nope", body: #"{"state":"open"}"#, admin: true)
            #expect(unknown.status == .notFound && errorCode(unknown.json) == "event_not_found")

            let timed = try await client.json(
                .post, "/v1/events", body: #"{"id":"later","name":"Later","prizes":1,"opens_at":"2999-01-01T00:00:00Z"}"#, admin: true)
            #expect(timed.json["state"] as? String == "scheduled" && timed.json["opens_at"] as? String == "2999-01-01T00:00:00.000Z")
        }
    }

    @Test("bad event bodies are 400, 413 or 415", arguments: [
        (#"{"id":"Bad","name":"x","prizes":1}"#, 400), (#"{"id":"ok","name":"x","prizes":0}"#, 400),
        (#"{"id":"ok","name":"x"}"#, 400), (#"{"id":"ok","name":"x","prizes":"1"}"#, 400),
        (#"{"id":"ok","name":"x","prizes":1,"mode":"lottery"}"#, 400), (#"{"id":"ok","name":"x","prizes":1,"prize":1}"#, 400),
        (#"{"id":"ok","name":"x","prizes":1,"opens_at":"soon"}"#, 400), ("[1,2]", 400), ("{", 400), ("", 400),
        (#"{"id":"ok","name":"\#(String(repeating: "x", count: 20000))","prizes":1}"#, 413),
    ])
    func badEventBodies(body: String, status: Int) async throws {
        try await withLiveApp { client, _ in
            let reply = try await client.json(.post, "/v1/events", body: body, admin: true)
            #expect(Int(reply.status.code) == status)
            #expect(errorCode(reply.json) == (status == 400 ? "invalid_request" : "payload_too_large"))
            let text = try await client.json(.post, "/v1/events", body: create, admin: true, headers: [.contentType: "text/plain"])
            #expect(text.status == .unsupportedMediaType && errorCode(text.json) == "unsupported_media_type")
            let patch = try await client.json(.patch, "/v1/events/nope", body: #"{"state":"paused"}"#, admin: true)
            #expect(patch.status == .badRequest && errorCode(patch.json) == "invalid_request")
        }
    }

    @Test("submit, resubmit, poll, winners and the audit listing")
    func entrantFlow() async throws {
        try await withLiveApp(tick: .milliseconds(20)) { client, _ in
            try await client.json(.post, "/v1/events", body: create, admin: true)
            var tokens: [String] = []
            for (index, user) in ["ann", "bob", "cy"].enumerated() {
                let reply = try await client.json(.post, "/v1/events/drop/entries", body: #"{"user":"\#(user)","payload":{"email":"\#(user)@x.io"}}"#)
                #expect(reply.status == .created)
                #expect(reply.json["seq"] as? Int == index + 1 && reply.json["event"] as? String == "drop")
                #expect(["waiting", "won", "lost"].contains(reply.json["status"] as? String ?? ""))
                #expect(reply.json["position"] is Int)
                tokens.append(reply.json["token"] as? String ?? "")
            }
            let again = try await client.json(.post, "/v1/events/drop/entries", body: #"{"user":"bob"}"#)
            #expect(again.status == .ok && again.json["seq"] as? Int == 2 && again.json["token"] as? String == tokens[1])

            #expect(try await eventually { (try await client.json(.get, "/v1/events/drop")).json["waiting"] as? Int == 0 })
            let poll = try await client.json(.get, "/v1/entries/\(tokens[0])")
            #expect(poll.status == .ok && poll.json["status"] as? String == "won" && poll.json["seq"] as? Int == 1)
            #expect(poll.json["decided_at"] is String && poll.json["serving"] as? Int == 3 && poll.json["token"] == nil)
            let lost = try await client.json(.get, "/v1/entries/\(tokens[2])")
            #expect(lost.json["status"] as? String == "lost" && lost.json["decided_at"] is String)
            for forged in ["nope", String(tokens[0].dropLast()) + (tokens[0].hasSuffix("A") ? "B" : "A")] {
                let reply = try await client.json(.get, "/v1/entries/\(forged)")
                #expect(reply.status == .notFound && errorCode(reply.json) == "entry_not_found")
            }

            let winners = try await client.json(.get, "/v1/events/drop/winners", admin: true)
            let list = winners.json["winners"] as? [[String: Any]] ?? []
            #expect(list.map { $0["seq"] as? Int } == [1, 2] && list.map { $0["user"] as? String } == ["ann", "bob"])
            let csv = try await client.execute(
                uri: "/v1/events/drop/winners", method: .get,
                headers: [.authorization: "Bearer \(testAdminToken)", .accept: "text/csv"])
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = String(buffer: csv.body).split(separator: "\n")
            #expect(lines.first == "seq,user,decided_at" && lines.count == 3 && lines[1].hasPrefix("1,ann,"))
            // Where the prizes go: the winners' payloads on request.
            let withPayload = try await client.json(.get, "/v1/events/drop/winners?include=payload", admin: true)
            let payloads = (withPayload.json["winners"] as? [[String: Any]] ?? []).map { ($0["payload"] as? [String: Any])?["email"] as? String }
            #expect(payloads == ["ann@x.io", "bob@x.io"])
            let csvPayload = try await client.execute(
                uri: "/v1/events/drop/winners?include=payload", method: .get,
                headers: [.authorization: "Bearer \(testAdminToken)", .accept: "text/csv"])
            let payloadLines = String(buffer: csvPayload.body).split(separator: "\n")
            #expect(payloadLines.first == "seq,user,decided_at,payload" && payloadLines[1].hasSuffix(#","{""email"":""ann@x.io""}""#))
            let badInclude = try await client.json(.get, "/v1/events/drop/winners?include=everything", admin: true)
            #expect(badInclude.status == .badRequest && errorCode(badInclude.json) == "invalid_request")
            let noEvent = try await client.json(.get, "/v1/events/nope/winners", admin: true)
            #expect(noEvent.status == .notFound && errorCode(noEvent.json) == "event_not_found")

            let page = try await client.json(.get, "/v1/events/drop/entries?limit=2", admin: true)
            let entries = page.json["entries"] as? [[String: Any]] ?? []
            #expect(entries.map { $0["seq"] as? Int } == [1, 2] && page.json["next_after"] as? Int == 2)
            #expect((entries[0]["payload"] as? [String: Any])?["email"] as? String == "ann@x.io")
            let last = try await client.json(.get, "/v1/events/drop/entries?after=2&limit=2", admin: true)
            #expect((last.json["entries"] as? [[String: Any]])?.map { $0["status"] as? String } == ["lost"])
            #expect(last.json["next_after"] is NSNull)
            for query in ["limit=0", "limit=1001", "after=-1", "after=x"] {
                let bad = try await client.json(.get, "/v1/events/drop/entries?\(query)", admin: true)
                #expect(bad.status == .badRequest && errorCode(bad.json) == "invalid_request", "\(query)")
            }
            let noAudit = try await client.json(.get, "/v1/events/nope/entries", admin: true)
            #expect(noAudit.status == .notFound)
        }
    }

    @Test("submission errors: 404, 409, 400, 413, 415")
    func submitErrors() async throws {
        try await withLiveApp { client, _ in
            try await client.json(.post, "/v1/events", body: create, admin: true)
            let noEvent = try await client.json(.post, "/v1/events/nope/entries", body: #"{"user":"a"}"#)
            #expect(noEvent.status == .notFound && errorCode(noEvent.json) == "event_not_found")
            for body in [#"{}"#, #"{"user":""}"#, #"{"user":"\#(String(repeating: "a", count: 129))"}"#, #"{"user":1}"#,
                         #"{"user":"a","payload":[1]}"#, #"{"user":"a","extra":true}"#, "not json"] {
                let reply = try await client.json(.post, "/v1/events/drop/entries", body: body)
                #expect(reply.status == .badRequest && errorCode(reply.json) == "invalid_request", "\(body)")
            }
            let bigPayload = #"{"user":"a","payload":{"x":"\#(String(repeating: "y", count: 5000))"}}"#
            let tooBig = try await client.json(.post, "/v1/events/drop/entries", body: bigPayload)
            #expect(tooBig.status == .contentTooLarge && errorCode(tooBig.json) == "payload_too_large")
            let form = try await client.json(.post, "/v1/events/drop/entries", body: "user=a", headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(form.status == .unsupportedMediaType && errorCode(form.json) == "unsupported_media_type")
            try await client.json(.patch, "/v1/events/drop", body: #"{"state":"closed"}"#, admin: true)
            let closed = try await client.json(.post, "/v1/events/drop/entries", body: #"{"user":"a"}"#)
            #expect(closed.status == .conflict && errorCode(closed.json) == "event_not_open")
            try await client.json(.post, "/v1/events", body: #"{"id":"soon","name":"Soon","prizes":1,"opens_at":"2999-01-01T00:00:00Z"}"#, admin: true)
            let scheduled = try await client.json(.post, "/v1/events/soon/entries", body: #"{"user":"a"}"#)
            #expect(scheduled.status == .conflict && errorCode(scheduled.json) == "event_not_open")
            // Nothing was recorded by any refused request.
            #expect((try await client.json(.get, "/v1/events/drop")).json["entries"] as? Int == 0)
        }
    }

    @Test("re-opening a sold-out event is refused; direct mode answers at once")
    func soldOutAndDirect() async throws {
        try await withLiveApp { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"now","name":"Now","prizes":1,"mode":"direct"}"#, admin: true)
            let first = try await client.json(.post, "/v1/events/now/entries", body: #"{"user":"a"}"#)
            #expect(first.json["status"] as? String == "won" && first.json["decided_at"] is String)
            let second = try await client.json(.post, "/v1/events/now/entries", body: #"{"user":"b"}"#)
            #expect(second.json["status"] as? String == "lost")
            let event = try await client.json(.get, "/v1/events/now")
            #expect(event.json["state"] as? String == "sold_out" && event.json["remaining"] as? Int == 0)
            let reopen = try await client.json(.patch, "/v1/events/now", body: #"{"state":"open"}"#, admin: true)
            #expect(reopen.status == .conflict && errorCode(reopen.json) == "event_sold_out")
        }
    }

    @Test("unknown routes and methods get JSON errors")
    func unknownRoutes() async throws {
        try await withLiveApp { client, _ in
            let missing = try await client.json(.get, "/v2/nothing")
            #expect(missing.status == .notFound && errorCode(missing.json) == "not_found")
            let method = try await client.json(.delete, "/v1/events/drop", admin: true)
            #expect(method.status.code >= 400 && method.status.code < 500 && errorCode(method.json) != nil)
        }
    }

    @Test("storage faults map to 503 with Retry-After, not a bare 500 (FaultTests locks a real database)")
    func storageBusy() async throws {
        let error = FirstComeError.storageBusy
        #expect(error.status == .serviceUnavailable && error.headers[.retryAfter] == "1")
        #expect(error.jsonBody == #"{"error":{"code":"storage_busy","message":"the database is busy; retry shortly"}}"#)
        let mapped = StorageErrors.map(DatabaseError(resultCode: .SQLITE_BUSY))
        #expect(mapped as? FirstComeError == .storageBusy)
        let full = StorageErrors.map(DatabaseError(resultCode: .SQLITE_FULL))
        #expect((full as? FirstComeError)?.code == "storage_unavailable")
        #expect((PostgresErrors.map(FirstComeError.storageBusy) as? FirstComeError) == .storageBusy)
    }
}
