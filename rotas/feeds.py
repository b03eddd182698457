"""iCal feeds of duty shifts, as pure values: shifts in, an icalendar.Calendar out.

A feed covers the last month and the next 6 months from `now`: one VEVENT per shift (an
override is its own event, the rota shift split around it), in the vendor's zone with TZID
and a VTIMEZONE, so a calendar shows an 08:00 handoff at 08:00 on both sides of a DST
change. UIDs are vendor/layer/start/person: a client refreshing the feed updates an event
rather than duplicating it. A feed shows names, never phone numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pendulum

from rotas.policy import VendorPolicy
from rotas.rota import Layer, Shift, layer_named, shifts_between

PRODID = "-//oncall//duty feeds//EN"
MONTHS_BEFORE, MONTHS_AFTER = 1, 6
REFRESH = timedelta(
    hours=1
)  # REFRESH-INTERVAL, X-PUBLISHED-TTL: how often a client should fetch the feed again
UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class FeedShift:
    """One shift of one vendor's layer (shift.person is never None here)."""

    vendor: VendorPolicy
    shift: Shift


def window(now) -> tuple[object, object]:
    """[start, end) of a feed rendered at `now`: a month back, six months ahead."""
    at = pendulum.instance(now) if not isinstance(now, pendulum.DateTime) else now
    return at.subtract(months=MONTHS_BEFORE), at.add(months=MONTHS_AFTER)


def layer_shifts(policy: VendorPolicy, layer: Layer, start, end) -> list[FeedShift]:
    """The layer's shifts overlapping [start, end) that someone holds (gaps left out)."""
    return [FeedShift(policy, s) for s in shifts_between(layer, start, end) if s.person]


def person_shifts(policies: Iterable[VendorPolicy], phone: str, start, end) -> list[FeedShift]:
    """Every shift, in any vendor and layer, held by a person entry with this E.164 phone."""
    found = []
    for policy in policies:
        if not any(p.phone == phone for p in policy.people.values()):
            continue
        for layer in policy.rota.layers:
            found += [
                f for f in layer_shifts(policy, layer, start, end) if f.shift.person.phone == phone
            ]
    return sorted(found, key=lambda f: (f.shift.start.timestamp(), f.vendor.id, f.shift.layer))


def find_layer(policy: VendorPolicy, name: str) -> Layer | None:
    return layer_named(policy.rota, name)


def person_name(policies: Iterable[VendorPolicy], phone: str) -> str | None:
    """The name of the first person entry (vendors in the order given) with this phone."""
    for policy in policies:
        for person in policy.people.values():
            if person.phone == phone:
                return person.name
    return None


def person_feed(policies: Iterable[VendorPolicy], phone: str, now) -> icalendar.Calendar:
    """The engineer's own shifts across every vendor and layer (None: nobody has the phone)."""
    policies = list(policies)
    name = person_name(policies, phone)
    start, end = window(now)
    shifts = person_shifts(policies, phone, start, end)
    return calendar(f"On call: {name or 'nobody'}", shifts, now, start, end, with_names=False)


def layer_feed(policy: VendorPolicy, layer: Layer, now) -> icalendar.Calendar:
    """Every shift of one vendor's layer, with who holds it."""
    start, end = window(now)
    shifts = layer_shifts(policy, layer, start, end)
    return calendar(f"{policy.name} {layer.name} on call", shifts, now, start, end, with_names=True)


def calendar(
    name: str, shifts: list[FeedShift], now, start, end, *, with_names: bool
) -> icalendar.Calendar:
    cal = icalendar.Calendar.new(
        name=name, prodid=PRODID, uid=_calendar_uid(name), refresh_interval=REFRESH
    )
    cal.add("X-PUBLISHED-TTL", "PT1H")  # Outlook's and Google's name for it
    stamp = _stdlib(now, UTC)
    for item in shifts:
        cal.add_component(event(item, stamp, with_names=with_names))
    # The zones' rules a year around the window (a shift may start before it or end after it).
    first = (start.date() if hasattr(start, "date") else start) - timedelta(days=366)
    last = (end.date() if hasattr(end, "date") else end) + timedelta(days=366)
    cal.add_missing_timezones(first_date=first, last_date=last)
    return cal


def event(item: FeedShift, stamp: datetime, *, with_names: bool) -> icalendar.Event:
    policy, shift = item.vendor, item.shift
    where = f"{policy.name} {shift.layer}"
    who = shift.person.name
    summary = f"{where}: {who}" if with_names else f"On call: {where}"
    if shift.override:
        summary += " (override)"
    zone = _zone_of(shift, ZoneInfo(policy.tz))
    ev = icalendar.Event.new(
        uid=shift_uid(policy.id, shift),
        summary=summary,
        description=_description(where, shift),
        start=_stdlib(shift.start, zone),
        end=_stdlib(shift.end, zone) if shift.end is not None else None,
        stamp=stamp,
    )
    if shift.override:
        ev.add("CATEGORIES", ["override"])
    return ev


def shift_uid(vendor_id: str, shift: Shift) -> str:
    start = pendulum.instance(shift.start).in_timezone("UTC").format("YYYYMMDD[T]HHmmss[Z]")
    return f"{vendor_id}/{shift.layer}/{start}/{shift.person.id}@oncall"


def _description(where: str, shift: Shift) -> str:
    if shift.override:
        return f"Override: {shift.person.name} covers {where} (instead of the rota)."
    return f"{shift.person.name} holds {where} (rota)."


def _zone_of(shift: Shift, tz: ZoneInfo) -> ZoneInfo:
    """The vendor's zone (written with TZID), or UTC when a start or end is the second
    occurrence of a wall time that happens twice (the repeated autumn hour): a TZID wall time
    means the first (RFC 5545, 3.3.5). Both ends in one zone: readers that add the duration
    to DTSTART in wall time then agree with DTEND."""
    for at in (shift.start, shift.end):
        local = _stdlib(at, tz) if at is not None else None
        if local is not None and local.replace(fold=0).timestamp() != local.timestamp():
            return UTC
    return tz


def _stdlib(at, tz: ZoneInfo) -> datetime:
    """A plain datetime with a zoneinfo zone (icalendar writes its key as TZID)."""
    ts = at.timestamp()
    return datetime.fromtimestamp(ts, tz)


def _calendar_uid(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:24] + "@oncall"
