import Foundation
import Crypto
import Hummingbird
import Testing

@testable import FirstCome

@Suite("Domain rules and formats")
struct DomainTests {
    @Test("timestamps format as RFC 3339 UTC with milliseconds and parse back")
    func timestamps() {
        #expect(Timestamp.format(0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(951_782_400_123) == "2000-02-29T00:00:00.123Z")
        #expect(Timestamp.format(-1) == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp.parse("2000-02-29T00:00:00.123Z") == 951_782_400_123)
        #expect(Timestamp.parse("2000-02-29T09:00:00+09:00") == 951_782_400_000)
        #expect(Timestamp.parse("yesterday") == nil)
        for ms in stride(from: Int64(0), to: 4_000_000_000_000, by: 97_654_321_987) {
            #expect(Timestamp.parse(Timestamp.format(ms)) == ms)
        }
    }

    @Test("entrant tokens name their entry, carry a 128-bit MAC and reject any change")
    func tokens() {
        let codec = EntrantTokens(key: Array(repeating: 7, count: 32))
        let token = codec.token(eventKey: 3, seq: 123_456_789)
        #expect(token.count == 32)
        #expect(codec.verify(token)! == (3, 123_456_789))
        #expect(codec.token(eventKey: EntrantTokens.maxEventKey, seq: EntrantTokens.maxSeq).count == 32)
        #expect(codec.verify(codec.token(eventKey: EntrantTokens.maxEventKey, seq: EntrantTokens.maxSeq))! == (EntrantTokens.maxEventKey, EntrantTokens.maxSeq))
        let other = EntrantTokens(key: Array(repeating: 8, count: 32))
        #expect(other.verify(token) == nil, "another database's key does not accept it")
        let tokens = Set((1...2000).map { codec.token(eventKey: 1, seq: Int64($0)) })
        #expect(tokens.count == 2000)
        // Flipping any character, or any length change, is refused.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for index in token.indices {
            var altered = token
            let replacement = alphabet.first { $0 != token[index] }!
            altered.replaceSubrange(index...index, with: String(replacement))
            #expect(codec.verify(altered) == nil)
        }
        #expect(codec.verify(token + "A") == nil && codec.verify(String(token.dropLast())) == nil)
        #expect(codec.verify("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!") == nil)
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(Base64URL.decode("-_8") == [0xFB, 0xFF])
        #expect(codec.verify(String(repeating: "\u{E9}", count: 16)) == nil, "32 bytes of UTF-8, not of the alphabet")
        #expect(codec.verify(token.dropFirst(0))! == (3, 123_456_789), "a substring is read the same way")
    }

    @Test("hand-built JSON objects write integers as Swift prints them; the body buffer holds the same bytes")
    func jsonIntegers() throws {
        let values: [Int64] = [0, 1, 9, 10, 99, 100, -1, -10, 123_456_789, .max, .min]
        var object = JSONObject()
        for (index, value) in values.enumerated() { object.integer("v\(index)", value) }
        object.integer("none", nil)
        let expected = "{" + values.enumerated().map { "\"v\($0.offset)\":\($0.element)" }.joined(separator: ",") + ",\"none\":null}"
        #expect(object.json == expected)
        #expect(object.buffer == ByteBuffer(string: expected))
        let parsed = try JSONSerialization.jsonObject(with: Data(expected.utf8)) as? [String: Any]
        #expect(parsed?["v9"] as? Int64 == .max)
    }

    @Test("a token is its header and the first 16 bytes of HMAC-SHA256 over it, as in every earlier version")
    func tokenBytes() {
        for keyLength in [0, 1, 32, 63, 64, 65, 100] {
            let key = (0..<keyLength).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let codec = EntrantTokens(key: key)
            for (eventKey, seq) in [(Int64(1), Int64(1)), (3, 123_456_789), (EntrantTokens.maxEventKey, EntrantTokens.maxSeq)] {
                let header = EntrantTokens.header(eventKey: eventKey, seq: seq)
                let mac = HMAC<SHA256>.authenticationCode(for: header, using: SymmetricKey(data: key))
                #expect(codec.token(eventKey: eventKey, seq: seq) == Base64URL.encode(header + Array(mac).prefix(16)), "key of \(keyLength) bytes")
            }
        }
    }

    @Test("event ids are slugs", arguments: ["a", "summer-drop-2026", String(repeating: "x", count: 64)])
    func goodIDs(id: String) throws {
        try EventRules.checkID(id)
    }

    @Test("bad event ids are refused", arguments: ["", "-a", "A", "a_b", "a b", String(repeating: "x", count: 65), "é"])
    func badIDs(id: String) {
        #expect(throws: FirstComeError.self) { try EventRules.checkID(id) }
    }

    @Test("event fields are checked")
    func newEventRules() {
        #expect(throws: FirstComeError.self) { _ = try NewEvent(id: "e", name: "E", prizes: 0) }
        #expect(throws: FirstComeError.self) { _ = try NewEvent(id: "e", name: "E", prizes: 1_000_001) }
        #expect(throws: FirstComeError.self) { _ = try NewEvent(id: "e", name: " ", prizes: 1) }
        #expect(throws: FirstComeError.self) { _ = try NewEvent(id: "e", name: "E", prizes: 1, admitPerTick: 0) }
        #expect(throws: FirstComeError.self) { _ = try NewEvent(id: "e", name: "E", prizes: 1, opensAt: 10, closesAt: 10) }
        #expect(throws: FirstComeError.self) { _ = try EventPatch() }
    }

    @Test("users are 1 to 128 printable characters")
    func users() throws {
        try EventRules.checkUser("alice@example.com")
        try EventRules.checkUser(String(repeating: "가", count: 128))
        #expect(throws: FirstComeError.self) { try EventRules.checkUser("") }
        #expect(throws: FirstComeError.self) { try EventRules.checkUser(String(repeating: "a", count: 129)) }
        #expect(throws: FirstComeError.self) { try EventRules.checkUser("bell\u{7}") }
    }

    @Test("state follows sold out, admin close, closes_at and opens_at")
    func states() {
        var event = Event(
            key: 1, id: "e", name: "E", prizes: 2, mode: .queue, admitPerTick: nil, opensAt: 100, closesAt: 200,
            closedAt: nil, entries: 0, serving: 0, awarded: 0, createdAt: 0)
        #expect(event.state(at: 99) == .scheduled)
        #expect(event.state(at: 100) == .open)
        #expect(event.state(at: 200) == .closed)
        event.closedAt = 150
        #expect(event.state(at: 120) == .closed)
        event.awarded = 2
        #expect(event.state(at: 120) == .soldOut)
        #expect(event.acceptsEntries(at: 120))
    }

    @Test("admin token comparison")
    func constantTime() {
        typealias Auth = AdminAuthMiddleware<AppRequestContext>
        #expect(Auth.constantTimeEquals(Array("secret".utf8), Array("secret".utf8)))
        #expect(!Auth.constantTimeEquals(Array("secret".utf8), Array("secreT".utf8)))
        #expect(!Auth.constantTimeEquals(Array("secret".utf8), Array("secret2".utf8)))
        #expect(!Auth.constantTimeEquals([], Array("x".utf8)))
    }
}

import Hummingbird
typealias BasicRequestContextForTests = BasicRequestContext
