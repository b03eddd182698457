"""Blueprint "twilio": the signed voice webhooks. Every answer is TwiML, never a 500."""

from __future__ import annotations

import logging
from xml.etree import ElementTree

from flask import Blueprint, Response, request

from ivr import steps
from oncall.callflow import handle_voice
from oncall.replies import handle_reply, handle_status
from oncall.services import services
from oncall.signature import twilio_signed
from rotas.phone import caller_number

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__, url_prefix="/twilio")
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def twiml(response) -> Response:
    """The TwiML document (a VoiceResponse, or one already rendered) as the response."""
    return Response(render(response), mimetype="application/xml")


def render(response) -> str:
    """str(response), serialised straight to text (twilio's to_xml encodes to UTF-8 bytes
    and decodes again: a third of its cost)."""
    if isinstance(response, str):
        return response
    return XML_DECLARATION + ElementTree.tostring(response.xml(), encoding="unicode")


def parse_call(form, args) -> steps.Call:
    return steps.Call(
        sid=form.get("CallSid", ""),
        caller=caller_number(form.get("From")),
        to=form.get("To", ""),
        query=dict(args),
        digits=form.get("Digits", ""),
        dial_status=form.get("DialCallStatus", ""),
        recording_url=form.get("RecordingUrl", ""),
    )


@bp.post("/voice/<step>")
@twilio_signed
def voice(step: str):
    svc = services()
    call = parse_call(request.form, request.args)
    if step not in steps.STEPS:  # the Fallback URL, or a step we do not know
        return twiml(svc.fallback(call))
    try:
        return twiml(handle_voice(svc, step, call))
    except Exception:  # Redis down, or a bug: the caller must still reach a human
        log.exception("voice step %s failed; answering with the fallback", step)
        return twiml(svc.fallback(call))


@bp.post("/sms")
@twilio_signed
def sms():
    """An engineer's reply to a page."""
    from twilio.twiml.messaging_response import MessagingResponse

    svc = services()
    answer = handle_reply(
        svc, caller_number(request.form.get("From")), request.form.get("Body", "")
    )
    response = MessagingResponse()
    if answer:
        response.message(answer)
    return twiml(response)


@bp.post("/status")
@twilio_signed
def status():
    """Twilio's message status callback: 204, fast, no body."""
    form = request.form
    if form.get("MessageSid"):
        handle_status(
            services(), form["MessageSid"], form.get("MessageStatus", ""), form.get("ErrorCode", "")
        )
    return "", 204


@bp.post("/page-ack")
@twilio_signed
def page_ack():
    """The engineer pressed a key during a voice page: 1 acknowledges."""
    from twilio.twiml.voice_response import VoiceResponse

    svc = services()
    response = VoiceResponse()
    engineer = caller_number(request.form.get("To"))  # we called them
    if request.form.get("Digits") == "1" and engineer:
        answer = handle_reply(svc, engineer, f"ACK {request.args.get('incident', '')}".strip())
        response.say(answer or "Unknown incident.", language="en-GB")
    response.hangup()
    return twiml(response)
