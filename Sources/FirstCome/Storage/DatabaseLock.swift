import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory lock on `<db>.lock`, held by a running server for its whole life,
/// so a second server or a restore cannot take over a database in use. The kernel
/// drops it when the process ends, however it ends (`kill -9` included).
public final class DatabaseLock: Sendable {
    public let path: String
    private let descriptor: Int32

    /// The lock file that belongs to `databasePath`.
    public static func lockPath(forDatabase databasePath: String) -> String {
        databasePath + ".lock"
    }

    /// Takes the lock or throws `DatabaseLockError.held` at once.
    public init(databasePath: String) throws {
        path = Self.lockPath(forDatabase: databasePath)
        if let folder = FirstComeDatabase.missingFolder(of: databasePath) { throw DatabaseLockError.missingFolder(folder) }
        let fd = Foundation.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DatabaseLockError.cannotOpen(path: path, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw DatabaseLockError.held(databasePath: databasePath)
        }
        descriptor = fd
    }

    /// Whether some process holds the lock of `databasePath` now.
    public static func isHeld(databasePath: String) -> Bool {
        do {
            _ = try DatabaseLock(databasePath: databasePath)
            return false
        } catch DatabaseLockError.held {
            return true
        } catch {
            return false
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// Why the database lock could not be taken.
public enum DatabaseLockError: Error, Equatable, CustomStringConvertible {
    case held(databasePath: String)
    case cannotOpen(path: String, errno: Int32)
    case missingFolder(String)

    public var description: String {
        switch self {
        case .held(let databasePath):
            "\(databasePath) is in use by a running firstcome server (lock \(databasePath).lock)"
        case .missingFolder(let folder):
            "the folder \(folder) does not exist; create it first"
        case .cannotOpen(let path, let code):
            "cannot open the lock file \(path): \(String(cString: strerror(code)))"
        }
    }
}
