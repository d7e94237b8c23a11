import Foundation
import Hummingbird
import NIOCore

/// Reads JSON request bodies the same way on every route: JSON media type only
/// (415), bounded size (413), strict decoding (400 naming the field).
enum JSONBody {
    /// Largest request body accepted on any route.
    static let maxBytes = 16 * 1024
    /// Deepest nesting an admin body may have (its deepest field is two levels down).
    static let maxDepth = 16

    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let buffer = try await collect(request)
        // Foundation's decoder takes a leading byte-order mark and lets a repeated
        // key's first value win (`"prizes":1,"prizes":1000000`): refuse both first.
        var scanner = JSONScanner(buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? [])
        do {
            try scanner.checkDocument(maxDepth: maxDepth)
        } catch let failure as JSONScanner.Failure {
            throw FirstComeError.invalidRequest(failure.message)
        }
        do {
            return try JSONDecoder().decode(T.self, from: buffer)
        } catch let error as DecodingError {
            throw FirstComeError.invalidRequest(DecodingErrorText.describe(error))
        }
    }

    /// Like `decode`, but a request without a body (and without a media type) gives `nil`.
    static func decodeIfPresent<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T? {
        if request.headers[.contentType] == nil, (request.headers[.contentLength].flatMap { Int($0) } ?? 0) == 0 {
            let buffer = try await request.body.collect(upTo: maxBytes)
            guard buffer.readableBytes == 0 else {
                throw FirstComeError.unsupportedMediaType("send the body as JSON with 'Content-Type: application/json'")
            }
            return nil
        }
        return try await decode(type, from: request)
    }

    /// The body bytes of a JSON request, after the media type and size checks.
    static func bytes(from request: Request) async throws -> [UInt8] {
        let buffer = try await collect(request)
        return buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
    }

    static func collect(_ request: Request) async throws -> ByteBuffer {
        guard let contentType = request.headers[.contentType], isJSON(contentType) else {
            throw FirstComeError.unsupportedMediaType("send the body as JSON with 'Content-Type: application/json'")
        }
        return try await collectBody(request)
    }

    /// The body of any request, at most `maxBytes`, not empty.
    static func collectBody(_ request: Request) async throws -> ByteBuffer {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw FirstComeError.payloadTooLarge("the request body is larger than \(maxBytes) bytes")
        }
        guard buffer.readableBytes > 0 else { throw FirstComeError.invalidRequest("the request body is empty") }
        return buffer
    }

    /// `application/json` or any `application/…+json`, parameters and case ignored.
    static func isJSON(_ contentType: String) -> Bool {
        if contentType == "application/json" || contentType == "application/json; charset=utf-8" { return true }
        let media = contentType.utf8.prefix { $0 != UInt8(ascii: ";") }
            .drop { $0 == 0x20 || $0 == 0x09 }
        let trimmed = media.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
        let lower = String(decoding: trimmed.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
        return lower == "application/json" || (lower.hasPrefix("application/") && lower.hasSuffix("+json"))
    }
}

/// A coding key for any field name, used to find fields a body should not have.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    /// Rejects fields outside `allowed`: a typo such as `prize` must not pass silently.
    func rejectUnknownKeys(allowed: Set<String>) throws {
        let container = try container(keyedBy: AnyCodingKey.self)
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !allowed.contains($0) }) {
            throw FirstComeError.invalidRequest(
                "unknown field '\(unknown)'; allowed: \(allowed.sorted().joined(separator: ", "))")
        }
    }
}

extension KeyedDecodingContainer {
    /// Decodes an optional RFC 3339 time into milliseconds since 1970.
    func decodeTimestamp(forKey key: Key) throws -> Int64? {
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let ms = Timestamp.parse(text) else {
            throw FirstComeError.invalidRequest("'\(key.stringValue)' must be an RFC 3339 time such as 2026-12-01T09:00:00Z")
        }
        return ms
    }
}
