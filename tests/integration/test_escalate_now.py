"""Escalating at once is fenced by the step the caller saw: an ESC reply or a failed page
that read step n escalates step n only, even if the step-n timer moved the token on in the
milliseconds between (it once escalated n + 1 as well: a page two steps early)."""

from __future__ import annotations

from rq import Queue

from oncall.services.escalation import escalate_now
from oncall.services.jobs import PAGES, job_id
from oncall.web.replies import Inbound, _apply
from rotas.incident import reply_text


def escalations(redis_client) -> list[str]:
    return [j for j in Queue(PAGES, connection=redis_client).get_job_ids() if j.startswith("esc")]


def test_an_esc_reply_that_read_step_1_never_escalates_step_2(app, paged_incident, redis_client):
    svc = app.extensions["oncall"]
    store, incident_id, engineer = paged_incident("AIDN-2026-000501")
    opened = store.load(incident_id).opened_at
    store.advance(incident_id, 0, opened + 600)  # step 0 ran: the token is at step 1
    Queue(PAGES, connection=redis_client).empty()
    seen = store.load(incident_id)  # what the reply read
    store.advance(incident_id, 1, opened + 1200)  # ...then step 1's timer ran: token at 2
    answer = _apply(svc, store, Inbound(redis_client, "SM" + "0" * 32), seen, "escalate",
                    "Ola", "nb")  # fmt: skip
    assert answer == reply_text("escalated", "nb", id=incident_id)  # step 1 did escalate
    assert job_id("esc", incident_id, 2, "now") not in escalations(redis_client)
    assert escalations(redis_client) == []


def test_a_failed_page_of_step_0_never_escalates_a_later_step(app, paged_incident, redis_client):
    svc = app.extensions["oncall"]
    store, incident_id, _ = paged_incident("AIDN-2026-000502")
    opened = store.load(incident_id).opened_at
    store.advance(incident_id, 0, opened + 600)
    store.advance(incident_id, 1, opened + 1200)  # the token moved on to step 2 meanwhile
    Queue(PAGES, connection=redis_client).empty()
    assert escalate_now(svc, incident_id, "page SM1 undelivered", 1, failed=True)
    assert escalations(redis_client) == []


def test_escalating_the_current_step_runs_it_at_once(app, paged_incident, redis_client):
    svc = app.extensions["oncall"]
    store, incident_id, _ = paged_incident("AIDN-2026-000503")
    store.advance(incident_id, 0, store.load(incident_id).opened_at + 600)
    Queue(PAGES, connection=redis_client).empty()
    assert escalate_now(svc, incident_id, "Ola asked to escalate", 1)
    assert escalations(redis_client) == [job_id("esc", incident_id, 1, "now")]
