import Hummingbird

/// Lets a request through only with `Authorization: Bearer <admin token>`; the
/// scheme is case-insensitive (RFC 9110). A missing header and a wrong token are
/// told apart in the error message. Wrong tokens are limited per client address
/// (`TokenFailureLimit`): a limited address gets 429 whatever it sends.
struct AdminAuthMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    let token: AdminTokenWatch
    let failures: TokenFailureLimit
    let clients: ClientAddress

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let client = clients.resolve(request, peer: context.remoteAddress)
        try failures.check(client: client)
        guard let header = request.headers[.authorization], header.count > 7,
            header.prefix(7).lowercased() == "bearer "
        else {
            throw FirstComeError.unauthorized
        }
        let given = header.dropFirst(7).drop { $0 == " " }
        guard Self.constantTimeEquals(Array(given.utf8), Array(token.current.utf8)) else {
            failures.failed(client: client)
            throw FirstComeError.wrongAdminToken
        }
        return try await next(request, context)
    }

    /// Compares without an early exit, so timing does not reveal a matching prefix.
    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference: UInt8 = lhs.count == rhs.count ? 0 : 1
        for index in 0..<max(lhs.count, rhs.count) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}
