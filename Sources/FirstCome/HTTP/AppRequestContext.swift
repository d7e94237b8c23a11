import Hummingbird
import NIOCore

/// The request context of every firstcome route: Hummingbird's core storage plus
/// the peer address, which the rate limiter keys on.
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Bodies larger than this are refused with 413 before a handler reads them.
    public var maxUploadSize: Int { JSONBody.maxBytes }
}
