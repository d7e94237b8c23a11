import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Turns every error that leaves a handler into a `FirstComeError`, so no client
/// ever sees a bare 500 or Hummingbird's own error format.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as FirstComeError {
            if case .internalError = error { context.logger.error("internal error", metadata: ["path": "\(request.uri.path)"]) }
            throw error
        } catch {
            throw translate(error, request: request, context: context)
        }
    }

    func translate(_ error: any Error, request: Request, context: Context) -> FirstComeError {
        switch error {
        case let error as DecodingError:
            return .invalidRequest(DecodingErrorText.describe(error))
        case is NIOTooManyBytesError:
            return .payloadTooLarge("the request body is too large")
        case let error as HTTPParserError:
            // A malformed body (a bad chunk size, say) is the client's fault: 400, nothing logged.
            return .invalidRequest("the request could not be read as HTTP/1.1: \(error)")
        case let error as HTTPError:
            switch error.status {
            case .notFound: return .notFound("\(request.method) \(request.uri.path)")
            case .contentTooLarge: return .payloadTooLarge("the request body is too large")
            case .methodNotAllowed: return .methodNotAllowed("method \(request.method) is not allowed on \(request.uri.path)")
            case .unsupportedMediaType: return .unsupportedMediaType(error.body ?? "unsupported media type")
            case .unauthorized: return .unauthorized
            case .serviceUnavailable: return .shuttingDown
            default:
                if error.status.code >= 400 && error.status.code < 500 {
                    return .invalidRequest(error.body ?? error.status.reasonPhrase)
                }
            }
        default:
            break
        }
        context.logger.error("unexpected error", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
        return .internalError
    }
}

/// Readable one-line explanations of JSON decoding failures.
enum DecodingErrorText {
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "missing field '\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)'"
        case .typeMismatch(let type, let context):
            return "field '\(path(context.codingPath))' must be \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "field '\(path(context.codingPath))' must be \(typeName(type)), not null"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "the body is not valid JSON: \(context.debugDescription)" }
            return "field '\(path(context.codingPath))': \(context.debugDescription)"
        @unknown default:
            return "the body could not be decoded"
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int64.Type, is Int.Type: "an integer"
        case is Bool.Type: "true or false"
        default: "a \(type)".lowercased()
        }
    }
}
