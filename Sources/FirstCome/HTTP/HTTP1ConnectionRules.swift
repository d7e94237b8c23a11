import Foundation
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// What HTTP/1.x says about a connection that the HTTP types codec after it
/// cannot carry: an HTTP/1.0 request without keep-alive (or any request with
/// `Connection: close`) ends its connection after its reply, and a request
/// with `Expect: 100-continue` is told to send its body (100 Continue) at once.
/// It sits between NIO's HTTP/1 codec and `HTTP1ToHTTPServerCodec` on both
/// listeners and on every path.
final class HTTP1ConnectionRules: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// For each request whose reply has not ended, in order: whether the
    /// connection closes after that reply.
    private var closeAfter = CircularBuffer<Bool>()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else { return context.fireChannelRead(data) }
        closeAfter.append(!head.isKeepAlive)
        if head.version.major == 1 && head.version.minor >= 1, Self.expectsContinue(head.headers) {
            head.headers.remove(name: "expect")
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where head.status.code >= 200 && closeAfter.first == true:
            head.headers.replaceOrAdd(name: "connection", value: "close")
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end(let trailers):
            guard let close = closeAfter.popFirst(), close else { return context.write(data, promise: promise) }
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.cascade(to: promise)
            context.writeAndFlush(wrapOutboundOut(.end(trailers)), promise: written)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.futureResult.whenComplete { _ in bound.value.close(promise: nil) }
        default:
            context.write(data, promise: promise)
        }
    }

    /// Whether the headers ask for 100 Continue (RFC 9110: the token, case-insensitive).
    static func expectsContinue(_ headers: HTTPHeaders) -> Bool {
        headers["expect"].contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "100-continue" }
    }

    /// Adds the rules to a channel whose HTTP/1 pipeline is set up, before the HTTP types codec.
    static func add(to channel: any Channel) throws {
        let pipeline = channel.pipeline.syncOperations
        let codec = try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)
        try pipeline.addHandler(HTTP1ConnectionRules(), position: .before(codec))
    }
}
