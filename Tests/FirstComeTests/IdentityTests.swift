import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import JWTKit
import Testing

@testable import FirstCome

@Suite("Verified identity (JWT) per event")
struct IdentityTests {
    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var iss: IssuerClaim?
        var aud: AudienceClaim?
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static let secret = "an-operator-secret-of-at-least-32-bytes!"

    func claims(_ sub: String, expiresIn seconds: Double = 300, iss: String? = "shop", aud: String? = "drop") -> Claims {
        Claims(sub: .init(value: sub), exp: .init(value: Date().addingTimeInterval(seconds)), iss: iss.map { .init(value: $0) }, aud: aud.map { .init(value: [$0]) })
    }

    func hs256(_ claims: Claims, secret: String = secret) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(claims)
    }

    func createEvent(_ client: any TestClientProtocol, algorithm: String, key: String) async throws {
        let identity = #"{"algorithm":"\#(algorithm)","key":\#(JSONText.quote(key)),"issuer":"shop","audience":"drop"}"#
        let reply = try await client.json(.post, "/v1/events", body: #"{"id":"drop","name":"Drop","prizes":3,"identity":\#(identity)}"#, admin: true)
        #expect(reply.status == .created)
        let shown = reply.json["identity"] as? [String: Any]
        #expect(shown?["algorithm"] as? String == algorithm && shown?["key"] == nil, "the key is never shown")
    }

    func submit(_ client: any TestClientProtocol, _ body: String) async throws -> (status: Int, code: String?, seq: Int?) {
        let reply = try await client.json(.post, "/v1/events/drop/entries", body: body)
        return (Int(reply.status.code), errorCode(reply.json), reply.json["seq"] as? Int)
    }

    @Test("the waiting page takes the operator's token from its link into the form")
    func waitingPage() async throws {
        try await withLiveApp { client, _ in
            try await createEvent(client, algorithm: "HS256", key: Self.secret)
            let bare = String(buffer: try await client.execute(uri: "/e/drop", method: .get, headers: [:], body: nil).body)
            #expect(bare.contains("sign in on the organiser") && !bare.contains("<form"))
            let good = try await hs256(claims("alice"))
            let linked = String(buffer: try await client.execute(uri: "/e/drop?identity_token=\(good)", method: .get, headers: [:], body: nil).body)
            #expect(linked.contains(#"<input type="hidden" name="identity_token" value="\#(good)">"#))
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let entered = try await client.execute(uri: "/e/drop", method: .post, headers: form, body: ByteBuffer(string: "user=&identity_token=\(good)"))
            #expect(entered.status == .seeOther)
            let location = try #require(entered.headers[.location])
            // Waiting, or already decided by the scheduler: the page names the entry's number either way.
            let shown = String(buffer: try await client.execute(uri: location, method: .get, headers: [:], body: nil).body)
            #expect(shown.contains("You are number\u{00A0}1") || shown.contains("Your number:\u{00A0}1"), "\(shown)")
            let forged = try await hs256(claims("bob"), secret: String(repeating: "x", count: 40))
            let refused = try await client.execute(uri: "/e/drop", method: .post, headers: form, body: ByteBuffer(string: "identity_token=\(forged)"))
            #expect(refused.status == .unauthorized && String(buffer: refused.body).contains(#"role="alert""#))
        }
    }

    @Test("HS256: the entry's user is the token's subject; missing, forged, expired, wrong issuer or audience are 401")
    func hs256Flow() async throws {
        try await withLiveApp { client, store in
            try await createEvent(client, algorithm: "HS256", key: Self.secret)
            let missing = try await submit(client, #"{"user":"alice"}"#)
            #expect(missing.status == 401 && missing.code == "identity_required")

            let good = try await hs256(claims("alice"))
            let first = try await submit(client, #"{"identity_token":"\#(good)"}"#)
            #expect(first.status == 201 && first.seq == 1)
            let again = try await submit(client, #"{"identity_token":"\#(try await hs256(claims("alice")))","user":"alice"}"#)
            #expect(again.status == 200 && again.seq == 1, "one person, one entry, however many tokens")

            let cases: [(String, String)] = [
                (try await hs256(claims("bob"), secret: String(repeating: "x", count: 40)), "forged"),
                (try await hs256(claims("bob", expiresIn: -60)), "expired"),
                (try await hs256(claims("bob", iss: "elsewhere")), "wrong issuer"),
                (try await hs256(claims("bob", aud: "other")), "wrong audience"),
                ("not.a.jwt", "malformed"),
            ]
            for (token, what) in cases {
                let reply = try await submit(client, #"{"identity_token":"\#(token)"}"#)
                #expect(reply.status == 401 && reply.code == "invalid_identity", "\(what)")
            }
            let mismatch = try await submit(client, #"{"identity_token":"\#(try await hs256(claims("carol")))","user":"mallory"}"#)
            #expect(mismatch.status == 401 && mismatch.code == "invalid_identity")

            let users = try await store.auditEntries(event: "drop", after: 0, limit: 100).1.map(\.user)
            #expect(users == ["alice"])
        }
    }

    /// A JWT with `header` as its header, signed with HMAC-SHA256 under `secret` whatever the header says.
    func hs256Signed(header: String, _ claims: Claims) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        let payload = try encoder.encode(claims)
        let signingInput = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: SymmetricKey(data: Array(Self.secret.utf8)))
        return signingInput + "." + Base64URL.encode(Array(mac))
    }

    @Test("a token whose header names another algorithm is refused; the subject is trimmed and normalised like a name")
    func algorithmAndSubject() async throws {
        try await withLiveApp { client, store in
            try await createEvent(client, algorithm: "HS256", key: Self.secret)
            let genuine = try hs256Signed(header: #"{"alg":"HS256","typ":"JWT"}"#, claims("ann"))
            #expect(try await submit(client, #"{"identity_token":"\#(genuine)"}"#).status == 201)
            for header in [#"{"alg":"HS512","typ":"JWT"}"#, #"{"alg":"none"}"#, #"{"typ":"JWT"}"#, #"{"alg":"HS256","alg":"none"}"#] {
                let token = try hs256Signed(header: header, claims("bob"))
                let reply = try await submit(client, #"{"identity_token":"\#(token)"}"#)
                #expect(reply.status == 401 && reply.code == "invalid_identity", "\(header)")
            }
            let spaced = try await submit(client, #"{"identity_token":"\#(try await hs256(claims("  José ")))"}"#)
            let decomposed = try await submit(client, #"{"identity_token":"\#(try await hs256(claims("Jose\u{301}")))"}"#)
            #expect(spaced.status == 201 && decomposed.status == 200 && decomposed.seq == spaced.seq, "one person, one entry")
            let invisible = try await submit(client, #"{"identity_token":"\#(try await hs256(claims("\u{FEFF}")))"}"#)
            #expect(invisible.status == 401 && invisible.code == "invalid_identity")
            let users = try await store.auditEntries(event: "drop", after: 0, limit: 100).1.map(\.user)
            #expect(users == ["ann", "José"])
        }
    }

    @Test("ES256: tokens signed with the operator's private key are accepted")
    func es256() async throws {
        let privateKey = P256.Signing.PrivateKey()
        try await withLiveApp { client, _ in
            try await createEvent(client, algorithm: "ES256", key: privateKey.publicKey.pemRepresentation)
            let keys = JWTKeyCollection()
            await keys.add(ecdsa: try ES256PrivateKey(pem: privateKey.pemRepresentation))
            let token = try await keys.sign(claims("dora"))
            #expect(try await submit(client, #"{"identity_token":"\#(token)"}"#).status == 201)
            let otherKeys = JWTKeyCollection()
            await otherKeys.add(ecdsa: ES256PrivateKey())
            let forged = try await otherKeys.sign(claims("eve"))
            #expect(try await submit(client, #"{"identity_token":"\#(forged)"}"#).code == "invalid_identity")
        }
    }

    @Test("RS256: tokens signed with an RSA key made by openssl are accepted", .enabled(if: (try? Binary.shell("command -v openssl")) == 0))
    func rs256() async throws {
        let directory = try TemporaryDatabase()
        defer { directory.remove() }
        let privatePath = directory.directory.appending(path: "rsa.pem").path(percentEncoded: false)
        let publicPath = directory.directory.appending(path: "rsa.pub").path(percentEncoded: false)
        #expect(try Binary.shell("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out \(privatePath) && openssl pkey -in \(privatePath) -pubout -out \(publicPath)") == 0)
        let privatePEM = try String(contentsOfFile: privatePath, encoding: .utf8)
        let publicPEM = try String(contentsOfFile: publicPath, encoding: .utf8)
        try await withLiveApp { client, _ in
            try await createEvent(client, algorithm: "RS256", key: publicPEM)
            let keys = JWTKeyCollection()
            await keys.add(rsa: try Insecure.RSA.PrivateKey(pem: privatePEM), digestAlgorithm: .sha256)
            #expect(try await submit(client, #"{"identity_token":"\#(try await keys.sign(claims("frank")))"}"#).status == 201)
        }
    }

    @Test("identity settings are checked when the event is created")
    func badRules() async throws {
        try await withLiveApp { client, _ in
            for identity in [#"{"algorithm":"HS256","key":"short"}"#, #"{"algorithm":"none","key":"x"}"#,
                             #"{"algorithm":"ES256","key":"not a pem"}"#, #"{"algorithm":"HS256"}"#] {
                let reply = try await client.json(.post, "/v1/events", body: #"{"id":"x","name":"X","prizes":1,"identity":\#(identity)}"#, admin: true)
                #expect(reply.status == .badRequest && errorCode(reply.json) == "invalid_request", "\(identity)")
            }
        }
    }
}
