import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Who is calling: the peer's IP address, or, when the peer is a trusted proxy,
/// the nearest address in `X-Forwarded-For` that is not itself a trusted proxy.
public struct ClientAddress: Sendable {
    /// Proxy IP addresses whose `X-Forwarded-For` is believed; empty means none.
    public let trustedProxies: Set<String>

    public init(trustedProxies: Set<String> = []) {
        self.trustedProxies = trustedProxies
    }

    func resolve(_ request: Request, peer: SocketAddress?) -> String {
        let peerIP = peer?.ipAddress ?? "unknown"
        guard trustedProxies.contains(peerIP) else { return peerIP }
        let hops = request.headers[values: .xForwardedFor].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        return hops.reversed().first { !trustedProxies.contains($0) && !$0.isEmpty } ?? peerIP
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}
