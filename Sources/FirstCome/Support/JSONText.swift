import Hummingbird

/// Small JSON text helpers for bodies written by hand: fields come out in the
/// documented order, and the hot paths skip `JSONEncoder`.
enum JSONText {
    /// `text` as a JSON string literal, quotes included.
    static func quote(_ text: String) -> String {
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// Builds one JSON object, field by field, in order, as UTF-8 bytes (cheaper
/// than growing a `String` on the hot paths: submit and poll replies).
struct JSONObject {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]

    init() {
        bytes.reserveCapacity(256)
    }

    /// Whether no field was written yet.
    var isEmpty: Bool { bytes.count == 1 }

    private mutating func key(_ name: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        append(name)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    private mutating func appendNull() {
        bytes.append(contentsOf: [UInt8(ascii: "n"), UInt8(ascii: "u"), UInt8(ascii: "l"), UInt8(ascii: "l")])
    }

    /// A string field; `nil` writes `null`.
    mutating func string(_ name: String, _ value: String?) {
        key(name)
        guard let value else { return appendNull() }
        var text = value
        let plain = text.withUTF8 { utf8 in
            !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") })
        }
        if plain {
            bytes.append(UInt8(ascii: "\""))
            text.withUTF8 { bytes.append(contentsOf: $0) }
            bytes.append(UInt8(ascii: "\""))
        } else {
            append(JSONText.quote(value))
        }
    }

    /// An integer field; `nil` writes `null`.
    mutating func integer(_ name: String, _ value: Int64?) {
        key(name)
        guard let value else { return appendNull() }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        // Digits written in place from the last one back (no String in between).
        var rest = value.magnitude
        var count = 1
        var probe = rest
        while probe >= 10 {
            probe /= 10
            count += 1
        }
        let end = bytes.count + count
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
        bytes.withUnsafeMutableBufferPointer { buffer in
            var index = end
            repeat {
                index -= 1
                buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
        }
    }

    /// A field whose value is already JSON text.
    mutating func raw(_ name: String, _ json: String) {
        key(name)
        append(json)
    }

    /// The finished object.
    var json: String {
        var finished = bytes
        finished.append(UInt8(ascii: "}"))
        return String(decoding: finished, as: UTF8.self)
    }

    /// The finished object as a response body (no detour through `String`).
    var buffer: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(bytes.count + 1)
        buffer.writeBytes(bytes)
        buffer.writeInteger(UInt8(ascii: "}"))
        return buffer
    }
}

extension Response {
    /// The headers of every JSON reply, built (and their values checked) once.
    static let jsonHeaders: HTTPFields = [.contentType: "application/json; charset=utf-8"]

    /// A JSON response with the given body text.
    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: jsonHeaders, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A JSON response with the given object as its body.
    static func json(_ object: JSONObject, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: jsonHeaders, body: .init(byteBuffer: object.buffer))
    }
}
