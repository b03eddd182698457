"""`python -m oncall page` never pages nobody silently (issue 9, item 6), with a real Redis.

A manual page follows the severity's duty (closed-desk) plan at any hour, `--desk open` the
open-desk rule's; a severity with no page plan exits 2 with one line naming the ones that
page, and changes nothing; a page within the storm window of an open incident attaches to it,
its message on the incident's timeline, and says so.
"""

from __future__ import annotations

import json

import pytest
from rq import Queue

from oncall.cli import main
from oncall.services.jobs import PAGES
from oncall.store.incidents import IncidentStore
from oncall.store.redisconn import url_of

OLA, KARI, DRIFT = "+4740000102", "+4740000101", "+4740000109"  # week of 2026-11-23
ITSL_DEV, ITSL_OWNER = "+46701740615", "+46701740616"


@pytest.fixture
def page(monkeypatch, redis_client, capsys):
    monkeypatch.delenv("ONCALL_CONFIG_DIR", raising=False)
    monkeypatch.setenv("REDIS_URL", url_of(redis_client))

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["page", *argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def _json(out: str) -> dict:
    return json.loads(out)


def test_a_manual_page_follows_the_duty_plan_at_any_hour(page, redis_client):
    for hour, reference in (("10:00", "AIDN-2026-000001"), ("22:00", "AIDN-2026-000002")):
        code, out, err = page("--vendor", "aidn", "--severity", "a", "--message", "Aidn is down",
                              "--at", f"2026-11-2{4 if hour == '10:00' else 5}T{hour}",
                              "--json")  # fmt: skip
        assert (code, err) == (0, "")
        inc = _json(out)
        steps = [[t["phone"] for t in s["targets"]] for s in inc["plan"]["steps"]]
        assert steps == [[OLA], [KARI], [DRIFT]], hour  # desk open or not
        assert (inc["id"], inc["state"], inc["attached"]) == (reference, "triggered", False)
    assert len(Queue(PAGES, connection=redis_client)) >= 2  # each step 0 is on its way


def test_desk_open_follows_the_open_desk_rule_or_refuses(page):
    code, out, err = page("--vendor", "itsl", "--severity", "p1", "--message", "Hubs down",
                          "--at", "2026-11-24T10:00", "--desk", "open", "--json")  # fmt: skip
    assert (code, err) == (0, "")
    targets = _json(out)["plan"]["steps"][0]["targets"]
    assert [t["phone"] for t in targets] == [ITSL_DEV, ITSL_OWNER]
    code, out, err = page("--vendor", "aidn", "--severity", "a", "--message", "x",
                          "--at", "2026-11-24T10:00", "--desk", "open")  # fmt: skip
    assert code == 2 and len(err.splitlines()) == 1 and "never pages with the desk open" in err


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (("--vendor", "aidn", "--severity", "c"),
         "severity c of aidn never pages; severities that page: a, b"),
        (("--vendor", "amido", "--severity", "bradskande"),
         "severity bradskande of amido never pages; severities that page: none"),
        (("--vendor", "aidn", "--severity", "a", "--desk", "open"),
         "severity a of aidn never pages with the desk open; "
         "severities that page with the desk open: none"),
    ],
)  # fmt: skip
def test_a_severity_that_never_pages_exits_2_and_changes_nothing(argv, line, page, redis_client):
    code, out, err = page(*argv, "--message", "x", "--at", "2026-11-24T22:00")
    assert (code, out) == (2, "")
    assert err == f"oncall: error: {line}\n"
    assert redis_client.dbsize() == 0


def test_a_second_page_attaches_and_its_message_is_recorded(page, redis_client):
    first = page("--vendor", "aidn", "--severity", "a", "--message", "Aidn is down",
                 "--at", "2026-11-24T22:00")  # fmt: skip
    assert first[0] == 0
    code, out, err = page("--vendor", "aidn", "--severity", "b", "--message",
                          "E-messages stuck too", "--at", "2026-11-24T22:10")  # fmt: skip
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "attached to open incident AIDN-2026-000001; message recorded"
    timeline = [e["text"] for e in IncidentStore(redis_client).timeline("AIDN-2026-000001")]
    assert "manual page AIDN-2026-000002 attached: E-messages stuck too" in timeline
    assert "E-messages stuck too" in out


def test_a_broken_vendor_file_pages_from_its_live_version(
    page, redis_client, tmp_path, monkeypatch
):
    import shutil

    from config.settings import DEFAULT_CONFIG_DIR
    from oncall.clock import SystemClock
    from oncall.services.live import LivePolicies

    shutil.copytree(DEFAULT_CONFIG_DIR, tmp_path / "vendors")
    LivePolicies(tmp_path / "vendors", redis_client, SystemClock()).start()  # first start
    broken = tmp_path / "vendors" / "aidn.yaml"
    broken.write_text(broken.read_text(encoding="utf-8") + "\n  bad: [\n", encoding="utf-8")
    monkeypatch.setenv("ONCALL_CONFIG_DIR", str(tmp_path / "vendors"))
    code, out, err = page("--vendor", "aidn", "--severity", "a", "--message", "Aidn is down",
                          "--at", "2026-11-25T22:00", "--json")  # fmt: skip
    assert (code, err) == (0, ""), err
    steps = [[t["phone"] for t in s["targets"]] for s in _json(out)["plan"]["steps"]]
    assert steps == [[OLA], [KARI], [DRIFT]]


def test_the_incident_shows_its_times_on_the_vendors_clock_to_the_minute(page):
    """A lead reads 'respond by' (to the minute) and the timeline (to the second) in the
    vendor's zone, not UTC with microseconds (aidn: Oslo; itsl: Stockholm; CET in November)."""
    code, out, _ = page("--vendor", "aidn", "--severity", "b", "--message", "E-meldinger",
                        "--at", "2026-11-24T22:00")  # fmt: skip
    assert code == 0
    respond_by = next(line for line in out.splitlines() if "respond by:" in line)
    assert respond_by.strip() == "respond by: 2026-11-25 09:00 CET", out  # 1 working hour
    stamps = [line.split()[:3] for line in out.splitlines() if line.startswith("    2026-")]
    assert stamps and all(s[2] == "CET" and len(s[1]) == 8 for s in stamps), out
    code, out, _ = page("--vendor", "itsl", "--severity", "p1", "--message", "Hubs down",
                        "--at", "2026-11-24T22:00", "--json")  # fmt: skip
    data = _json(out)
    assert data["opened_at"].endswith("+01:00") and "." not in data["opened_at"]
    assert all(e["at"].endswith("+01:00") for e in data["timeline"])
