import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FirstCome

/// Signing out ends the session on the server: the old cookie, replayed, is a
/// signed-out visitor's, on this node and on every node sharing the database.
@Suite("Console sign-out")
struct ConsoleSignOutTests {
    @Test("a cookie replayed after sign-out opens no page and changes nothing")
    func replayedCookie() async throws {
        try await withLiveApp { client, store in
            let visitor = try await ConsoleVisitor.signIn(client)
            #expect(try await client.consoleGet("/admin", as: visitor).status == .ok)
            #expect(try await client.consolePost("/admin/sign-out", as: visitor, [:]).status == .seeOther)
            let page = try await client.consoleGet("/admin", as: visitor)
            #expect(page.status == .seeOther && page.response.headers[.location]?.hasPrefix("/admin/sign-in") == true)
            let create = try await client.consolePost("/admin/events", as: visitor, ["id": "late", "name": "Late", "prizes": "3", "mode": "queue"])
            #expect(create.status == .forbidden)
            #expect((try? await store.event(id: "late")) == nil, "the replayed cookie created nothing")
            let again = try await ConsoleVisitor.signIn(client)
            #expect(try await client.consoleGet("/admin", as: again).status == .ok, "a new sign-in works")
        }
    }

    @Test("an ended session is ended for every node on the database", arguments: Backend.allCases)
    func endedEverywhere(_ backend: Backend) async throws {
        try await withBackend(backend) { store, location in
            let other = try await openTestNode(location)
            let now = Timestamp.now()
            let id = String(repeating: "ab", count: 16)
            #expect(try await other.store.consoleSessionEnded(id: id) == false)
            try await store.endConsoleSession(id: id, expiresAt: now + 60_000, now: now)
            try await store.endConsoleSession(id: id, expiresAt: now + 60_000, now: now)
            #expect(try await other.store.consoleSessionEnded(id: id), "the other node refuses it too")
            // Sessions whose cookies have expired are forgotten as new ones end.
            try await other.store.endConsoleSession(id: String(repeating: "cd", count: 16), expiresAt: now + 120_000, now: now + 61_000)
            #expect(try await store.consoleSessionEnded(id: id) == false)
            await other.close()
        }
    }
}
