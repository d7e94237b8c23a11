import Foundation
import HummingbirdTesting
import JWTKit
import Testing

@testable import FirstCome

@Suite("Admission tokens for winners", .serialized)
struct AdmissionTests {
    typealias Claims = AdmissionIssuer.Claims

    static var hasPyJWT: Bool {
        (try? Binary.shell("python3 -c 'import jwt, cryptography'")) == 0
    }

    func poll(_ client: any TestClientProtocol, _ token: String) async throws -> [String: Any] {
        try await client.json(.get, "/v1/entries/\(token)").json
    }

    @Test("winners get an ES256 JWT that verifies against the JWKS; rotation keeps old tokens valid")
    func admissionFlow() async throws {
        try await TemporaryDatabase.with { pool, directory in
        let store = try SQLiteEntryStore(pool: pool)
        let issuer = AdmissionIssuer(keys: try await AdmissionKeys(store: store), issuer: "drop-shop", lifetime: .seconds(600))
        try await liveApp(store: store, tick: .milliseconds(20), admission: { _ in issuer }) { client in
            try await client.json(.post, "/v1/events", body: #"{"id":"drop","name":"Drop","prizes":2}"#, admin: true)
            var tokens: [String] = []
            for user in ["ann", "bob", "cy"] {
                tokens.append((try await client.json(.post, "/v1/events/drop/entries", body: #"{"user":"\#(user)"}"#)).json["token"] as? String ?? "")
            }
            #expect(try await eventually { (try await client.json(.get, "/v1/events/drop")).json["waiting"] as? Int == 0 })

            let first = try await poll(client, tokens[0])
            let admission = try #require(first["admission"] as? [String: Any])
            let jwt = try #require(admission["token"] as? String)
            #expect(admission["expires_at"] is String)
            #expect((try await poll(client, tokens[2]))["admission"] == nil, "losers get none")

            let jwksResponse = try await client.execute(uri: "/.well-known/jwks.json", method: .get)
            let jwks = String(buffer: jwksResponse.body)
            let verifier = JWTKeyCollection()
            try await verifier.add(jwksJSON: jwks)
            let claims = try await verifier.verify(jwt, as: Claims.self)
            #expect(claims.iss.value == "drop-shop" && claims.aud.value == ["drop"] && claims.sub.value == "ann" && claims.seq == 1)
            #expect(Int(claims.exp.value.timeIntervalSince1970 - claims.iat.value.timeIntervalSince1970) == 600)
            #expect((try await poll(client, tokens[0]))["admission"] as? [String: Any] != nil)

            // Rotate: the next winner's token is signed with the new key; the old one still verifies.
            let (newKid, _) = try await AdmissionKeys.rotate(store: store, keepRetired: .seconds(3600))
            // The server reads the keys again within AdmissionKeys.refreshInterval; it has once both are published.
            #expect(try await eventually(timeout: .seconds(5)) {
                String(buffer: (try await client.execute(uri: "/.well-known/jwks.json", method: .get)).body).components(separatedBy: "\"kid\"").count == 3
            })
            let second = try #require((try await poll(client, tokens[1]))["admission"] as? [String: Any])
            let secondJWT = try #require(second["token"] as? String)
            let header = try #require(secondJWT.split(separator: ".").first.flatMap { Base64URL.decode($0) })
            #expect(String(decoding: header, as: UTF8.self).contains(newKid))
            let rotatedJWKS = String(buffer: (try await client.execute(uri: "/.well-known/jwks.json", method: .get)).body)
            #expect(rotatedJWKS.components(separatedBy: "\"kid\"").count == 3, "both keys are published")
            let rotated = JWTKeyCollection()
            try await rotated.add(jwksJSON: rotatedJWKS)
            #expect(try await rotated.verify(jwt, as: Claims.self).sub.value == "ann")
            #expect(try await rotated.verify(secondJWT, as: Claims.self).sub.value == "bob")

            if Self.hasPyJWT {
                try independentCheck(jwks: rotatedJWKS, tokens: [jwt, secondJWT], directory: directory)
            }
        }
        }
    }

    /// Verifies the tokens with PyJWT, a verifier that shares no code with firstcome.
    func independentCheck(jwks: String, tokens: [String], directory: TemporaryDatabase) throws {
        let jwksPath = directory.directory.appending(path: "jwks.json").path(percentEncoded: false)
        try jwks.write(toFile: jwksPath, atomically: true, encoding: .utf8)
        let script = """
            import json, sys, jwt
            keys = jwt.PyJWKSet.from_json(open(sys.argv[1]).read())
            for token in sys.argv[2:]:
                kid = jwt.get_unverified_header(token)["kid"]
                key = next(k for k in keys.keys if k.key_id == kid)
                claims = jwt.decode(token, key.key, algorithms=["ES256"], audience="drop", issuer="drop-shop")
                assert claims["seq"] in (1, 2) and claims["sub"] in ("ann", "bob")
            print("pyjwt ok")
            """
        let result = try Binary.runProcess("/usr/bin/env", ["python3", "-c", script, jwksPath] + tokens)
        #expect(result.status == 0 && result.out.contains("pyjwt ok"), "\(result.err)")
    }

    @Test("backup, restore: the JWKS is the same and an earlier admission token still verifies")
    func backupKeepsKeys() async throws {
        try await TemporaryDatabase.with { pool, directory in
            let store = try SQLiteEntryStore(pool: pool)
            let issuer = AdmissionIssuer(keys: try await AdmissionKeys(store: store), issuer: "drop-shop", lifetime: .seconds(600))
            let token = try await issuer.token(event: "drop", seq: 1, now: Timestamp.now()) { "ann" }
            let backup = directory.directory.appending(path: "backup.sqlite").path(percentEncoded: false)
            let restored = directory.directory.appending(path: "restored.sqlite").path(percentEncoded: false)
            _ = try Backup.backup(source: directory.path, to: backup)
            _ = try Backup.restore(from: backup, to: restored)
            let again = try FirstComeDatabase.open(path: restored)
            let jwks = try await AdmissionKeys(store: try SQLiteEntryStore(pool: again)).jwks()
            try again.close()
            #expect(jwks == (try await issuer.keys.jwks()))
            let verifier = JWTKeyCollection()
            try await verifier.add(jwksJSON: jwks)
            #expect(try await verifier.verify(token.jwt, as: Claims.self).sub.value == "ann")
        }
    }

    @Test("a key file from an earlier version is taken over: its tokens keep verifying")
    func legacyKeyFile() async throws {
        try await TemporaryDatabase.with { pool, directory in
            let key = try AdmissionKeys.newKey(now: 1)
            let file = AdmissionKeys.legacyFilePath(forDatabase: directory.path)
            try JSONEncoder().encode(AdmissionKeys.FileContents(keys: [key])).write(to: URL(fileURLWithPath: file))
            let keys = try await AdmissionKeys(store: try SQLiteEntryStore(pool: pool), legacyFile: file)
            #expect(try await keys.jwks().contains(key.kid))
        }
    }

    @Test("keys rotate through the CLI prunes long-retired keys")
    func rotateCLI() async throws {
        let directory = try TemporaryDatabase()
        defer { directory.remove() }
        let first = try Binary.run(["keys", "rotate", "--db", directory.path])
        #expect(first.status == 0 && first.out.contains("new signing key"))
        let second = try Binary.run(["keys", "rotate", "--db", directory.path, "--keep-s", "0"])
        try await Task.sleep(for: .milliseconds(10))
        let third = try Binary.run(["keys", "rotate", "--db", directory.path, "--keep-s", "0"])
        #expect(second.status == 0 && third.status == 0 && third.out.contains("removed"))
    }
}
