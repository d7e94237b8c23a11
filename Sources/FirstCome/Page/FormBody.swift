import Foundation

/// Reads an `application/x-www-form-urlencoded` body, strictly: every field at most
/// once, only the `allowed` names, valid percent-encoding.
enum FormBody {
    static func parse(_ text: String, allowed: Set<String>) throws -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else {
                throw FirstComeError.invalidRequest("the form is not valid application/x-www-form-urlencoded")
            }
            guard allowed.contains(name) else { throw FirstComeError.invalidRequest("unknown form field '\(name.prefix(64))'") }
            guard fields[name] == nil else { throw FirstComeError.invalidRequest("form field '\(name)' appears twice") }
            fields[name] = value
        }
        return fields
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
