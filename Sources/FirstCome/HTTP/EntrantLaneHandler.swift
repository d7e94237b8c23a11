import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Serves a connection's submissions and polls on its event loop (`EntrantLane`)
/// for as long as they are all it asks for. The first request of any other
/// kind (or a malformed one) hands the connection to Hummingbird: the async
/// channel is installed behind this handler, what came is passed on, and the
/// handler leaves. It sits after Hummingbird's connection state handler, which
/// so sees every request and reply (idle timeout, graceful shutdown) of both paths.
///
/// One request at a time: while a reply is awaited, reads are held and what
/// already arrived (a pipelining client) waits its turn, in order.
final class EntrantLaneHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private struct Reading {
        let route: EntrantLane.Route
        let head: HTTPRequest
        var body: ByteBuffer
        let start: ContinuousClock.Instant
    }

    private enum State {
        /// Between requests.
        case idle
        /// A lane request's head has come; its body is being read.
        case reading(Reading)
        /// Its reply is awaited.
        case answering
        /// Handed to Hummingbird, or closed.
        case gone
    }

    private enum Arrival {
        case part(HTTPRequestPart)
        case error(any Error)
    }

    private let lane: EntrantLane
    private let kind: ConnectionKind
    private var state = State.idle
    private var waiting = CircularBuffer<Arrival>()
    private var readHeld = false
    /// The client has closed its side: once what it sent is answered, the connection ends.
    private var inputClosed = false

    init(lane: EntrantLane, kind: ConnectionKind) {
        self.lane = lane
        self.kind = kind
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        arrive(context, .part(unwrapInboundIn(data)))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        arrive(context, .error(error))
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .gone
        kind.settle(.failure(ChannelError.ioOnClosedChannel))
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case ChannelEvent.inputClosed = event else { return context.fireUserInboundEventTriggered(event) }
        inputClosed = true
        if case .idle = state, waiting.isEmpty { context.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        kind.settle(.failure(ChannelError.ioOnClosedChannel))
    }

    func read(context: ChannelHandlerContext) {
        if case .answering = state { readHeld = true } else { context.read() }
    }

    private func arrive(_ context: ChannelHandlerContext, _ arrival: Arrival) {
        switch state {
        case .answering: waiting.append(arrival)
        case .gone: break
        case .idle, .reading: take(context, arrival)
        }
    }

    private func take(_ context: ChannelHandlerContext, _ arrival: Arrival) {
        switch (state, arrival) {
        case (.idle, .part(.head(let head))):
            guard let route = lane.route(of: head) else { return handOver(context, first: arrival) }
            state = .reading(Reading(route: route, head: head, body: ByteBuffer(), start: .now))
        case (.idle, _):
            // Anything else, errors included, is answered by Hummingbird's router.
            handOver(context, first: arrival)
        case (.reading(var reading), .part(.body(let bytes))):
            state = .idle  // no copy of the body while it grows
            reading.body.writeImmutableBuffer(bytes)
            state = .reading(reading)
        case (.reading(let reading), .part(.end)):
            state = .answering
            answer(context, reading)
        case (.reading, .error(let error)) where error is HTTPParserError:
            // As Hummingbird answers a request it cannot parse: 400, and close.
            state = .gone
            context.write(wrapOutboundOut(.head(HTTPResponse(status: .badRequest, headerFields: [.connection: "close", .contentLength: "0"]))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            context.close(promise: nil)
        case (.reading, _), (.answering, _), (.gone, _):
            state = .gone
            context.close(promise: nil)
        }
    }

    private func answer(_ context: ChannelHandlerContext, _ reading: Reading) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let client = lane.client(of: reading.head, peer: context.channel.remoteAddress)
        lane.serve(reading.route, body: reading.body, client: client, on: context.eventLoop) {
            bound.value.0.respond(bound.value.1, reading, $0, client: client)
        }
    }

    /// Writes the reply (unless the connection has gone meanwhile), counts and
    /// logs it, and goes on with what waited.
    private func respond(
        _ context: ChannelHandlerContext, _ reading: Reading, _ result: Result<EntrantLane.Reply, any Error>, client: String
    ) {
        let path = reading.head.path ?? ""
        let (head, body) = lane.response(result, path: path)
        lane.record(reading.route, status: Int(head.status.code), start: reading.start, path: path, client: client)
        guard case .answering = state else { return }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        state = .idle
        while let next = waiting.popFirst() {
            take(context, next)
            if case .answering = state { return }
            if case .gone = state { return }
        }
        if inputClosed {
            context.close(promise: nil)
        } else if readHeld {
            readHeld = false
            context.read()
        }
    }

    /// Installs the async channel at the end of the pipeline, passes on what came
    /// and leaves.
    private func handOver(_ context: ChannelHandlerContext, first: Arrival) {
        state = .gone
        do {
            let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                wrappingChannelSynchronously: context.channel, configuration: .init(isOutboundHalfClosureEnabled: true))
            kind.settle(.success(.http(asyncChannel)))
            for arrival in CollectionOfOne(first) + Array(waiting) {
                switch arrival {
                case .part(let part): context.fireChannelRead(wrapInboundOut(part))
                case .error(let error): context.fireErrorCaught(error)
                }
            }
            waiting.removeAll()
            if inputClosed { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
            // The async channel passes reads on at a read's completion; what waited
            // here may have been read long ago.
            context.fireChannelReadComplete()
            if readHeld {
                readHeld = false
                context.read()
            }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        } catch {
            kind.settle(.failure(error))
            context.close(promise: nil)
        }
    }
}

/// What a connection became (`StreamingHTTP1Channel.Kind`), settled once, on
/// its event loop, by whichever handler decides first.
final class ConnectionKind {
    let promise: EventLoopPromise<StreamingHTTP1Channel.Kind>
    private var settled = false

    init(promise: EventLoopPromise<StreamingHTTP1Channel.Kind>) {
        self.promise = promise
    }

    func settle(_ result: Result<StreamingHTTP1Channel.Kind, any Error>) {
        guard !settled else { return }
        settled = true
        promise.completeWith(result)
    }
}
