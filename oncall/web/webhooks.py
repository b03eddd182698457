"""Blueprint "twilio": the signed voice webhooks. Every answer is TwiML, never a 500.

The URLs configured in Twilio's console (voice, fallback, SMS, status) answer GET as well as
POST (signature.py says how a GET is checked); /page-ack is our own <Gather> action, which
Twilio always POSTs.
"""

from __future__ import annotations

import logging
import time
from xml.etree import ElementTree

import redis
from flask import Blueprint, Response, g, request
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from ivr import prompts
from ivr.call import Call
from ivr.steps import STEPS
from oncall import logs, metrics
from oncall.masking import mask_text
from oncall.web.callflow import handle_voice
from oncall.web.context import services
from oncall.web.replies import (
    engineer_language,
    handle_reply,
    handle_sms,
    handle_status,
    not_recorded,
)
from oncall.web.signature import twilio_signed
from rotas.phone import caller_number

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__, url_prefix="/twilio")
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


@bp.before_request
@bp.teardown_request
def _forget_log_context(_exc=None) -> None:
    """Each request logs with its own call's fields only (gunicorn reuses its threads)."""
    logs.clear()


@bp.before_request
def _start_clock() -> None:
    g.webhook_started = time.perf_counter()


@bp.after_request
def _observe_latency(response: Response) -> Response:
    """oncall_webhook_duration_seconds{step}: a voice step's name (any other: fallback), else
    the view's (sms, status, page_ack)."""
    step = (request.view_args or {}).get("step") or request.endpoint.rpartition(".")[2]
    if request.endpoint == "twilio.voice" and step not in STEPS:
        step = "fallback"
    metrics.WEBHOOK_SECONDS.labels(step).observe(time.perf_counter() - g.webhook_started)
    return response


def twiml(response) -> Response:
    """The TwiML document (a VoiceResponse, or one already rendered) as the response."""
    return Response(render(response), mimetype="application/xml")


def render(response) -> str:
    """str(response), serialised straight to text (twilio's to_xml encodes to UTF-8 bytes
    and decodes again: a third of its cost)."""
    if isinstance(response, str):
        return response
    return XML_DECLARATION + ElementTree.tostring(response.xml(), encoding="unicode")


def parse_call(form, args) -> Call:
    return Call(
        sid=form.get("CallSid", ""),
        caller=caller_number(form.get("From")),
        to=form.get("To", ""),
        query=dict(args),
        digits=form.get("Digits", ""),
        dial_status=form.get("DialCallStatus", ""),
        recording_url=form.get("RecordingUrl", ""),
    )


@bp.route("/voice/<step>", methods=["GET", "POST"])
@twilio_signed
def voice(step: str):
    svc = services()
    call = parse_call(request.form, request.args)
    logs.bind(call_sid=call.query.get("call") or call.sid)  # the customer's call when screening
    if step not in STEPS:  # the Fallback URL, or a step we do not know
        return _fallback(svc, call, "fallback_url")
    try:
        return twiml(handle_voice(svc, step, call))
    except Exception:  # Redis down, or a bug: the caller must still reach a human
        log.exception("voice step %s failed; answering with the fallback", step)
        return _fallback(svc, call, "error")


def _fallback(svc, call: Call, reason: str) -> Response:
    if not call.recording_url:  # the fallback's voicemail posts back here: not a new answer
        metrics.FALLBACK_ANSWERS.labels(reason).inc()
    return twiml(svc.fallback(call))


@bp.route("/sms", methods=["GET", "POST"])
@twilio_signed
def sms():
    """An engineer's reply to a page: applied once per MessageSid, answered in their
    language; when Redis is down they are told it was not recorded and whom to call."""

    svc, form = services(), request.form
    sid = form.get("MessageSid")
    logs.bind(message_sid=sid)
    if not sid:  # Twilio always sends one; without it a retry could not be told apart
        return Response("missing MessageSid\n", status=400, mimetype="text/plain")
    sender, to = caller_number(form.get("From")), caller_number(form.get("To"))
    try:
        answer = handle_sms(svc, sid, sender, to, form.get("Body", ""))
    except Exception as exc:  # Redis down, or a bug: the engineer must not think it counted
        _log_unrecorded(f"SMS reply {sid} from {sender or 'unknown'}", exc)
        answer = not_recorded(svc, sender, to)
    response = MessagingResponse()
    if answer:
        response.message(answer)
    return twiml(response)


@bp.route("/status", methods=["GET", "POST"])
@twilio_signed
def status():
    """Twilio's message status callback: 204, fast, no body. Redis down: 503 (Twilio logs
    error 11200 in its debugger and, by default, does not retry); the lost status costs only
    an early escalation: the step's timer still pages the next step on time."""
    form = request.form
    logs.bind(message_sid=form.get("MessageSid"))
    if form.get("MessageSid"):
        try:
            handle_status(
                services(),
                form["MessageSid"],
                form.get("MessageStatus", ""),
                form.get("ErrorCode", ""),
            )
        except Exception as exc:
            _log_unrecorded(f"status {form.get('MessageStatus')} of {form['MessageSid']}", exc)
            return Response("status not recorded\n", status=503, mimetype="text/plain")
    return "", 204


@bp.post("/page-ack")
@twilio_signed
def page_ack():
    """The engineer pressed a key during a voice page: 1 acknowledges."""

    svc = services()
    logs.bind(call_sid=request.form.get("CallSid"), incident=request.args.get("incident"))
    response = VoiceResponse()
    engineer = caller_number(request.form.get("To"))  # we called them
    vendor_number = caller_number(request.form.get("From"))
    if request.form.get("Digits") == "1" and engineer:
        language = engineer_language(svc, engineer, vendor_number)
        try:
            ack = f"ACK {request.args.get('incident', '')}".strip()
            answer = handle_reply(svc, engineer, ack, to=vendor_number, language=language)
        except Exception as exc:
            _log_unrecorded(f"voice acknowledgement from {engineer}", exc)
            answer = not_recorded(svc, engineer, vendor_number)
        response.say(answer or "Unknown incident.", **prompts.voice(language))
    response.hangup()
    return twiml(response)


def _log_unrecorded(what: str, exc: Exception) -> None:
    """One masked line: Redis being down is expected news, not a traceback; a bug is both."""
    if isinstance(exc, redis.RedisError):
        log.error(mask_text(f"{what} NOT recorded: Redis unavailable ({type(exc).__name__})"))
    else:
        log.exception(mask_text(f"{what} NOT recorded: {type(exc).__name__}"))
