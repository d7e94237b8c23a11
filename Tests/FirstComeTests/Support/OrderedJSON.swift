import Foundation

@testable import FirstCome

/// A JSON value as scripts/audit-verify.py parses one: objects keep their keys in
/// order, so a forger can edit one field of a line or record and write the rest
/// back byte for byte (`canonical` is the script's `canonical`/`value_text`).
indirect enum OrderedJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    /// A number with a fraction or an exponent (or past Int64): never canonical.
    case float(String)
    case string(String)
    case array([OrderedJSON])
    case object(JSONPairs)
    /// Text that is already JSON, written as it is.
    case raw(String)

    var int: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var object: JSONPairs? {
        if case .object(let value) = self { return value }
        return nil
    }

    var array: [OrderedJSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The compact text, keys in their order, strings escaped as firstcome escapes them.
    var canonical: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .integer(let value): String(value)
        // The script writes a float as a text that never matches a canonical one.
        case .float: "\u{0}not-canonical\u{0}"
        case .string(let value): JSONText.quote(value)
        case .array(let values): "[" + values.map(\.canonical).joined(separator: ",") + "]"
        case .object(let pairs): pairs.canonical
        case .raw(let text): text
        }
    }

    /// Parses `text` as the script's `parse_json` does (duplicate keys and
    /// NaN-like constants refused); strings keep their exact code points.
    static func parse(_ text: String) throws -> OrderedJSON {
        var parser = Parser(bytes: Array(text.utf8))
        parser.skipSpace()
        let value = try parser.value()
        parser.skipSpace()
        guard parser.index == parser.bytes.count else { throw parser.failure("text after the value") }
        return value
    }
}

extension OrderedJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral, ExpressibleByBooleanLiteral {
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int64) { self = .integer(value) }
    init(nilLiteral: ()) { self = .null }
    init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// A JSON object's members in their order (the script's `Pairs`).
struct JSONPairs: Sendable, Equatable {
    struct Pair: Sendable, Equatable {
        var key: String
        var value: OrderedJSON
    }

    var items: [Pair]

    var keys: [String] { items.map(\.key) }

    subscript(key: String) -> OrderedJSON? {
        items.first { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }

    func has(_ key: String) -> Bool { self[key] != nil }

    /// Replaces the value of `key` where it is; a missing key stays missing (the script's `setf`).
    mutating func set(_ key: String, _ value: OrderedJSON) {
        for index in items.indices where items[index].key.utf8.elementsEqual(key.utf8) { items[index].value = value }
    }

    /// A copy with `set(key, value)` applied.
    func with(_ key: String, _ value: OrderedJSON) -> JSONPairs {
        var copy = self
        copy.set(key, value)
        return copy
    }

    mutating func append(_ key: String, _ value: OrderedJSON) {
        items.append(Pair(key: key, value: value))
    }

    mutating func remove(_ key: String) {
        items.removeAll { $0.key.utf8.elementsEqual(key.utf8) }
    }

    /// An integer member, or a thrown error naming it.
    func int(_ key: String) throws -> Int64 {
        guard let value = self[key]?.int else { throw ForgeryError("no integer '\(key)' in \(canonical.prefix(120))") }
        return value
    }

    /// A string member, or a thrown error naming it.
    func string(_ key: String) throws -> String {
        guard let value = self[key]?.string else { throw ForgeryError("no string '\(key)' in \(canonical.prefix(120))") }
        return value
    }

    var canonical: String {
        "{" + items.map { JSONText.quote($0.key) + ":" + $0.value.canonical }.joined(separator: ",") + "}"
    }
}

/// A forgery that could not be made as written (its base log lacks what it edits).
struct ForgeryError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension OrderedJSON {
    /// A strict JSON reader over UTF-8 bytes, like Python's `json.loads`.
    fileprivate struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func failure(_ what: String) -> ForgeryError { ForgeryError("not JSON at byte \(index): \(what)") }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func literal(_ word: String, _ value: OrderedJSON) throws -> OrderedJSON {
            let expected = Array(word.utf8)
            guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected else {
                throw failure("unknown literal")
            }
            index += expected.count
            return value
        }

        mutating func value() throws -> OrderedJSON {
            guard index < bytes.count else { throw failure("end of text") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return .object(try object())
            case UInt8(ascii: "["): return .array(try array())
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw failure("unexpected byte")
            }
        }

        mutating func object() throws -> JSONPairs {
            index += 1
            var pairs = JSONPairs(items: [])
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return pairs
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("a key expected") }
                let key = try string()
                guard !pairs.has(key) else { throw failure("duplicate key \(key)") }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("':' expected") }
                index += 1
                skipSpace()
                pairs.append(key, try value())
                skipSpace()
                guard index < bytes.count else { throw failure("unterminated object") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return pairs
                } else {
                    throw failure("',' or '}' expected")
                }
            }
        }

        mutating func array() throws -> [OrderedJSON] {
            index += 1
            var values: [OrderedJSON] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return values
            }
            while true {
                skipSpace()
                values.append(try value())
                skipSpace()
                guard index < bytes.count else { throw failure("unterminated array") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return values
                } else {
                    throw failure("',' or ']' expected")
                }
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard bytes.count - index >= 4, let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
                throw failure("bad \\u escape")
            }
            index += 4
            return value
        }

        mutating func string() throws -> String {
            index += 1
            var out: [UInt8] = []
            while true {
                guard index < bytes.count else { throw failure("unterminated string") }
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { throw failure("unterminated escape") }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800..<0xDC00).contains(code), bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        {
                            let saved = index
                            index += 2
                            let low = try hex4()
                            if (0xDC00..<0xE000).contains(low) {
                                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                index = saved
                            }
                        }
                        out.append(contentsOf: Array(String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8))
                    default:
                        throw failure("bad escape")
                    }
                default:
                    guard byte >= 0x20 else { throw failure("a raw control character in a string") }
                    out.append(byte)
                }
            }
        }

        mutating func number() throws -> OrderedJSON {
            let start = index
            var integral = true
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            func digits(_ parser: inout Parser) -> Int {
                let from = parser.index
                while parser.index < parser.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.index]) {
                    parser.index += 1
                }
                return parser.index - from
            }
            let whole = index
            guard digits(&self) > 0 else { throw failure("a digit expected") }
            if bytes[whole] == UInt8(ascii: "0") && index - whole > 1 { throw failure("a leading zero") }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                integral = false
                index += 1
                guard digits(&self) > 0 else { throw failure("a digit expected after '.'") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                integral = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits(&self) > 0 else { throw failure("a digit expected in the exponent") }
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if integral, let value = Int64(text) { return .integer(value) }
            return .float(text)
        }
    }
}
