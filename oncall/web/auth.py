"""Sign-in for the web app: sessions (Flask-Login), API tokens (`Authorization: Bearer`),
CSRF on every form (Flask-WTF), the login rate limit (Flask-Limiter, Redis storage), and the
minimal /login and /logout pages.

CSRF is checked on every POST/PUT/PATCH/DELETE except the Twilio webhooks (signed, see
oncall/web/signature.py) and requests that carry a Bearer token: a request with an
Authorization header is never authenticated by the session cookie, so a cross-site form (which
cannot set that header) never acts as the signed-in user.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from urllib.parse import urlsplit

import redis
from flask import Blueprint, Flask, redirect, render_template, request, session, url_for
from flask_limiter import Limiter
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect

from oncall.services.tokens import user_for_token
from oncall.services.users import User, check_login, get_user, record_login
from oncall.store import keys, redisconn
from oncall.web import webhooks
from oncall.web.context import services

log = logging.getLogger("oncall.auth")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WRONG = "Wrong user or password."


def init_app(app: Flask) -> Limiter:
    """Sign-in for `app`; the limiter it made (Redis storage), for other blueprints' limits."""
    settings = services_of(app).settings
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        WTF_CSRF_CHECK_DEFAULT=False,  # checked by _csrf below, with its two exemptions
    )
    _login_manager().init_app(app)
    csrf = CSRFProtect(app)
    app.before_request(lambda: _csrf(csrf))
    limiter = Limiter(
        _address,
        app=app,
        storage_uri=_storage_uri(services_of(app).redis),
        storage_options={"key_prefix": keys.rate_limits(), "socket_timeout": 1.0},
        strategy="moving-window",  # 6 attempts within any 60 s trip "5/minute"
        swallow_errors=True,  # Redis down: no limit (and no sign-in either)
    )
    app.register_blueprint(_blueprint(limiter, settings))
    return limiter


def limit_writes(limiter: Limiter, bp, rate: str) -> None:
    """`rate` for the POST, PUT and DELETE requests of blueprint `bp`, per signed-in user
    (per client address without one); over it: 429."""
    limiter.limit(rate, key_func=_writer, methods=["POST", "PUT", "DELETE"])(bp)


def _writer() -> str:
    user = current()
    return f"user:{user.username}" if user else f"address:{client_address()}"


def current() -> User | None:
    """The signed-in user of this request (session cookie or Bearer token), or None."""
    user = current_user._get_current_object()
    return user if isinstance(user, User) else None


def services_of(app: Flask):
    return app.extensions["oncall"]


def bearer_token(req) -> str | None:
    scheme, _, token = (req.headers.get("Authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _login_manager() -> LoginManager:
    manager = LoginManager()
    manager.login_view = "auth.login"

    @manager.user_loader
    def load_from_session(user_id: str) -> User | None:
        if request.headers.get("Authorization"):
            return None  # an API call is authenticated by its token only
        username, _, epoch = user_id.rpartition(":")
        try:
            user = get_user(services().redis, username)
        except redis.RedisError as exc:
            log.warning("session user not loaded: Redis unreachable (%s)", type(exc).__name__)
            return None
        if user is None or user.disabled or str(user.epoch) != epoch:
            return None  # disabled, or the password changed since this session signed in
        return user

    @manager.request_loader
    def load_from_token(req) -> User | None:
        token = bearer_token(req)
        if not token:
            return None
        svc = services()
        try:
            return user_for_token(svc.redis, token, clock=svc.clock)
        except redis.RedisError as exc:
            log.warning("token not checked: Redis unreachable (%s)", type(exc).__name__)
            return None

    return manager


def _csrf(csrf: CSRFProtect) -> None:
    if request.method not in UNSAFE_METHODS or request.routing_exception is not None:
        return
    if request.blueprint == webhooks.bp.name or request.headers.get("Authorization"):
        return  # signed by Twilio / authenticated by a token, never by the cookie
    if request.path.startswith("/api/v1/") and current() is None:
        return  # nobody signed in: the API answers 401 (nothing is done without a user)
    csrf.protect()


def _storage_uri(client: redis.Redis) -> str:
    """Flask-Limiter's storage: the app's own Redis (the embedded one is a unix socket,
    which `limits` names redis+unix://)."""
    url = redisconn.url_of(client)
    return "redis+" + url if url.startswith("unix://") else url


def _account() -> str:
    return "account:" + (request.form.get("username") or "").strip().lower()[:64]


def _address() -> str:
    return "address:" + client_address()


def client_address() -> str:
    """The client's address: the TCP peer's, or with N trusted proxy hops (settings) the
    address the outermost trusted proxy saw, from X-Forwarded-For."""
    hops = services().settings.trusted_proxy_hops
    forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops][:64]
    return request.remote_addr or ""


def _blueprint(limiter: Limiter, settings) -> Blueprint:
    bp = Blueprint("auth", __name__)

    def too_many(_limit):
        svc = services()
        name = (request.form.get("username") or "").strip().lower()
        with suppress(redis.RedisError):
            record_login(svc.redis, name, client_address(), "rate-limited", clock=svc.clock)
        body = render_template("auth/login.html", error="Too many attempts; wait a minute.")
        return app_response(body, 429)

    @bp.route("/login", methods=["GET", "POST"])
    @limiter.limit(
        settings.login_limit_per_account, key_func=_account, methods=["POST"], on_breach=too_many
    )
    @limiter.limit(
        settings.login_limit_per_address, key_func=_address, methods=["POST"], on_breach=too_many
    )
    def login():
        if request.method == "GET":
            return render_template("auth/login.html", user=current(), error=None)
        svc = services()
        try:
            user = check_login(
                svc.redis,
                request.form.get("username", ""),
                request.form.get("password", ""),
                address=client_address(),
                clock=svc.clock,
            )
        except redis.RedisError:
            body = render_template("auth/login.html", error="Sign-in is unavailable; try again.")
            return app_response(body, 503)
        if user is None:
            return app_response(render_template("auth/login.html", error=WRONG), 401)
        session.clear()  # a new session for the signed-in user (no fixation)
        login_user(user)
        return redirect(_safe_next(request.args.get("next")))

    @bp.post("/logout")
    def logout():
        logout_user()
        session.clear()
        return redirect(url_for("auth.login"))

    return bp


def app_response(body: str, status: int):
    return body, status, {"Content-Type": "text/html; charset=utf-8"}


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, not //host)."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for("auth.login")
