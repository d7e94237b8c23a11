import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import Yams

@testable import FirstCome

@Suite("OpenAPI document matches the running server")
struct OpenAPITests {
    static let repoDocument: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appending(path: "openapi.yaml"), encoding: .utf8)) ?? ""
    }()

    func spec() throws -> [String: Any] {
        try #require(try Yams.load(yaml: Self.repoDocument) as? [String: Any])
    }

    @Test("the served document is the one in the repository")
    func served() async throws {
        try await withLiveApp { client, _ in
            let served = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(String(buffer: served.body) == Self.repoDocument)
        }
    }

    /// One documented operation: its documented status codes, each with the
    /// required fields of its JSON schema.
    struct Operation: Sendable {
        let path: String
        let method: String
        let admin: Bool
        let responses: [String: [String]]
    }

    func operationsInSpec() throws -> [Operation] {
        let paths = try #require(try spec()["paths"] as? [String: [String: Any]])
        let schemas = try #require((try spec()["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
        var operations: [Operation] = []
        for (path, item) in paths {
            for (method, value) in item where ["get", "post", "patch", "put", "delete"].contains(method) {
                let operation = try #require(value as? [String: Any])
                let responses = try #require(operation["responses"] as? [String: Any])
                var documented: [String: [String]] = [:]
                for (code, response) in responses {
                    let schema = Self.schemaName(response).flatMap { schemas[$0] }
                    documented[code] = schema?["required"] as? [String] ?? []
                }
                operations.append(Operation(path: path, method: method, admin: operation["security"] != nil, responses: documented))
            }
        }
        return operations
    }

    @Test("every documented operation is routed, and its replies are documented and carry the required fields")
    func operations() async throws {
        let operations = try operationsInSpec()
        #expect(operations.count == 21)
        try await withLiveApp(tick: .milliseconds(20), admission: testAdmission()) { client, _ in
            try await client.json(.post, "/v1/events", body: #"{"id":"doc","name":"Doc","prizes":1}"#, admin: true)
            let entry = try await client.json(.post, "/v1/events/doc/entries", body: #"{"user":"u"}"#)
            let token = try #require(entry.json["token"] as? String)
            // Sold out and drained, so the commitment is final whatever the order below.
            #expect(try await eventually { (try await client.json(.get, "/v1/events/doc")).json["waiting"] as? Int == 0 })
            // A drawn lottery for GET draw, and one whose draw waits for its beacon for POST beacon.
            let closes = Timestamp.format(Timestamp.now() + 1_500)
            try await client.json(
                .post, "/v1/events", body: #"{"id":"drawn","name":"Drawn","prizes":1,"order":"lottery","closes_at":"\#(closes)"}"#, admin: true)
            try await client.json(
                .post, "/v1/events",
                body: #"{"id":"beacon","name":"Beacon","prizes":1,"order":"lottery","closes_at":"\#(closes)","beacon":"round 1"}"#, admin: true)
            try await client.json(.post, "/v1/events/drawn/entries", body: #"{"user":"u"}"#)
            // New entries go to an event of their own: one added to "doc" could wait for a
            // tick (PostgreSQL decides it there) and make its commitment not final yet.
            try await client.json(.post, "/v1/events", body: #"{"id":"open","name":"Open","prizes":10}"#, admin: true)
            #expect(try await eventually { (try await client.json(.get, "/v1/events/drawn/draw")).status == .ok })
            let bodies: [String: String] = [
                "post /v1/events": #"{"id":"doc2","name":"Doc","prizes":1}"#,
                "patch /v1/events/{id}": #"{"admit_per_tick":3}"#,
                "post /v1/events/{id}/entries": #"{"user":"v"}"#,
                "post /v1/events/{id}/beacon": #"{"value":"1f2e"}"#,
            ]
            let events = ["/v1/events/{id}/draw": "drawn", "/v1/events/{id}/beacon": "beacon", "/v1/events/{id}/entries": "open"]
            for operation in operations {
                let uri = operation.path.replacingOccurrences(of: "{id}", with: events[operation.path] ?? "doc")
                    .replacingOccurrences(of: "{token}", with: token)
                    + (operation.path.hasSuffix("/challenge") ? "?user=v" : "")
                let name = "\(operation.method) \(operation.path)"
                let reply = try await client.json(
                    HTTPRequest.Method(operation.method.uppercased())!, uri, body: bodies[name], admin: operation.admin)
                let code = String(reply.status.code)
                #expect(reply.status.code < 400, "\(name) failed with \(code)")
                guard let required = operation.responses[code] else {
                    Issue.record("\(name) answered \(code), which is not documented")
                    continue
                }
                for field in required {
                    #expect(reply.json.keys.contains(field), "\(name): reply lacks '\(field)'")
                }
            }
        }
    }

    static func schemaName(_ response: Any?) -> String? {
        guard let response = response as? [String: Any],
            let content = response["content"] as? [String: Any],
            let json = content["application/json"] as? [String: Any],
            let schema = json["schema"] as? [String: Any],
            let ref = schema["$ref"] as? String
        else { return nil }
        return ref.components(separatedBy: "/").last
    }
}
