import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FirstCome

/// Names built to cost the service: over-long in code points while short in
/// graphemes, long runs of combining marks, nothing visible. Each is refused
/// with 400 before it reaches a batch, and the honest entries around it commit.
@Suite("Hostile text")
struct HostileTextTests {
    /// "a" and `count` combining marks of alternating classes (NFC must reorder them).
    static func marks(_ count: Int) -> String {
        var text = "a"
        for index in 0..<count { text.unicodeScalars.append(Unicode.Scalar(index % 2 == 0 ? 0x0301 : 0x0316)!) }
        return text
    }

    @Test("the name rules count code points and refuse what the schema would, and invisible names")
    func rules() throws {
        #expect(throws: FirstComeError.self) { try EventRules.user(fromSent: Self.marks(520)) }
        #expect(throws: FirstComeError.self) { try EventRules.user(fromSent: Self.marks(31)) }
        #expect(throws: FirstComeError.self) { try EventRules.user(fromSent: String(repeating: "가", count: 129)) }
        #expect(throws: FirstComeError.self) { try EventRules.user(fromSent: "\u{FEFF}") }
        #expect(throws: FirstComeError.self) { try EventRules.user(fromSent: "\u{200B}\u{200D}\u{0301}") }
        #expect(throws: FirstComeError.self) { try EventRules.user(fromSent: "   ") }
        #expect(throws: FirstComeError.self) { try EventRules.user(fromSent: "a\u{0007}b") }
        #expect(throws: FirstComeError.self) { try EventRules.user(fromSent: " " + String(repeating: "x", count: 300)) }
        #expect(try EventRules.user(fromSent: Self.marks(30)).unicodeScalars.count == 30, "one acute composes with the a")
        // Runs of 30 marks, 256 code points: too long for any normal form, refused before NFC.
        let runs = String(String(repeating: Self.marks(30), count: 9).unicodeScalars.prefix(256))
        #expect(TextRules.nfcLengthAtLeast(runs) > EventRules.maxUserLength)
        #expect(throws: FirstComeError.self) { try EventRules.checkSentUser(runs) }
        #expect(TextRules.nfcLengthAtLeast(String(repeating: "한", count: 60).decomposedStringWithCanonicalMapping) < 0)
        #expect(try EventRules.user(fromSent: String(repeating: "가", count: 128)).unicodeScalars.count == 128)
        // 60 syllables sent decomposed (180 code points) are 60 once composed.
        let decomposed = String(repeating: "한", count: 60).decomposedStringWithCanonicalMapping
        #expect(decomposed.unicodeScalars.count == 180)
        #expect(try EventRules.user(fromSent: decomposed) == String(repeating: "한", count: 60))
        #expect(try EventRules.user(fromSent: "  Jose\u{301}\u{3000}") == "José")
        #expect(try EventRules.user(fromSent: "\u{202E}gpj.exe") == "\u{202E}gpj.exe", "visible, shown escaped to operators")
        #expect(VisibleText.escaped("\u{202E}gpj.exe") == "<U+202E>gpj.exe")
        #expect(throws: FirstComeError.self) { try EventRules.checkName(String(repeating: "e\u{301}", count: 150)) }
        #expect(throws: FirstComeError.self) { try EventRules.checkName("\u{2028}\u{3000}") }
        try EventRules.checkName(String(repeating: "é", count: 200))
    }

    @Test("crafted names answer 400 with nothing recorded; honest entries beside them commit")
    func craftedNames() async throws {
        try await withLiveApp { client, store in
            #expect(try await client.json(.post, "/v1/events", body: #"{"id":"t","name":"T","prizes":1000}"#, admin: true).status == .created)
            let crafted = [Self.marks(520), Self.marks(7000), Self.marks(40), "\u{FEFF}", String(repeating: "字", count: 200)]
            try await withThrowingTaskGroup(of: (Bool, Int, String?).self) { group in
                for name in crafted {
                    group.addTask {
                        let reply = try await client.json(.post, "/v1/events/t/entries", body: "{\"user\":\(JSONText.quote(name))}")
                        return (false, Int(reply.status.code), errorCode(reply.json))
                    }
                }
                for index in 0..<40 {
                    group.addTask {
                        let reply = try await client.json(.post, "/v1/events/t/entries", body: #"{"user":"honest-\#(index)"}"#)
                        return (true, Int(reply.status.code), errorCode(reply.json))
                    }
                }
                for try await (honest, status, code) in group {
                    if honest {
                        #expect(status == 201)
                    } else {
                        #expect(status == 400 && code == "invalid_request")
                    }
                }
            }
            #expect(try await store.event(id: "t").entries == 40, "only the honest entries were recorded")
            let name = String(repeating: "e\u{301}", count: 150)
            let event = try await client.json(.post, "/v1/events", body: "{\"id\":\"n\",\"name\":\(JSONText.quote(name)),\"prizes\":1}", admin: true)
            #expect(event.status == .badRequest, "an event name longer than the schema allows is 400, not 500")
            let patch = try await client.json(.patch, "/v1/events/t", body: "{\"name\":\(JSONText.quote(name))}", admin: true)
            #expect(patch.status == .badRequest)
        }
    }

    @Test("admin JSON with a repeated key or a byte-order mark is refused")
    func strictAdminJSON() async throws {
        try await withLiveApp { client, store in
            let repeated = try await client.json(.post, "/v1/events", body: #"{"id":"d","name":"D","prizes":1,"prizes":1000000}"#, admin: true)
            #expect(repeated.status == .badRequest && errorCode(repeated.json) == "invalid_request")
            let nested = try await client.json(
                .post, "/v1/events", body: #"{"id":"d","name":"D","prizes":1,"webhook":{"url":"http://a.example/","url":"http://b.example/","secret":"0123456789abcdef"}}"#,
                admin: true)
            #expect(nested.status == .badRequest)
            let bom = try await client.json(.post, "/v1/events", body: "\u{FEFF}{\"id\":\"d\",\"name\":\"D\",\"prizes\":1}", admin: true)
            #expect(bom.status == .badRequest)
            #expect((try? await store.event(id: "d")) == nil, "nothing was created")
            let fine = try await client.json(.post, "/v1/events", body: #"{"id":"d","name":"D","prizes":2}"#, admin: true)
            #expect(fine.status == .created && fine.json["prizes"] as? Int == 2)
        }
    }
}

/// The database holds names to the same 128 code points the service checks; a
/// row it still refuses fails alone, and the rest of its batch commits.
@Suite("Names in the schema")
struct SchemaNameTests {
    @Test("a name over 128 code points that skipped the checks is refused by the schema, alone, as 400", arguments: Backend.allCases)
    func schemaRefusesAlone(_ backend: Backend) async throws {
        try await withBackend(backend) { store, _ in
            _ = try await store.createEvent(try NewEvent(id: "s", name: "S", prizes: 10), now: Timestamp.now())
            try await GroupCommitter.running(store: store, maxBatch: 64) { committer in
                let long = String(repeating: "가", count: 129)
                let results = try await withThrowingTaskGroup(of: (String, Result<SubmitResult, any Error>).self) { group in
                    for user in [long] + (0..<20).map({ "ok-\($0)" }) {
                        group.addTask { (user, await Result.of { try await committer.submit(Submission(event: "s", user: user, payload: nil)) }) }
                    }
                    return try await group.reduce(into: [String: Result<SubmitResult, any Error>]()) { $0[$1.0] = $1.1 }
                }
                for (user, result) in results {
                    let refusal: FirstComeError? =
                        switch result {
                        case .success(.rejected(let error)): error
                        case .failure(let error as FirstComeError): error
                        default: nil
                        }
                    if user == long {
                        #expect(refusal?.status == .badRequest, "\(result)")
                    } else if case .success(.created) = result {
                    } else {
                        Issue.record("\(user): \(result)")
                    }
                }
                #expect(try await store.event(id: "s").entries == 20)
            }
        }
    }

    @Test("SQLite: the refused row is undone alone inside the batch's transaction, and the rows after it commit")
    func sqliteRowAlone() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let store = try SQLiteEntryStore(pool: pool)
            _ = try await store.createEvent(try NewEvent(id: "s", name: "S", prizes: 10), now: Timestamp.now())
            let batch = [String(repeating: "가", count: 129), "a", "b"].map { Submission(event: "s", user: $0, payload: nil) }
            let results = try await store.submit(batch, now: Timestamp.now())
            guard case .rejected(let error) = results[0] else { Issue.record("\(results[0])"); return }
            #expect(error.status == .badRequest)
            for result in results.dropFirst() {
                guard case .created = result else { Issue.record("\(result)"); continue }
            }
            #expect(try await store.event(id: "s").entries == 2)
        }
    }
}
