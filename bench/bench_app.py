"""The real app plus two baselines for the same run: `/bench/bare` (a fixed TwiML document)
and `/bench/floor` (the least a durable webhook can do: the signature check, one Redis write,
the fixed document)."""

from flask import Response, abort, request

from oncall.web import create_app
from oncall.web.context import services
from oncall.web.signature import public_url, signed

app = create_app()
BARE = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello</Say><Hangup/></Response>'


@app.post("/bench/bare")
def bare():
    return Response(BARE, mimetype="application/xml")


@app.post("/bench/floor")
def floor():
    svc = services()
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signed(svc.settings.twilio_auth_token, public_url(), request.form, signature):
        abort(403)
    svc.redis.incr(f"bench:floor:{request.form['CallSid'][-2:]}")
    return Response(BARE, mimetype="application/xml")
