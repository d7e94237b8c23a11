import Foundation
import Glibc

/// One HTTP/1.1 reply read off a raw socket.
struct RawReply {
    let status: Int
    /// The head's lines after the status line, lower-cased names.
    let headers: [String: String]
    let body: String

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
}

extension Socket {
    /// Sends `text` and reads one reply with a `Content-Length` body; `nil` if
    /// none came complete within `timeout` or the peer closed first.
    func exchange(_ text: String, timeout: Duration = .seconds(30)) -> RawReply? {
        send(text)
        return readReply(timeout: timeout)
    }

    /// A request with the usual head: `Host`, a JSON body's length and type, and `extra` header lines.
    func request(_ method: String, _ path: String, body: String? = nil, extra: [String] = [], timeout: Duration = .seconds(30)) -> RawReply? {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for line in extra { head += line + "\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        return exchange(head + "\r\n" + (body ?? ""), timeout: timeout)
    }

    /// Reads one reply (a 1xx informational head is skipped when `skipInformational`).
    func readReply(timeout: Duration = .seconds(30), skipInformational: Bool = true) -> RawReply? {
        let deadline = ContinuousClock.now + timeout
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 8192)
        func fill() -> Bool {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return false }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            guard poll(&descriptor, 1, milliseconds) > 0 else { return ContinuousClock.now < deadline }
            let count = read(fd, &buffer, buffer.count)
            guard count > 0 else { return false }
            received += buffer[0..<count]
            return true
        }
        while true {
            var headEnd: Int?
            while headEnd == nil {
                if let range = received.firstRange(of: Array("\r\n\r\n".utf8)) {
                    headEnd = range.upperBound
                } else if !fill() {
                    return nil
                }
            }
            let head = String(decoding: received[..<headEnd!], as: UTF8.self)
            var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            guard !lines.isEmpty else { return nil }
            let statusLine = lines.removeFirst().split(separator: " ")
            guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
            var headers: [String: String] = [:]
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            if status < 200 && skipInformational {
                received.removeFirst(headEnd!)
                continue
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            while received.count < headEnd! + length {
                if !fill() { return nil }
            }
            return RawReply(status: status, headers: headers, body: String(decoding: received[headEnd!..<(headEnd! + length)], as: UTF8.self))
        }
    }

    /// Closes the sending side only (a FIN), keeping the socket open for reading.
    func finish() {
        _ = shutdown(fd, Int32(SHUT_WR))
    }
}

/// The same reads on a thread of their own: a blocking read on a test's task
/// would hold one of the few threads every live server in the test process
/// needs to answer.
extension Socket {
    func exchange(_ text: String, timeout: Duration = .seconds(30)) async -> RawReply? {
        await offThread { exchange(text, timeout: timeout) }
    }

    func request(_ method: String, _ path: String, body: String? = nil, extra: [String] = [], timeout: Duration = .seconds(30)) async -> RawReply? {
        await offThread { request(method, path, body: body, extra: extra, timeout: timeout) }
    }

    func readReply(timeout: Duration = .seconds(30), skipInformational: Bool = true) async -> RawReply? {
        await offThread { readReply(timeout: timeout, skipInformational: skipInformational) }
    }

    func readAll(timeout: Duration) async -> (text: String, closed: Bool) {
        await offThread { readAll(timeout: timeout) }
    }

    func readUntilClosed(timeout: Duration) async -> Bool {
        await offThread { readUntilClosed(timeout: timeout) }
    }
}

/// Runs blocking `work` on a new thread and returns its result.
func offThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: work()) }
    }
}

extension Socket {
    /// Reads until the text holds one of `markers`, the peer closes, or `timeout` passes.
    func readUntil(_ markers: [String], timeout: Duration = .seconds(20)) async -> String {
        await offThread {
            let deadline = ContinuousClock.now + timeout
            var text = ""
            while ContinuousClock.now < deadline, !markers.contains(where: text.contains) {
                let part = readAll(timeout: .milliseconds(100))
                text += part.text
                if part.closed { break }
            }
            return text
        }
    }
}
