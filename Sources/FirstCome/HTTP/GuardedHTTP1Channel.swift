import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1.1 child channel with the connection cap
/// (`ConnectionBudget`) and `HTTP1ConnectionRules`, for the admin listener:
/// the public listener's `StreamingHTTP1Channel` applies the same two.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http: HTTP1Channel
    let budget: ConnectionBudget

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard budget.admit(channel) else { return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        return http.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try HTTP1ConnectionRules.add(to: channel)
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http.handle(value: value, logger: logger)
    }
}
