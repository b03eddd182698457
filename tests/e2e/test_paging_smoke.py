"""A page goes out through a real worker, and an SMS reply acknowledges it."""

from oncall.services.incidents import open_incident
from oncall.services.vendors import load_vendor
from oncall.store.incidents import IncidentStore
from tests.helpers.stack import wait_for


def test_page_then_ack_stops_the_escalation(offset_stack):
    stack = offset_stack
    policy = load_vendor(stack.settings.config_dir, "aidn")
    incident_id, attached = open_incident(
        stack.redis,
        stack.settings,
        policy,
        "a",
        stack.clock.now(),
        clock=stack.clock,
        reference="AIDN-2026-900001",
        caller="+4790000123",
        desk="closed",
    )
    assert not attached
    store = IncidentStore(stack.redis)
    primary = store.load(incident_id).plan.step_at(0).targets[0].phone
    page = wait_for(lambda: stack.sms_to(primary), what="the page SMS")[0]
    assert "AIDN-2026-900001/0" in page["body"]
    reply = stack.fake.send_inbound_sms(
        stack.base_url + "/twilio/sms", primary, policy.inbound[0], "ACK"
    )
    assert reply.status_code == 200 and f"{incident_id} er kvittert" in reply.text
    assert store.load(incident_id).state == "acknowledged"
    secondary = store.load(incident_id).plan.step_at(1).targets[0].phone
    assert stack.advance(minutes=15) == []  # past step 1 (10 min) and more: nothing due
    stack.idle()
    assert stack.sms_to(secondary) == []
