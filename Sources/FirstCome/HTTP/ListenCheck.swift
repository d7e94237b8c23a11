import NIOCore
import NIOPosix

/// Checks, before anything is created, that the service can listen where it was
/// told to, so a port in use fails at once with one line naming the address.
public enum ListenCheck {
    /// Binds `host:port` as the server will (port 0 needs no check) and lets it go.
    public static func ensureFree(host: String, port: Int) async throws {
        guard port != 0 else { return }
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port).get()
            try await channel.close()
        } catch {
            throw ListenError(address: "\(host):\(port)", reason: Self.reason(error))
        }
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? IOError {
            switch error.errnoCode {
            case 98: return "address already in use"
            case 13: return "permission denied"
            case 99: return "address not available on this machine"
            default: return "\(error)"
            }
        }
        return "\(error)"
    }
}

/// The service cannot listen on an address.
public struct ListenError: Error, CustomStringConvertible {
    public let address: String
    public let reason: String
    public var description: String { "cannot listen on \(address): \(reason)" }
}
