"""The web app: `create_app` (the Flask app factory) and its blueprints."""

from __future__ import annotations

import logging

from flask import Flask

from config.settings import Settings
from oncall import logs
from oncall.clock import clock_for
from oncall.services import startup
from oncall.services.root import Services
from oncall.store import redisconn
from oncall.web import api, auth, feeds, health, metrics, webhooks

# Twilio's webhook requests are form posts of a few KB (an SMS of 1,600 characters URL-encodes
# to at most ~15 KB): a larger body is refused with 413 from its Content-Length before it is
# read, parsed or its signature checked (a chunked body is read no further than 64 KiB).
MAX_REQUEST_BYTES = 64 * 1024


def create_app(settings: Settings | None = None, *, clock=None, redis_client=None) -> Flask:
    """The web app, configured from the environment unless `settings` is given; its clock
    is the one the settings choose (ONCALL_CLOCK) unless `clock` is given. In
    production mode it refuses to start (StartupRefused, one line) when something start-up
    needs is missing; gunicorn's master checks the same before it starts a worker."""
    settings = settings or Settings.from_env()
    logs.configure(settings)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.config["SECRET_KEY"] = settings.secret_key
    client = redis_client if redis_client is not None else redisconn.connect(settings)
    clock = clock or clock_for(settings, client)
    # Never raises: a bad vendor file is left out; Redis down: the files are served.
    svc = app.extensions["oncall"] = Services.build(settings, clock, client)
    refusal = startup.refusal(settings, client, svc.vendors)
    if refusal:
        logging.getLogger("oncall").critical(refusal)
        raise StartupRefused(refusal)
    _log_settings(settings)
    limiter = auth.init_app(app)  # sessions, Bearer tokens, CSRF, the login limit, /login
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(health.bp)  # /readyz; /healthz below needs no Redis
    app.register_blueprint(metrics.bp)
    app.register_blueprint(feeds.bp)  # /feeds/<token>.ics: no login, the token is the key
    api.init_app(app, limiter)  # /api/v1 and its OpenAPI document

    @app.before_request
    def follow_live_config():  # a saved policy version is used from the next request on
        svc.refresh()  # one Redis GET; never raises (returns None: the request goes on)

    @app.get("/healthz")
    def healthz():
        return {
            "ok": True,
            "vendors": sorted(svc.vendors),
            "versions": svc.live.versions() if svc.live else {},  # vendor -> live version
            "config_errors": svc.config_errors,
        }

    return app


class StartupRefused(RuntimeError):
    """Production mode without what it needs: the message is the one line naming it."""


def _log_settings(settings: Settings) -> None:
    log = logging.getLogger("oncall")
    for problem in settings.problems:
        log.error("settings: %s", problem)
    if settings.clock == "offset":
        log.warning("settings: ONCALL_CLOCK=offset: time is moved from Redis (tests, demo)")
    if not settings.fallback_number:
        log.warning(
            "settings: no ONCALL_FALLBACK_NUMBER: a call to a number no vendor answers "
            "gets a voicemail, not a human"
        )
