import Hummingbird
import Logging

/// `--access-log`: one info line per request with method, path (without the
/// query, which can carry entrant tokens), status, milliseconds and client.
struct AccessLogMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    let logger: Logger
    let clients: ClientAddress

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, context: context, status: Int(response.status.code), start: start)
            return response
        } catch let error as any HTTPResponseError {
            log(request, context: context, status: Int(error.status.code), start: start)
            throw error
        } catch {
            log(request, context: context, status: 500, start: start)
            throw error
        }
    }

    private func log(_ request: Request, context: Context, status: Int, start: ContinuousClock.Instant) {
        Self.log(
            logger, method: request.method.rawValue, path: request.uri.path, status: status, start: start,
            client: clients.resolve(request, peer: context.remoteAddress))
    }

    /// The access log line of one request (also written for streams served on the event loop).
    static func log(_ logger: Logger, method: String, path: String, status: Int, start: ContinuousClock.Instant, client: String) {
        let elapsed = ContinuousClock.now - start
        logger.info(
            "request",
            metadata: [
                "method": "\(method)", "path": "\(Self.path(path))", "status": "\(status)",
                "ms": "\(Int(elapsed.milliseconds.rounded()))", "client": "\(client)",
            ])
    }

    /// The path with an entrant token (`/v1/entries/<token>…`) shortened, so the
    /// log cannot be used to poll someone else's entry.
    static func path(_ path: String) -> String {
        let prefix = "/v1/entries/"
        guard path.hasPrefix(prefix) else { return path }
        let rest = path.dropFirst(prefix.count)
        let token = rest.prefix { $0 != "/" }
        return prefix + token.prefix(6) + "…" + rest.dropFirst(token.count)
    }
}
