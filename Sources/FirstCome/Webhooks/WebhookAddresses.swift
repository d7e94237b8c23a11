import Foundation
import NIOPosix

/// Which hosts a webhook may reach: none inside the operator's own networks
/// (`IPAddress.isInternal`) unless `serve --webhook-allow-private` says so, since
/// whoever sets an event's webhook would otherwise make the server post to its
/// neighbours. Checked when the URL is set and again after DNS at each delivery.
enum WebhookAddresses {
    /// The 400 of a URL whose host is itself an internal address (an IP literal or `localhost`).
    static func checkWhenSet(_ target: WebhookTarget) throws(FirstComeError) {
        guard let host = URLComponents(string: target.url)?.host, refusedLiteral(host) else { return }
        throw FirstComeError.invalidRequest(
            "'webhook.url' must not name a loopback, link-local, private or unspecified address (\(host)); "
                + "serve --webhook-allow-private allows such targets")
    }

    /// Whether `host`, as written, is `localhost` or an internal IP address
    /// (short IPv4 forms such as `127.1` included, as resolvers read them).
    static func refusedLiteral(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        if name == "localhost" || name.hasSuffix(".localhost") { return true }
        if let address = IPAddress(name) { return address.isInternal }
        var v4 = in_addr()
        guard name.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == "x" }), inet_aton(name, &v4) != 0 else { return false }
        return IPAddress(bytes: withUnsafeBytes(of: &v4) { Array($0) })?.isInternal ?? false
    }

    /// Every address `host` resolves to (itself when it is an IP literal), by the
    /// system resolver on NIO's blocking-work pool; empty when it does not resolve.
    static func resolve(_ host: String) async throws -> [IPAddress] {
        if let literal = IPAddress(host) { return [literal] }
        return try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
            defer { freeaddrinfo(first) }
            var found: [IPAddress] = []
            var next: UnsafeMutablePointer<addrinfo>? = first
            while let entry = next {
                if let socket = entry.pointee.ai_addr, let address = Self.address(socket, family: entry.pointee.ai_family),
                    !found.contains(address)
                {
                    found.append(address)
                }
                next = entry.pointee.ai_next
            }
            return found
        }
    }

    private static func address(_ socket: UnsafeMutablePointer<sockaddr>, family: Int32) -> IPAddress? {
        switch family {
        case AF_INET:
            return socket.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                var raw = pointer.pointee.sin_addr
                return IPAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) })
            }
        case AF_INET6:
            return socket.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                var raw = pointer.pointee.sin6_addr
                return IPAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) })
            }
        default:
            return nil
        }
    }
}
