"""Holiday categories: a vendor chooses which of its country's holidays close the desk.

"Helgfria vardagar" (Amido) and "vardagar" (ITSL) leave out julafton, midsommarafton and
nyårsafton, which the `holidays` package files under Sweden's `de_facto` category; both
Swedish vendors choose [public, de_facto]. `holidays: SE` alone still means public holidays.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rotas.config import check_policy_file
from rotas.routing import decide
from tests.helpers.factories import vendor

VENDORS = Path(__file__).resolve().parents[2] / "config" / "vendors"
PUBLIC_ONLY_LINE = "holidays: SE\n"


def midsummer_eve(year: int) -> date:
    """The Friday between 19 and 25 June."""
    first = date(year, 6, 19)
    return first + timedelta(days=(4 - first.weekday()) % 7)


def amido_with(tmp_path: Path, holidays_yaml: str) -> tuple[Path, object, list[str]]:
    """amido.yaml with its holidays setting replaced (lines 16-18 of the file)."""
    text = (VENDORS / "amido.yaml").read_text(encoding="utf-8")
    start = text.index("holidays:")
    end = text.index("inbound:")
    path = tmp_path / "amido.yaml"
    path.write_text(text[:start] + holidays_yaml + text[end:], encoding="utf-8")
    policy, problems = check_policy_file(path)
    return path, policy, [str(p) for p in problems]


def ten_am(policy, day: date):
    return pendulum.datetime(day.year, day.month, day.day, 10, tz=policy.tz)


EVES = [date(2026, 12, 24), date(2027, 6, 25), date(2026, 12, 31)]


@pytest.mark.parametrize("day", EVES)
def test_swedish_vendors_are_closed_on_the_de_facto_holidays(day):
    amido, itsl = vendor("amido"), vendor("itsl")
    d = decide(amido, "hog", ten_am(amido, day))
    assert (d.open, d.route) == (False, "written"), d.reason
    assert "is a de facto holiday in Sweden" in d.reason
    p1 = decide(itsl, "p1", ten_am(itsl, day))
    assert (p1.open, p1.route, p1.covered) == (False, "oncall", True), p1.reason


@pytest.mark.parametrize("day", EVES)
def test_public_holidays_alone_leave_the_eves_open(tmp_path, day):
    _path, policy, problems = amido_with(tmp_path, PUBLIC_ONLY_LINE)
    assert problems == []
    assert policy.calendar.holidays.categories == ("public",)
    d = decide(policy, "hog", ten_am(policy, day))
    assert (d.open, d.route) == (True, "desk"), d.reason


def test_the_shipped_swedish_vendors_choose_public_and_de_facto():
    for vendor_id in ("amido", "itsl"):
        assert vendor(vendor_id).calendar.holidays.categories == ("public", "de_facto")
    for vendor_id in ("aidn", "kommune-ikt", "pindena"):
        assert vendor(vendor_id).calendar.holidays.categories == ("public",)


def test_public_holidays_keep_their_wording():
    amido = vendor("amido")
    assert amido.calendar.closed_reason(date(2026, 12, 25)) == (
        "Christmas Day is a public holiday in Sweden"
    )
    assert amido.calendar.closed_reason(date(2026, 12, 24)) == (
        "Christmas Eve is a de facto holiday in Sweden"
    )


@settings(max_examples=60, deadline=None)
@given(year=st.integers(min_value=2020, max_value=2040))
def test_amido_is_closed_on_every_julafton_nyarsafton_and_midsommarafton(year):
    amido = vendor("amido")
    eves = {
        date(year, 12, 24): "Christmas Eve",
        date(year, 12, 31): "New Year's Eve",
        midsummer_eve(year): "Midsummer Eve",
    }
    for day, name in eves.items():
        d = decide(amido, "bradskande", ten_am(amido, day))
        assert (d.open, d.route) == (False, "written"), (day, d.reason)
        assert amido.calendar.closed_reason(day) == f"{name} is a de facto holiday in Sweden"
    # the day before each eve that is an ordinary weekday is open
    for day in eves:
        before = day - timedelta(days=1)
        if before.weekday() < 5 and amido.calendar.closed_reason(before) is None:
            assert decide(amido, "bradskande", ten_am(amido, before)).open


# -- the config: scalar or mapping, validated on its line -------------------------------------


def test_mapping_form_with_categories(tmp_path):
    _path, policy, problems = amido_with(
        tmp_path, "holidays: {country: SE, categories: [public, de_facto]}\n"
    )
    assert problems == []
    assert (policy.country, policy.calendar.holidays.categories) == ("SE", ("public", "de_facto"))


def test_mapping_form_without_categories_means_public(tmp_path):
    _path, policy, problems = amido_with(tmp_path, "holidays:\n  country: SE\n")
    assert problems == []
    assert policy.calendar.holidays.categories == ("public",)


def test_an_unknown_category_names_the_valid_ones_on_its_line(tmp_path):
    path, policy, problems = amido_with(
        tmp_path, "holidays:\n  country: SE\n  categories:\n    - public\n    - defacto\n"
    )
    assert policy is None
    assert problems == [
        f"{path}:20: holidays.categories[1]: 'defacto' is not a holiday category of Sweden "
        "(valid: bank, de_facto, optional, public)"
    ]


def test_norway_has_only_public_holidays(tmp_path):
    path, policy, problems = amido_with(
        tmp_path, "holidays: {country: NO, categories: [de_facto]}\n"
    )
    assert policy is None
    assert problems == [
        f"{path}:16: holidays.categories[0]: 'de_facto' is not a holiday category of Norway "
        "(valid: public)"
    ]


@pytest.mark.parametrize(
    ("holidays_yaml", "message"),
    [
        ("holidays: {country: SE, categories: []}\n", "holidays.categories: list at least one"),
        ("holidays: {country: DK}\n", "holidays.country: 'DK' is not a supported holiday country"),
        ("holidays: {categories: [public]}\n", "holidays.country: missing (required)"),
        ("holidays: {country: SE, kind: public}\n", "holidays.kind: unknown key"),
        ("holidays: [SE]\n", "holidays: use a country (SE) or {country: SE, categories: ["),
    ],
)
def test_bad_holiday_settings_are_one_problem_each(tmp_path, holidays_yaml, message):
    path, policy, problems = amido_with(tmp_path, holidays_yaml)
    assert policy is None
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:16: {message}"), problems
