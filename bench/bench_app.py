"""The real app plus `/bench/bare`: a fixed TwiML document, for the same-run baseline."""

from flask import Response

from oncall import create_app

app = create_app()
BARE = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello</Say><Hangup/></Response>'


@app.post("/bench/bare")
def bare():
    return Response(BARE, mimetype="application/xml")
