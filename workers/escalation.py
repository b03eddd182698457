"""RQ job function for an escalation step (oncall.services.escalation)."""

from oncall.services import escalation
from workers.runtime import services


def escalate(incident_id: str, step: int) -> str:
    return escalation.escalate(services(), incident_id, step)
