import Foundation
import HummingbirdTesting
import NIOCore
import NIOPosix
import Testing

@testable import FirstCome

/// Where a webhook may post: never inside the operator's networks unless
/// allowed, never on through a redirect, and its errors say no more than needed.
@Suite("Webhook targets")
struct WebhookTargetTests {
    @Test("internal addresses are told apart from public ones, IPv4-mapped forms included")
    func classification() {
        for inward in [
            "127.0.0.1", "127.255.0.9", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "0.0.0.0",
            "::1", "::", "fe80::1", "febf::1", "fc00::1", "fdff::1", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254", "fe80::1%eth0",
        ] {
            #expect(IPAddress(inward)?.isInternal == true, "\(inward)")
        }
        for external in ["8.8.8.8", "172.32.0.1", "172.15.0.1", "192.169.0.1", "169.255.0.1", "2001:db8::1", "fec0::1", "::ffff:8.8.8.8", "1.0.0.0"] {
            #expect(IPAddress(external)?.isInternal == false, "\(external)")
        }
        for literal in ["localhost", "LOCALHOST.", "api.localhost", "127.1", "2130706433", "0x7f000001", "[::1]", "[::ffff:127.0.0.1]"] {
            #expect(WebhookAddresses.refusedLiteral(literal), "\(literal)")
        }
        for name in ["shop.example", "8.8.8.8", "localhost.shop.example", "[2001:db8::1]"] { #expect(!WebhookAddresses.refusedLiteral(name), "\(name)") }
    }

    @Test("a loopback, link-local or private URL is refused with 400 when set, unless allowed")
    func refusedWhenSet() async throws {
        let targets = [
            "http://127.0.0.1:9/hook", "http://localhost/x", "http://[::1]/x", "http://[::ffff:127.0.0.1]/x", "http://10.1.2.3/x",
            "http://169.254.169.254/latest/meta-data", "http://0.0.0.0/x", "http://127.1/x", "https://192.168.0.10/x", "http://[fd00::1]/x",
        ]
        try await withLiveApp { client, store in
            try await client.json(.post, "/v1/events", body: #"{"id":"ok","name":"Ok","prizes":1}"#, admin: true)
            for (index, url) in targets.enumerated() {
                let webhook = #"{"url":"\#(url)","secret":"0123456789abcdef"}"#
                let created = try await client.json(.post, "/v1/events", body: #"{"id":"e\#(index)","name":"E","prizes":1,"webhook":\#(webhook)}"#, admin: true)
                #expect(created.status == .badRequest && errorCode(created.json) == "invalid_request", "\(url)")
                let message = (created.json["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains("webhook.url") && message.contains("--webhook-allow-private"), "\(message)")
                let patched = try await client.json(.patch, "/v1/events/ok", body: #"{"webhook":\#(webhook)}"#, admin: true)
                #expect(patched.status == .badRequest, "\(url)")
            }
            #expect(try await store.webhookStatus(event: "ok", recent: 0).url == nil)
            let allowed = try await client.json(.patch, "/v1/events/ok", body: #"{"webhook":{"url":"https://shop.example/hook","secret":"0123456789abcdef"}}"#, admin: true)
            #expect(allowed.status == .ok)
        }
        try await withLiveApp(configure: allowLoopback) { client, _ in
            let webhook = #"{"url":"http://127.0.0.1:9/hook","secret":"0123456789abcdef"}"#
            let created = try await client.json(.post, "/v1/events", body: #"{"id":"lan","name":"Lan","prizes":1,"webhook":\#(webhook)}"#, admin: true)
            #expect(created.status == .created)
        }
    }

    @Test("at delivery the resolved address is checked: a name that resolves to 127.0.0.1 gets nothing")
    func refusedAfterResolution() async throws {
        #expect(try await WebhookAddresses.resolve("localhost").contains { $0.isInternal })
        try await WebhookReceiver.with { receiver, url in
            // The row as a store holds it whatever the API would say now (set before
            // this check existed, or a public name that points inward since).
            let named = url.replacingOccurrences(of: "127.0.0.1", with: "localhost")
            try await withLiveApp { client, store in
                var new = try NewEvent(id: "inward", name: "Inward", prizes: 1)
                new.webhook = try WebhookTarget(url: named, secret: WebhookTests.secret)
                _ = try await store.createEvent(new, now: Timestamp.now())
                try await client.json(.post, "/v1/events/inward/entries", body: #"{"user":"u1"}"#)
                #expect(
                    try await eventually(timeout: .seconds(20)) {
                        try await store.webhookStatus(event: "inward", recent: 5).recent.contains {
                            $0.lastError?.hasPrefix("refused: the host resolves to a loopback") == true
                        }
                    })
            }
            #expect(receiver.accepted.isEmpty && receiver.refused == 0)
        }
    }

    @Test("a 307 is a failed delivery: the signed POST is not sent on to where it points")
    func redirectsAreNotFollowed() async throws {
        try await WebhookReceiver.with { elsewhere, elsewhereURL in
            try await WebhookReceiver.with { receiver, url in
                receiver.redirect(to: elsewhereURL)
                try await withLiveApp(configure: allowLoopback) { client, store in
                    try await client.json(
                        .post, "/v1/events", body: #"{"id":"moved","name":"Moved","prizes":1,"webhook":{"url":"\#(url)","secret":"\#(WebhookTests.secret)"}}"#,
                        admin: true)
                    try await client.json(.post, "/v1/events/moved/entries", body: #"{"user":"u1"}"#)
                    #expect(
                        try await eventually(timeout: .seconds(20)) {
                            try await store.webhookStatus(event: "moved", recent: 5).recent.contains { $0.lastError == "HTTP 307 (redirects are not followed)" }
                        })
                    // Retried like any failure: once the receiver answers, it is delivered.
                    receiver.redirect(to: nil)
                    #expect(try await eventually(timeout: .seconds(20)) { receiver.firstIDs.contains("moved:entry.won:1") })
                }
                #expect(receiver.redirected >= 1)
            }
            #expect(elsewhere.accepted.isEmpty && elsewhere.refused == 0)
        }
    }

    @Test("network failures leave one coarse last_error, the same for a closed port as for any other")
    func coarseErrors() async throws {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 9
        try await channel.close()
        try await withLiveApp(configure: allowLoopback) { client, store in
            try await client.json(
                .post, "/v1/events", body: #"{"id":"shut","name":"Shut","prizes":1,"webhook":{"url":"http://127.0.0.1:\#(port)/hook","secret":"\#(WebhookTests.secret)"}}"#,
                admin: true)
            try await client.json(.post, "/v1/events/shut/entries", body: #"{"user":"u1"}"#)
            #expect(
                try await eventually(timeout: .seconds(20)) {
                    try await store.webhookStatus(event: "shut", recent: 5).recent.contains { $0.lastError == "delivery failed: no HTTP response" }
                })
        }
    }
}
