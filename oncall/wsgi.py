"""WSGI entry point for gunicorn: `gunicorn oncall.wsgi:app`."""

from oncall import create_app

app = create_app()
