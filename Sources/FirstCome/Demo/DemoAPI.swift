import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The few admin and poll calls the demo makes, over real HTTP.
struct DemoAPI: Sendable {
    let base: String
    let adminToken: String

    struct EventFigures: Decodable {
        let entries: Int64
        let waiting: Int64
    }

    func createEvent(id: String, prizes: Int64) async throws {
        let body = "{\"id\":\(JSONText.quote(id)),\"name\":\"Demo giveaway\",\"prizes\":\(prizes)}"
        _ = try await call(.POST, "/v1/events", body: body, expect: 201)
    }

    func event(_ id: String) async throws -> EventFigures {
        try JSONDecoder().decode(EventFigures.self, from: try await call(.GET, "/v1/events/\(id)", expect: 200))
    }

    func winnerSeqs(_ id: String) async throws -> [Int64] {
        struct Winners: Decodable {
            struct Winner: Decodable { let seq: Int64 }
            let winners: [Winner]
        }
        let data = try await call(.GET, "/v1/events/\(id)/winners", expect: 200)
        return try JSONDecoder().decode(Winners.self, from: data).winners.map(\.seq)
    }

    func pollStatus(token: String) async throws -> String {
        struct Poll: Decodable { let status: String }
        return try JSONDecoder().decode(Poll.self, from: try await call(.GET, "/v1/entries/\(token)", expect: 200)).status
    }

    func call(_ method: HTTPMethod, _ path: String, body: String? = nil, expect: Int) async throws -> ByteBuffer {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(adminToken)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let data = try await response.body.collect(upTo: 64 * 1024 * 1024)
        guard Int(response.status.code) == expect else {
            throw DemoFailure(message: "\(method) \(path) answered \(response.status.code): \(String(buffer: data))")
        }
        return data
    }
}

/// A demo step that did not get the answer it needed.
public struct DemoFailure: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
