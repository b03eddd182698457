"""RQ job functions for messages that are not pages (oncall.services.notices)."""

from oncall.services import notices
from workers.runtime import services


def send_summary(incident_id: str) -> str:
    return notices.send_summary(services(), incident_id)


def notify_lead(incident_id: str, key: str, text: str, run: int = 0) -> str:
    return notices.notify_lead(services(), incident_id, key, text, run)
