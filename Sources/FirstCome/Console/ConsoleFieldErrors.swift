/// A refused event form's error in the form's own words, next to the field it
/// is about ("Closes at must be later than Opens at"), instead of the API's
/// message with its regular expressions. The API's message stays at the top.
enum ConsoleFieldErrors {
    /// The field an API message is about and the key of its text, read from the
    /// message's start (the API names the field first, in quotes).
    static let fields: [(prefix: String, field: String, key: String)] = [
        ("'id'", "id", "field_error_id"),
        ("'name'", "name", "field_error_name"),
        ("'prizes'", "prizes", "field_error_prizes"),
        ("missing field 'prizes'", "prizes", "field_error_prizes"),
        ("'closes_at' must be after", "closes_at", "field_error_closes_after"),
        ("'opens_at'", "opens_at", "field_error_time"),
        ("'closes_at'", "closes_at", "field_error_time"),
        ("'prequeue_at' must be before", "prequeue_at", "field_error_prequeue_before"),
        ("'prequeue_at'", "prequeue_at", "field_error_prequeue"),
        ("'admit_per_tick'", "admit_per_tick", "field_error_admit"),
        ("field 'admit_per_tick'", "admit_per_tick", "field_error_admit"),
        ("'presence_timeout_s'", "presence_timeout_s", "field_error_presence"),
        ("field 'presence_timeout_s'", "presence_timeout_s", "field_error_presence"),
        ("'pow_bits'", "pow_bits", "field_error_pow"),
        ("field 'pow_bits'", "pow_bits", "field_error_pow"),
        ("'webhook.url'", "webhook_url", "field_error_webhook_url"),
        ("'webhook.secret'", "webhook_secret", "field_error_webhook_secret"),
        ("order 'shuffle' needs 'opens_at'", "opens_at", "field_error_shuffle_opens"),
        ("order 'lottery' needs 'closes_at'", "closes_at", "field_error_lottery_closes"),
    ]

    /// `[field: text]` for the error, empty when it names no field of the form.
    static func texts(for error: FirstComeError, page: ConsolePage) -> [String: String] {
        guard case .invalidRequest(let message) = error,
            let match = fields.first(where: { message.hasPrefix($0.prefix) })
        else { return [:] }
        return [match.field: page.text(match.key)]
    }
}
