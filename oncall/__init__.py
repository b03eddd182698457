"""oncall: phone routing and paging for Nordic software vendors (the IO shell)."""

from __future__ import annotations

import logging

from flask import Flask

from config.settings import Settings


def create_app(settings: Settings | None = None, *, clock=None, redis_client=None) -> Flask:
    """The web app, configured from the environment unless `settings` is given."""
    from oncall import masking, redisconn, webhooks
    from oncall.clock import SystemClock
    from oncall.services import Services
    from oncall.vendors import load_vendors

    settings = settings or Settings.from_env()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    masking.install()
    app = Flask(__name__)
    client = redis_client if redis_client is not None else redisconn.connect(settings)
    app.extensions["oncall"] = Services.build(
        settings, clock or SystemClock(), client, load_vendors(settings.config_dir)
    )
    app.register_blueprint(webhooks.bp)

    @app.get("/healthz")
    def healthz():
        return {"ok": True, "vendors": sorted(app.extensions["oncall"].vendors)}

    return app
