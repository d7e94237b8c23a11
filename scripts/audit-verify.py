#!/usr/bin/env python3
"""Independent verifier of a firstcome audit export (JSON Lines).

Written from docs/AUDIT.md, Python 3 standard library only. Reads an export
made by `firstcome audit export --format jsonl` (with or without
--include-payload), rebuilds every hash, replays the award rule and the
control log, recomputes the draw of a shuffle or lottery event (secret against
its commitment, seed, permutation, places), and prints one line:

    OK event 'ID': ...        exit 0
    FAIL: reason              exit 1

With --commitment FILE it also checks the export against the JSON published at
GET /v1/events/{id}/commitment.
"""

import argparse
import hashlib
import json
import re
import sys
import unicodedata

GENESIS_PREFIX = b"firstcome/v1/genesis\n"
HEX64 = re.compile(r"[0-9a-f]{64}\Z")
EVENT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}\Z")
STATUSES = ("waiting", "won", "lost", "expired")
MODES = ("queue", "direct")
ALGORITHMS = ("HS256", "ES256", "RS256")
MAX_PRIZES = 1_000_000
MAX_PRESENCE = 86_400
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Keys of a patch action, in the only order they may appear (AUDIT.md §6.2).
PATCH_KEYS = ("mode", "state", "admit_per_tick", "presence_timeout_s", "name", "paused", "opens_at", "closes_at", "pow_bits",
              "prequeue_at", "prizes", "archived")
CREATE_KEYS = ("name", "admit_per_tick", "opens_at", "closes_at", "identity", "presence_timeout_s")
# A create action ends with pow_bits (1 to 26) only when the event asks a proof-of-work,
# then prequeue_at only when the event has a pre-queue.
MAX_POW_BITS = 26
# Events created from 2026-11-22T00:00:00Z on (when the audit chain began) start
# their control log with a create action; only older ones may lack it (AUDIT.md 6.2).
CREATE_REQUIRED_FROM = 1795305600000
# Orders with a draw (AUDIT.md §4); fifo is the absence of "order".
ORDERS = ("shuffle", "lottery")
RULES_KEYS = (
    ["event", "prizes", "mode", "created_at"],
    ["event", "prizes", "mode", "order", "seed_commitment", "created_at"],
    ["event", "prizes", "mode", "order", "seed_commitment", "beacon", "created_at"],
)
DRAW_ALGORITHM = "fisher-yates-sha256-v1"
TWO_64 = 2**64


class Failure(Exception):
    pass


# --- canonical JSON (AUDIT.md §3) -------------------------------------------

def quote(text):
    """A JSON string literal as firstcome writes it."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20:
            out.append("\\u%04x" % code)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


class Raw:
    """A value that is already JSON text."""

    def __init__(self, text):
        self.text = text


def value_text(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, list):
        return "[" + ",".join(value_text(v) for v in value) + "]"
    if isinstance(value, Pairs):
        return canonical(value.items)
    return "\x00not-canonical\x00"  # a float or other value never matches a canonical text


def canonical(pairs):
    """The compact object `{"k":v,...}` with the keys in the given order."""
    return "{" + ",".join(quote(k) + ":" + value_text(v) for k, v in pairs) + "}"


class Pairs:
    """A parsed JSON object that keeps its key order."""

    def __init__(self, items):
        self.items = items
        self.keys = [k for k, _ in items]
        self.map = dict(items)

    def get(self, key, default=None):
        return self.map.get(key, default)


def _pairs_hook(items):
    seen = set()
    for key, _ in items:
        if key in seen:
            raise Failure("duplicate key %s" % quote(key))
        seen.add(key)
    return Pairs(items)


def _reject_constant(name):
    raise Failure("%s is not JSON" % name)


def parse_json(text, what):
    try:
        return json.loads(text, object_pairs_hook=_pairs_hook, parse_constant=_reject_constant,
                          parse_float=lambda s: float(s))
    except Failure as failure:
        raise Failure("%s: %s" % (what, failure))
    except ValueError as error:
        raise Failure("%s is not JSON: %s" % (what, error))


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and INT64_MIN <= value <= INT64_MAX


def sha256(data):
    return hashlib.sha256(data).digest()


def link(previous, record_text):
    """SHA-256(previous 32 raw bytes || UTF-8 bytes of the record)."""
    return sha256(previous + record_text.encode("utf-8"))


# --- record forms -------------------------------------------------------------

def rules_text(event, prizes, mode, created_at, order=None, seed_commitment=None, beacon=None):
    pairs = [("event", event), ("prizes", prizes), ("mode", mode)]
    if order is not None:
        pairs += [("order", order), ("seed_commitment", seed_commitment)]
        if beacon is not None:
            pairs.append(("beacon", beacon))
    return canonical(pairs + [("created_at", created_at)])


def entry_text(seq, user, created_at, payload_sha256):
    return canonical([("seq", seq), ("user", user), ("created_at", created_at), ("payload_sha256", payload_sha256)])


def draw_seed(secret, entry_link, beacon):
    """SHA-256(secret || chain(K) || UTF-8 beacon value), raw bytes (AUDIT.md §6.4)."""
    return sha256(secret + entry_link + (beacon.encode("utf-8") if beacon is not None else b""))


def draw_order(seed, count):
    """fisher-yates-sha256-v1: the seqs 1..count in drawn order (element p-1 is the seq at place p)."""
    order = list(range(1, count + 1))
    words = []
    block = 0

    def next_word():
        nonlocal block
        if not words:
            digest = sha256(seed + block.to_bytes(8, "big"))
            block += 1
            words.extend(int.from_bytes(digest[k:k + 8], "big") for k in range(24, -1, -8))
        return words.pop()

    for i in range(count, 1, -1):
        limit = TWO_64 - TWO_64 % i
        x = next_word()
        while x >= limit:
            x = next_word()
        j = x % i
        order[i - 1], order[j] = order[j], order[i - 1]
    return order


def winners_digest(winners):
    h = hashlib.sha256()
    for seq, user in winners:
        h.update(("%d,%s\n" % (seq, user)).encode("utf-8"))
    return h.hexdigest()


def is_compact_json(text):
    """No white space outside strings (the payload's stored form)."""
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in " \t\n\r":
            return False
    return True


WHITE_SPACE = set(chr(c) for c in list(range(0x09, 0x0E)) + [0x20, 0x85, 0xA0, 0x1680] + list(range(0x2000, 0x200B))
                  + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000])


def is_white(ch):
    """Unicode White_Space (docs/AUDIT.md section 5.2)."""
    return ch in WHITE_SPACE


def user_rule_broken(user):
    """What is wrong with a stored name by section 5.2's rules, or None."""
    if not 1 <= len(user) <= 128:
        return "is not 1 to 128 code points"
    if any(unicodedata.category(ch) == "Cc" for ch in user):
        return "has a control character"
    if not any(unicodedata.category(ch)[0] in "LNPS" for ch in user):
        return "has no visible character"
    run = 0
    for ch in user:
        run = run + 1 if unicodedata.combining(ch) else 0
        if run > 30:
            return "has more than 30 combining marks in a row"
    return None


# --- the verifier -------------------------------------------------------------

class Verifier:
    def __init__(self):
        self.stage = "start"  # start -> entries -> control -> done
        self.event = None
        self.event_name = None
        self.rules = None
        self.prizes = 0
        self.created_at = None
        self.genesis = None
        self.entry_head = None
        self.control_head = None
        self.links = []  # link of seq i+1
        self.users = []
        self.created = []
        self.statuses = []
        self.places = []  # the place field of seq i+1, None when the line has none
        self.seen_users = {}
        # The order (None = fifo), and the draw once its record is read.
        self.order = None
        self.seed_commitment = None
        self.beacon = None
        self.draw = None
        self.place_seq = []  # the seq at place p+1, for the drawn places
        self.decisions = 0
        self.decided = 0
        self.decided_statuses = []
        self.won = 0
        self.last_decision_at = None
        self.position = 0
        # Replayed event settings (known only when the log starts with a create).
        self.settings = None
        self.action_count = 0
        self.identity = None

    # Lines ------------------------------------------------------------------

    def line(self, number, raw):
        if raw == "":
            raise Failure("line %d is empty" % number)
        obj = parse_json(raw, "line %d" % number)
        if not isinstance(obj, Pairs):
            raise Failure("line %d is not a JSON object" % number)
        kind = obj.get("type")
        if self.stage == "done":
            raise Failure("line %d: data after the heads line" % number)
        if kind == "event":
            self.read_event(number, obj, raw)
        elif kind == "entry":
            self.read_entry(number, obj, raw)
        elif kind == "control":
            self.read_control(number, obj, raw)
        elif kind == "heads":
            self.read_heads(number, obj, raw)
        else:
            raise Failure("line %d: unknown line type %s" % (number, quote(str(kind))))

    def expect_shape(self, number, obj, raw, keys, what):
        if obj.keys != list(keys):
            raise Failure("line %d: the %s line has fields %s, expected %s" % (number, what, ",".join(obj.keys), ",".join(keys)))
        if canonical(obj.items) != raw:
            raise Failure("line %d: the %s line is not in canonical form" % (number, what))

    def read_event(self, number, obj, raw):
        if self.stage != "start":
            raise Failure("line %d: a second event line" % number)
        self.expect_shape(number, obj, raw, ("type", "event", "name", "rules", "genesis"), "event")
        event, name, rules, genesis = obj.get("event"), obj.get("name"), obj.get("rules"), obj.get("genesis")
        if not (isinstance(event, str) and isinstance(name, str) and isinstance(rules, str) and isinstance(genesis, str)):
            raise Failure("line %d: the event line is malformed" % number)
        if not EVENT_ID.match(event):
            raise Failure("line %d: the event id %s is not a valid id" % (number, quote(event)))
        fields = parse_json(rules, "the rules")
        if not isinstance(fields, Pairs) or fields.keys not in RULES_KEYS:
            raise Failure("the rules must be {event,prizes,mode,created_at}, or with order,seed_commitment[,beacon] "
                          "before created_at, in that order")
        if fields.get("event") != event:
            raise Failure("the rules name event %s, the event line %s" % (quote(str(fields.get("event"))), quote(event)))
        prizes, mode, created_at = fields.get("prizes"), fields.get("mode"), fields.get("created_at")
        if not is_int(prizes) or not 1 <= prizes <= MAX_PRIZES:
            raise Failure("the rules' prizes must be an integer from 1 to %d" % MAX_PRIZES)
        if mode not in MODES:
            raise Failure("the rules' mode must be queue or direct")
        if not is_int(created_at):
            raise Failure("the rules' created_at must be an integer")
        order, commitment, beacon = fields.get("order"), fields.get("seed_commitment"), fields.get("beacon")
        if "order" in fields.map:
            if order not in ORDERS:
                raise Failure("the rules' order must be shuffle or lottery (a fifo event has no order field)")
            if not isinstance(commitment, str) or not HEX64.match(commitment):
                raise Failure("the rules' seed_commitment must be 64 lowercase hex digits")
            if mode != "queue":
                raise Failure("the rules' order %s needs mode queue" % order)
        if "beacon" in fields.map and (not isinstance(beacon, str) or beacon == ""
                                       or any(unicodedata.category(ch) == "Cc" for ch in beacon)):
            raise Failure("the rules' beacon must be a non-empty text without control characters")
        if rules_text(event, prizes, mode, created_at, order, commitment, beacon) != rules:
            raise Failure("the rules are not in canonical form")
        computed = sha256(GENESIS_PREFIX + rules.encode("utf-8"))
        if not HEX64.match(genesis) or computed.hex() != genesis:
            raise Failure("the genesis does not match the rules")
        self.event, self.event_name, self.rules = event, name, rules
        self.prizes, self.created_at, self.mode = prizes, created_at, mode
        self.order, self.seed_commitment, self.beacon = order, commitment, beacon
        self.genesis = self.entry_head = self.control_head = computed
        self.stage = "entries"

    def read_entry(self, number, obj, raw):
        if self.stage == "start":
            raise Failure("line %d: an entry comes before the event line" % number)
        if self.stage != "entries":
            raise Failure("line %d: an entry comes after the control log" % number)
        expected = len(self.statuses) + 1
        keys = ("type", "seq", "user", "created_at", "payload_sha256", "status")
        if "place" in obj.map and self.order is not None:
            keys += ("place",)  # checked against the draw at the end (AUDIT.md §8)
        keys += ("chain",)
        if "payload" in obj.map:
            keys += ("payload",)
        seq = obj.get("seq")
        if not is_int(seq):
            raise Failure("seq %d: entry without an integer seq" % expected)
        if seq != expected:
            if seq > expected:
                raise Failure("seq %d: missing (the next entry has seq %d)" % (expected, seq))
            raise Failure("seq %d: seq %d repeats or is out of order" % (expected, seq))
        self.expect_shape(number, obj, raw, keys, "entry")
        user, created_at = obj.get("user"), obj.get("created_at")
        digest, status, chain = obj.get("payload_sha256"), obj.get("status"), obj.get("chain")
        if not isinstance(user, str) or not is_int(created_at) or not isinstance(digest, str) \
                or status not in STATUSES or not isinstance(chain, str):
            raise Failure("seq %d: malformed entry" % seq)
        place = obj.get("place")
        if "place" in obj.map and (not is_int(place) or place < 1):
            raise Failure("seq %d: place must be an integer of at least 1" % seq)
        if digest != "" and not HEX64.match(digest):
            raise Failure("seq %d: payload_sha256 must be empty or 64 lowercase hex digits" % seq)
        if not HEX64.match(chain):
            raise Failure("seq %d: chain must be 64 lowercase hex digits" % seq)
        if user == "":
            raise Failure("seq %d: empty user" % seq)
        if any(unicodedata.category(ch) == "Cc" for ch in user):
            raise Failure("seq %d: the user contains a control character" % seq)
        if "payload" in obj.map:
            payload = obj.get("payload")
            if not isinstance(payload, str) or digest == "":
                raise Failure("seq %d: a payload without a digest" % seq)
            if hashlib.sha256(payload.encode("utf-8")).hexdigest() != digest:
                raise Failure("seq %d: the payload does not match its digest" % seq)
            parsed = parse_json(payload, "seq %d: the payload" % seq)
            if not isinstance(parsed, Pairs) or not is_compact_json(payload):
                raise Failure("seq %d: the payload is not a compact JSON object" % seq)
        new = link(self.entry_head, entry_text(seq, user, created_at, digest))
        if new.hex() != chain:
            raise Failure("seq %d: the chain does not match: the entry or one before it was changed" % seq)
        if user in self.seen_users:
            raise Failure("seq %d: user %s already entered as seq %d" % (seq, quote(user), self.seen_users[user]))
        self.seen_users[user] = seq
        self.entry_head = new
        self.links.append(new)
        self.users.append(user)
        self.created.append(created_at)
        self.statuses.append(status)
        self.places.append(place)

    def check_user_forms(self):
        """Every stored name keeps section 5.2's rules; without an identity rule
        it is also trimmed and in NFC."""
        if self.settings is None:
            return
        for index, user in enumerate(self.users):
            broken = user_rule_broken(user)
            if broken:
                raise Failure("seq %d: the user %s (section 5.2)" % (index + 1, broken))
            if self.identity is not None:
                continue
            if is_white(user[0]) or is_white(user[-1]):
                raise Failure("seq %d: the user has surrounding white space (the service trims names)" % (index + 1))
            if not unicodedata.is_normalized("NFC", user):
                raise Failure("seq %d: the user is not in Unicode NFC (the service normalizes names)" % (index + 1))

    def read_control(self, number, obj, raw):
        if self.stage == "start":
            raise Failure("line %d: a control record comes before the event line" % number)
        if self.stage not in ("entries", "control"):
            raise Failure("line %d: a control record out of place" % number)
        self.stage = "control"
        self.position += 1
        self.expect_shape(number, obj, raw, ("type", "position", "record", "chain"), "control")
        position, record, chain = obj.get("position"), obj.get("record"), obj.get("chain")
        if not is_int(position) or position != self.position:
            raise Failure("control log position %d is missing or out of order" % self.position)
        if not isinstance(record, str) or not isinstance(chain, str) or not HEX64.match(chain):
            raise Failure("control log position %d is malformed" % self.position)
        new = link(self.control_head, record)
        if new.hex() != chain:
            raise Failure("control log position %d: the chain does not match (a record was changed)" % self.position)
        self.control_head = new
        fields = parse_json(record, "control log position %d: the record" % self.position)
        if not isinstance(fields, Pairs):
            raise Failure("control log position %d: the record is not a JSON object" % self.position)
        kind = fields.get("type")
        if self.order is not None and self.position == 1 and not self.is_create(fields):
            raise Failure("control log position 1: the log of a %s event must start with its create action" % self.order)
        if kind == "action":
            self.read_action(fields, record)
        elif kind == "decision":
            self.read_decision(fields, record)
        elif kind == "draw":
            self.read_draw(fields, record)
        else:
            raise Failure("control log position %d: unknown record type %s" % (self.position, quote(str(kind))))

    @staticmethod
    def is_create(fields):
        action = fields.get("action")
        return fields.get("type") == "action" and isinstance(action, Pairs) and action.keys == ["create"]

    def read_action(self, fields, record):
        where = "control log position %d" % self.position
        if fields.keys != ["type", "at", "action"] or not is_int(fields.get("at")):
            raise Failure("%s: an action record must be {type,at,action}" % where)
        action = fields.get("action")
        if not isinstance(action, Pairs) or len(action.keys) != 1 or not isinstance(action.items[0][1], Pairs):
            raise Failure("%s: the action must be one {\"KIND\":{...}}" % where)
        kind, body = action.items[0]
        self.action_count += 1
        if kind == "create":
            if self.position != 1:
                raise Failure("%s: a create action after the start of the log" % where)
            if body.keys not in [list(CREATE_KEYS) + extra for extra in ([], ["pow_bits"], ["prequeue_at"], ["pow_bits", "prequeue_at"])]:
                raise Failure("%s: a create action must have %s (then pow_bits, then prequeue_at) in that order"
                              % (where, ",".join(CREATE_KEYS)))
            if "pow_bits" in body.keys and (not is_int(body.get("pow_bits")) or not 1 <= body.get("pow_bits") <= MAX_POW_BITS):
                raise Failure("%s: pow_bits must be 1 to %d when present" % (where, MAX_POW_BITS))
            if "prequeue_at" in body.keys:
                if not is_int(body.get("prequeue_at")):
                    raise Failure("%s: prequeue_at must be an integer when present" % where)
                if self.order is None:
                    raise Failure("%s: a pre-queue (prequeue_at) in a fifo event" % where)
                if body.get("opens_at") is None or not body.get("prequeue_at") < body.get("opens_at"):
                    raise Failure("%s: prequeue_at must be before opens_at" % where)
            if fields.get("at") != self.created_at:
                raise Failure("%s: the create action's time differs from the rules' created_at" % where)
            self.check_name(where, body.get("name"))
            self.check_limit(where, body.get("admit_per_tick"), allow_null=True)
            self.check_presence(where, body.get("presence_timeout_s"))
            for key in ("opens_at", "closes_at"):
                if body.get(key) is not None and not is_int(body.get(key)):
                    raise Failure("%s: %s must be an integer or null" % (where, key))
            if body.get("opens_at") is not None and body.get("closes_at") is not None \
                    and body.get("closes_at") <= body.get("opens_at"):
                raise Failure("%s: closes_at is not after opens_at" % where)
            if body.get("identity") is not None and body.get("identity") not in ALGORITHMS:
                raise Failure("%s: identity must be HS256, ES256, RS256 or null" % where)
            if self.order == "shuffle" and body.get("opens_at") is None:
                raise Failure("%s: a shuffle event must be created with opens_at (its draw)" % where)
            if self.order == "lottery" and body.get("closes_at") is None:
                raise Failure("%s: a lottery event must be created with closes_at (its draw)" % where)
            self.identity = body.get("identity")
            self.settings = {"name": body.get("name"), "mode": self.mode, "paused": False,
                             "presence_timeout_s": body.get("presence_timeout_s"),
                             "opens_at": body.get("opens_at"), "closes_at": body.get("closes_at"),
                             "prequeue_at": body.get("prequeue_at"), "closed_at": None, "archived": False}
        elif kind == "patch":
            if self.settings is None:
                raise Failure("%s: a patch action in a log that does not start with a create" % where)
            keys = body.keys
            if not keys or [k for k in PATCH_KEYS if k in keys] != keys:
                raise Failure("%s: a patch action must have 1 or more of %s, in that order" % (where, ",".join(PATCH_KEYS)))
            if "mode" in keys and body.get("mode") not in MODES:
                raise Failure("%s: mode must be queue or direct" % where)
            if "state" in keys and body.get("state") not in ("open", "closed"):
                raise Failure("%s: state must be open or closed" % where)
            if "admit_per_tick" in keys:
                self.check_limit(where, body.get("admit_per_tick"), allow_null=True)
            if "presence_timeout_s" in keys:
                self.check_presence(where, body.get("presence_timeout_s"))
            if "name" in keys:
                self.check_name(where, body.get("name"))
            if "paused" in keys and not isinstance(body.get("paused"), bool):
                raise Failure("%s: paused must be true or false" % where)
            if "pow_bits" in keys and (not is_int(body.get("pow_bits")) or not 0 <= body.get("pow_bits") <= MAX_POW_BITS):
                raise Failure("%s: pow_bits must be 0 to %d" % (where, MAX_POW_BITS))
            for key in ("opens_at", "closes_at", "prequeue_at"):
                if key in keys and body.get(key) is not None and not is_int(body.get(key)):
                    raise Failure("%s: %s must be an integer or null" % (where, key))
            if self.order is None and body.get("prequeue_at") is not None:
                raise Failure("%s: a pre-queue (prequeue_at) in a fifo event" % where)
            if self.order is not None and body.get("mode") == "direct":
                raise Failure("%s: a %s event switched to mode direct" % (where, self.order))
            if self.draw is not None and "prequeue_at" in keys:
                raise Failure("%s: prequeue_at changed after the draw" % where)
            if "prizes" in keys:
                # A correction only before the first entry: never after a decision or the draw (AUDIT.md §6.2).
                if not is_int(body.get("prizes")) or not 1 <= body.get("prizes") <= MAX_PRIZES:
                    raise Failure("%s: prizes must be an integer from 1 to %d" % (where, MAX_PRIZES))
                if self.decided > 0 or self.draw is not None:
                    raise Failure("%s: the prize count changed after the event had entries (a decision or the draw)" % where)
                self.prizes = body.get("prizes")
            if "archived" in keys:
                if not isinstance(body.get("archived"), bool):
                    raise Failure("%s: archived must be true or false" % where)
                self.settings["archived"] = body.get("archived")
            opens_before = self.settings["opens_at"]
            for key in ("name", "mode", "paused", "presence_timeout_s", "opens_at", "closes_at", "prequeue_at"):
                if key in keys:
                    self.settings[key] = body.get(key)
            # Re-opening now wins over the schedule (AUDIT.md §7); a close keeps its first time.
            at = fields.get("at")
            if body.get("state") == "open":
                self.settings["closed_at"] = None
                if self.settings["opens_at"] is not None and self.settings["opens_at"] > at:
                    self.settings["opens_at"] = at
                if self.settings["closes_at"] is not None and self.settings["closes_at"] <= at:
                    self.settings["closes_at"] = None
            elif body.get("state") == "closed" and self.settings["closed_at"] is None:
                self.settings["closed_at"] = at
            closes = self.settings["closes_at"]
            ended = self.settings["closed_at"] is not None or (closes is not None and closes <= at) or self.won >= self.prizes
            if self.settings["archived"] and not ended:
                raise Failure("%s: archived while the event still takes entries (not closed, not sold out)" % where)
            if self.draw is not None and self.order == "shuffle" and self.settings["opens_at"] != opens_before:
                raise Failure("%s: the opening time (the shuffle's cutoff) changed after the draw" % where)
            if self.draw is None and self.order is not None:
                self.check_order_settings(where)
        else:
            raise Failure("%s: unknown action %s" % (where, quote(kind)))
        self.expect_record(fields, record)

    def check_order_settings(self, where):
        """Before the draw a shuffle keeps an opening time, a lottery a closing
        time (or a close), and a pre-queue starts before the opening (AUDIT.md §6.2)."""
        settings = self.settings
        if self.order == "shuffle" and settings["opens_at"] is None:
            raise Failure("%s: a shuffle event left without opens_at before its draw" % where)
        if self.order == "lottery" and settings["closes_at"] is None and settings["closed_at"] is None:
            raise Failure("%s: a lottery event left without closes_at before its draw" % where)
        if settings["prequeue_at"] is not None and (settings["opens_at"] is None or settings["prequeue_at"] >= settings["opens_at"]):
            raise Failure("%s: prequeue_at is not before opens_at" % where)

    def expect_record(self, fields, record):
        if canonical(fields.items) != record:
            raise Failure("control log position %d: the record is not in canonical form" % self.position)

    def check_name(self, where, name):
        if not isinstance(name, str) or all(is_white(ch) for ch in name) or not 1 <= len(name) <= 200:
            raise Failure("%s: name must be 1 to 200 code points, not only white space" % where)

    def check_limit(self, where, value, allow_null):
        if value is None and allow_null:
            return
        if not is_int(value) or value < 1:
            raise Failure("%s: admit_per_tick must be an integer of at least 1 or null" % where)

    def check_presence(self, where, value):
        if value is not None and (not is_int(value) or not 1 <= value <= MAX_PRESENCE):
            raise Failure("%s: presence_timeout_s must be 1 to %d or null" % (where, MAX_PRESENCE))

    def seq_at(self, place):
        """The seq at a place: the drawn order up to K, then the place itself (always, under fifo)."""
        return self.place_seq[place - 1] if place <= len(self.place_seq) else place

    def read_decision(self, fields, record):
        where = "control log position %d" % self.position
        # fifo decisions name seqs, those of a shuffle or lottery name places (AUDIT.md §6.3).
        unit = "seq" if self.order is None else "place"
        keys = ["type", "first_" + unit, "last_" + unit, "won"] + (["expired"] if "expired" in fields.map else []) \
            + ["decided_at", "entry_chain"]
        if fields.keys != keys:
            raise Failure("%s: a decision must have %s in that order" % (where, ",".join(keys)))
        first, last, wins = fields.get("first_" + unit), fields.get("last_" + unit), fields.get("won")
        at, entry_chain = fields.get("decided_at"), fields.get("entry_chain")
        if not (is_int(first) and is_int(last) and is_int(wins) and is_int(at) and isinstance(entry_chain, str)):
            raise Failure("%s: malformed decision" % where)
        self.expect_record(fields, record)
        if self.order is not None and self.draw is None:
            raise Failure("%s: a decision of a %s event before its draw" % (where, self.order))
        self.decisions += 1
        if first != self.decided + 1 or last < first or last > len(self.statuses):
            raise Failure("%s %d: decision %d..%d does not continue the decisions in %s order"
                          % (unit, self.decided + 1, first, last, unit))
        # The entry link of the last seq decided; after a draw of K seqs, at least seq K.
        chain_seq = last if self.draw is None else max(last, self.draw["drawn"])
        if self.links[chain_seq - 1].hex() != entry_chain:
            raise Failure("seq %d: the decision was made over a different entry log" % chain_seq)
        expired = fields.get("expired", [])
        if "expired" in fields.map:
            if not isinstance(expired, list) or not expired or not all(is_int(s) for s in expired):
                raise Failure("%s: malformed expired list" % where)
            if any(a >= b for a, b in zip(expired, expired[1:])) or expired[0] < first or expired[-1] > last:
                raise Failure("%s %d: decision %d..%d lists expired %ss outside it or out of order"
                              % (unit, first, first, last, unit))
        if self.settings is None and expired:
            # Events older than the audit chain had no presence expiry.
            raise Failure("%s %d: entries expired in a log without a create action (no presence expiry)" % (unit, expired[0]))
        if self.draw is not None and at < self.draw["drawn_at"]:
            raise Failure("%s %d: decision %d..%d made at %d, before the draw (%d)" % (unit, first, first, last, at, self.draw["drawn_at"]))
        if self.settings is not None:
            if self.settings["paused"]:
                raise Failure("%s %d: decision %d..%d made while the event was paused" % (unit, first, first, last))
            if expired and (self.settings["presence_timeout_s"] is None or self.settings["mode"] != "queue"):
                raise Failure("%s %d: entries expired while presence expiry was off" % (unit, expired[0]))
        remaining = self.prizes - self.won
        pending = list(expired)
        for place in range(first, last + 1):
            if pending and pending[0] == place:
                if remaining <= 0:
                    raise Failure("%s %d: expired after the prizes were gone; the rule gives lost" % (unit, place))
                pending.pop(0)
                self.decided_statuses.append("expired")
            elif remaining > 0:
                remaining -= 1
                self.decided_statuses.append("won")
            else:
                self.decided_statuses.append("lost")
        expected_wins = self.prizes - self.won - remaining
        if wins != expected_wins:
            raise Failure("%s %d: decision %d..%d awards %d prizes; the rule gives %d"
                          % (unit, first, first, last, wins, expected_wins))
        if self.last_decision_at is not None and at < self.last_decision_at:
            raise Failure("%s %d: decision time goes backwards" % (unit, first))
        for seq in [self.seq_at(place) for place in range(first, last + 1)] + [chain_seq]:
            if at < self.created[seq - 1]:
                raise Failure("seq %d: decided at %d, before the entry was made (%d)" % (seq, at, self.created[seq - 1]))
        self.last_decision_at = at
        self.won += wins
        self.decided = last

    def read_draw(self, fields, record):
        """The draw of a shuffle or lottery event (AUDIT.md §6.4)."""
        where = "control log position %d" % self.position
        if self.order is None:
            raise Failure("%s: a draw record in a fifo event" % where)
        if self.draw is not None:
            raise Failure("%s: a second draw record" % where)
        keys = ["type", "algorithm", "cutoff", "drawn", "entry_chain", "secret"] \
            + (["beacon"] if self.beacon is not None else []) + ["seed", "drawn_at"]
        if fields.keys != keys:
            raise Failure("%s: a draw record must have %s in that order" % (where, ",".join(keys)))
        algorithm, cutoff, drawn, drawn_at = fields.get("algorithm"), fields.get("cutoff"), fields.get("drawn"), fields.get("drawn_at")
        entry_chain, secret, seed, beacon = fields.get("entry_chain"), fields.get("secret"), fields.get("seed"), fields.get("beacon")
        if not (is_int(cutoff) and is_int(drawn) and is_int(drawn_at) and isinstance(algorithm, str)
                and all(isinstance(v, str) and HEX64.match(v) for v in (entry_chain, secret, seed))
                and (self.beacon is None or isinstance(beacon, str))):
            raise Failure("%s: malformed draw record" % where)
        self.expect_record(fields, record)
        if self.decisions:
            raise Failure("%s: the draw comes after a decision" % where)
        if algorithm != DRAW_ALGORITHM:
            raise Failure("draw: unknown algorithm %s" % quote(algorithm))
        if beacon is not None and (beacon == "" or len(beacon) > 512 or any(unicodedata.category(ch) == "Cc" for ch in beacon)
                                   or is_white(beacon[0]) or is_white(beacon[-1])
                                   or not any(unicodedata.category(ch)[0] in "LNPS" for ch in beacon)):
            raise Failure("draw: the beacon value must be 1 to 512 code points with a visible character, "
                          "no white space around it and no control characters")
        # The cutoff, from the settings in force (the log of a drawing event starts with its create).
        # shuffle: opens_at; lottery: the earlier of closes_at and the admin's close.
        if self.order == "shuffle":
            expected = self.settings["opens_at"]
        else:
            expected = min([t for t in (self.settings["closes_at"], self.settings["closed_at"]) if t is not None], default=None)
        if cutoff != expected:
            raise Failure("draw: the cutoff %d is not the %s's %s (%s)" % (
                cutoff, self.order, "opening time" if self.order == "shuffle" else "close", "none" if expected is None else expected))
        # Drawn: seqs 1..K, K the highest seq created before the cutoff.
        count = len(self.statuses)
        if not 0 <= drawn <= count:
            raise Failure("draw: drawn is %d but the log has %d entries" % (drawn, count))
        if drawn > 0 and not self.created[drawn - 1] < cutoff:
            raise Failure("seq %d: drawn, but created at %d, not before the cutoff %d" % (drawn, self.created[drawn - 1], cutoff))
        for seq in range(drawn + 1, count + 1):
            if self.created[seq - 1] < cutoff:
                raise Failure("seq %d: created at %d, before the cutoff %d, but not drawn (drawn is %d)"
                              % (seq, self.created[seq - 1], cutoff, drawn))
        entry_link = self.links[drawn - 1] if drawn else self.genesis
        if entry_chain != entry_link.hex():
            raise Failure("draw: entry_chain is not the link of seq %d: the draw was made over a different entry log" % drawn)
        secret_bytes = bytes.fromhex(secret)
        if sha256(secret_bytes).hex() != self.seed_commitment:
            raise Failure("draw: the secret does not match the rules' seed_commitment")
        computed = draw_seed(secret_bytes, entry_link, beacon)
        if seed != computed.hex():
            raise Failure("draw: the seed is not SHA-256(secret || chain(%d)%s)" % (drawn, " || beacon" if beacon is not None else ""))
        if drawn_at < cutoff or (drawn and drawn_at < self.created[drawn - 1]):
            raise Failure("draw: drawn at %d, before the cutoff or the last drawn entry" % drawn_at)
        self.place_seq = draw_order(computed, drawn)
        self.draw = {"cutoff": cutoff, "drawn": drawn, "seed": seed, "drawn_at": drawn_at}

    def read_heads(self, number, obj, raw):
        if self.stage == "start":
            raise Failure("line %d: the heads line comes before the event line" % number)
        self.expect_shape(number, obj, raw, ("type", "entries", "head", "control_head"), "heads")
        if obj.get("entries") != len(self.statuses) or not is_int(obj.get("entries")):
            raise Failure("seq %d: the log ends before its last entry (heads say %r entries)"
                          % (len(self.statuses) + 1, obj.get("entries")))
        if obj.get("head") != self.entry_head.hex():
            raise Failure("the entry head does not match")
        if obj.get("control_head") != self.control_head.hex():
            raise Failure("the control log head does not match")
        self.stage = "done"

    def finish(self):
        if self.stage != "done":
            raise Failure("the log is truncated: no heads line")
        if self.order is not None and self.settings is None:
            raise Failure("the log of a %s event must start with its create action" % self.order)
        if self.settings is None and self.created_at >= CREATE_REQUIRED_FROM:
            raise Failure("the control log does not start with a create action (required of every event created "
                          "since the audit chain began, rules' created_at %d)" % self.created_at)
        self.check_user_forms()
        # Places: the draw's order for seqs 1..K, the seq itself after K; none before the draw.
        place_of = {seq: index + 1 for index, seq in enumerate(self.place_seq)}
        for index, place in enumerate(self.places):
            seq = index + 1
            if self.draw is None:
                if place is not None:
                    raise Failure("seq %d: has place %d but the event has no draw" % (seq, place))
                continue
            expected = place_of.get(seq, seq)
            if place is None:
                raise Failure("seq %d: no place, but the draw gives it place %d" % (seq, expected))
            if place != expected:
                raise Failure("seq %d: place is %d but the draw gives %d" % (seq, place, expected))
        winners = []
        counts = {s: 0 for s in STATUSES}
        for index, status in enumerate(self.statuses):
            place = index + 1 if self.order is None else self.places[index]
            if place is not None and place <= len(self.decided_statuses):
                expected = self.decided_statuses[place - 1]
            else:
                expected = "waiting"
            if status != expected:
                raise Failure("seq %d: status is %s but the award rule gives %s" % (index + 1, status, expected))
            counts[status] += 1
            if status == "won":
                winners.append((index + 1, self.users[index]))
        if self.settings is not None and self.settings["name"] != self.event_name:
            raise Failure("the event line's name %s is not the name the control log gives (%s)"
                          % (quote(self.event_name), quote(self.settings["name"])))
        return {
            "event": self.event, "entries": len(self.statuses), "winners": len(winners), "counts": counts,
            "head": self.entry_head.hex(), "control_head": self.control_head.hex(),
            "winners_digest": winners_digest(winners), "rules": self.rules,
            "order": self.order, "draw": self.draw,
        }


def verify_bytes(data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Failure("the file is not UTF-8 (byte %d)" % error.start)
    if text == "":
        raise Failure("the file is empty")
    if not text.endswith("\n"):
        raise Failure("the last line does not end with a line feed")
    verifier = Verifier()
    for number, line in enumerate(text[:-1].split("\n"), start=1):
        verifier.line(number, line)
    return verifier.finish()


def check_commitment(report, data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Failure("the commitment is not UTF-8")
    commitment = parse_json(text, "the commitment")
    if not isinstance(commitment, Pairs):
        raise Failure("the commitment is not a JSON object")
    expected = ["event", "entries", "head", "control_head", "winners", "winners_digest", "rules"]
    if sorted(commitment.keys) != sorted(expected):
        raise Failure("the commitment must have the fields %s" % ",".join(expected))
    for key in ("event", "entries", "head", "control_head", "winners", "winners_digest"):
        value = commitment.get(key)
        typed = is_int(value) if key in ("entries", "winners") else isinstance(value, str)
        if not typed or value != report[key]:
            raise Failure("commitment: %s is %s, the export gives %s"
                          % (key, json.dumps(commitment.get(key)), json.dumps(report[key])))
    rules = commitment.get("rules")
    if not isinstance(rules, Pairs) or canonical(rules.items) != report["rules"]:
        raise Failure("commitment: the rules differ from the export's")
    if report["counts"]["waiting"]:
        raise Failure("commitment: the export still has %d waiting entries" % report["counts"]["waiting"])


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Verify a firstcome audit export (JSON Lines) independently of firstcome, "
                    "following docs/AUDIT.md. Prints one line, OK or FAIL, and exits 0 or 1.")
    parser.add_argument("export", help="the export file made by 'firstcome audit export', or - for standard input")
    parser.add_argument("--commitment", metavar="FILE",
                        help="the JSON of GET /v1/events/{id}/commitment; the export must match it")
    args = parser.parse_args(argv)
    try:
        try:
            if args.export == "-":
                data = sys.stdin.buffer.read()
            else:
                with open(args.export, "rb") as handle:
                    data = handle.read()
        except OSError as error:
            raise Failure("cannot read %s: %s" % (args.export, error.strerror))
        report = verify_bytes(data)
        if args.commitment:
            try:
                with open(args.commitment, "rb") as handle:
                    commitment = handle.read()
            except OSError as error:
                raise Failure("cannot read %s: %s" % (args.commitment, error.strerror))
            check_commitment(report, commitment)
    except Failure as failure:
        print("FAIL: %s" % failure)
        return 1
    counts = report["counts"]
    draw = ""
    if report["order"] is not None:
        draw = "; %s, %s" % (report["order"], "not drawn yet" if report["draw"] is None else
                             "drew %d entries, seed %s" % (report["draw"]["drawn"], report["draw"]["seed"]))
    print("OK event %s: %d entries, %d won, %d lost, %d expired, %d waiting; head %s; control_head %s; winners_digest %s%s%s"
          % (quote(report["event"]), report["entries"], counts["won"], counts["lost"], counts["expired"],
             counts["waiting"], report["head"], report["control_head"], report["winners_digest"], draw,
             "; commitment matches" if args.commitment else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
