import Hummingbird

/// Refuses request URIs longer than `maxLength` bytes with 414 `uri_too_long`.
struct URILengthMiddleware<Context: RequestContext>: RouterMiddleware {
    var maxLength = 2048

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.description.utf8.count <= maxLength else { throw FirstComeError.uriTooLong }
        return try await next(request, context)
    }
}
