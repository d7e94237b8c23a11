import AsyncHTTPClient
import Foundation
import NIOCore

/// The way to one webhook host for one event's round of deliveries: the host is
/// resolved once and its addresses checked (unless internal targets are
/// allowed), and the client connects only to the address that passed, so a
/// name that changes its answer in between (DNS rebinding) gains nothing. It
/// never follows redirects: a 3xx is a failed delivery, and the signed body is
/// never sent on elsewhere. Shut it down after the round.
final class WebhookTransport: Sendable {
    /// The URL host this transport serves.
    let host: String
    private let route: Result<HTTPClient, WebhookFailure>

    private init(host: String, route: Result<HTTPClient, WebhookFailure>) {
        self.host = host
        self.route = route
    }

    /// The host of `url` as the HTTP client reads it.
    static func host(of url: String) -> String {
        URL(string: url)?.host ?? ""
    }

    /// Resolves and checks the host of `url`; a refused or unresolvable host gives
    /// a transport whose every post fails with that reason.
    static func open(url: String, allowInternal: Bool) async -> WebhookTransport {
        let host = host(of: url)
        let addresses = (try? await WebhookAddresses.resolve(host)) ?? []
        guard let first = addresses.first else { return WebhookTransport(host: host, route: .failure(.noResponse)) }
        if !allowInternal && addresses.contains(where: \.isInternal) {
            return WebhookTransport(host: host, route: .failure(.internalAddress))
        }
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        if IPAddress(host) == nil { configuration.dnsOverride = [host: first.text] }
        return WebhookTransport(host: host, route: .success(HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)))
    }

    /// Sends `request`; the status code of the answer, whatever it is.
    func post(_ request: HTTPClientRequest, timeout: Duration) async throws(WebhookFailure) -> Int {
        let client = try route.get()
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout.milliseconds)))
            _ = try? await response.body.collect(upTo: Self.answerLimit)
            return Int(response.status.code)
        } catch {
            throw .noResponse
        }
    }

    /// Most bytes of an answer read (and dropped) so the connection can be reused.
    static let answerLimit = 64 * 1024

    func shutdown() async {
        if case .success(let client) = route { try? await client.shutdown() }
    }
}
