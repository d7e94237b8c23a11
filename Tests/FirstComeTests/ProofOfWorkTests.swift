import Crypto
import Foundation
import HummingbirdTesting
import NIOCore
import Testing

@testable import FirstCome

/// Proof-of-work at entry: challenges bound to event and user, one hash to check,
/// every refusal its own code and nothing recorded.
@Suite struct ProofOfWorkTests {
    let proofs = ProofOfWork(key: SymmetricKey(data: Array(repeating: UInt8(7), count: 32)))

    /// A nonce that gives fewer than `bits` zero bits.
    static func badNonce(_ challenge: String, bits: Int64) -> String {
        var counter = 0
        while ProofOfWork.leadingZeroBits(challenge: challenge, nonce: "x\(counter)") >= bits { counter += 1 }
        return "x\(counter)"
    }

    @Test func challengesBindEventUserAndTime() throws {
        let now: Int64 = 1_800_000_000_000
        let (challenge, expires) = proofs.challenge(eventKey: 5, user: "ann", now: now)
        #expect(expires == now + ProofOfWork.defaultLifetime * 1000)
        let nonce = ProofOfWork.solve(challenge: challenge, bits: 12)
        #expect(ProofOfWork.leadingZeroBits(challenge: challenge, nonce: nonce) >= 12)
        try proofs.verify(challenge: challenge, nonce: nonce, eventKey: 5, user: "ann", bits: 12, now: now)
        #expect(throws: FirstComeError.proofWrongUser) {
            try proofs.verify(challenge: challenge, nonce: nonce, eventKey: 5, user: "bob", bits: 12, now: now)
        }
        #expect(throws: FirstComeError.proofExpired) {
            try proofs.verify(challenge: challenge, nonce: nonce, eventKey: 5, user: "ann", bits: 12, now: expires)
        }
        #expect(throws: FirstComeError.proofInvalid("the challenge is for another event")) {
            try proofs.verify(challenge: challenge, nonce: nonce, eventKey: 6, user: "ann", bits: 12, now: now)
        }
        #expect(throws: FirstComeError.proofInvalid("SHA-256(challenge + nonce) does not start with 12 zero bits")) {
            try proofs.verify(challenge: challenge, nonce: Self.badNonce(challenge, bits: 12), eventKey: 5, user: "ann", bits: 12, now: now)
        }
        var forged = Array(challenge)
        forged[10] = forged[10] == "A" ? "B" : "A"
        #expect(throws: FirstComeError.proofInvalid("the challenge is not one this service made")) {
            try proofs.verify(challenge: String(forged), nonce: nonce, eventKey: 5, user: "ann", bits: 12, now: now)
        }
        let other = ProofOfWork(key: SymmetricKey(data: Array(repeating: UInt8(8), count: 32)))
        #expect(throws: FirstComeError.proofInvalid("the challenge is not one this service made")) {
            try other.verify(challenge: challenge, nonce: nonce, eventKey: 5, user: "ann", bits: 12, now: now)
        }
        #expect(throws: FirstComeError.self) {
            try proofs.verify(challenge: challenge, nonce: String(repeating: "1", count: 65), eventKey: 5, user: "ann", bits: 0, now: now)
        }
    }

    @Test func submissionsNeedAProof() async throws {
        try await withLiveApp { client, store in
            let created = try await client.json(.post, "/v1/events", body: #"{"id":"pow","name":"Pow","prizes":5,"pow_bits":10}"#, admin: true)
            #expect(created.status == .created && created.json["pow_bits"] as? Int == 10)
            let missing = try await client.json(.post, "/v1/events/pow/entries", body: #"{"user":"ann"}"#)
            #expect(missing.status == .forbidden && errorCode(missing.json) == "pow_required")

            let challenge = try await client.json(.get, "/v1/events/pow/challenge?user=ann")
            #expect(challenge.status == .ok && challenge.json["pow_bits"] as? Int == 10 && challenge.json["expires_at"] is String)
            let text = try #require(challenge.json["challenge"] as? String)
            let nonce = ProofOfWork.solve(challenge: text, bits: 10)
            let wrong = try await client.json(
                .post, "/v1/events/pow/entries", body: #"{"user":"ann","pow":{"challenge":"\#(text)","nonce":"\#(Self.badNonce(text, bits: 10))"}}"#)
            #expect(wrong.status == .forbidden && errorCode(wrong.json) == "pow_invalid", "\(wrong.json)")
            let foreign = try await client.json(.post, "/v1/events/pow/entries", body: #"{"user":"bob","pow":{"challenge":"\#(text)","nonce":"\#(nonce)"}}"#)
            #expect(foreign.status == .forbidden && errorCode(foreign.json) == "pow_wrong_user")
            let malformed = try await client.json(.post, "/v1/events/pow/entries", body: #"{"user":"ann","pow":{"challenge":"\#(text)"}}"#)
            #expect(malformed.status == .badRequest && errorCode(malformed.json) == "invalid_request")
            #expect(try await store.event(id: "pow").entries == 0)

            let good = try await client.json(.post, "/v1/events/pow/entries", body: #"{"user":"ann","pow":{"challenge":"\#(text)","nonce":"\#(nonce)"}}"#)
            #expect(good.status == .created && good.json["seq"] as? Int == 1)

            // The waiting page's form carries the same proof.
            let page = try await client.execute(uri: "/e/pow", method: .get)
            #expect(String(buffer: page.body).contains(#"data-bits="10""#))
            let second = try await client.json(.get, "/v1/events/pow/challenge?user=cy")
            let secondText = try #require(second.json["challenge"] as? String)
            let form = "user=cy&pow_challenge=\(secondText)&pow_nonce=\(ProofOfWork.solve(challenge: secondText, bits: 10))"
            let posted = try await client.execute(
                uri: "/e/pow", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: form))
            #expect(posted.status == .seeOther)
            let unsolved = try await client.execute(
                uri: "/e/pow", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "user=dee"))
            #expect(unsolved.status == .forbidden)

            #expect(try await client.json(.patch, "/v1/events/pow", body: #"{"pow_bits":27}"#, admin: true).status == .badRequest)
            #expect(try await client.json(.patch, "/v1/events/pow", body: #"{"pow_bits":0}"#, admin: true).status == .ok)
            #expect(try await client.json(.post, "/v1/events/pow/entries", body: #"{"user":"dee"}"#).status == .created)
            #expect(try await client.json(.get, "/v1/events/pow/challenge").status == .badRequest)
            #expect(try await client.json(.get, "/v1/events/none/challenge?user=a").status == .notFound)

            // The setting is in the audit log, and the log verifies.
            let records = try await store.controlLog(event: "pow").map(\.record)
            #expect(records.first?.hasSuffix(#""presence_timeout_s":null,"pow_bits":10}}}"#) == true)
            #expect(records.contains { $0.hasSuffix(#"{"patch":{"pow_bits":0}}}"#) })
            var verifier = AuditVerifier()
            try await AuditExport(store: store).write(eventID: "pow", includePayload: false) { try verifier.consume($0) }
            #expect(try verifier.finish().entries == 3)
        }
    }
}
