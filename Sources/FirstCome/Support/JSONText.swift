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

/// Builds one JSON object, field by field, in order.
struct JSONObject {
    private(set) var text = "{"

    init() {
        text.reserveCapacity(256)
    }

    private mutating func key(_ name: String) {
        if text.utf8.count > 1 { text += "," }
        text += "\""
        text += name
        text += "\":"
    }

    /// A string field; `nil` writes `null`.
    mutating func string(_ name: String, _ value: String?) {
        key(name)
        text += value.map(JSONText.quote) ?? "null"
    }

    /// An integer field; `nil` writes `null`.
    mutating func integer(_ name: String, _ value: Int64?) {
        key(name)
        text += value.map { String($0) } ?? "null"
    }

    /// A field whose value is already JSON text.
    mutating func raw(_ name: String, _ json: String) {
        key(name)
        text += json
    }

    /// The finished object.
    var json: String { text + "}" }
}

extension Response {
    /// A JSON response with the given body text.
    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
