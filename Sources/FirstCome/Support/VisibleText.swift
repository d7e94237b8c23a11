/// Text shown to a person, with the characters that hide or reorder what they
/// see (control characters and bidi controls) spelled out as `<U+XXXX>`, so a
/// name like "gift<U+202E>txt.exe" cannot pass for another.
public enum VisibleText {
    /// The bidi controls that reorder text around them (Unicode's Bidi_Control set).
    static let bidiControls: Set<UInt32> = [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]

    /// Whether `scalar` is spelled out rather than shown.
    static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || bidiControls.contains(scalar.value)
    }

    /// `text` with every control and bidi control replaced by `<U+XXXX>` (at least four hex digits, upper case).
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isHidden) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isHidden(scalar) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out.append(contentsOf: "<U+\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex)>".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
