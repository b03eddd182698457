"""The follow-up SMS to a caller: reference and where to write, in the vendor's language."""

from __future__ import annotations

import logging

from ivr import prompts
from oncall.masking import mask_text
from oncall.services.root import Services

log = logging.getLogger(__name__)


def followup_text(policy, reference: str) -> str:
    template = prompts.SMS_TEXTS.get(policy.language, prompts.SMS_TEXTS["en"])
    return template.format(
        vendor=policy.name, reference=reference, channels=prompts.channels(policy, policy.language)
    )


def send_followup_sms(svc: Services, call_sid: str) -> str | None:
    """Send the SMS for one call (once: a recorded SID means it was sent)."""
    store, rt = svc.store, svc
    record = store.record(call_sid)
    if record.get("sms_sid"):
        return record["sms_sid"]
    policy = rt.vendors[record["vendor"]]
    sender = policy.inbound[0] if policy.inbound else None
    if not (record.get("caller") and sender):
        return None
    sid = rt.telephony.send_sms(
        record["caller"], sender, followup_text(policy, record["reference"])
    )
    note = {"at": svc.clock.now().isoformat(), "step": "sms", "text": f"follow-up SMS {sid}"}
    store.save(call_sid, {"sms_sid": sid}, [(None, note)])
    log.info(mask_text(f"follow-up SMS {sid} to {record['caller']} for {record['reference']}"))
    return sid
