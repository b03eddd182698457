"""The vendor policy: support hours, closures, severities and how each one is routed.

Plain frozen values, built by `rotas.config.parse_policy` from a vendor YAML file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rotas.calendar import Calendar
from rotas.phone import E164
from rotas.rota import Person, Rota

LANGUAGES = ("nb", "nn", "sv", "en")
ROUTES_OPEN = ("desk", "written")
ROUTES_CLOSED = ("duty", "written")


@dataclass(frozen=True)
class PageStep:
    after: int  # minutes after the incident opens
    targets: tuple[str, ...]  # "rota:<layer>" or a person id; all targets of a step in parallel


@dataclass(frozen=True)
class Rule:
    """Where a severity goes in one state of the desk (open or closed), and whom it pages."""

    route: str  # open: desk | written; closed: duty | written
    page: tuple[PageStep, ...] = ()
    repeat: int = 0  # times the whole page plan repeats before it is exhausted
    desk_option: bool = False  # written while open, but a caller may press 9 for the desk


@dataclass(frozen=True)
class ResponseTarget:
    """A response deadline: `immediately` (before the page plan moves past its first step;
    the next desk opening when the route pages nobody, see workingtime.deadline), N minutes
    (wall clock), or in working time N working hours, next working day, N working days."""

    text: str
    unit: str  # "immediately" | "minutes" | "hours" | "days"
    amount: int


@dataclass(frozen=True)
class Severity:
    id: str
    digit: int  # IVR menu digit, 1 = most severe
    label: dict[str, str]
    menu: dict[str, str]  # short description the IVR reads out
    description: dict[str, str]  # the seed's own text
    open: Rule
    closed: Rule
    respond: ResponseTarget | None = None

    def text(self, field_name: str, language: str) -> str:
        texts = getattr(self, field_name)
        return texts.get(language) or texts.get("en") or next(iter(texts.values()), self.id)


@dataclass(frozen=True)
class Written:
    portal: str | None = None
    email: str | None = None
    help_button: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VendorPolicy:
    id: str
    name: str
    language: str
    calendar: Calendar  # zone, closed days, desk hours and duty window
    desk_phones: tuple[E164, ...]
    duty_phones: tuple[E164, ...]  # rung after the rota's members, if any
    written: Written
    people: dict[str, Person]
    rota: Rota
    severities: tuple[Severity, ...]
    inbound: tuple[E164, ...] = ()  # numbers customers dial (select the vendor)
    emergency: E164 | None = None  # dialled by the fallback when nothing else works
    source: str = ""

    @property
    def tz(self) -> str:
        """The vendor's time zone (its calendar's)."""
        return self.calendar.tz

    @property
    def zone(self):
        return self.calendar.zone

    @property
    def country(self) -> str:
        return self.calendar.country

    def person_for(self, target: str, by_layer: dict) -> Person | None:
        """Whom a page target names: "rota:<layer>" is whoever holds that layer's shift in
        `by_layer` (layer name -> Shift), anything else a person id."""
        if target.startswith("rota:"):
            shift = by_layer.get(target[5:])
            return shift.person if shift else None
        return self.people.get(target)

    def severity(self, severity_id: str) -> Severity | None:
        return next((s for s in self.severities if s.id == severity_id), None)

    @property
    def severity_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.severities)
