"""RQ job function for the follow-up SMS to a caller (oncall.services.followup)."""

from oncall.services import followup
from workers.runtime import services


def send_followup_sms(call_sid: str) -> str | None:
    return followup.send_followup_sms(services(), call_sid)
