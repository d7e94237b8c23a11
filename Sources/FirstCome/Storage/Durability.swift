/// How hard a commit is pushed to disk before its reply is sent.
public enum Durability: String, Sendable, CaseIterable {
    /// `synchronous=FULL`: an acknowledged entry survives a process crash and a power cut.
    case full
    /// `synchronous=NORMAL`: survives a process crash (`kill -9`); a power cut may
    /// lose the last commits.
    case normal

    var pragmaValue: Int {
        switch self {
        case .full: 2
        case .normal: 1
        }
    }
}
