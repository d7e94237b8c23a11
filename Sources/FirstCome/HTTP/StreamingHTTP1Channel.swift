import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1.1 child channel, except for what is served on the
/// connection's event loop instead of by a task per connection:
/// - a connection whose first request is a live-update stream
///   (`GET /v1/entries/{token}/events` for an entry this node knows) is served
///   by `EventStreamConnection`. A connection Hummingbird serves keeps a
///   suspended task whose frames hold the deepest request path it has run
///   (about 16 KB); an open stream does not need one;
/// - submissions and polls are served by `EntrantLaneHandler` until the
///   connection asks for anything else, which goes to the router from then on
///   (so does a stream asked for later on a connection).
struct StreamingHTTP1Channel: ServerChildChannel {
    /// A connection and what its first request made of it.
    struct Value: ServerChildChannelValue {
        let channel: any Channel
        let kind: EventLoopFuture<Kind>
    }

    enum Kind: Sendable {
        /// Served by Hummingbird, through this async channel.
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// A stream served on the event loop.
        case stream
        /// Closed on arrival: the connection cap was reached.
        case shed
    }

    let http: HTTP1Channel
    let streams: EventStreams
    let lane: EntrantLane
    let budget: ConnectionBudget

    /// The pipeline of `HTTP1Channel.setup`, with the first-request handler before
    /// the connection state handler and the lane where the async channel would go.
    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard budget.admit(channel) else {
            return channel.eventLoop.makeSucceededFuture(Value(channel: channel, kind: channel.eventLoop.makeSucceededFuture(.shed)))
        }
        return channel.eventLoop.makeCompletedFuture {
            let configuration = http.configuration
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = configuration.httpDecoder.maxHeaderFieldSize
            limits.maxHeaderListSize = configuration.httpDecoder.maxHeaderListSize
            limits.maxHeaderFieldCount = configuration.httpDecoder.maxHeaderFieldCount
            let pipeline = channel.pipeline.syncOperations
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
                withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits)
            try pipeline.addHandler(HTTP1ConnectionRules())
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandlers(configuration.additionalChannelHandlers())
            let state = HTTPConnectionStateHandler(idleTimeout: configuration.idleTimeout.map { .nanoseconds($0.nanoseconds) }, logger: logger)
            let kind = ConnectionKind(promise: channel.eventLoop.makePromise())
            let laneHandler = EntrantLaneHandler(lane: lane, kind: kind)
            let first = FirstRequestHandler(streams: streams, connectionState: state, lane: laneHandler, kind: kind)
            // Before the connection state handler, which takes the quiesce event and
            // would close a stream it never saw as a request once idle.
            try pipeline.addHandler(first)
            try pipeline.addHandler(state)
            try pipeline.addHandler(laneHandler)
            return Value(channel: channel, kind: kind.promise.futureResult)
        }
    }

    func handle(value: Value, logger: Logger) async {
        guard case .http(let asyncChannel)? = try? await value.kind.get() else { return }
        await http.handle(value: asyncChannel, logger: logger)
    }
}

/// Looks at a connection's first request head: a stream it can serve becomes an
/// `EventStreamConnection` in its place; anything else is passed on to the
/// entrant lane (which serves it or hands the connection to Hummingbird), and
/// this handler leaves.
final class FirstRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    let streams: EventStreams
    let connectionState: HTTPConnectionStateHandler
    let lane: EntrantLaneHandler
    let kind: ConnectionKind
    private var decided = false

    init(streams: EventStreams, connectionState: HTTPConnectionStateHandler, lane: EntrantLaneHandler, kind: ConnectionKind) {
        self.streams = streams
        self.connectionState = connectionState
        self.lane = lane
        self.kind = kind
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !decided else { return context.fireChannelRead(data) }
        if case .head(let head) = unwrapInboundIn(data), let token = streams.token(of: head) {
            serveStream(context, head: head, token: token)
        } else {
            passOn(context, then: { $0.fireChannelRead(data) })
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A malformed first request: the lane hands it to Hummingbird, whose answer to it is the router's.
        guard !decided else { return context.fireErrorCaught(error) }
        passOn(context, then: { $0.fireErrorCaught(error) })
    }

    func channelInactive(context: ChannelHandlerContext) {
        decided = true
        kind.settle(.failure(ChannelError.ioOnClosedChannel))
        context.fireChannelInactive()
    }

    /// Passes on what came and leaves.
    private func passOn(_ context: ChannelHandlerContext, then forward: (ChannelHandlerContext) -> Void) {
        decided = true
        forward(context)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func serveStream(_ context: ChannelHandlerContext, head: HTTPRequest, token: String) {
        decided = true
        kind.settle(.success(.stream))
        let start = ContinuousClock.now
        let path = head.path ?? ""
        let client = streams.client(of: head, peer: context.channel.remoteAddress)
        let pipeline = context.pipeline.syncOperations
        // The stream decides when the connection ends; no idle timeout applies,
        // and no other request follows it.
        pipeline.removeHandler(connectionState, promise: nil)
        pipeline.removeHandler(lane, promise: nil)
        if let refusal = streams.limit(token: token, client: client) {
            refuse(context, refusal)
            streams.record(status: Int(refusal.status.code), start: start, path: path, client: client)
            return
        }
        do {
            try pipeline.addHandler(
                EventStreamConnection(streams: streams, token: token, path: path, client: client, start: start), position: .after(self))
            pipeline.removeHandler(context: context, promise: nil)
        } catch {
            context.close(promise: nil)
        }
    }

    /// Answers with the error, as the router's error mapping writes it, and closes.
    private func refuse(_ context: ChannelHandlerContext, _ error: FirstComeError) {
        var body = ByteBuffer(string: error.jsonBody)
        var headers = error.headers
        headers[.contentLength] = String(body.readableBytes)
        headers[.connection] = "close"
        headers[.server] = streams.serverName
        context.write(wrapOutboundOut(.head(HTTPResponse(status: error.status, headerFields: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(body.readSlice(length: body.readableBytes)!)), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        written.futureResult.whenComplete { _ in bound.value.close(promise: nil) }
    }
}
