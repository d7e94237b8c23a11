import Foundation

/// Replays the records of a control log as `audit verify` reads them: each one
/// must be byte for byte what the service writes (a known type, canonical text),
/// the create action comes first if there is one, and the settings the award
/// rule depends on (pause, presence expiry) are followed so each decision can be
/// checked against them.
struct AuditControlReplay {
    /// The event's name and whether it has an identity rule, once a create action was read.
    private(set) var name: String?
    private(set) var identity: Bool?
    private(set) var paused = false
    /// Whether presence expiry is on; `nil` for logs without a create action
    /// (events older than the audit chain, which had no presence expiry).
    private(set) var presence: Bool?
    /// The rules' `created_at`: a create action's `at` is the same.
    private var createdAt: Int64 = 0
    private var records = 0
    /// The settings as the actions left them (times, order, draw), applied by
    /// the same code as the service's (`EventPatch.applied`).
    private(set) var settings = Event(
        key: 0, id: "", name: "", prizes: 1, mode: .queue, admitPerTick: nil, opensAt: nil, closesAt: nil, closedAt: nil, entries: 0,
        serving: 0, awarded: 0, createdAt: 0)
    /// Whether a draw record was read.
    var drawn: Bool { settings.draw != nil }

    /// The rules, read before any record.
    mutating func start(event: String, prizes: Int64, order: EventOrder, mode: EventMode, beacon: String?, createdAt: Int64) {
        self.createdAt = createdAt
        settings.id = event
        settings.prizes = prizes
        settings.order = order
        settings.mode = mode
        settings.beacon = beacon
    }

    /// A draw record was read (checked by the caller against `settings.drawCutoff`).
    mutating func drew(_ draw: DrawMade) {
        records += 1
        settings.draw = draw
    }

    /// Checks one admin action record (`fields` is its parsed form).
    mutating func action(_ record: String, fields: [String: Any], position: Int64) throws {
        records += 1
        guard let at = Self.integer(fields["at"]), let action = fields["action"] as? [String: Any], action.count == 1,
            let (kind, value) = action.first, let values = value as? [String: Any]
        else { throw fail(position, "malformed action record") }
        let rebuilt: String
        switch kind {
        case "create":
            guard records == 1 else { throw fail(position, "a create action that is not the log's first record") }
            guard let name = values["name"] as? String else { throw fail(position, "create action without a name") }
            guard at == createdAt else { throw fail(position, "the create action's time \(at) is not the rules' created_at \(createdAt)") }
            let identity = values["identity"] as? String
            if let identity, IdentityRule.Algorithm(rawValue: identity) == nil {
                throw fail(position, "the create action names an identity algorithm the service does not have: '\(identity)'")
            }
            let presence = Self.integer(values["presence_timeout_s"])
            rebuilt = ControlAction.create(
                name: name, admitPerTick: Self.integer(values["admit_per_tick"]), opensAt: Self.integer(values["opens_at"]),
                closesAt: Self.integer(values["closes_at"]), identity: identity, presenceTimeout: presence,
                powBits: Self.integer(values["pow_bits"]) ?? 0, prequeueAt: Self.integer(values["prequeue_at"]))
            settings.opensAt = Self.integer(values["opens_at"])
            settings.closesAt = Self.integer(values["closes_at"])
            settings.prequeueAt = Self.integer(values["prequeue_at"])
            // The settings as the service checks them at creation (NewEvent and the order rules).
            do {
                _ = try NewEvent(
                    id: settings.id, name: name, prizes: settings.prizes, mode: settings.mode, admitPerTick: Self.integer(values["admit_per_tick"]),
                    opensAt: settings.opensAt, closesAt: settings.closesAt, presenceTimeout: presence)
                try EventRules.checkPowBits(Self.integer(values["pow_bits"]) ?? 0)
                try EventRules.checkOrder(
                    settings.order, mode: settings.mode, opensAt: settings.opensAt, closesAt: settings.closesAt,
                    prequeueAt: settings.prequeueAt, beacon: settings.beacon)
            } catch let error as FirstComeError {
                throw fail(position, "a create action the service refuses: \(error.message)")
            }
            self.name = name
            self.identity = identity != nil
            self.presence = presence != nil
        case "patch":
            guard name != nil else { throw fail(position, "a patch in a log that does not start with a create action") }
            let patch: EventPatch
            do {
                patch = try EventPatch(
                    mode: (values["mode"] as? String).flatMap(EventMode.init(rawValue:)),
                    intake: (values["state"] as? String).flatMap(EventPatch.Intake.init(rawValue:)),
                    admitPerTick: values["admit_per_tick"].map { Self.integer($0) },
                    presenceTimeout: values["presence_timeout_s"].map { Self.integer($0) }, name: values["name"] as? String,
                    opensAt: values["opens_at"].map { Self.integer($0) }, closesAt: values["closes_at"].map { Self.integer($0) },
                    paused: values["paused"] as? Bool, powBits: Self.integer(values["pow_bits"]),
                    prequeueAt: values["prequeue_at"].map { Self.integer($0) }, prizes: Self.integer(values["prizes"]),
                    archived: values["archived"] as? Bool)
            } catch {
                throw fail(position, "patch action with no change the service makes")
            }
            do {
                settings = try patch.applied(to: settings, now: at)
            } catch {
                throw fail(position, "a patch the service refuses: \((error as? FirstComeError)?.message ?? "\(error)")")
            }
            guard let action = patch.patchAction else { throw fail(position, "patch action with no change the service makes") }
            rebuilt = action
            if let name = patch.name { self.name = name }
            if let paused = patch.paused { self.paused = paused }
            if case .some(let timeout) = patch.presenceTimeout { presence = timeout != nil }
        default:
            throw fail(position, "unknown action '\(kind)'")
        }
        guard AuditRecords.action(at: at, action: rebuilt).utf8.elementsEqual(record.utf8) else {
            throw fail(position, "the action record is not in canonical form (or has fields the service never writes)")
        }
    }

    /// Checks a decision against the settings in force and its canonical text.
    mutating func decision(_ record: String, rebuilt: String, expired: Bool, position: Int64, first: Int64) throws {
        records += 1
        guard rebuilt.utf8.elementsEqual(record.utf8) else { throw fail(position, "the decision record is not in canonical form") }
        guard !paused else {
            throw AuditVerifier.Failure(seq: first, message: "decided while admissions were paused")
        }
        guard !expired || presence == true else {
            throw AuditVerifier.Failure(seq: first, message: "an entry expired while presence expiry was off")
        }
        guard !expired || settings.mode == .queue else {
            throw AuditVerifier.Failure(seq: first, message: "an entry expired in direct mode (entries are decided as they come)")
        }
    }

    /// A decision through `last` was read, leaving `won` prizes given in all:
    /// from here on the event has entries (its prize count is fixed).
    mutating func decided(through last: Int64, won: Int64) {
        settings.entries = max(settings.entries, last)
        settings.serving = max(settings.serving, last)
        settings.awarded = won
    }

    /// A number field as an integer, `nil` for null or anything else. Spellings
    /// the service never writes (`true`, `2.0`, `1e3`) are caught by comparing
    /// the rebuilt record with the original text.
    static func integer(_ value: Any?) -> Int64? {
        (value as? NSNumber)?.int64Value
    }

    private func fail(_ position: Int64, _ message: String) -> AuditVerifier.Failure {
        AuditVerifier.Failure(message: "control log position \(position): \(message)")
    }
}
