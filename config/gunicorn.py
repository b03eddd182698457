"""gunicorn settings of the web process: `gunicorn -c config/gunicorn.py --bind ... oncall.wsgi:app`
(the Procfile). The bind address stays on the command line (0.0.0.0:$PORT)."""

import sys

from prometheus_client import multiprocess

from config.settings import Settings
from oncall import logs
from oncall.services import startup

_settings = Settings.from_env()

# Every log record of the master and its workers (forked from it) is masked and carries the
# request's call fields, gunicorn's error log (which names the request URI when a request
# fails) and access log included; all of them in ONCALL_LOG_FORMAT (json: one object a line).
logs.install()
logconfig_dict = logs.gunicorn_logconfig(_settings)

workers = 2
worker_class = "gthread"
threads = 4
accesslog = "-"
# The path without its query: a GET webhook carries the caller's number and the SMS text there.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# A GET webhook's request line holds Twilio's parameters: the longest gunicorn allows.
limit_request_line = 8190
# No `gunicornc` control socket: it would be one path (~/.gunicorn) shared by every instance.
control_socket_disable = True


def on_starting(server):
    """Production mode: refuse to start, in one line, before any worker is forked."""
    refusal = startup.check(_settings)
    if refusal:
        server.log.critical(refusal)
        sys.exit(1)


METRICS_DIR = _settings.metrics_dir


def child_exit(server, worker) -> None:
    """A worker died or was replaced: prometheus-client drops its live gauges (its counters
    and histograms keep counting in the sum: oncall/metrics.py)."""
    if METRICS_DIR is not None:
        multiprocess.mark_process_dead(worker.pid, str(METRICS_DIR))
