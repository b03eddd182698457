"""Vendor config files -> VendorPolicy, validated completely.

Every problem is collected (not just the first) and names file, line and field:
`config/vendors/x.yaml:12: desk.hours.mon: '8-16' is not a time span like '08:00-16:00'`.
DST-sensitive handoffs are warnings that say what the rota does on those nights.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path

import pendulum

from rotas.calendar import Break, Calendar
from rotas.closed_days import COUNTRY_NAMES, Closure, HolidayCalendar, holiday_categories
from rotas.config_rota import parse_language, parse_people, parse_rota
from rotas.config_sections import AlreadyReported, Section, declared, line_at
from rotas.hours import (
    FIRST_YEAR,
    LAST_YEAR,
    WeeklyHours,
    normalise,
    parse_date,
    parse_days,
    parse_span,
)
from rotas.phone import InvalidNumber, to_e164
from rotas.policy import (
    LANGUAGES,
    ROUTES_CLOSED,
    ROUTES_OPEN,
    PageStep,
    ResponseTarget,
    Rule,
    Severity,
    VendorPolicy,
    Written,
)
from rotas.yamlsource import (
    MAX_CHARS,
    ConfigError,
    Problem,
    Problems,
    gc_paused,
    load_yaml,
)

# The vendor file's keys, in the order a file lays them out (the seeds, aidn.yaml's comments).
TOP_KEYS = (
    "id",
    "name",
    "language",
    "timezone",
    "holidays",
    "inbound",
    "emergency",
    "desk",
    "duty",
    "closures",
    "written",
    "people",
    "rota",
    "overrides",
    "severities",
)


def in_file_order(document: dict) -> dict:
    """The document with its top-level keys in the file's order (any other key after them, as
    given): a document saved through the API is stored, and exported, laid out like a seed."""
    rank = {key: i for i, key in enumerate(TOP_KEYS)}
    return dict(sorted(document.items(), key=lambda item: rank.get(item[0], len(rank))))


COUNTRIES = tuple(COUNTRY_NAMES)  # the countries whose holidays are known


def load_policy(path: str | Path) -> VendorPolicy:
    """Load and validate one vendor file; raise ConfigError listing every error."""
    policy, problems = check_policy_file(path)
    errors = [p for p in problems if p.level == "error"]
    if errors or policy is None:
        raise ConfigError(errors)
    return policy


def check_policy_file(path: str | Path) -> tuple[VendorPolicy | None, list[Problem]]:
    """(policy or None, all problems: errors and warnings)."""
    text, problem = read_policy_text(path)
    if problem:
        return None, [problem]
    with gc_paused():  # tens of thousands of small objects, none of them garbage
        return _check_policy_text(text, str(path), Path(path).stem)[:2]


def read_policy_text(path: str | Path) -> tuple[str, Problem | None]:
    """A vendor file's text, or the problem why not: it cannot be read, is larger than
    MAX_CHARS (then no more than that is read), or is not UTF-8."""
    source = str(path)
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_CHARS + 1)
    except OSError as exc:
        return "", Problem(source, 0, "file", f"cannot read: {exc.strerror}")
    if len(raw) > MAX_CHARS:
        return "", Problem(source, 1, "file", f"larger than {MAX_CHARS // 1024} KiB")
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return "", Problem(source, raw.count(b"\n", 0, exc.start) + 1, "file", "not UTF-8 text")


def check_policy_text(text: str, source: str, stem: str):
    """check_policy_file for text already read (a vendor's last good version, kept elsewhere):
    `source` names it in problems, `stem` is the vendor id the text must declare."""
    with gc_paused():
        return _check_policy_text(text, source, stem)[:2]


def check_policy_document(text: str, source: str, stem: str):
    """check_policy_text, and the parsed document too (a Located mapping with the line of
    each key; None when the text is not a mapping): a save diffs it with the version before
    and names problems by index path in it, without parsing the text again."""
    with gc_paused():
        return _check_policy_text(text, source, stem)


def _check_policy_text(text: str, source: str, stem: str):
    data, problems = load_yaml(text, source)
    if data is None or not hasattr(data, "lines"):  # a syntax error, or not a mapping at all
        if not problems.items:
            problems.add(1, "file", "expected a mapping of vendor settings")
        return None, problems.items, None
    policy = parse_policy(data, problems)
    if policy is not None and policy.id != stem:
        problems.add(
            data.lines.get("id", 1), "id", f"{policy.id!r} does not match file name {stem!r}"
        )
    bad = any(p.level == "error" for p in problems.items)
    return (None if bad else policy), problems.items, data


def parse_policy(data, problems: Problems) -> VendorPolicy | None:
    top = Section(problems, data, "", TOP_KEYS)
    vendor_id = top.take("id", _slug, required=True)
    tz = top.take("timezone", _timezone, required=True)
    holidays = top.take("holidays", _holidays, required=True)
    region = holidays.country if holidays else "NO"
    phone = _phone_parser(region)
    desk = top.section("desk", {"phones", "hours", "breaks"}, required=True)
    duty = top.section("duty", {"phones", "hours"})
    desk_hours = desk.take("hours", lambda v, s: _weekly(v, s, closed_days=False), required=True)
    breaks = desk.take("breaks", _breaks, default=())
    people = top.take("people", lambda v, s: parse_people(v, s, phone), default={})
    rota = parse_rota(top, people or {}, tz or "UTC")
    severities = top.take("severities", _severities, required=True, default=())
    # Problems are reported in the order fields are read: keep this order.
    name = top.take("name", _text, required=True) or "?"
    language = top.take("language", parse_language, required=True) or "en"
    desk_phones = desk.take("phones", lambda v, s: _phones(v, s, phone), default=())
    duty_phones = duty.take("phones", lambda v, s: _phones(v, s, phone), default=())
    calendar = Calendar(
        tz=tz or "UTC",
        holidays=holidays or HolidayCalendar(region),
        desk_hours=desk_hours or WeeklyHours(((),) * 7),
        breaks=breaks,
        duty_hours=duty.take("hours", _duty_hours, default=None),
        closures=top.take("closures", _closures, default=()),
    )
    policy = VendorPolicy(
        id=vendor_id or "?",
        name=name,
        language=language,
        calendar=calendar,
        desk_phones=desk_phones,
        duty_phones=duty_phones,
        written=top.take("written", _written, default=Written()),
        people=people or {},
        rota=rota,
        severities=severities or (),
        inbound=top.take("inbound", lambda v, s: _phones(v, s, phone), default=()),
        emergency=top.take("emergency", lambda v, s: phone(v), default=None),
        source=problems.source,
    )
    _cross_check(policy, top)
    return policy


# -- cross-field checks ----------------------------------------------------------------------


def _cross_check(policy: VendorPolicy, top: Section) -> None:
    layers = {layer.name for layer in policy.rota.layers} | declared(top.data, "rota")
    people = set(policy.people) | declared(top.data, "people")
    raw = top.data.get("severities")
    for i, sev in enumerate(policy.severities):
        for state, rule in (("open", sev.open), ("closed", sev.closed)):
            for j, step in enumerate(rule.page):
                line = line_at(raw, i, state, "page", j, "notify")
                for target in step.targets:
                    problem = _target_problem(target, layers, people)
                    if problem:
                        top.problem(line, f"severities.{sev.id}.{state}.page[{j}].notify", problem)
        if sev.closed.route == "duty" and not (layers or policy.duty_phones):
            top.problem(
                line_at(raw, i, "closed"),
                f"severities.{sev.id}.closed",
                "routed to duty, but the vendor has no rota layers and no duty.phones",
            )
        if sev.open.route == "desk" and not policy.desk_phones:
            top.problem(
                line_at(raw, i, "open"),
                f"severities.{sev.id}.open",
                "routed to the desk, but desk.phones is empty",
            )
    if policy.emergency is None and not (policy.duty_phones or policy.desk_phones):
        top.problem(
            top.line,
            "emergency",
            "no emergency number and no desk or duty phone for the fallback to dial",
        )


def _target_problem(target: str, layers: set[str], people: set[str]) -> str | None:
    if target.startswith("rota:"):
        if target[5:] in layers:
            return None
        known = ", ".join(sorted(layers)) or "none"
        return f"{target!r}: no rota layer {target[5:]!r} (layers: {known})"
    if target in people:
        return None
    return f"{target!r} is not a rota layer ('rota:primary') or a person in people"


# -- field parsers: (value, section-for-lines) -> parsed value, raise ValueError -------------


def _slug(value, _s) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", str(value)):
        raise ValueError(f"{value!r} is not an id (lowercase letters, digits, '-')")
    return str(value)


def _text(value, _s) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty text")
    return value.strip()


def _timezone(value, _s) -> str:
    try:
        pendulum.timezone(str(value))
    except Exception:
        raise ValueError(f"{value!r} is not an IANA time zone like Europe/Oslo") from None
    return str(value)


def _country(value, _s) -> str:
    if value not in COUNTRIES:
        raise ValueError(f"{value!r} is not a supported holiday country ({', '.join(COUNTRIES)})")
    return value


def _holidays(value, s: Section) -> HolidayCalendar:
    """`SE` (public holidays), or `{country: SE, categories: [public, de_facto]}`."""
    if isinstance(value, str):
        return HolidayCalendar(_country(value, s))
    if not hasattr(value, "keys"):
        raise ValueError("use a country (SE) or {country: SE, categories: [public, de_facto]}")
    sub = s.nested(value, {"country", "categories"})
    country = sub.take("country", _country, required=True)
    if country is None:
        raise AlreadyReported
    categories = sub.take("categories", lambda v, ss: _categories(v, ss, country))
    if "categories" in value and not categories:
        raise AlreadyReported
    return HolidayCalendar(country, categories or ("public",))


def _categories(value, s: Section, country: str) -> tuple[str, ...]:
    known = holiday_categories(country)

    def category(item) -> str:
        if item not in known:
            raise ValueError(
                f"{item!r} is not a holiday category of {COUNTRY_NAMES[country]} "
                f"(valid: {', '.join(known)})"
            )
        return item

    found = s.each(value, category)
    if isinstance(value, list) and not value:
        raise ValueError(f"list at least one category (valid: {', '.join(known)})")
    return tuple(dict.fromkeys(found))


def _phone_parser(region: str):
    def parse(value) -> str:
        try:
            return to_e164(value, region)
        except InvalidNumber as exc:
            raise ValueError(str(exc)) from None

    return parse


def _phones(value, s: Section, phone) -> tuple[str, ...]:
    return tuple(s.each(value, phone))


def _texts(value, s: Section) -> dict[str, str]:
    """A text per language: {'nb': ..., 'en': ...}, or one plain string (the vendor's language)."""
    if isinstance(value, str):
        return {"*": value}
    sub = s.nested(value, set(LANGUAGES))
    return {lang: sub.take(lang, _text) for lang in value if lang in LANGUAGES}


def _weekly(value, s: Section, *, closed_days: bool) -> WeeklyHours:
    keys = set(value) if hasattr(value, "keys") else set()
    sub = s.nested(value, keys)
    days: list[list] = [[] for _ in range(7)]
    closed = None
    for key in keys:
        spans = sub.take(key, lambda v, _s: [parse_span(x) for x in _as_list(v)], default=[])
        if closed_days and key == "closed-days":
            closed = normalise(spans)
            continue
        try:
            for d in parse_days(key):
                days[d].extend(spans)
        except ValueError as exc:
            extra = " or 'closed-days'" if closed_days else ""
            sub.problem(sub.line_of(key), sub.path(key), f"{exc}{extra}")
    return WeeklyHours(tuple(normalise(d) for d in days), closed)


def _duty_hours(value, s: Section) -> WeeklyHours | None:
    if value == "when-desk-closed":
        return None
    if isinstance(value, str):
        raise ValueError(f"{value!r}: use 'when-desk-closed' or weekly hours with 'closed-days'")
    return _weekly(value, s, closed_days=True)


def _breaks(value, s: Section) -> tuple[Break, ...]:
    out = []
    sub = s.nested(value, set(value) if hasattr(value, "keys") else set())
    for name in value:
        entry = sub.section(name, {"days", "time"}, required=True)
        days = entry.take("days", lambda v, _s: parse_days(v), required=True)
        span = entry.take("time", lambda v, _s: parse_span(v), required=True)
        if days and span:
            out.append(Break(str(name), days, span))
    return tuple(out)


def _closures(value, s: Section) -> tuple[Closure, ...]:
    return tuple(
        c for c in s.each_section(value, {"name", "from", "to", "weeks", "year"}, _closure) if c
    )


def _closure(sub: Section) -> Closure | None:
    name = sub.take("name", _text, required=True) or "closure"
    if "weeks" in sub.data:
        weeks = sub.take("weeks", _week_range)
        year = sub.take("year", lambda v, _s: _year(v))
        return Closure(name, weeks=weeks, year=year) if weeks else None
    first = sub.take("from", _day_or_yearly, required=True)
    last = sub.take("to", _day_or_yearly, required=True)
    if first is None or last is None:
        return None
    if isinstance(first, tuple) != isinstance(last, tuple):
        sub.problem(sub.line_of("to"), sub.path("to"), "mix of a yearly MM-DD and a full date")
        return None
    if isinstance(first, tuple):
        return Closure(name, yearly=(first, last))
    if last < first:
        sub.problem(
            sub.line_of("to"), sub.path("to"), f"closure ends ({last}) before it starts ({first})"
        )
        return None
    return Closure(name, first=first, last=last)


def _day_or_yearly(value, _s):
    m = re.fullmatch(r"(\d{2})-(\d{2})", str(value).strip())
    if m:
        month, day = int(m[1]), int(m[2])
        date(2024, month, day)  # a leap year admits 02-29; raises ValueError
        return (month, day)
    return parse_date(value)


def _week_range(value, _s) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{1,2})\s*(?:-\s*(\d{1,2}))?\s*", str(value))
    if not m:
        raise ValueError(f"{value!r} is not an ISO week range like '29-30'")
    a, b = int(m[1]), int(m[2] or m[1])
    if not (1 <= a <= b <= 53):
        raise ValueError(f"{value!r}: weeks must be 1-53 and in order")
    return (a, b)


def _written(value, s: Section) -> Written:
    sub = s.nested(value, {"portal", "email", "help_button"})
    return Written(
        portal=sub.take("portal", _text),
        email=sub.take("email", _email),
        help_button=sub.take("help_button", _texts, default={}),
    )


def _email(value, _s) -> str:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", str(value)):
        raise ValueError(f"{value!r} is not an e-mail address")
    return str(value)


def _severities(value, s: Section) -> tuple[Severity, ...]:
    keys = {"id", "label", "menu", "description", "open", "closed", "respond"}
    out = tuple(x for x in s.each_section(value, keys, _severity) if x)
    seen: set[str] = set()
    for sev in out:
        if sev.id in seen:
            s.problem(s.line, "severities", f"severity id {sev.id!r} appears twice")
        seen.add(sev.id)
    if not out:
        raise ValueError("a vendor needs at least one severity")
    return tuple(dataclasses.replace(sev, digit=i + 1) for i, sev in enumerate(out))


def _severity(sub: Section) -> Severity | None:
    sev_id = sub.take("id", _slug, required=True)
    if sev_id:
        sub.rename(f"severities.{sev_id}")
    rule_open = sub.take("open", lambda v, s: _rule(v, s, ROUTES_OPEN), required=True)
    rule_closed = sub.take("closed", lambda v, s: _rule(v, s, ROUTES_CLOSED), required=True)
    label = sub.take("label", _texts, required=True)
    if not (sev_id and rule_open and rule_closed and label):
        return None
    return Severity(
        id=sev_id,
        digit=0,
        label=label,
        menu=sub.take("menu", _texts, default={}) or label,
        description=sub.take("description", _texts, default={}),
        open=rule_open,
        closed=rule_closed,
        respond=sub.take("respond", _respond),
    )


def _rule(value, s: Section, routes: tuple[str, ...]) -> Rule:
    if isinstance(value, str):
        value_route, sub = value, None
    else:
        sub = s.nested(value, {"route", "page", "repeat", "desk_option"})
        value_route = sub.take("route", _text, required=True)
    if value_route not in routes:
        raise ValueError(f"{value_route!r} is not a route here; use one of {', '.join(routes)}")
    if sub is None:
        return Rule(value_route)
    page = sub.take(
        "page", lambda v, ss: tuple(ss.each_section(v, {"after", "notify"}, _step)), default=()
    )
    repeat = sub.take("repeat", lambda v, _s: _repeat(v), default=0)
    desk_option = sub.take("desk_option", _flag, default=False)
    if desk_option and not (value_route == "written" and routes == ROUTES_OPEN):
        sub.problem(
            sub.line_of("desk_option"),
            sub.path("desk_option"),
            "desk_option only applies to a severity that is written while the desk is open",
        )
    return Rule(value_route, tuple(p for p in page if p), repeat, bool(desk_option))


def _flag(value, _s) -> bool:
    if str(value).lower() not in ("true", "false", "yes", "no"):
        raise ValueError(f"{value!r} is not true or false")
    return str(value).lower() in ("true", "yes")


def _step(sub: Section) -> PageStep | None:
    after = sub.take("after", lambda v, _s: _delay(v), default=0)
    targets = sub.take("notify", lambda v, _s: tuple(str(t) for t in _as_list(v)), required=True)
    return PageStep(after, targets) if targets else None


MAX_REPEAT = 10  # rounds of a whole page plan
MAX_DELAY = 24 * 60  # minutes from the incident to a page step


def _repeat(value) -> int:
    count = _count(value)
    if count > MAX_REPEAT:
        raise ValueError(f"{value!r}: a page plan repeats at most {MAX_REPEAT} times")
    return count


def _delay(value) -> int:
    minutes = _minutes(value)
    if minutes > MAX_DELAY:
        raise ValueError(f"{value!r}: a page step comes at most 24h after the incident opens")
    return minutes


def _year(value) -> int:
    text = str(value).strip()
    if not re.fullmatch(r"\d{4}", text):
        raise ValueError(f"{value!r} is not a year like 2027")
    if not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise ValueError(f"{value!r} is outside the supported years {FIRST_YEAR}-{LAST_YEAR}")
    return int(text)


def _minutes(value) -> int:
    m = re.fullmatch(r"\s*(\d+)\s*(m|min|h)\s*", str(value))
    if not m:
        raise ValueError(f"{value!r} is not a delay like '10m' or '1h'")
    return int(m[1]) * (60 if m[2] == "h" else 1)


def _count(value) -> int:
    if not str(value).isdigit():
        raise ValueError(f"{value!r} is not a whole number")
    return int(value)


MAX_RESPOND_MINUTES = 7 * 24 * 60  # longer targets are written in working days


def _respond(value, _s) -> ResponseTarget:
    text = " ".join(str(value).strip().lower().split())
    if text == "immediately":
        return ResponseTarget(text, "immediately", 0)
    if text == "next working day":
        return ResponseTarget(text, "days", 1)
    m = re.fullmatch(r"(\d{1,6}) (working hour|working day|minute)s?", text)
    if not m:
        raise ValueError(
            f"{value!r}: use 'immediately', 'N minutes', 'N working hours', "
            f"'next working day' or 'N working days'"
        )
    amount, unit = int(m[1]), m[2].removeprefix("working ") + "s"
    if unit == "minutes" and not 1 <= amount <= MAX_RESPOND_MINUTES:
        raise ValueError(f"{value!r}: minutes must be 1 to {MAX_RESPOND_MINUTES}")
    return ResponseTarget(text, unit, amount)


def _as_list(value) -> list:
    return list(value) if isinstance(value, list) else [value]
