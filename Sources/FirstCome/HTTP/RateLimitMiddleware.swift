import Hummingbird

/// Applies a per-client-address rate limit to the routes it wraps (429 `rate_limited`).
struct RateLimitMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    let limiter: RateLimiter
    let clients: ClientAddress

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let client = clients.resolve(request, peer: context.remoteAddress)
        try limiter.admit(client: client)
        return try await next(request, context)
    }
}
