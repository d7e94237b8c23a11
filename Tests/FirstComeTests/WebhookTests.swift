import AsyncHTTPClient
import Crypto
import Foundation
import HummingbirdTesting
import NIOCore
import Testing

@testable import FirstCome

/// The receivers of these tests listen on 127.0.0.1, which a webhook may reach only when the operator allows it.
func allowLoopback(_ settings: inout AppSettings) { settings.webhookPolicy.allowInternalTargets = true }

/// Webhooks: the outbox is written with the decisions, deliveries are signed,
/// in order per event, retried, redeliverable, and survive a kill -9.
@Suite struct WebhookTests {
    static let secret = "whsec-test-0123456789"

    /// The HMAC a receiver computes, written here from the documented format.
    static func verifies(_ delivery: WebhookReceiver.Delivery, secret: String = secret) -> Bool {
        let parts = Dictionary(
            delivery.signature.split(separator: ",").compactMap { part -> (String, String)? in
                let pair = part.split(separator: "=", maxSplits: 1)
                return pair.count == 2 ? (String(pair[0]), String(pair[1])) : nil
            }, uniquingKeysWith: { first, _ in first })
        guard let time = parts["t"], let given = parts["v1"] else { return false }
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(time).\(delivery.body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined() == given
    }

    @Test(arguments: Backend.allCases)
    func outboxFollowsTheDecisions(_ backend: Backend) async throws {
        try await withBackend(backend) { store, _ in
            #expect(try await store.holdSchedulerLease(for: .seconds(60)))
            var new = try NewEvent(id: "hooked", name: "Hooked", prizes: 2)
            new.webhook = try WebhookTarget(url: "http://127.0.0.1:9/hook", secret: Self.secret)
            _ = try await store.createEvent(new, now: 1_000)
            _ = try await store.createEvent(try NewEvent(id: "plain", name: "Plain", prizes: 2), now: 1_000)
            for event in ["hooked", "plain"] {
                _ = try await store.submit((1...5).map { Submission(event: event, user: "u\($0)", payload: nil) }, now: 2_000)
                _ = try await store.award(event: event, limit: 100, now: 3_000)
            }
            let due = try await store.dueWebhooks(now: 3_000, perEvent: 10, limit: 100)
            #expect(due.map(\.stableID) == ["hooked:entry.won:1", "hooked:entry.won:2", "hooked:event.sold_out"])
            #expect(due.map(\.user) == ["u1", "u2", nil])
            #expect(due.allSatisfy { $0.at == 3_000 && $0.target.secret == Self.secret })
            // A failed head holds the rest of its line back until it is due again.
            try await store.recordWebhookAttempts([(due[0].id, .failed(error: "HTTP 503", retryAt: 5_000))])
            #expect(try await store.dueWebhooks(now: 4_000, perEvent: 10, limit: 100).isEmpty)
            #expect(try await store.dueWebhooks(now: 5_000, perEvent: 10, limit: 100).map(\.attempts) == [1, 0, 0])
            try await store.recordWebhookAttempts(due.map { ($0.id, .delivered(at: 5_000)) })
            #expect(try await store.noteWebhookMilestones(now: 6_000) == 0)
            _ = try await store.updateEvent(id: "hooked", patch: try EventPatch(intake: .closed), now: 7_000)
            #expect(try await store.noteWebhookMilestones(now: 8_000) == 2)
            let closing = try await store.dueWebhooks(now: 8_000, perEvent: 10, limit: 100)
            #expect(closing.map(\.type) == [.eventClosed, .eventFinished])
            #expect(closing.map(\.at) == [7_000, 7_000])
            let status = try await store.webhookStatus(event: "hooked", recent: 10)
            #expect(status.url == "http://127.0.0.1:9/hook" && status.delivered == 3 && status.pending == 2 && status.gaveUp == 0)
            try await store.recordWebhookAttempts(closing.map { ($0.id, .gaveUp(error: "refused", at: 9_000)) })
            #expect(try await store.redeliverWebhooks(event: "hooked", from: nil, now: 10_000) == 2)
            #expect(try await store.redeliverWebhooks(event: "hooked", from: due[1].id, now: 10_000) == 4)
            #expect(try await store.dueWebhooks(now: 10_000, perEvent: 10, limit: 100).count == 4)
            try await store.setWebhook(event: "hooked", target: nil, now: 11_000)
            #expect(try await store.dueWebhooks(now: 11_000, perEvent: 10, limit: 100).isEmpty)
            #expect(try await store.webhookStatus(event: "plain", recent: 10) == WebhookStatus(url: nil, pending: 0, delivered: 0, gaveUp: 0, recent: []))
        }
    }

    @Test func deliversSignedInOrderThroughAnOutage() async throws {
        try await WebhookReceiver.with { receiver, url in
            receiver.failNext(2)
            try await withLiveApp(configure: allowLoopback, admission: testAdmission()) { client, store in
                let created = try await client.json(
                    .post, "/v1/events", body: #"{"id":"shop","name":"Shop","prizes":3,"webhook":{"url":"\#(url)","secret":"\#(Self.secret)"}}"#,
                    admin: true)
                #expect(created.status == .created)
                #expect(!String(buffer: created.response.body).contains(Self.secret))
                for user in 1...8 { try await client.json(.post, "/v1/events/shop/entries", body: #"{"user":"u\#(user)"}"#) }
                let expected = ["shop:entry.won:1", "shop:entry.won:2", "shop:entry.won:3", "shop:event.sold_out"]
                #expect(try await eventually(timeout: .seconds(20)) { receiver.firstIDs == expected })
                #expect(receiver.refused == 2)
                #expect(try await client.json(.patch, "/v1/events/shop", body: #"{"state":"closed"}"#, admin: true).status == .ok)
                #expect(try await eventually(timeout: .seconds(20)) { receiver.firstIDs == expected + ["shop:event.closed", "shop:event.finished"] })
                let deliveries = receiver.accepted
                #expect(deliveries.allSatisfy { Self.verifies($0) })
                #expect(!Self.verifies(deliveries[0], secret: "another-secret-0123456789"))
                let won = deliveries[0]
                #expect(won.type == "entry.won" && won.json["event"] as? String == "shop" && won.data["seq"] as? Int == 1)
                #expect(won.data["user"] as? String == "u1")
                #expect((won.data["admission_token"] as? String)?.split(separator: ".").count == 3)
                let finished = deliveries.last!
                #expect(finished.data["entries"] as? Int == 8 && finished.data["awarded"] as? Int == 3)
                #expect((finished.data["commitment"] as? [String: Any])?["winners"] as? Int == 3)

                // The round records its results right after the receiver answered.
                #expect(try await eventually { try await store.webhookStatus(event: "shop", recent: 0).delivered == 6 })
                let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                #expect(metrics.contains(#"firstcome_webhook_deliveries_total{result="delivered"} 6"#))
                #expect(metrics.contains(#"firstcome_webhook_deliveries_total{result="failed"} 2"#))
                #expect(metrics.contains("firstcome_webhook_pending_deliveries "))

                let status = try await client.json(.get, "/v1/events/shop/webhook", admin: true)
                #expect(status.json["url"] as? String == url && status.json["delivered"] as? Int == 6 && status.json["pending"] as? Int == 0)
                #expect(!String(buffer: status.response.body).contains(Self.secret))
                #expect((status.json["recent"] as? [[String: Any]])?.first?["state"] as? String == "delivered")
                #expect(try await client.json(.get, "/v1/events/shop/webhook").status == .unauthorized)

                let firstID = ((status.json["recent"] as? [[String: Any]])?.last?["id"] as? Int) ?? 0
                let again = try await client.json(.post, "/v1/events/shop/webhook/redeliver", body: #"{"from":\#(firstID)}"#, admin: true)
                #expect(again.status == .ok && again.json["queued"] as? Int == 6)
                #expect(try await eventually(timeout: .seconds(20)) { receiver.accepted.count == 12 })
                #expect(receiver.accepted.suffix(6).map(\.id) == expected + ["shop:event.closed", "shop:event.finished"])
            }
        }
    }

    @Test func badWebhooksAreRefused() async throws {
        try await withLiveApp { client, store in
            for (webhook, fragment) in [
                (#"{"url":"ftp://example.com/x","secret":"0123456789abcdef"}"#, "webhook.url"),
                (#"{"url":"http://127.0.0.1/x","secret":"short"}"#, "webhook.secret"),
                (#"{"url":"http://127.0.0.1/x","secret":"0123456789abcdef","extra":1}"#, "extra"),
                (#""http://127.0.0.1/x""#, "webhook"),
            ] {
                let reply = try await client.json(.post, "/v1/events", body: #"{"id":"bad","name":"Bad","prizes":1,"webhook":\#(webhook)}"#, admin: true)
                #expect(reply.status == .badRequest)
                #expect(errorCode(reply.json) == "invalid_request")
                #expect(((reply.json["error"] as? [String: Any])?["message"] as? String)?.contains(fragment) == true)
            }
            await #expect(throws: FirstComeError.eventNotFound("bad")) { try await store.event(id: "bad") }
            #expect(try await client.json(.post, "/v1/events", body: #"{"id":"ok","name":"Ok","prizes":1}"#, admin: true).status == .created)
            let patch = try await client.json(.patch, "/v1/events/ok", body: #"{"webhook":{"url":"https://shop.example/hook","secret":"0123456789abcdef"}}"#, admin: true)
            #expect(patch.status == .ok)
            #expect(try await store.webhookStatus(event: "ok", recent: 0).url == "https://shop.example/hook")
            #expect(try await client.json(.patch, "/v1/events/ok", body: #"{"webhook":null}"#, admin: true).status == .ok)
            #expect(try await store.webhookStatus(event: "ok", recent: 0).url == nil)
            #expect(try await client.json(.get, "/v1/events/nope/webhook", admin: true).status == .notFound)
            let redeliver = try await client.json(.post, "/v1/events/ok/webhook/redeliver", body: #"{"from":0}"#, admin: true)
            #expect(redeliver.status == .badRequest)
        }
    }

    /// kill -9 of the server after the decisions and before any delivery got
    /// through: the restarted server delivers every one, each with one stable id.
    @Test func deliveriesSurviveAKill() async throws {
        try await WebhookReceiver.with { receiver, url in
            receiver.setFailing(true)
            let database = try TemporaryDatabase()
            defer { database.remove() }
            let server = try ServerProcess(database: database.path, extra: ["--access-log", "--webhook-allow-private"])
            let api = DemoAPI(base: server.baseURL, adminToken: testAdminToken)
            _ = try await api.call(
                .POST, "/v1/events", body: #"{"id":"crash","name":"Crash","prizes":5,"webhook":{"url":"\#(url)","secret":"\#(Self.secret)"}}"#,
                expect: 201)
            for user in 1...20 { _ = try await api.call(.POST, "/v1/events/crash/entries", body: #"{"user":"k\#(user)"}"#, expect: 201) }
            #expect(try await eventually(timeout: .seconds(20)) { try await api.event("crash").waiting == 0 && receiver.refused > 0 })
            #expect(server.stop(signal: SIGKILL) == SIGKILL)
            let access = server.laterLog.split(separator: "\n").filter { $0.contains(" request ") }
            #expect(access.contains { $0.contains("method=POST") && $0.contains("path=/v1/events/crash/entries") && $0.contains("status=201") })
            #expect(access.allSatisfy { $0.contains("client=127.0.0.1") && $0.contains("ms=") })
            #expect(receiver.accepted.isEmpty)
            receiver.setFailing(false)
            let restarted = try ServerProcess(database: database.path, extra: ["--webhook-allow-private"])
            let expected = (1...5).map { "crash:entry.won:\($0)" } + ["crash:event.sold_out"]
            #expect(try await eventually(timeout: .seconds(30)) { receiver.firstIDs == expected })
            #expect(receiver.accepted.allSatisfy { Self.verifies($0) })
            #expect(restarted.stop() == 0)
            #expect(server.laterLog.contains("webhook delivery failed"))
        }
    }
}
