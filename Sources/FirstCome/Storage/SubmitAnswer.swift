/// One submission's outcome as the group committer hands it to its caller.
/// `result()` makes what is left of it (the entry's token and view) on the
/// caller's thread, not on the committing one.
public struct SubmitAnswer: Sendable {
    private enum Outcome: Sendable {
        case done(Result<SubmitResult, any Error>)
        case committed(CommittedSubmission, any BlockingSubmitStore)
    }

    private let outcome: Outcome

    init(_ result: Result<SubmitResult, any Error>) {
        outcome = .done(result)
    }

    init(_ committed: CommittedSubmission, of store: any BlockingSubmitStore) {
        outcome = .committed(committed, store)
    }

    /// The result, or why the submission failed.
    public func result() -> Result<SubmitResult, any Error> {
        switch outcome {
        case .done(let result): result
        case .committed(let committed, let store): .success(store.result(of: committed))
        }
    }
}
