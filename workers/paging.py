"""Pages about a call: one SMS to one engineer (the paging issue adds incidents, escalation
and acknowledgements on top of this job)."""

from __future__ import annotations

import logging

import pendulum

from oncall.masking import mask_text
from rotas.phone import mask
from workers.runtime import calls, runtime

log = logging.getLogger(__name__)


def page_text(policy, record: dict, at) -> str:
    sev = policy.severity(record.get("severity", "")) or policy.severities[0]
    local = at.in_timezone(policy.tz).format("DD.MM HH:mm")
    return (
        f"{policy.name}: {sev.text('label', policy.language)} call {local} from "
        f"{record.get('caller') or 'anonymous'}, ref {record.get('reference', '?')}. "
        f"The caller is being put through to the duty phone."
    )


def send_call_page(call_sid: str, once: str, index: int) -> str | None:
    store, rt = calls(), runtime()
    record = store.record(call_sid)
    numbers = record.get(f"page_{once}", "").split()
    if index >= len(numbers):
        log.error(
            "page %s/%s for call %s: no such number in the call record", once, index, call_sid
        )
        return None
    number = numbers[index]
    done_key = f"page_sid_{once}_{index}"
    if record.get(done_key):
        return record[done_key]
    policy = rt.vendors[record["vendor"]]
    sender = policy.inbound[0] if policy.inbound else number
    at = pendulum.parse(record["started"]) if record.get("started") else pendulum.now("UTC")
    sid = rt.telephony.send_sms(number, sender, page_text(policy, record, at))
    note = {
        "at": pendulum.now("UTC").isoformat(),
        "step": "page",
        "text": f"paged {mask(number)}: {sid}",
    }
    store.save(call_sid, {done_key: sid}, [(None, note)])
    log.info(mask_text(f"page {sid} to {number} for {record.get('reference')}"))
    return sid
