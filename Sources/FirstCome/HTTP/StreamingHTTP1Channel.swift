import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1.1 child channel, except that a connection whose first
/// request is a live-update stream (`GET /v1/entries/{token}/events` for an
/// entry this node knows) is served on its event loop by `EventStreamConnection`
/// instead of by a task per connection. A connection Hummingbird serves keeps a
/// suspended task whose frames hold the deepest request path it has run (about
/// 16 KB); an open stream does not need one. Every other connection, and a
/// stream asked for later on a connection, goes to the router as before.
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
    }

    let http: HTTP1Channel
    let streams: EventStreams

    /// The pipeline of `HTTP1Channel.setup`, with the first-request handler where
    /// the async channel would go.
    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let configuration = http.configuration
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = configuration.httpDecoder.maxHeaderFieldSize
            limits.maxHeaderListSize = configuration.httpDecoder.maxHeaderListSize
            limits.maxHeaderFieldCount = configuration.httpDecoder.maxHeaderFieldCount
            let pipeline = channel.pipeline.syncOperations
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
                withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits)
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandlers(configuration.additionalChannelHandlers())
            let state = HTTPConnectionStateHandler(idleTimeout: configuration.idleTimeout.map { .nanoseconds($0.nanoseconds) }, logger: logger)
            let first = FirstRequestHandler(streams: streams, connectionState: state, kind: channel.eventLoop.makePromise())
            // Before the connection state handler, which takes the quiesce event and
            // would close a stream it never saw as a request once idle.
            try pipeline.addHandler(first)
            try pipeline.addHandler(state)
            return Value(channel: channel, kind: first.kind.futureResult)
        }
    }

    func handle(value: Value, logger: Logger) async {
        guard case .http(let asyncChannel)? = try? await value.kind.get() else { return }
        await http.handle(value: asyncChannel, logger: logger)
    }
}

/// Looks at a connection's first request head: a stream it can serve becomes an
/// `EventStreamConnection` in its place; anything else gets the async channel
/// Hummingbird serves from, and this handler leaves the pipeline.
final class FirstRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    let streams: EventStreams
    let connectionState: HTTPConnectionStateHandler
    let kind: EventLoopPromise<StreamingHTTP1Channel.Kind>
    private var decided = false

    init(streams: EventStreams, connectionState: HTTPConnectionStateHandler, kind: EventLoopPromise<StreamingHTTP1Channel.Kind>) {
        self.streams = streams
        self.connectionState = connectionState
        self.kind = kind
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !decided else { return context.fireChannelRead(data) }
        if case .head(let head) = unwrapInboundIn(data), let token = streams.token(of: head) {
            serveStream(context, head: head, token: token)
        } else {
            handOver(context, then: { $0.fireChannelRead(data) })
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A malformed first request: Hummingbird answers it as it always has.
        guard !decided else { return context.fireErrorCaught(error) }
        handOver(context, then: { $0.fireErrorCaught(error) })
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !decided {
            decided = true
            kind.fail(ChannelError.ioOnClosedChannel)
        }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if !decided {
            decided = true
            kind.fail(ChannelError.ioOnClosedChannel)
        }
    }

    /// Installs the async channel at the end of the pipeline, passes on what came
    /// and leaves.
    private func handOver(_ context: ChannelHandlerContext, then forward: (ChannelHandlerContext) -> Void) {
        decided = true
        do {
            let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                wrappingChannelSynchronously: context.channel, configuration: .init(isOutboundHalfClosureEnabled: true))
            kind.succeed(.http(asyncChannel))
            forward(context)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        } catch {
            kind.fail(error)
            context.close(promise: nil)
        }
    }

    private func serveStream(_ context: ChannelHandlerContext, head: HTTPRequest, token: String) {
        decided = true
        kind.succeed(.stream)
        let start = ContinuousClock.now
        let path = head.path ?? ""
        let client = streams.client(of: head, peer: context.channel.remoteAddress)
        let pipeline = context.pipeline.syncOperations
        // The stream decides when the connection ends; no idle timeout applies.
        pipeline.removeHandler(connectionState, promise: nil)
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
