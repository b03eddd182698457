"""RQ job functions for shift handoffs (oncall.services.handoff)."""

from oncall.services import handoff
from workers.runtime import services


def send_handoff(key: str, run: int = 0) -> str:
    return handoff.send_handoff(services(), key, run)


def check_handoff(key: str, run: int = 0) -> str:
    return handoff.check_handoff(services(), key, run)
