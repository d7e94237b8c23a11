import Foundation
import HummingbirdCore

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

    /// The query of an HTML form sent with GET, decoded as a form body is
    /// (`+` is a space): `?find=Mina+Park` finds "Mina Park". Malformed items are left out.
    static func query(_ uri: URI) -> [(String, String)] {
        guard let query = uri.query else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else { return nil }
            return (name, value)
        }
    }

    /// The first value of `name` in a form's query (see `query(_:)`).
    static func value(_ name: String, in uri: URI) -> String? {
        query(uri).first { $0.0 == name }?.1
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
