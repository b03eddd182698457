"""SMS replies to pages, in-process (the e2e suite covers them through real workers)."""

import itertools
import xml.etree.ElementTree as ET

import pendulum
import pytest
from rq import Queue

from oncall.services.incidents import open_incident
from oncall.services.jobs import PAGES, job_id
from oncall.services.vendors import load_vendor
from oncall.store import keys
from oncall.store.incidents import IncidentStore
from oncall.web.replies import Inbound
from rotas.incident import reply_text

NIGHT = pendulum.datetime(2026, 11, 24, 22, 0, tz="Europe/Oslo")
AIDN_NUMBER = "+4721000011"
_sids = itertools.count(1)


@pytest.fixture
def paged(paged_incident):
    return paged_incident("AIDN-2026-444001")


def new_sid() -> str:
    return f"SM{next(_sids):032x}"


def _post(signed_post, sender, body, sid=None, to=AIDN_NUMBER):
    form = {"MessageSid": sid or new_sid(), "From": sender, "To": to, "Body": body}
    return signed_post("/twilio/sms", form)


def _reply(signed_post, sender, body, sid=None, to=AIDN_NUMBER):
    response = _post(signed_post, sender, body, sid, to)
    assert response.status_code == 200
    message = ET.fromstring(response.data).find("Message")
    return message.text if message is not None else None


def _jobs(redis_client) -> list[str]:
    return Queue(PAGES, connection=redis_client).get_job_ids()


@pytest.mark.parametrize("body", ["STOP", "stop", " End "])
def test_stop_tells_the_lead_and_is_not_a_command(paged, signed_post, redis_client, body):
    store, incident_id, engineer = paged
    assert _reply(signed_post, engineer, body) is None
    assert store.load(incident_id).state == "triggered"
    assert any(j.startswith("lead-AIDN_2026_444001-stop") for j in _jobs(redis_client))
    assert any("replied STOP" in e["text"] for e in store.timeline(incident_id))


def test_ack_with_reference_then_resolve(paged, signed_post):
    store, incident_id, engineer = paged
    answer = _reply(signed_post, engineer, f"ack {incident_id}")
    assert answer == reply_text("acknowledged", "nb", id=incident_id)
    assert store.load(incident_id).state == "acknowledged"
    assert _reply(signed_post, engineer, "1") == reply_text(
        "already_acknowledged", "nb", id=incident_id
    )
    assert _reply(signed_post, engineer, "3") == reply_text("resolved", "nb", id=incident_id)
    assert store.load(incident_id).state == "resolved"


def test_a_reference_the_sender_was_not_paged_for_is_refused(paged, signed_post):
    store, incident_id, engineer = paged
    assert "ITSL-2026-000001" in _reply(signed_post, engineer, "ACK ITSL-2026-000001")
    assert store.load(incident_id).state == "triggered"


# -- item 4: one inbound SMS acts once per MessageSid ----------------------------------------------


def test_a_replayed_escalate_escalates_one_step_and_answers_alike(paged, signed_post, redis_client):
    store, incident_id, engineer = paged
    store.advance(incident_id, 0, NIGHT.timestamp() + 600)  # step 0 ran: the token is at 1
    first = _reply(signed_post, engineer, "2", sid="SM" + "a" * 32)
    assert first == reply_text("escalated", "nb", id=incident_id)
    assert job_id("esc", incident_id, 1, "now") in _jobs(redis_client)
    store.advance(incident_id, 1, NIGHT.timestamp() + 1200)  # ... and that escalation ran
    again = _reply(signed_post, engineer, "2", sid="SM" + "a" * 32)  # Twilio's retry
    assert again == first
    assert job_id("esc", incident_id, 2, "now") not in _jobs(redis_client)
    assert store.load(incident_id).step == 2
    asked = [e for e in store.timeline(incident_id) if "asked to escalate" in e["text"]]
    assert len(asked) == 1


def test_a_replayed_ack_answers_alike_and_is_recorded_once(paged, signed_post):
    store, incident_id, engineer = paged
    sid = "SM" + "b" * 32
    assert _reply(signed_post, engineer, "1", sid=sid) == reply_text(
        "acknowledged", "nb", id=incident_id
    )
    assert _reply(signed_post, engineer, "1", sid=sid) == reply_text(
        "acknowledged", "nb", id=incident_id
    )
    acked = [e for e in store.timeline(incident_id) if e["text"].startswith("acknowledged by")]
    assert len(acked) == 1


def test_a_retry_after_an_attempt_died_before_answering_applies_once(
    paged, signed_post, redis_client
):
    """The first attempt pinned its incident and step, escalated, and died before storing
    its answer: the retry answers, and escalates no further than that step."""
    store, incident_id, engineer = paged
    store.advance(incident_id, 0, NIGHT.timestamp() + 600)
    sid = "SM" + "c" * 32
    died = Inbound(redis_client, sid)
    died.pin("incident", incident_id)
    died.pin("step", 1)
    store.advance(incident_id, 1, NIGHT.timestamp() + 1200)  # its escalation ran
    assert _reply(signed_post, engineer, "2", sid=sid) == reply_text(
        "escalated", "nb", id=incident_id
    )
    assert job_id("esc", incident_id, 2, "now") not in _jobs(redis_client)
    # an ACK whose first attempt died after pinning is applied by the retry: never lost
    ack_sid = "SM" + "d" * 32
    Inbound(redis_client, ack_sid).pin("incident", incident_id)
    assert _reply(signed_post, engineer, "ACK", sid=ack_sid) == reply_text(
        "acknowledged", "nb", id=incident_id
    )
    assert store.load(incident_id).state == "acknowledged"


def test_a_reply_without_message_sid_is_refused_and_changes_nothing(paged, signed_post):
    store, incident_id, engineer = paged
    response = signed_post("/twilio/sms", {"From": engineer, "To": AIDN_NUMBER, "Body": "1"})
    assert response.status_code == 400
    assert response.get_data(as_text=True).strip() == "missing MessageSid"
    assert store.load(incident_id).state == "triggered"


def test_the_replay_record_expires_after_days(paged, signed_post, redis_client):
    _, _, engineer = paged
    sid = new_sid()
    _reply(signed_post, engineer, "1", sid=sid)
    assert 6 * keys.DAY < redis_client.ttl(keys.inbound_sms(sid)) <= 7 * keys.DAY


# -- item 17: answers in the engineer's language ---------------------------------------------------


@pytest.mark.parametrize(
    ("vendor", "severity", "language", "acknowledged"),
    [
        ("aidn", "a", "nb", "er kvittert"),
        ("kommune-ikt", None, "nn", "er kvittert"),
        ("itsl", None, "sv", "är kvitterad"),
    ],
)
def test_answers_and_help_are_in_the_engineers_language(
    app, redis_client, signed_post, vendor, severity, language, acknowledged
):
    svc = app.extensions["oncall"]
    policy = load_vendor(svc.settings.config_dir, vendor)
    severity = severity or policy.severities[0].id
    reference = f"{vendor.upper()}-2026-000321"
    incident_id, _ = open_incident(
        redis_client,
        svc.settings,
        policy,
        severity,
        NIGHT,
        clock=svc.clock,
        reference=reference,
        desk="closed",
    )
    store = IncidentStore(redis_client)
    target = store.load(incident_id).plan.step_at(0).targets[0]
    assert target.language == language
    store.mark_paged(incident_id, target.phone, NIGHT.timestamp())
    to = policy.inbound[0]
    assert _reply(signed_post, target.phone, "hva?", to=to) == reply_text("help", language)
    answer = _reply(signed_post, target.phone, "1", to=to)
    assert answer == reply_text("acknowledged", language, id=incident_id)
    assert acknowledged in answer
