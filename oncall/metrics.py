"""Every Prometheus metric of the service, defined once (prometheus-client); the web app's
/metrics serves them (oncall/web/metrics.py).

Several processes (gunicorn's workers, the paging worker) add up through prometheus-client's
multiprocess mode: with PROMETHEUS_MULTIPROC_DIR set in a process's environment *before*
prometheus_client is imported, each process writes its values to files in that directory and
/metrics sums the files. Without it every process counts for itself (the tests, the CLI) and
/metrics shows the answering process only. Label values are bounded: vendor and severity ids
come from the loaded vendor files, steps and statuses from fixed sets.
"""

from __future__ import annotations

import logging
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, values

log = logging.getLogger(__name__)
REGISTRY = CollectorRegistry(auto_describe=True)  # this process's own values

CALLS = Counter(
    "oncall_calls",
    "Calls by the route chosen for them: desk, oncall or written once the menu decides "
    "(a retried webhook is not counted again); limited or blocked at the greeting.",
    ["vendor", "route"],
    registry=REGISTRY,
)
MENU_CHOICES = Counter(
    "oncall_menu_choices",
    "Severities chosen in the menu (the default after three invalid tries included).",
    ["vendor", "severity"],
    registry=REGISTRY,
)
WEBHOOK_SECONDS = Histogram(
    "oncall_webhook_duration_seconds",
    "Time to answer a Twilio webhook, by step (voice steps, fallback, sms, status, page_ack).",
    ["step"],
    registry=REGISTRY,
)
PAGES_SENT = Counter(
    "oncall_pages_sent",
    "Pages handed to Twilio (or found there after a lost answer), by channel (sms, voice).",
    ["vendor", "channel"],
    registry=REGISTRY,
)
PAGES_FAILED = Counter(
    "oncall_pages_failed",
    "Pages Twilio refused for good (a bad number, STOP): the next step is paged instead.",
    ["vendor", "channel"],
    registry=REGISTRY,
)
PAGE_RETRIES = Counter(
    "oncall_page_retries",
    "Page tries that failed and were rescheduled (Twilio unreachable, 429, 5xx).",
    ["vendor", "channel"],
    registry=REGISTRY,
)
SMS_STATUSES = Counter(
    "oncall_sms_status",
    "Delivery statuses of page SMS reported by Twilio, each counted once per message "
    "(a repeated or backward status is not counted).",
    ["status"],
    registry=REGISTRY,
)
ACK_SECONDS = Histogram(
    "oncall_page_ack_seconds",
    "Time from an incident's opening to its acknowledgement (SMS or voice key press).",
    ["vendor", "severity"],
    buckets=(30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400),
    registry=REGISTRY,
)
ESCALATIONS = Counter(
    "oncall_escalations",
    "Escalation steps run after the first page of an incident (its timer, ESC, a failed page).",
    ["vendor"],
    registry=REGISTRY,
)
RESPOND_BY_MISSED = Counter(
    "oncall_respond_by_missed",
    "Incidents whose respond_by deadline passed unacknowledged (counted once each).",
    ["vendor", "severity"],
    registry=REGISTRY,
)
CALLER_SMS_REFUSED = Counter(
    "oncall_caller_sms_refused",
    "Follow-up SMS to callers that could have had one but a cap refused (per caller per day, "
    "or for everyone per hour).",
    ["vendor"],
    registry=REGISTRY,
)
FALLBACK_ANSWERS = Counter(
    "oncall_fallback_answers",
    "Calls answered by the fallback: fallback_url (Twilio's Fallback URL), error (Redis down "
    "or a bug), unknown_number (no loaded vendor answers the number dialled).",
    ["reason"],
    registry=REGISTRY,
)


def channel(page_kind: str) -> str:
    """The channel label of a page kind ("page" is an SMS page)."""
    return "voice" if page_kind == "voice" else "sms"


def multiprocess() -> bool:
    """Whether prometheus_client writes this process's values to PROMETHEUS_MULTIPROC_DIR
    (decided once, when it was imported)."""
    return values.ValueClass is not values.MutexValue


def prepare(metrics_dir: Path | None) -> None:
    """Create the multiprocess directory, and say so when it was set too late for this
    process (after prometheus_client was imported: its values then stay in this process)."""
    if metrics_dir is None:
        return
    metrics_dir.mkdir(parents=True, exist_ok=True)
    if not multiprocess():
        log.error(
            "metrics: PROMETHEUS_MULTIPROC_DIR was not in the environment when this process "
            "started; its metrics are not shared (set it in the environment, not in .env)"
        )


def wipe(metrics_dir: Path) -> None:
    """Remove the values of an earlier run (prometheus-client's *.db files only): once per
    start of the whole service, before any of its processes starts, never per process."""
    metrics_dir.mkdir(parents=True, exist_ok=True)
    for path in metrics_dir.glob("*.db"):
        path.unlink(missing_ok=True)
