"""Every Redis key name the project uses, in one place."""

PREFIX = "oncall"
DAY = 86400
CALL_TTL = 90 * DAY  # call records and their events are kept 90 days


def call(sid: str) -> str:
    """Hash: vendor, caller, to, reference, started, severity, route, dial, outcome, recording."""
    return f"{PREFIX}:call:{sid}"


def call_events(sid: str) -> str:
    """List of JSON events {at, step, text}, oldest first."""
    return f"{PREFIX}:call:{sid}:events"


def calls_index() -> str:
    """Sorted set of call sids by start time (epoch seconds)."""
    return f"{PREFIX}:calls"


def once(sid: str, key: str) -> str:
    """Marks an effect of a call as done: Twilio retries webhooks, effects happen once."""
    return f"{PREFIX}:once:{sid}:{key}"


def screen(sid: str, attempt: str) -> str:
    """Set when the engineer rung in attempt `attempt` pressed 1."""
    return f"{PREFIX}:screen:{sid}:{attempt}"


def reference_counter(vendor: str, year: int) -> str:
    return f"{PREFIX}:ref:{vendor}:{year}"


def caller_calls(number: str) -> str:
    """Sorted set of recent call sids from one number, by start time (abuse limit)."""
    return f"{PREFIX}:rate:calls:{number}"


def caller_sms(number: str, day: str) -> str:
    """Follow-up SMS sent to one caller on one day."""
    return f"{PREFIX}:rate:sms:{number}:{day}"


def sms_hour(hour: str) -> str:
    """Follow-up SMS sent to all callers in one hour (global cap)."""
    return f"{PREFIX}:rate:sms-all:{hour}"


def blocked() -> str:
    """Set of caller numbers refused outright."""
    return f"{PREFIX}:blocked"


def incident(incident_id: str) -> str:
    """Hash: vendor, severity, rank, message, caller, state, opened_at, respond_by, plan (JSON),
    step (fencing token), next_step_at, calls, unsummarised, acked_by, resolved_by, ..."""
    return f"{PREFIX}:incident:{incident_id}"


def incident_calls(incident_id: str) -> str:
    """Set of the call sids (or 'manual-<reference>') counted on the incident."""
    return f"{PREFIX}:incident:{incident_id}:calls"


def incident_timeline(incident_id: str) -> str:
    """List of JSON events {at, text}, oldest first."""
    return f"{PREFIX}:incident:{incident_id}:timeline"


def open_incidents(vendor: str) -> str:
    """Sorted set of a vendor's open incident ids by the time of their last call (storms)."""
    return f"{PREFIX}:incidents:open:{vendor}"


def incidents_opened(vendor: str) -> str:
    """Sorted set of a vendor's incident ids by when they opened (epoch seconds): the weekly
    report finds a week's incidents here. Written with the incident, atomically."""
    return f"{PREFIX}:incidents:opened:{vendor}"


def triggered() -> str:
    """Sorted set of triggered incident ids by when their next escalation step is due."""
    return f"{PREFIX}:incidents:triggered"


def paged(phone: str) -> str:
    """Sorted set of incident ids paged to one phone, by time (SMS replies find them here)."""
    return f"{PREFIX}:paged:{phone}"


def attempt(incident_id: str, step: int, phone: str) -> str:
    """Hash for one page attempt (see oncall/store/attempts.py): state (sending|sent|failed|retry|
    unknown), sid, status, t, tries, run, hold, due, since, next_try_at, last_error."""
    return f"{PREFIX}:attempt:{incident_id}:{step}:{phone}"


def voice_attempt(incident_id: str, step: int, phone: str) -> str:
    """Hash for one voice page (the page read out by a call), fields as `attempt`."""
    return f"{PREFIX}:voice-attempt:{incident_id}:{step}:{phone}"


def unsent_pages() -> str:
    """Sorted set of pages not yet sent ("page:ID:step:index", "voice:ID:step:index"), by
    when the sweep should look at them if no job has (oncall/store/attempts.py)."""
    return f"{PREFIX}:pages:unsent"


def attempt_parts(key: str) -> tuple[str, int]:
    """(incident id, step) of an attempt key."""
    _, _, incident_id, step, _ = key.split(":", 4)
    return incident_id, int(step)


def message_sid(sid: str) -> str:
    """Twilio message SID -> attempt key (status callbacks)."""
    return f"{PREFIX}:sms-sid:{sid}"


def inbound_sms(sid: str) -> str:
    """Hash for one inbound SMS (Twilio MessageSid): what applying it pinned (incident,
    step) and the answer sent, so a retried webhook is answered alike and applied once."""
    return f"{PREFIX}:sms-in:{sid}"


def once_incident(incident_id: str, key: str) -> str:
    """An incident-level effect that must happen once (lead told, respond_by missed, ...)."""
    return f"{PREFIX}:once:incident:{incident_id}:{key}"


def clock_offset() -> str:
    """String: seconds the offset clock runs ahead of the system clock (tests and the demo
    fast-forward every process at once; ONCALL_CLOCK=offset)."""
    return f"{PREFIX}:clock:offset"


def last_sweep() -> str:
    """Epoch seconds (text) of the last sweep that completed (workers/run.py): /readyz reads it."""
    return f"{PREFIX}:health:last-sweep"


def health_probe() -> str:
    """Written with a short TTL by every readiness check: proves Redis takes writes."""
    return f"{PREFIX}:health:probe"


def handoff(vendor: str, layer: str, person: str, start: int) -> str:
    """Hash for one shift handoff (oncall/store/handoffs.py): vendor, layer, person, name,
    language, phone, start, end, override, claimed_at, sent_at, sid, confirmed_at,
    confirmed_by, lead_told_at. `start`: the shift's start, epoch seconds."""
    return f"{PREFIX}:handoff:{vendor}:{layer}:{person}:{start}"


def handoffs_checked() -> str:
    """Epoch seconds up to which shift starts have been looked for (the handoff pass)."""
    return f"{PREFIX}:handoffs:checked"


def handoffs_pending(phone: str) -> str:
    """Sorted set of handoff keys sent to `phone` and not yet confirmed, by shift start."""
    return f"{PREFIX}:handoffs:pending:{phone}"


def handoffs_of(vendor: str) -> str:
    """Sorted set of a vendor's handoff keys by shift start (the `handoffs` command)."""
    return f"{PREFIX}:handoffs:vendor:{vendor}"


def policy_versions(vendor: str) -> str:
    """Hash: version number -> JSON {text, author, at, summary, changes} of one vendor's
    policy document, every version ever saved (oncall/store/policies.py)."""
    return f"{PREFIX}:policy:{vendor}:versions"


def policy_document(vendor: str) -> str:
    """String: the vendor's current document as JSON (the next save diffs against it without
    parsing the YAML again)."""
    return f"{PREFIX}:policy:{vendor}:document"


def policy_current() -> str:
    """Hash: vendor id -> its current version number; its fields are the stored vendor ids."""
    return f"{PREFIX}:policies:current"


def policy_generation() -> str:
    """Counter incremented by every policy save (live reload: one GET says "anything new?")."""
    return f"{PREFIX}:policies:generation"


def policy_inbound() -> str:
    """Hash: inbound E.164 number -> the vendor whose current version claims it."""
    return f"{PREFIX}:policies:inbound"


def policy_channel() -> str:
    """Pub/sub channel: "<vendor> <version> <generation>" after every policy save."""
    return f"{PREFIX}:policies:saved"


def users() -> str:
    """Set of every username (oncall/store/users.py)."""
    return f"{PREFIX}:users"


def user(username: str) -> str:
    """Hash: name, phone, roles (JSON: vendor id -> role), disabled ("1"/"0"), password (an
    argon2 hash), created (ISO), epoch (bumped by disable/passwd: older sessions end)."""
    return f"{PREFIX}:user:{username}"


def user_tokens(username: str) -> str:
    """Hash: token id -> sha256 hex of the token (the user's API tokens)."""
    return f"{PREFIX}:user:{username}:tokens"


def token(digest: str) -> str:
    """Hash for one API token, found by the sha256 hex of the token (never the token itself):
    id, username, name, created, expires (ISO or ""), last_used (ISO or "")."""
    return f"{PREFIX}:token:{digest}"


def login_audit() -> str:
    """List of JSON login attempts {at, username, address, outcome}, newest first, capped."""
    return f"{PREFIX}:audit:logins"


def rate_limits() -> str:
    """Prefix of Flask-Limiter's keys (the login rate limit, oncall/web/auth.py)."""
    return f"{PREFIX}:limits"


def feed(token_hash: str) -> str:
    """Hash for one iCal feed token, keyed by the sha256 (hex) of the token, never the token:
    id, kind (person|layer), phone or vendor + layer, owner, created (ISO, UTC)."""
    return f"{PREFIX}:feed:{token_hash}"


def feed_ids() -> str:
    """Hash: feed id -> the sha256 of its current token (list, revoke, renew by id)."""
    return f"{PREFIX}:feeds"
