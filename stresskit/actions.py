"""The action model: one kind of action item for every notebook.

An action is stored as versions in the store; the latest version is the action. Forms
in notebooks 01–05 create them from a question of kind ``action`` (hvad, hvem, hvornår):
those are *tasks*, with a deadline, overdue when it passes. Entries of the IGLO plan
(recommendation 6) are *agreements*: who does what at which level, with a date when the
agreement is to be discussed again (``review``: the follow-up date, or for an entry saved
before agreements had one, its deadline). An agreement is never overdue; it is due for
review once that date has passed. Notebook 06 shows both in the IGLO plan and exports the
APV action plan.
"""

from __future__ import annotations

import copy
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime

from . import danish, memo, sheets
from .store import ActionVersion, Store
from .views import render

STATUSES = {"planlagt": "Planlagt", "i_gang": "I gang", "gennemfoert": "Gennemført", "opgivet": "Opgivet"}
PRIORITIES = {"hoej": "Høj", "middel": "Middel", "lav": "Lav"}
OPEN = ("planlagt", "i_gang")
AGREEMENTS_FROM = "handleplan"  # the recommendation whose IGLO plan holds agreements, not tasks
DATE_FIELDS = ("deadline", "followup")
TEXT_FIELDS = (
    "measure",
    "responsible",
    "recommendation",
    "question",
    "level",
    "phase",
    "problem",
    "priority",
    "status",
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date(value) -> date | None:
    """A date written as ISO text (2026-11-15) as a date; anything else (None, «i morgen», 2026) as None."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@dataclass
class Action:
    unit: str
    measure: str  # hvad: the measure to carry out
    responsible: str = ""  # hvem
    deadline: str | None = None  # hvornår: ISO date
    recommendation: str = ""  # guide: recommendations id it came from
    question: str = ""  # guide: the question it answers, if any
    level: str = ""  # guide: iglo_levels id
    phase: str = ""  # guide: iglo_phases id
    problem: str = ""  # the problem or exposure it answers
    priority: str = "middel"
    followup: str | None = None  # ISO date of the follow-up
    status: str = "planlagt"
    id: str | None = field(default=None, compare=False)
    who: str = field(default="", compare=False)
    at: str = field(default="", compare=False)
    # A date field whose stored value is not a date (saved by hand or by an old version, e.g.
    # «i morgen») keeps its text here, while the field itself reads as missing: shown, never overdue.
    deadline_text: str = field(default="", compare=False)
    followup_text: str = field(default="", compare=False)

    def __post_init__(self):
        defaults = {f.name: f.default for f in fields(self) if isinstance(f.default, str)}
        for key in TEXT_FIELDS:  # a store may hold anything; the plan and the pages need text
            value = getattr(self, key)
            if not isinstance(value, str):
                setattr(self, key, defaults.get(key, "") if value is None else str(value))
        for key in DATE_FIELDS:
            value = getattr(self, key)
            parsed = iso_date(value)
            setattr(self, key, parsed.isoformat() if parsed else None)
            if parsed is None and value not in (None, ""):
                setattr(self, f"{key}_text", str(value))

    @classmethod
    def from_version(cls, version: ActionVersion) -> Action:
        known = {f.name for f in fields(cls)} - {"deadline_text", "followup_text"}
        data = {k: v for k, v in version.data.items() if k in known} if isinstance(version.data, dict) else {}
        return cls(**{**data, "unit": version.unit, "id": version.action_id, "who": version.who, "at": version.at})

    def data(self) -> dict:
        data = {
            k: v
            for k, v in asdict(self).items()
            if k not in ("id", "who", "at", "unit", "deadline_text", "followup_text")
        }
        for key in DATE_FIELDS:  # saving again keeps the text given
            data[key] = data[key] or getattr(self, f"{key}_text") or None
        return data

    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def is_agreement(self) -> bool:
        """An IGLO entry: an agreement with a review date, not a task with a deadline."""
        return self.recommendation == AGREEMENTS_FROM

    @property
    def review(self) -> str | None:
        """An agreement's date to discuss it again (ISO): its follow-up date, else its deadline."""
        return (self.followup or self.deadline) if self.is_agreement else None

    def overdue(self, today: date) -> bool:
        """A task whose deadline has passed; an agreement is never overdue (see review_due)."""
        return not self.is_agreement and self.is_open() and bool(self.deadline) and iso_date(self.deadline) < today

    def review_due(self, today: date) -> bool:
        """An agreement whose review date has passed: it is to be discussed again."""
        return self.is_agreement and self.is_open() and bool(self.review) and iso_date(self.review) < today


def save(store: Store, action: Action, who: str | None = None) -> Action:
    version = store.save_action(action.unit, action.data(), action_id=action.id, who=who)
    return Action.from_version(version)


def preload(store: Store, versions: list[ActionVersion]) -> None:
    """Take the action list as read once for a whole batch (see batch), for the store as it is now."""
    memo.put("actions", (str(store.path), store.fingerprint()), [Action.from_version(v) for v in versions])


def for_unit(store: Store, unit: str | None = None) -> list[Action]:
    """The current actions (of one unit). The whole list is read once per process while the
    store is unchanged (a batch asks in every notebook of every unit); callers get copies."""
    every = memo.once(
        "actions", (str(store.path), store.fingerprint()), lambda: [Action.from_version(v) for v in store.actions()]
    )
    return [copy.copy(a) for a in every if unit is None or a.unit == unit]


def today() -> date:
    """Today, or the date in STRESSKIT_TODAY (ISO), so a report can be made as of a given day."""
    import os

    fixed = os.environ.get("STRESSKIT_TODAY")
    return date.fromisoformat(fixed) if fixed else date.today()


def followup_due(action: Action, today: date) -> bool:
    """A task's follow-up date has come (an agreement's follow-up is its review: see Action.review_due)."""
    return not action.is_agreement and action.is_open() and bool(action.followup) and iso_date(action.followup) <= today


def flags(action: Action, today: date) -> list[str]:
    """What needs attention, in Danish: a passed deadline, a follow-up that is due, an agreement to review."""
    out = []
    if action.review_due(today):
        out.append(f"Skal drøftes igen: aftalt til {_date(action.review)}")
    if action.overdue(today):
        out.append(f"Forsinket: fristen var {_date(action.deadline)}")
    if followup_due(action, today):
        out.append(f"Opfølgning: {_date(action.followup)}")
    return out


def _date(iso: str | None) -> str:
    return danish.day(date.fromisoformat(iso)) if iso else "–"


# --- the two views -------------------------------------------------------------------
def iglo_grid(items: list[Action], levels: list, phases: list) -> dict[tuple[str, str], list[Action]]:
    """Phases × levels, each cell its actions; an action not yet placed goes under "" for that axis."""
    grid: dict[tuple[str, str], list[Action]] = {}
    known_levels, known_phases = {x["id"] for x in levels}, {x["id"] for x in phases}
    for a in items:
        key = (a.phase if a.phase in known_phases else "", a.level if a.level in known_levels else "")
        grid.setdefault(key, []).append(a)
    return grid


def iglo_html(items: list[Action], guide, today: date, names: dict[str, str] | None = None) -> str:
    """The IGLO grid: a row per phase, a column per level, each cell its actions."""
    levels, phases = guide.iglo_levels, guide.iglo_phases
    grid = iglo_grid(items, levels, phases)
    cols = [(lv["id"], (lv["title"], lv["who"])) for lv in levels]
    rows = [(ph["id"], f"{ph['number']}. {ph['title']}") for ph in phases]
    if any(k[1] == "" for k in grid):
        cols.append(("", ("Intet niveau endnu", None)))
    if any(k[0] == "" for k in grid):
        rows.append(("", "Ingen fase endnu"))
    body = [
        (label, [[_iglo_entry(a, today, names) for a in grid.get((phase, level), [])] for level, _ in cols])
        for phase, label in rows
    ]
    return render.macro("actions", "iglo", levels=[head for _, head in cols], rows=body)


def _iglo_entry(a: Action, today: date, names: dict[str, str] | None) -> tuple:
    whose = names[a.unit] if names and len(names) > 1 and a.unit in names else ""
    known = isinstance(a.status, str) and a.status in STATUSES
    css = a.status if known else "ukendt"  # a class name is never taken from the data
    when = (
        (f"drøftes igen {_date(a.review)}" if a.review else "ingen dato for ny drøftelse")
        if a.is_agreement
        else f"frist {_date(a.deadline)}"
    )
    return (
        css,
        a.measure,
        whose,
        a.responsible or "ingen ansvarlig",
        when,
        STATUSES[a.status] if known else a.status,
        flags(a, today),
    )


# The columns of the APV action plan: what the law asks a written plan to hold, plus priority.
PLAN_COLUMNS = [
    ("unit", "Enhed"),
    ("problem", "Problem"),
    ("measure", "Løsning (tiltag)"),
    ("responsible", "Ansvarlig"),
    ("deadline", "Gennemføres senest"),
    ("followup", "Følges op"),
    ("priority", "Prioritet"),
    ("status", "Status"),
    ("level", "IGLO-niveau"),
    ("phase", "IGLO-fase"),
    ("recommendation", "Fra anbefaling"),
    ("kind", "Type"),
]
KINDS = {
    False: "Opgave",
    True: "Aftale",
}  # an agreement's «Følges op» (or, without one, its deadline) is its review date


def by_priority(items: list[Action]) -> list[Action]:
    """The plan's order: priority, then the earliest deadline."""
    order = {"hoej": 0, "middel": 1, "lav": 2}
    return sorted(items, key=lambda a: (order.get(a.priority, 1), a.deadline or "9999"))


def plan_rows(items: list[Action], guide, names: dict[str, str]) -> list[dict]:
    """The actions, in plan order, as APV plan rows with Danish values (dates stay dates; a date
    field holding no date keeps the text given)."""
    titles = {x["id"]: x["title"] for x in list(guide.iglo_levels) + list(guide.iglo_phases)}
    recs = {r["id"]: f"{r['number']}. {r['title']}" for r in guide.recommendations}
    rows = []
    for a in by_priority(items):
        rows.append(
            {
                "unit": names.get(a.unit, a.unit),
                "problem": a.problem,
                "measure": a.measure,
                "responsible": a.responsible,
                "deadline": iso_date(a.deadline) or a.deadline_text or None,
                "followup": iso_date(a.followup) or a.followup_text or None,
                "priority": PRIORITIES.get(a.priority, a.priority),
                "status": STATUSES.get(a.status, a.status),
                "level": titles.get(a.level, ""),
                "phase": titles.get(a.phase, ""),
                "recommendation": recs.get(a.recommendation, ""),
                "kind": KINDS[a.is_agreement],
            }
        )
    return rows


def plan_html(items: list[Action], guide, names: dict[str, str], today: date) -> str:
    """The APV's written action plan as a table; a passed date flagged in words, not by colour alone."""
    shown = [c for c in PLAN_COLUMNS if c[0] not in ("level", "phase", "recommendation")]
    body = []
    for a, row in zip(by_priority(items), plan_rows(items, guide, names)):
        cells = []
        for key, _ in shown:
            value = row[key]
            text = danish.day(value) if isinstance(value, date) else (value or "–")
            late = (key == "deadline" and a.overdue(today)) or (
                key == ("deadline" if a.is_agreement and not a.followup else "followup")
                and (followup_due(a, today) or a.review_due(today))
            )
            cells.append((text, late))
        body.append(cells)
    return render.macro("actions", "plan", head=[label for _, label in shown], rows=body)


# --- exports -----------------------------------------------------------------------
def export_xlsx(path, tabs: list[tuple[str, list[dict]]]) -> None:
    """One sheet per (name, plan rows): Danish headers, a frozen header row, real dates, no formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for name, rows in tabs:
        title = sheets.sheet_title(name, used)
        ws = wb.create_sheet(title)
        ws.append([label for _, label in PLAN_COLUMNS])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE7F0")
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        for r, row in enumerate(rows, start=2):
            for c, (key, _) in enumerate(PLAN_COLUMNS, start=1):
                sheets.put(ws.cell(row=r, column=c), row[key])
        for col, (key, label) in enumerate(PLAN_COLUMNS, start=1):
            letter = ws.cell(row=1, column=col).column_letter
            longest = max([len(label)] + [len(str(r[key] or "")) for r in rows])
            ws.column_dimensions[letter].width = 12 if key in DATE_FIELDS else min(60, max(10, longest + 2))
            for cell in ws[letter][1:]:
                if key in DATE_FIELDS:
                    cell.number_format = "DD-MM-YYYY"
                cell.alignment = Alignment(vertical="top", wrap_text=key in ("problem", "measure"))
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
    wb.save(path)


def export_csv(path, rows: list[dict]) -> None:
    """CSV as a Danish Excel reads it: semicolons, UTF-8 with BOM, dd-mm-åååå dates, no formulas."""
    import csv

    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f, delimiter=";", lineterminator="\r\n")
        out.writerow([label for _, label in PLAN_COLUMNS])
        for row in rows:
            out.writerow(
                [
                    row[k].strftime("%d-%m-%Y") if isinstance(row[k], date) else sheets.csv_text(row[k] or "")
                    for k, _ in PLAN_COLUMNS
                ]
            )
