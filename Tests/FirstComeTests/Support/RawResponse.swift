import Foundation
import Glibc
import Hummingbird
import HummingbirdTesting
import Testing

/// One HTTP/1.1 response read off a raw socket.
struct RawResponse {
    let status: Int
    /// Header names in lower case.
    let headers: [String: String]
    let body: String

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:] }
}

extension Socket {
    /// Reads `count` responses (each framed by its `Content-Length`), on a thread
    /// of its own; fewer if the peer closes or the timeout passes first.
    func responses(_ count: Int, timeout: Duration = .seconds(30)) async -> [RawResponse] {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: readResponses(count, timeout: timeout)) }
        }
    }

    private func readResponses(_ count: Int, timeout: Duration) -> [RawResponse] {
        let deadline = ContinuousClock.now + timeout
        var received = [UInt8]()
        var responses: [RawResponse] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while responses.count < count {
            if let (response, used) = Self.parse(received) {
                responses.append(response)
                received.removeFirst(used)
                continue
            }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { break }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            guard poll(&descriptor, 1, milliseconds) > 0 else { continue }
            let read = Glibc.read(fd, &buffer, buffer.count)
            if read <= 0 { break }
            received += buffer[0..<read]
        }
        return responses
    }

    /// The first complete response in `bytes` and how many bytes it took.
    private static func parse(_ bytes: [UInt8]) -> (RawResponse, Int)? {
        let separator = Array("\r\n\r\n".utf8)
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else { return nil }
        let lines = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        guard bytes.count >= end + 4 + length else { return nil }
        let status = Int(lines[0].split(separator: " ")[1]) ?? 0
        return (RawResponse(status: status, headers: headers, body: String(decoding: bytes[(end + 4)..<(end + 4 + length)], as: UTF8.self)), end + 4 + length)
    }
}
