"""`make run` until the web service exists: route sample calls for every vendor."""

from __future__ import annotations

import pendulum

from config.settings import Settings
from oncall.cli.output import decision_text
from oncall.services.vendors import load_vendors
from rotas.routing import decide

# Instants a team lead would check: a working day, the evening, Maundy Thursday, a DST night,
# the romjul week and a July Saturday.
SAMPLE_TIMES = (
    "2026-11-24T10:00",
    "2026-11-24T16:00",
    "2027-03-25T10:00",
    "2027-03-28T02:30",
    "2026-12-29T10:00",
    "2027-07-24T12:00",
)


def run_demo(settings: Settings) -> int:
    vendors = load_vendors(settings.config_dir)
    for policy in vendors.values():
        print(f"=== {policy.name} ({policy.id}, {policy.tz})")
        for text in SAMPLE_TIMES:
            at = pendulum.parse(text, tz=policy.tz)
            print(decision_text(policy, decide(policy, policy.severities[0].id, at)))
        print()
    print("Try: python -m oncall route --vendor aidn --at 2027-03-25T10:00 --severity a --json")
    return 0
