/// The ended console sessions, written once for both stores (`PortableSQL`).
enum ConsoleSessionSQL {
    /// Ends session `$1`, whose cookie is good until `$2`; an id ended twice stays ended.
    static let end = "INSERT INTO ended_sessions (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING"
    /// Drops sessions whose cookies have expired by `$1`: they are refused anyway.
    static let prune = "DELETE FROM ended_sessions WHERE expires_at <= $1"
    /// One row if session `$1` was ended.
    static let isEnded = "SELECT 1 FROM ended_sessions WHERE id = $1"
}
