import Foundation

/// An IPv4 or IPv6 address as its bytes, read from its text form, for the
/// decisions that depend on what an address is rather than how it is written:
/// rate-limit keys and the webhook target check.
public struct IPAddress: Sendable, Hashable {
    /// 4 bytes (IPv4) or 16 (IPv6), network order.
    public let bytes: [UInt8]

    /// Bits of an IPv6 address that name one site's network (one customer's /64).
    static let ipv6NetworkBits = 64

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses `1.2.3.4`, `2001:db8::1`, `[2001:db8::1]` and `fe80::1%eth0` (the zone is dropped).
    public init?(_ text: String) {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
        var v4 = in_addr()
        if inet_pton(AF_INET, String(text), &v4) == 1 {
            self.bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        guard text.contains(":"), inet_pton(AF_INET6, String(text), &v6) == 1 else { return nil }
        self.bytes = withUnsafeBytes(of: &v6) { Array($0) }
    }

    public var isIPv4: Bool { bytes.count == 4 }

    /// The address in its usual text form (IPv6 compressed, without brackets).
    public var text: String {
        var bytes = bytes
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = bytes.withUnsafeMutableBytes { inet_ntop(isIPv4 ? AF_INET : AF_INET6, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) stands for; else itself.
    public var unmapped: IPAddress {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return self }
        return IPAddress(bytes: Array(bytes[12..<16]))!
    }

    /// The key one client's requests share in a rate limiter: the IPv4 address
    /// (mapped or not), or the /64 an IPv6 address belongs to, since one
    /// subscriber is given a whole /64 and can pick any address in it.
    public var rateLimitKey: String {
        let address = unmapped
        if address.isIPv4 { return address.bytes.map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: Self.ipv6NetworkBits / 8, by: 2).map { String(UInt16(address.bytes[$0]) << 8 | UInt16(address.bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/\(Self.ipv6NetworkBits)"
    }

    /// Loopback, link-local, private, unique-local or unspecified (IPv4-mapped
    /// forms included): an address inside the operator's own networks, which a
    /// webhook must not reach unless the operator allows it.
    public var isInternal: Bool {
        let address = unmapped
        let b = address.bytes
        if address.isIPv4 {
            return b[0] == 127  // 127.0.0.0/8 loopback
                || b[0] == 10  // 10.0.0.0/8
                || (b[0] == 172 && (16...31).contains(b[1]))  // 172.16.0.0/12
                || (b[0] == 192 && b[1] == 168)  // 192.168.0.0/16
                || (b[0] == 169 && b[1] == 254)  // 169.254.0.0/16 link-local
                || b == [0, 0, 0, 0]  // unspecified
        }
        return b == [UInt8](repeating: 0, count: 15) + [1]  // ::1
            || b.allSatisfy { $0 == 0 }  // ::
            || (b[0] == 0xFE && b[1] & 0xC0 == 0x80)  // fe80::/10 link-local
            || b[0] & 0xFE == 0xFC  // fc00::/7 unique local
    }
}
