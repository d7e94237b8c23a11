/// A strict, allocation-light JSON reader for the hot submit path (RFC 8259:
/// no trailing commas, no comments, valid UTF-8, no control characters in
/// strings). It reads one object's fields and can copy any value out in compact
/// form, so a payload is validated and minified in one pass.
struct JSONScanner {
    /// Why a body is not acceptable JSON; the message names the position.
    struct Failure: Error, Equatable {
        let message: String
    }

    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Reads a top-level object, calling `field` for each key with the scanner
    /// positioned at its value; `field` must consume the value.
    mutating func readObject(_ field: (String, inout JSONScanner) throws -> Void) throws {
        try readFields(field)
        skipSpace()
        guard index == bytes.count else { throw fail("unexpected data after the JSON object") }
    }

    /// Reads an object value (nested or not), calling `field` for each key as `readObject` does.
    mutating func readFields(_ field: (String, inout JSONScanner) throws -> Void) throws {
        skipSpace()
        try expect(UInt8(ascii: "{"))
        skipSpace()
        if peek() == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipSpace()
                let key = try readString()
                skipSpace()
                try expect(UInt8(ascii: ":"))
                skipSpace()
                try field(key, &self)
                skipSpace()
                if peek() == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(UInt8(ascii: "}"))
                break
            }
        }
    }

    /// The next byte that is not white space, without consuming it.
    mutating func peekValue() -> UInt8? {
        skipSpace()
        return peek()
    }

    /// Reads a JSON string value.
    mutating func readString() throws -> String {
        guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string") }
        index += 1
        var raw = [UInt8]()
        while true {
            guard let byte = peek() else { throw fail("unterminated string") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: raw, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                try readEscape(into: &raw)
            case 0..<0x20:
                throw fail("control character in string")
            default:
                raw.append(byte)
            }
        }
    }

    /// Reads `null`; returns whether it was there (and consumed).
    mutating func readNull() throws -> Bool {
        guard peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    /// Copies the next value in compact form (insignificant white space removed,
    /// strings and numbers kept as written) and returns its nesting depth.
    @discardableResult
    mutating func copyValue(into out: inout [UInt8], maxDepth: Int, depth: Int = 0) throws -> Int {
        skipSpace()
        guard let byte = peek() else { throw fail("expected a value") }
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < maxDepth else { throw fail("nested deeper than \(maxDepth) levels") }
            let close = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            index += 1
            out.append(byte)
            skipSpace()
            var deepest = depth + 1
            if peek() == close {
                index += 1
                out.append(close)
                return deepest
            }
            while true {
                skipSpace()
                if byte == UInt8(ascii: "{") {
                    try copyString(into: &out)
                    skipSpace()
                    try expect(UInt8(ascii: ":"))
                    out.append(UInt8(ascii: ":"))
                }
                deepest = max(deepest, try copyValue(into: &out, maxDepth: maxDepth, depth: depth + 1))
                skipSpace()
                if peek() == UInt8(ascii: ",") {
                    index += 1
                    out.append(UInt8(ascii: ","))
                    continue
                }
                try expect(close)
                out.append(close)
                return deepest
            }
        case UInt8(ascii: "\""):
            try copyString(into: &out)
        case UInt8(ascii: "t"):
            try literal("true")
            out.append(contentsOf: "true".utf8)
        case UInt8(ascii: "f"):
            try literal("false")
            out.append(contentsOf: "false".utf8)
        case UInt8(ascii: "n"):
            try literal("null")
            out.append(contentsOf: "null".utf8)
        default:
            try copyNumber(into: &out)
        }
        return depth
    }

    /// Checks a whole document: one value, nothing after it, no object with a
    /// key twice (at any depth), nested at most `maxDepth` levels. A byte-order
    /// mark is not JSON white space (RFC 8259), so it is refused too.
    mutating func checkDocument(maxDepth: Int) throws {
        try checkValue(maxDepth: maxDepth, depth: 0)
        skipSpace()
        guard index == bytes.count else { throw fail("unexpected data after the JSON value") }
    }

    private mutating func checkValue(maxDepth: Int, depth: Int) throws {
        skipSpace()
        switch peek() {
        case UInt8(ascii: "{"):
            guard depth < maxDepth else { throw fail("nested deeper than \(maxDepth) levels") }
            var keys: Set<String> = []
            try readFields { key, scanner in
                guard keys.insert(key).inserted else { throw scanner.fail("the key '\(key)' appears twice in one object") }
                try scanner.checkValue(maxDepth: maxDepth, depth: depth + 1)
            }
        case UInt8(ascii: "["):
            guard depth < maxDepth else { throw fail("nested deeper than \(maxDepth) levels") }
            index += 1
            skipSpace()
            if peek() == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                try checkValue(maxDepth: maxDepth, depth: depth + 1)
                skipSpace()
                if peek() == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(UInt8(ascii: "]"))
                return
            }
        default:
            var ignored: [UInt8] = []
            try copyValue(into: &ignored, maxDepth: 0)
        }
    }

    // MARK: - Pieces

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private mutating func skipSpace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws {
        guard peek() == byte else { throw fail("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    private mutating func literal(_ word: String) throws {
        for expected in word.utf8 {
            guard peek() == expected else { throw fail("invalid literal") }
            index += 1
        }
    }

    private mutating func copyString(into out: inout [UInt8]) throws {
        let start = index
        _ = try readString()
        out.append(contentsOf: bytes[start..<index])
    }

    private mutating func readEscape(into raw: inout [UInt8]) throws {
        guard let byte = peek() else { throw fail("unterminated escape") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): raw.append(byte)
        case UInt8(ascii: "b"): raw.append(0x08)
        case UInt8(ascii: "f"): raw.append(0x0C)
        case UInt8(ascii: "n"): raw.append(0x0A)
        case UInt8(ascii: "r"): raw.append(0x0D)
        case UInt8(ascii: "t"): raw.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try readHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard peek() == UInt8(ascii: "\\") else { throw fail("unpaired surrogate") }
                index += 1
                try expect(UInt8(ascii: "u"))
                let low = try readHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw fail("unpaired surrogate")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
            raw.append(contentsOf: Array(String(Character(unicode)).utf8))
        default:
            throw fail("invalid escape")
        }
    }

    private mutating func readHex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek() else { throw fail("invalid \\u escape") }
            index += 1
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | digit
        }
        return value
    }

    private mutating func copyNumber(into out: inout [UInt8]) throws {
        let start = index
        func digits() -> Int {
            var count = 0
            while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                index += 1
                count += 1
            }
            return count
        }
        if peek() == UInt8(ascii: "-") { index += 1 }
        if peek() == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            throw fail("expected a value")
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw fail("invalid number") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw fail("invalid number") }
        }
        out.append(contentsOf: bytes[start..<index])
    }

    private func fail(_ message: String) -> Failure {
        Failure(message: "the body is not valid JSON: \(message) at byte \(index)")
    }
}
