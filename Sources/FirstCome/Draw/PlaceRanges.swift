/// Splits a range of places for storage lookups: places up to `drawn` are stored
/// on the drawn entries (`true`: look up by place), later places are seqs (`false`).
enum PlaceRanges {
    static func split(_ places: ClosedRange<Int64>, drawn: Int64) -> [(ClosedRange<Int64>, Bool)] {
        var parts: [(ClosedRange<Int64>, Bool)] = []
        if places.lowerBound <= drawn { parts.append((places.lowerBound...min(places.upperBound, drawn), true)) }
        if places.upperBound > drawn { parts.append((max(places.lowerBound, drawn + 1)...places.upperBound, false)) }
        return parts
    }
}
