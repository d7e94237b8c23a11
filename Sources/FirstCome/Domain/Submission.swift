/// A validated request to enter an event, ready for the store.
public struct Submission: Sendable, Equatable {
    public let event: String
    public let user: String
    /// Compact JSON text of the entrant's payload object, if any.
    public let payload: String?
    /// The parts of the entry's audit record that do not depend on its seq or
    /// time (the user and the payload's digest), made with the submission: by
    /// the thread that read the request, not by the one that commits.
    let record: AuditRecords.EntryParts

    public init(event: String, user: String, payload: String?) {
        self.event = event
        self.user = user
        self.payload = payload
        record = AuditRecords.EntryParts(user: user, payload: payload)
    }
}

/// What a committed batch did with one submission, before its entry's token
/// and view are made (`BlockingSubmitStore.result(of:)`).
public enum CommittedSubmission: Sendable, Equatable {
    /// The entry `seq` of event `eventKey`; `created` when this batch wrote it.
    case entry(eventKey: Int64, seq: Int64, created: Bool)
    /// The submission was refused; nothing was written.
    case rejected(FirstComeError)
}

/// What the store did with one submission of a batch.
public enum SubmitResult: Sendable, Equatable {
    /// A new entry was committed.
    case created(EntryView)
    /// The (event, user) pair already had this entry; nothing was written.
    case existing(EntryView)
    /// The submission was refused; nothing was written.
    case rejected(FirstComeError)
}
