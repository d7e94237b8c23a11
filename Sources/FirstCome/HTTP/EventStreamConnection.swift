import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// A live-update stream served on its connection's event loop: no task, no
/// async channel, just this handler, the HTTP codec and the entry's place in
/// the decision signal's table. It writes what `LiveUpdateSteps` says, wakes on
/// the signal (or the heartbeat), ends with the final status, at graceful
/// shutdown (the server's quiesce event) or when the client goes, and then
/// closes the connection.
final class EventStreamConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private let streams: EventStreams
    private let token: String
    private let path: String
    private let client: String
    private let start: ContinuousClock.Instant
    private var steps: LiveUpdateSteps
    /// The signal wait in progress, to end it when the stream ends first.
    private var ticket: UInt64?
    /// A wait for the minimum gap in progress.
    private var held: Scheduled<Void>?
    private var ended = false

    init(streams: EventStreams, token: String, path: String, client: String, start: ContinuousClock.Instant) {
        self.streams = streams
        self.token = token
        self.path = path
        self.client = client
        self.start = start
        self.steps = LiveUpdateSteps(minimumGap: streams.minimumGap)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        streams.store.live.streaming(token: token, open: true)
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .ok, headerFields: streams.headers()))), promise: nil)
        advance(context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The request's end, or anything a client sends after it: nothing to answer.
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            finish(context)  // graceful shutdown ends streams at once
        } else if case ChannelEvent.inputClosed = event {
            // The client closed its side: it reads no more, so the stream ends now,
            // not at the next heartbeat's failed write.
            stop()
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        stop()
        context.close(promise: nil)
    }

    /// Reads the entry, writes an event if its reply changed, and waits for the
    /// next decision, unless the status is final.
    private func advance(_ context: ChannelHandlerContext) {
        guard !ended else { return }
        if let until = steps.holdUntil() {
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let (streams, loop) = (streams, context.eventLoop)
            held = loop.scheduleTask(in: LiveUpdateSteps.timeAmount(until - .now)) {
                bound.value.0.held = nil
                streams.wake(on: loop) { bound.value.0.advance(bound.value.1) }
            }
            return
        }
        let version = streams.store.live.decisions.version
        guard let entry = streams.store.live.entryInMemory(token: token) else { return finish(context) }
        if let reply = streams.renderNow(entry) {
            step(context, entry: entry, reply: reply, version: version)
            return
        }
        // A winner's reply with an admission token is made asynchronously, once.
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let (streams, loop) = (streams, context.eventLoop)
        Task {
            let reply = try? await streams.render(entry)
            loop.execute {
                guard let reply else { return bound.value.0.finish(bound.value.1) }
                bound.value.0.step(bound.value.1, entry: entry, reply: reply, version: version)
            }
        }
    }

    private func step(_ context: ChannelHandlerContext, entry: EntryView, reply: String, version: UInt64) {
        guard !ended else { return }
        let step = steps.step(reply: reply, status: entry.status)
        guard !step.done else {
            if let text = step.text { write(context, text) }
            return finish(context)
        }
        guard let text = step.text else { return wait(context, after: version) }
        // The next wait starts once the client has taken this event (the socket
        // accepted it): a client that reads slowly gets fewer, newer events
        // instead of a queue of old ones in the server's memory.
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        write(context, text).whenSuccess { bound.value.0.wait(bound.value.1, after: version) }
    }

    /// Waits for the next decision after `version`, or the heartbeat.
    private func wait(_ context: ChannelHandlerContext, after version: UInt64) {
        guard !ended else { return }
        let signal = streams.store.live.decisions
        let ticket = signal.ticket()
        self.ticket = ticket
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let streams = streams
        signal.watch(after: version, ticket: ticket, timeout: LiveUpdateSteps.timeAmount(streams.heartbeat), on: loop) { changed in
            streams.wake(on: loop) { bound.value.0.woke(bound.value.1, ticket: ticket, changed: changed) }
        }
    }

    private func woke(_ context: ChannelHandlerContext, ticket: UInt64, changed: Bool) {
        guard !ended, self.ticket == ticket else { return }
        self.ticket = nil
        guard !changed else { return advance(context) }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        write(context, LiveUpdateSteps.keepAlive).whenSuccess { bound.value.0.advance(bound.value.1) }
    }

    @discardableResult
    private func write(_ context: ChannelHandlerContext, _ text: String) -> EventLoopFuture<Void> {
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.body(ByteBuffer(string: text))), promise: written)
        return written.futureResult
    }

    /// Ends the response and closes the connection.
    private func finish(_ context: ChannelHandlerContext) {
        guard !ended else { return }
        stop()
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        written.futureResult.whenComplete { _ in bound.value.close(promise: nil) }
    }

    /// The stream is over: its wait ends, its entrant stops counting as present, and
    /// the request is counted and logged.
    private func stop() {
        guard !ended else { return }
        ended = true
        held?.cancel()
        held = nil
        if let ticket { streams.store.live.decisions.end(ticket) }
        ticket = nil
        streams.store.live.streaming(token: token, open: false)
        streams.counts.close(token: token, client: client)
        streams.record(status: 200, start: start, path: path, client: client)
    }
}
