import Hummingbird

/// Counts every request and its latency by matched route, method and status.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: FirstComeMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let route = { context.endpointPath ?? "unmatched" }
        do {
            let response = try await next(request, context)
            metrics.recordRequest(route: route(), method: request.method.rawValue, status: Int(response.status.code), duration: .now - start)
            return response
        } catch let error as any HTTPResponseError {
            metrics.recordRequest(route: route(), method: request.method.rawValue, status: Int(error.status.code), duration: .now - start)
            throw error
        } catch {
            metrics.recordRequest(route: route(), method: request.method.rawValue, status: 500, duration: .now - start)
            throw error
        }
    }
}

extension ContinuousClock.Instant {
    fileprivate static var now: Self { ContinuousClock.now }
}
