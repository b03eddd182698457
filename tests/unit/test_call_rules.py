"""The routing rules between IVR steps, in rotas/callrules.py, on plain values."""

from __future__ import annotations

import pendulum

from rotas.callrules import covers, desk_unanswered_rings_duty, phone_in_severity, rank
from tests.helpers.factories import vendor

OPEN = pendulum.datetime(2026, 12, 2, 10, 0, tz="Europe/Oslo")  # a Wednesday: desk open
CLOSED = pendulum.datetime(2026, 12, 2, 23, 0, tz="Europe/Oslo")


def test_an_open_incident_covers_calls_of_the_same_or_a_less_severe_severity():
    assert covers(1, 1) and covers(1, 3) and covers(2, 2)
    assert not covers(2, 1) and not covers(3, 2)


def test_a_rank_is_the_menu_digit_one_the_most_severe():
    assert [rank(s) for s in vendor("aidn").severities] == [1, 2, 3, 4, 5]


def test_the_phone_in_severity_is_the_most_severe_that_reaches_a_human():
    assert phone_in_severity(vendor("aidn"), OPEN).id == "a"
    assert phone_in_severity(vendor("aidn"), CLOSED).id == "a"


def test_with_nobody_to_reach_the_phone_in_severity_is_the_most_severe():
    amido = vendor("amido")  # written only while the desk is closed
    assert phone_in_severity(amido, CLOSED) == amido.severities[0]


def test_a_desk_that_does_not_answer_hands_over_to_duty_only_for_duty_severities():
    kommune = vendor("kommune-ikt")
    assert desk_unanswered_rings_duty(kommune.severity("kritisk"))
    assert not desk_unanswered_rings_duty(kommune.severity("hog"))  # written when closed
