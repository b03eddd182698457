"""gunicorn settings of the web process: `gunicorn -c config/gunicorn.py --bind ... oncall.wsgi:app`
(the Procfile). The bind address stays on the command line (WEB_PORT)."""

from oncall import masking

# Every log record of the master and its workers (forked from it) is masked, gunicorn's error
# log (which names the request URI when a request fails) and access log included.
masking.install()

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
