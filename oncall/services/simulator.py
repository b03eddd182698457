"""The call simulator: drives the real webhook sequence through an app, the way Twilio would.

Every request is signed with twilio's RequestValidator algorithm. A small TwiML interpreter
plays Twilio's part: <Gather> takes the next pressed digit (none left: the timeout path),
<Dial> is answered unless told otherwise (a screened leg answers its whisper with 1),
<Record> leaves a recording, <Redirect> is followed, <Hangup>/<Reject> end the call.

Shared by `python -m oncall call` and the API's POST /api/v1/simulate: each passes the app
factory (`make_app(settings, clock=, redis_client=)`), so this module imports no entry point.
"""

from __future__ import annotations

import tempfile
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from rq import Queue
from rq.job import Job
from twilio.request_validator import RequestValidator

from oncall.clock import FrozenClock
from oncall.services.jobs import PAGES, SMS, job_id
from oncall.services.root import Services
from oncall.store.incidents import IncidentStore
from oncall.store.redisconn import start_embedded

MAX_REQUESTS = 40  # a flow that loops longer than this is a bug


@dataclass
class Transcript:
    steps: list[dict] = field(default_factory=list)  # {path, params, twiml}
    dialled: list[str] = field(default_factory=list)
    call_sid: str = ""
    ended_by: str = ""

    def to_json(self, svc: Services) -> dict:
        record = svc.store.record(self.call_sid)
        return {
            "call_sid": self.call_sid,
            "reference": record.get("reference"),
            "vendor": record.get("vendor"),
            "severity": record.get("severity"),
            "route": record.get("route"),
            "reason": record.get("reason"),
            "dialled": self.dialled,
            "outcome": record.get("outcome") or self.ended_by,
            "recording": record.get("recording"),
            "sms": _jobs(svc, SMS, self.call_sid),
            "incident": record.get("incident"),
            "pages": _pages(svc, record.get("incident"), record.get("reference")),
            "events": [e["text"] for e in svc.store.events(self.call_sid)],
            "steps": self.steps,
        }


def signed_post(client, settings, path_and_query: str, params: dict):
    """POST form `params` to the app with a valid X-Twilio-Signature."""
    url = settings.public_base_url + path_and_query
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(url, params)
    return client.post(path_and_query, data=params, headers={"X-Twilio-Signature": signature})


class Simulator:
    def __init__(self, app, *, caller: str, to: str, presses: str, answer: bool = True):
        self.app, self.svc = app, app.extensions["oncall"]
        self.client = app.test_client()
        self.caller, self.to, self.presses, self.answer = caller, to, list(presses), answer
        self.sid = "CA" + uuid.uuid4().hex
        self.transcript = Transcript(call_sid=self.sid)

    def run(self) -> Transcript:
        twiml = self.post("/twilio/voice/incoming", {})
        while twiml is not None and len(self.transcript.steps) < MAX_REQUESTS:
            twiml = self.play(twiml)
        return self.transcript

    def post(self, url: str, extra: dict, *, sid: str | None = None) -> ET.Element | None:
        path = _path(url)
        params = {
            "CallSid": sid or self.sid,
            "AccountSid": self.svc.settings.twilio_account_sid,
            "From": self.caller,
            "To": self.to,
            "CallStatus": "in-progress",
            **extra,
        }
        response = signed_post(self.client, self.svc.settings, path, params)
        body = response.get_data(as_text=True)
        self.transcript.steps.append(
            {"path": path, "params": params, "status": response.status_code, "twiml": body}
        )
        if response.status_code != 200:
            self.transcript.ended_by = f"HTTP {response.status_code}"
            return None
        return ET.fromstring(body)

    def play(self, twiml: ET.Element) -> ET.Element | None:
        """Run one TwiML document until it hands control to another webhook."""
        for verb in twiml:
            if verb.tag == "Gather":
                if self.presses:
                    return self.post(verb.get("action"), {"Digits": self.presses.pop(0)})
                continue  # timeout: fall through to the next verb
            if verb.tag == "Redirect":
                return self.post(verb.text, {})
            if verb.tag == "Dial":
                return self.dial(verb)
            if verb.tag == "Record":
                if verb.get("action"):
                    return self.post(
                        verb.get("action"),
                        {
                            "RecordingUrl": f"https://api.twilio.com/recordings/RE{uuid.uuid4().hex}",
                            "RecordingDuration": "12",
                        },
                    )
                self.transcript.ended_by = "recorded"
                return None
            if verb.tag in ("Hangup", "Reject"):
                self.transcript.ended_by = verb.tag.lower()
                return None
        self.transcript.ended_by = self.transcript.ended_by or "end of TwiML"
        return None

    def dial(self, verb: ET.Element) -> ET.Element | None:
        numbers = [n for n in verb if n.tag == "Number"]
        self.transcript.dialled.extend((n.text or "").strip() for n in numbers)
        status = "completed" if self.answer else "no-answer"
        for number in numbers:
            if number.get("url") and self.answer:
                status = self.screen(number.get("url"))
        action = verb.get("action")
        if not action:
            self.transcript.ended_by = f"dial {status}"
            return None
        return self.post(action, {"DialCallStatus": status, "DialCallSid": "CA" + uuid.uuid4().hex})

    def screen(self, url: str) -> str:
        """The engineer's leg: hear the whisper, press 1."""
        leg = "CA" + uuid.uuid4().hex
        whisper = self.post(url, {"ParentCallSid": self.sid}, sid=leg)
        gather = whisper.find("Gather") if whisper is not None else None
        if gather is None:
            return "completed"
        self.post(gather.get("action"), {"Digits": "1", "ParentCallSid": self.sid}, sid=leg)
        return "completed"


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _pages(svc: Services, incident_id: str | None, reference: str | None) -> list[dict]:
    """The pages this call caused: the first step of the incident it opened (a call that
    attached to an open incident pages nobody new)."""

    if not incident_id or incident_id != reference:
        return []
    inc = IncidentStore(svc.redis).load(incident_id)
    first = inc.plan.step_at(0) if inc else None
    jobs = _jobs(svc, PAGES, job_id(incident_id))
    return [
        {"to": t.phone, "name": t.name, "step": 0, "jobs": jobs}
        for t in (first.targets if first else ())
    ]


def _jobs(svc: Services, queue: str, call_sid: str) -> list[dict]:
    """Jobs this call put on `queue` (queued, scheduled, running or done)."""

    q = Queue(queue, connection=svc.redis)
    ids = (
        set(q.get_job_ids())
        | set(q.finished_job_registry.get_job_ids())
        | set(q.started_job_registry.get_job_ids())
        | set(q.scheduled_job_registry.get_job_ids())
    )
    out = []
    for job in Job.fetch_many(sorted(i for i in ids if call_sid in i), connection=svc.redis):
        if job is not None:
            out.append(
                {
                    "id": job.id,
                    "function": job.func_name,
                    "args": list(job.args),
                    "status": job.get_status(refresh=False),
                }
            )
    return out


def simulate(
    settings,
    policy,
    at,
    caller: str,
    presses: str,
    answer: bool,
    live: bool = False,
    *,
    make_app,
) -> dict:
    """One simulated call at frozen time `at`; returns the transcript as JSON-ready data.

    By default the call runs against a throw-away embedded Redis, so a simulated call never
    pages anyone; `live=True` uses the configured Redis, where a running worker (`make run`)
    sends its pages and SMS to the (fake) Twilio."""

    if not settings.twilio_auth_token:
        settings = replace(settings, twilio_auth_token="simulator-token")
    with tempfile.TemporaryDirectory(prefix="oncall-sim-") as tmp:
        client = None if live else start_embedded(Path(tmp) / "sim.rdb")
        app = make_app(settings, clock=FrozenClock(at), redis_client=client)
        sim = Simulator(app, caller=caller, to=policy.inbound[0], presses=presses, answer=answer)
        result = sim.run().to_json(app.extensions["oncall"])
        if client is not None:
            client.shutdown(nosave=True)
        return result
