"""The action model: one kind of action item for every notebook.

An action is stored as versions in the store; the latest version is the action. Forms
in notebooks 01–05 create them from a question of kind ``action`` (hvad, hvem, hvornår);
notebook 06 shows them in the IGLO plan and exports the APV action plan.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date

from .store import ActionVersion, Store

STATUSES = {"planlagt": "Planlagt", "i_gang": "I gang", "gennemfoert": "Gennemført", "opgivet": "Opgivet"}
PRIORITIES = {"hoej": "Høj", "middel": "Middel", "lav": "Lav"}
OPEN = ("planlagt", "i_gang")


@dataclass
class Action:
    unit: str
    measure: str                     # hvad: the measure to carry out
    responsible: str = ""            # hvem
    deadline: str | None = None      # hvornår: ISO date
    recommendation: str = ""         # guide: recommendations id it came from
    question: str = ""               # guide: the question it answers, if any
    level: str = ""                  # guide: iglo_levels id
    phase: str = ""                  # guide: iglo_phases id
    problem: str = ""                # the problem or exposure it answers
    priority: str = "middel"
    followup: str | None = None      # ISO date of the follow-up
    status: str = "planlagt"
    id: str | None = field(default=None, compare=False)
    who: str = field(default="", compare=False)
    at: str = field(default="", compare=False)

    @classmethod
    def from_version(cls, version: ActionVersion) -> "Action":
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in version.data.items() if k in known}
        return cls(**{**data, "unit": version.unit, "id": version.action_id, "who": version.who, "at": version.at})

    def data(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k not in ("id", "who", "at", "unit")}

    def is_open(self) -> bool:
        return self.status in OPEN

    def overdue(self, today: date) -> bool:
        return self.is_open() and bool(self.deadline) and date.fromisoformat(self.deadline) < today


def save(store: Store, action: Action, who: str | None = None) -> Action:
    version = store.save_action(action.unit, action.data(), action_id=action.id, who=who)
    return Action.from_version(version)


def for_unit(store: Store, unit: str | None = None) -> list[Action]:
    return [Action.from_version(v) for v in store.actions(unit)]
