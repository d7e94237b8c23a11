/// How names and other texts are measured, trimmed and normalised. Every limit
/// counts Unicode scalars (code points), the measure the schema's CHECKs use
/// (SQLite `length`, PostgreSQL `char_length`) and a verifier can count without
/// segmentation tables; it is applied to what was sent before anything costly
/// (trimming, NFC) runs on it.
public enum TextRules {
    /// Longest run of non-starters (canonical combining class not 0) a name may
    /// hold: Unicode's stream-safe bound (UAX #15), which keeps NFC's reordering
    /// linear. No real writing system needs more.
    public static let maxNonStarterRun = 30

    /// Unicode White_Space: what trimming drops from either end of a name.
    @inline(__always)
    public static func isWhiteSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// A scalar that shows something on its own: a letter, number, punctuation or
    /// symbol (general categories L, N, P, S); marks, separators, format and
    /// control characters do not.
    public static func isVisible(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value >= 0x21 && scalar.value < 0x7F { return true }
        return switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber,
            .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation,
            .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            true
        default: false
        }
    }

    /// Whether `text` has more than `limit` scalars, counted without walking
    /// more than `limit + 1` of them.
    public static func exceeds(_ text: String, scalars limit: Int) -> Bool {
        // A UTF-8 scalar takes 1 to 4 bytes.
        let bytes = text.utf8.count
        if bytes <= limit { return false }
        if bytes > 4 * limit { return true }
        var count = 0
        for _ in text.unicodeScalars {
            count += 1
            if count > limit { return true }
        }
        return false
    }

    /// The length of the longest run of non-starters in `text`.
    public static func longestNonStarterRun(_ text: String) -> Int {
        var longest = 0
        var run = 0
        for scalar in text.unicodeScalars {
            if scalar.value < 0x300 {
                run = 0
            } else if scalar.properties.canonicalCombiningClass.rawValue != 0 {
                run += 1
                longest = max(longest, run)
            } else {
                run = 0
            }
        }
        return longest
    }

    /// `text` without White_Space at either end.
    public static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isWhiteSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isWhiteSpace($0) })!
        if first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) { return text }
        return String(scalars[first...last])
    }

    /// `text` in Unicode NFC (the standard library's tables, which also order
    /// strings), unchanged when it is already.
    public static func nfc(_ text: String) -> String {
        var normal: [UInt8] = []
        normal.reserveCapacity(text.utf8.count)
        normal.append(contentsOf: text._nfcCodeUnits)
        if normal.elementsEqual(text.utf8) { return text }
        return String(decoding: normal, as: UTF8.self)
    }

    /// A lower bound on the length of `text` in NFC, found without normalising it,
    /// so a name too long for any normal form is refused without paying for NFC.
    /// Each scalar of the NFC text is one starter plus at most 3 scalars composed
    /// into it (the longest canonical decomposition has 4), and one scalar
    /// decomposes into at most 4, so NFC keeps at least `count - 12 × starters`.
    public static func nfcLengthAtLeast(_ text: String) -> Int {
        var count = 0
        var starters = 0
        for scalar in text.unicodeScalars {
            count += 1
            if scalar.value < 0x300 || scalar.properties.canonicalCombiningClass.rawValue == 0 { starters += 1 }
        }
        return count - 12 * starters
    }
}
