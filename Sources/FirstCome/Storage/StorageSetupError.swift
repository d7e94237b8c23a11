/// Why a database could not be opened for use.
public enum StorageSetupError: Error, Equatable, CustomStringConvertible {
    case newerDatabase(unknown: [String])
    case notMigrated(missing: [String])
    case notADatabase(path: String, reason: String)
    case corrupt(path: String, detail: String)
    case missingFolder(String)

    public var description: String {
        switch self {
        case .newerDatabase(let unknown):
            "the database was written by a newer firstcome (unknown migrations: \(unknown.joined(separator: ", "))); upgrade this binary"
        case .notMigrated(let missing):
            "the database is not migrated (missing: \(missing.joined(separator: ", "))); run 'firstcome migrate --db PATH'"
        case .notADatabase(let path, let reason):
            "\(path) is not a usable firstcome database: \(reason)"
        case .missingFolder(let folder):
            "the folder \(folder) does not exist; create it first"
        case .corrupt(let path, let detail):
            "\(path) is damaged or not a database (\(detail)); restore it from a backup"
        }
    }
}
