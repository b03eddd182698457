"""Validation of a vendor document for a save: the rules of `oncall check`, each problem
named by its index path (`rota[0].handoff: ...`), coverage gaps as warnings, and inbound
numbers that another stored vendor already claims as errors."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pendulum

from rotas.config import check_policy_document
from rotas.fieldpath import index_path
from rotas.phone import mask
from rotas.policy import VendorPolicy
from rotas.timetable import coverage_gaps
from rotas.yamlsource import MAX_CHARS

VENDOR_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
MAX_VENDOR_ID = 64
COVERAGE_MONTHS = 12  # like `oncall check`


@dataclass(frozen=True)
class FieldProblem:
    path: str  # "rota[0].handoff", "overrides[3].to", "desk.hours.mon"
    message: str
    level: str = "error"  # or "warning"
    line: int = 0  # in the document's text, when known

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class Invalid(Exception):
    """The document has errors; nothing was saved."""

    def __init__(self, problems: list[FieldProblem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def check_vendor_id(vendor: str) -> None:
    if len(vendor) > MAX_VENDOR_ID or not VENDOR_ID.fullmatch(vendor):
        raise Invalid([FieldProblem("id", f"{vendor!r} is not a vendor id ({VENDOR_ID.pattern})")])


def check_text(vendor: str, text: str) -> tuple[VendorPolicy, list[FieldProblem], dict]:
    """The policy, its warnings and the parsed document; Invalid with every error."""
    check_vendor_id(vendor)
    if len(text) > MAX_CHARS:
        raise Invalid([FieldProblem("file", f"larger than {MAX_CHARS // 1024} KiB")])
    policy, problems, data = check_policy_document(text, f"{vendor}.yaml", vendor)
    found = _field_problems(data, problems)
    errors = [p for p in found if p.level == "error"]
    if errors or policy is None:
        raise Invalid(errors or [FieldProblem("file", "not a vendor policy")])
    return policy, found, data


def _field_problems(data, problems) -> list[FieldProblem]:
    return [
        FieldProblem(index_path(p.field, data, p.line), p.message, p.level, p.line)
        for p in problems
    ]


def check_sender(policy: VendorPolicy) -> None:
    """Invalid without an inbound number: callers dial it and every page and SMS leaves from
    the first one, so a stored version without one silences the vendor (and production's
    start-up gate refuses to start any process while one is stored)."""
    if not policy.inbound:
        raise Invalid([FieldProblem("inbound", NO_SENDER)])


NO_SENDER = (
    "give at least one inbound number: callers dial it, and pages and SMS leave from the first"
)


def check_claims(policy: VendorPolicy, owners: dict[str, str]) -> None:
    """Invalid when another vendor's current version claims one of the policy's numbers."""
    errors = [
        _claimed(i, number, owners[number])
        for i, number in enumerate(policy.inbound)
        if owners.get(number, policy.id) != policy.id
    ]
    if errors:
        raise Invalid(errors)


def claimed_problem(policy: VendorPolicy, number: str, owner: str) -> Invalid:
    i = policy.inbound.index(number) if number in policy.inbound else 0
    return Invalid([_claimed(i, number, owner)])


def _claimed(i: int, number: str, owner: str) -> FieldProblem:
    return FieldProblem(
        f"inbound[{i}]",
        f"{mask(number)} is the inbound number of {owner}; a number belongs to one vendor",
    )


GAPS_LISTED_PER_SEVERITY = 5  # a nightly gap is 365 gaps a year: the rest are counted


def gap_warnings(policy: VendorPolicy, now) -> list[FieldProblem]:
    """Coverage gaps in the next 12 months from `now` (vendor time): the first few of each
    severity, then one warning counting the others (`oncall check` lists every one)."""
    begin = pendulum.instance(now).in_timezone(policy.tz)
    index = {s.id: i for i, s in enumerate(policy.severities)}
    by_severity: dict[str, list] = {}
    for g in coverage_gaps(policy, begin, begin.add(months=COVERAGE_MONTHS)):
        by_severity.setdefault(g.severity, []).append(g)
    warnings = []
    for severity, gaps in by_severity.items():
        path = f"severities[{index.get(severity, 0)}]"
        warnings += [
            FieldProblem(
                path,
                f"coverage gap: {g.severity} reaches nobody from {_stamp(g.start)} "
                f"to {_stamp(g.end)}: {g.reason}",
                "warning",
            )
            for g in gaps[:GAPS_LISTED_PER_SEVERITY]
        ]
        if len(gaps) > GAPS_LISTED_PER_SEVERITY:
            more = len(gaps) - GAPS_LISTED_PER_SEVERITY
            warnings.append(
                FieldProblem(
                    path,
                    f"coverage gap: {severity} has {more} more gap(s) in the next "
                    f"{COVERAGE_MONTHS} months, until {_stamp(gaps[-1].end)} "
                    f"(python -m oncall check lists them all)",
                    "warning",
                )
            )
    return warnings


def _stamp(at) -> str:
    return at.strftime("%Y-%m-%d %H:%M %Z")
