import AsyncHTTPClient
import Foundation
import Testing

@testable import FirstCome

/// One GET over real HTTP, the body as text.
enum HTTPFetch {
    static func get(_ url: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: testRequestTimeout)
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }
}
