"""iCal feeds behind token URLs, with a real Redis: the service (create, list, revoke, renew),
`GET /feeds/<token>.ics` through the app, and the token kept out of Redis and the logs."""

from __future__ import annotations

import logging
from datetime import UTC

import icalendar
import pytest
import recurring_ical_events
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from oncall.services import feeds as service
from oncall.services.feeds import UnknownTarget, create_feed, renew_feed, revoke_feed
from oncall.web import create_app
from rotas import feeds
from rotas.rota import shifts_between

KARI = "+4740000101"  # aidn: primary and secondary


def svc_of(app):
    return app.extensions["oncall"]


def get(client, token: str):
    return client.get(f"/feeds/{token}.ics")


def events(body: bytes, start, end) -> list:
    cal = icalendar.Calendar.from_ical(body)
    return sorted(
        recurring_ical_events.of(cal).between(start, end), key=lambda e: e.decoded("DTSTART")
    )


def test_a_layer_feed_is_served_as_its_shifts(app, client, clock, redis_client):
    svc = svc_of(app)
    token, info = create_feed(
        redis_client,
        kind="layer",
        vendor="aidn",
        layer="primary",
        owner="lead",
        vendors=svc.vendors,
    )
    response = get(client, token)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, max-age=300"
    start, end = feeds.window(clock.now())
    layer = feeds.find_layer(svc.vendors["aidn"], "primary")
    want = [
        (s.start.astimezone(UTC), s.end.astimezone(UTC), s.person.name)
        for s in shifts_between(layer, start, end)
    ]
    got = [
        (e.decoded("DTSTART").astimezone(UTC), e.decoded("DTEND").astimezone(UTC),
         str(e["SUMMARY"]).split(": ", 1)[1].removesuffix(" (override)"))
        for e in events(response.data, start, end)
    ]  # fmt: skip
    assert got == want
    cal = icalendar.Calendar.from_ical(response.data)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Oslo"]
    assert (info.kind, info.vendor, info.layer, info.owner) == ("layer", "aidn", "primary", "lead")


def test_a_person_feed_has_their_shifts_in_every_layer(app, client, clock, redis_client):
    token, _ = create_feed(redis_client, kind="person", phone=KARI, owner="kari")
    start, end = feeds.window(clock.now())
    found = events(get(client, token).data, start, end)
    assert {str(e["SUMMARY"]) for e in found} == {
        "On call: Aidn primary",
        "On call: Aidn secondary",
    }
    assert KARI not in get(client, token).get_data(as_text=True)


def test_revoked_and_renewed_tokens_answer_404(client, redis_client):
    token, info = create_feed(redis_client, kind="person", phone=KARI, owner="kari")
    assert get(client, token).status_code == 200
    new, renewed = renew_feed(redis_client, info.id)
    assert renewed == info
    assert (get(client, token).status_code, get(client, new).status_code) == (404, 200)
    assert revoke_feed(redis_client, info.id) is True
    assert get(client, new).status_code == 404
    assert revoke_feed(redis_client, info.id) is False
    with pytest.raises(LookupError):
        renew_feed(redis_client, info.id)
    assert service.list_feeds(redis_client) == []


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/" + "A" * 43 + ".ics",  # well formed, unknown
        "/feeds/" + "A" * 5000 + ".ics",
        "/feeds/short.ics",
        "/feeds/" + "A" * 43,  # no .ics
        "/feeds/" + "A" * 42 + "%21.ics",
        "/feeds/",
    ],
)
def test_unknown_or_malformed_tokens_answer_a_bare_404(client, redis_client, path):
    create_feed(redis_client, kind="person", phone=KARI, owner="kari")
    response = client.get(path)
    assert response.status_code == 404
    assert b"feed" not in response.data.lower()


def test_redis_holds_no_token(redis_client):
    token, info = create_feed(redis_client, kind="person", phone=KARI, owner="kari")
    renewed, _ = renew_feed(redis_client, info.id)
    dump = []
    for key in redis_client.scan_iter("*"):
        dump.append(key)
        kind = redis_client.type(key)
        if kind == b"hash":
            dump += [x for kv in redis_client.hgetall(key).items() for x in kv]
    blob = b" ".join(dump)
    assert token.encode() not in blob and renewed.encode() not in blob
    assert service.token_hash(renewed).encode() in blob


def test_list_by_owner_never_shows_a_token(redis_client, clock):
    a, fa = create_feed(redis_client, kind="person", phone=KARI, owner="kari", clock=clock)
    b, fb = create_feed(redis_client, kind="layer", vendor="aidn", layer="primary", owner="lead")
    assert service.list_feeds(redis_client, owner="kari") == [fa]
    assert {f.id for f in service.list_feeds(redis_client)} == {fa.id, fb.id}
    assert fa.created == clock.now().in_timezone("UTC").isoformat()
    assert a not in repr(service.list_feeds(redis_client)) and b not in repr(fb)


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"kind": "team"}, "kind 'team' is not one of person, layer"),
        ({"kind": "person", "phone": "12"}, "'12' is not an E.164 phone number"),
        ({"kind": "person", "phone": "+4790000123"}, "+*******123 is nobody"),
        ({"kind": "layer", "vendor": "nope", "layer": "primary"}, "valid: aidn, amido, itsl"),
        ({"kind": "layer", "vendor": "aidn", "layer": "x"}, "valid: primary, secondary"),
    ],
)
def test_a_feed_for_nothing_is_refused_and_nothing_stored(app, redis_client, kwargs, says):
    with pytest.raises(UnknownTarget, match=says.replace("+", r"\+").replace("*", r"\*")):
        create_feed(redis_client, owner="x", vendors=svc_of(app).vendors, **kwargs)
    assert redis_client.keys("oncall:feed*") == []


def test_the_token_is_never_logged(client, redis_client, caplog):
    token, _ = create_feed(redis_client, kind="person", phone=KARI, owner="kari")
    for name in (None, "gunicorn.access", "werkzeug"):  # another test may have quieted one
        caplog.set_level(logging.INFO, logger=name)
    get(client, token)
    # what gunicorn's access log and werkzeug's request log write for this request
    logging.getLogger("gunicorn.access").info('%s "%s"', "10.0.0.1", f"GET /feeds/{token}.ics")
    logging.getLogger("werkzeug").info('"GET /feeds/%s.ics HTTP/1.1" 200 -', token)
    assert token not in caplog.text
    assert caplog.text.count("/feeds/***.ics") == 2


def test_redis_down_answers_503_that_no_client_keeps(settings, clock, redis_client, caplog):
    """A calendar client that gets 503 keeps the copy it has and tries again; a 500 (an
    error page, a traceback in the log) tells it nothing. Nothing about the token leaks."""
    token, _ = create_feed(redis_client, kind="layer", vendor="aidn", layer="primary", owner="k")
    dead = redis.Redis(
        unix_socket_path="/nonexistent/redis.sock", socket_connect_timeout=0.2,
        retry=Retry(NoBackoff(), 0),
    )  # fmt: skip
    response = get(create_app(settings, clock=clock, redis_client=dead).test_client(), token)
    assert response.status_code == 503
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Retry-After"] == "60"
    assert response.mimetype == "text/plain" and b"unavailable" in response.data
    assert "Traceback" not in caplog.text and token not in caplog.text
