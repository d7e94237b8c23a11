import Foundation

/// Times are integer milliseconds since 1970 UTC everywhere inside firstcome and
/// RFC 3339 strings (`2026-11-22T09:30:00.000Z`) at the API.
public enum Timestamp {
    /// Milliseconds since 1970 now.
    public static func now() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// RFC 3339 in UTC with milliseconds. Hand-rolled: it runs on the poll path.
    public static func format(_ ms: Int64) -> String {
        let (days, msOfDay) = ms.floorDivided(by: 86_400_000)
        // Civil-from-days (H. Hinnant), proleptic Gregorian.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let hour = msOfDay / 3_600_000
        let minute = msOfDay / 60_000 % 60
        let second = msOfDay / 1000 % 60
        let milli = msOfDay % 1000
        guard (0...9999).contains(year) else { return "\(year)-01-01T00:00:00.000Z" }
        var bytes = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int64, at offset: Int, width: Int) {
            var rest = value
            for position in stride(from: offset + width - 1, through: offset, by: -1) {
                bytes[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
        }
        put(year, at: 0, width: 4)
        put(month, at: 5, width: 2)
        put(day, at: 8, width: 2)
        put(hour, at: 11, width: 2)
        put(minute, at: 14, width: 2)
        put(second, at: 17, width: 2)
        put(milli, at: 20, width: 3)
        for (offset, char) in [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "."), (23, "Z")] as [(Int, Unicode.Scalar)] {
            bytes[offset] = UInt8(ascii: char)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses RFC 3339 (`Z` or `±hh:mm` offset, optional fraction); `nil` if malformed.
    public static func parse(_ text: String) -> Int64? {
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let plain = Date.ISO8601FormatStyle()
        guard let date = (try? withFraction.parse(text)) ?? (try? plain.parse(text)) else { return nil }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var quotient = self / divisor
        var remainder = self % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }
}
