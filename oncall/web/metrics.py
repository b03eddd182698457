"""GET /metrics: every process's metrics in Prometheus's text format (oncall/metrics.py),
added up over the multiprocess directory when there is one, and the queue depths read from
Redis as the scrape asks (right even with no worker running). Unauthenticated and cheap: serve
it on an internal address only, never through the public proxy (it names vendors)."""

from __future__ import annotations

import logging

import redis
from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from oncall import metrics
from oncall.services.jobs import queue_depths
from oncall.web.context import services

log = logging.getLogger(__name__)
bp = Blueprint("metrics", __name__)


class QueueDepth:
    """oncall_queue_depth{queue}: jobs waiting in each RQ queue, read at scrape time (one
    round trip); nothing when Redis does not answer (the scrape still succeeds)."""

    def __init__(self, client: redis.Redis):
        self.client = client

    def collect(self):
        try:
            depths = queue_depths(self.client)
        except redis.RedisError as exc:
            log.warning("metrics: queue depth not read: %s", type(exc).__name__)
            return
        gauge = GaugeMetricFamily(
            "oncall_queue_depth", "Jobs waiting in each RQ queue.", labels=["queue"]
        )
        for name, depth in depths.items():
            gauge.add_metric([name], depth)
        yield gauge


def exposition(metrics_dir, client: redis.Redis) -> bytes:
    registry = CollectorRegistry()
    if metrics_dir is not None:
        MultiProcessCollector(registry, path=str(metrics_dir))
    else:
        registry.register(metrics.REGISTRY)
    registry.register(QueueDepth(client))
    return generate_latest(registry)


@bp.get("/metrics")
def scrape():
    svc = services()
    body = exposition(svc.settings.metrics_dir, svc.redis)
    return Response(body, content_type=CONTENT_TYPE_LATEST)
