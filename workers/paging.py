"""RQ job functions for pages (thin: the work is in oncall.services.pages)."""

from oncall.services import pages
from workers.runtime import services


def send_page(incident_id: str, step: int, index: int, run: int = 0) -> str:
    return pages.send_page(services(), incident_id, step, index, run)


def call_page(incident_id: str, step: int, index: int, run: int = 0) -> str:
    return pages.call_page(services(), incident_id, step, index, run)
