/// The one field writer of every CSV firstcome writes (winners, audit, stats):
/// these files are opened in spreadsheets, so a field must never run as a formula.
public enum SpreadsheetCSV {
    /// First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// One field: controls and bidi controls spelled out (`VisibleText`), a leading
    /// formula character neutralised with `'`, then RFC 4180 quoting when needed.
    public static func field(_ text: String) -> String {
        var text = VisibleText.escaped(text)
        if let first = text.unicodeScalars.first, formulaStarts.contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One line of fields, each through `field`, ending in a newline.
    public static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\n"
    }
}
