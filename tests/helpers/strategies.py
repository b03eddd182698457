"""Hypothesis strategies for instants over 2024-2035 and every DST night, shared by the
property tests of the routing domain (tests/unit/test_properties.py, test_gap_points.py), and
`utc`, the comparison of instants they use."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume
from hypothesis import strategies as st

from tests.helpers.factories import VENDOR_IDS, dst_days, vendor

FIRST = datetime(2024, 1, 1, tzinfo=UTC)
LAST = datetime(2035, 12, 31, 23, 59, 59, tzinfo=UTC)
US = timedelta(microseconds=1)
SECOND = timedelta(seconds=1)


def utc(x: datetime) -> datetime:
    """Instants are compared in UTC: Python compares two datetimes that share a tzinfo by their
    wall clocks, ignoring `fold`, and says two zones' readings of an instant in a DST fold are
    never equal (PEP 495). Neither is what a test of instants wants. The result is a plain
    stdlib datetime: pendulum drops a stdlib tzinfo in `DateTime - timedelta`."""
    y = x.astimezone(UTC)
    return datetime(y.year, y.month, y.day, y.hour, y.minute, y.second, y.microsecond, UTC)


# each shipped vendor's zone, restated from shared/docs/policies.md
TZ = {
    "aidn": "Europe/Oslo",
    "amido": "Europe/Stockholm",
    "itsl": "Europe/Stockholm",
    "kommune-ikt": "Europe/Oslo",
    "pindena": "Europe/Oslo",
}

DST_DAYS = {tz: dst_days(tz) for tz in ("Europe/Oslo", "Europe/Stockholm")}
# desk edges, lunch, kommune-ikt's 15:30, midnight and the DST hour
EDGE_MINUTES = (0, 120, 150, 180, 480, 540, 690, 720, 900, 930, 960, 1020, 1439)

any_instant = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2035, 12, 31, 23, 59, 59),
    timezones=st.just(UTC),
)
dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2035, 12, 31))
nudges = st.sampled_from((timedelta(0), -SECOND, SECOND, -US, timedelta(minutes=-1)))


@st.composite
def wall_clock_instants(draw, tz: str, days=dates):
    """An instant at or next to an interesting local wall time (both readings of DST folds)."""
    d = draw(days)
    minute = draw(st.sampled_from(EDGE_MINUTES) | st.integers(0, 1439))
    fold = draw(st.integers(0, 1))
    naive = datetime(d.year, d.month, d.day, minute // 60, minute % 60)
    at = naive.replace(tzinfo=ZoneInfo(tz), fold=fold).astimezone(UTC) + draw(nudges)
    assume(FIRST <= at <= LAST)
    return at


def dst_dates(tz: str):
    return st.sampled_from(DST_DAYS[tz]).flatmap(
        lambda d: st.sampled_from((d - timedelta(days=1), d, d + timedelta(days=1)))
    )


def instants(tz: str):
    return any_instant | wall_clock_instants(tz) | wall_clock_instants(tz, dst_dates(tz))


def vendor_severity_instant(vendors=VENDOR_IDS):
    return st.sampled_from(vendors).flatmap(
        lambda v: st.tuples(st.just(v), st.sampled_from(vendor(v).severity_ids), instants(TZ[v]))
    )
