"""The IGLO plan's action editor (`views.handleplan`): add, edit and close the actions of a unit
and the units below it, every field of the action model. Built from the live forms' blocks (`widgets`)."""

from __future__ import annotations

from collections.abc import Callable

from .. import actions as actions_module
from ..danish import parse_date
from ..store import Store, local_time
from ..views import render
from ..views.form_report import format_date
from .widgets import action_problem, date_input, full_width, save_failed, w


class ActionEditor:
    """Add, edit and close actions in the IGLO plan: every field of the action model."""

    def __init__(
        self,
        store: Store,
        guide,
        units: dict[str, str],
        unit: str,
        recommendation: str = "handleplan",
        on_change: Callable | None = None,
    ):
        self.store, self.units, self.unit, self.recommendation = store, units, unit, recommendation
        self.on_change = on_change
        self.pick = w.Dropdown(description="Opgave", layout=full_width())
        self.measure = w.Text(description="Hvad", placeholder="Tiltaget, der skal gennemføres", layout=full_width())
        self.problem = w.Text(
            description="Problem",
            placeholder="Hvilket problem eller hvilken påvirkning svarer det på?",
            layout=full_width(),
        )
        self.level = w.Dropdown(
            description="Niveau", options=[("Intet endnu", "")] + [(x["title"], x["id"]) for x in guide.iglo_levels]
        )
        self.phase = w.Dropdown(
            description="Fase", options=[("Ingen endnu", "")] + [(x["title"], x["id"]) for x in guide.iglo_phases]
        )
        self.responsible = w.Text(description="Hvem")
        self.deadline = date_input(description="Frist")
        self.followup = date_input(description="Drøftes igen")
        self.priority = w.Dropdown(
            description="Prioritet", options=[(v, k) for k, v in actions_module.PRIORITIES.items()], value="middel"
        )
        self.status = w.Dropdown(
            description="Status", options=[(v, k) for k, v in actions_module.STATUSES.items()], value="planlagt"
        )
        self.owner = w.Dropdown(description="Enhed", options=[(v, k) for k, v in units.items()], value=unit)
        for widget in (
            self.pick,
            self.measure,
            self.problem,
            self.level,
            self.phase,
            self.responsible,
            self.deadline,
            self.followup,
            self.priority,
            self.status,
            self.owner,
        ):
            widget.style = {"description_width": "7em"}
            widget.layout.margin = "4px 0" if widget.layout.width == "100%" else "4px 8px 4px 0"
        self.save_button = w.Button(description="Gem opgave", button_style="primary")
        self.save_button.on_click(lambda _b: self.save())
        self.message = w.HTML()
        self.pick.observe(lambda change: self.load(change["new"]), names="value")
        self.refresh()
        rows = [
            self.pick,
            self.measure,
            self.problem,
            w.HBox([self.level, self.phase]),
            w.HBox([self.responsible, self.priority]),
            w.HBox([self.deadline, self.followup]),
            w.HBox([self.status, self.owner] if len(units) > 1 else [self.status]),
            w.HBox([self.save_button, self.message]),
        ]
        self.widget = w.VBox([w.HTML(render.macro("forms", "editor_intro"))] + rows)
        self.widget.add_class("sk-form")

    def current(self) -> list[actions_module.Action]:
        return [a for a in actions_module.for_unit(self.store) if a.unit in self.units]

    def refresh(self) -> None:
        self._actions = {a.id: a for a in self.current()}
        self.pick.options = [("Ny opgave", "")] + [
            (f"{a.measure[:60]} ({self.units[a.unit]})", a.id) for a in self._actions.values()
        ]
        self.pick.value = ""

    def load(self, action_id) -> None:
        a = self._actions.get(action_id) or actions_module.Action(self.unit, "")
        self.measure.value, self.problem.value, self.responsible.value = a.measure, a.problem, a.responsible
        self.level.value = a.level if a.level in dict((v, k) for k, v in self.level.options) else ""
        self.phase.value = a.phase if a.phase in dict((v, k) for k, v in self.phase.options) else ""
        self.deadline.value = format_date(a.deadline)
        self.followup.value = format_date(a.followup)
        self.priority.value, self.status.value, self.owner.value = a.priority, a.status, a.unit

    def save(self) -> actions_module.Action | None:
        problem = action_problem(self.measure.value, [self.deadline, self.followup])
        if problem:
            self.message.value = render.macro("forms", "error", text=problem)
            return None
        old = self._actions.get(self.pick.value)
        action = actions_module.Action(
            unit=self.owner.value,
            measure=self.measure.value.strip(),
            responsible=self.responsible.value.strip(),
            deadline=parse_date(self.deadline.value),
            recommendation=old.recommendation if old else self.recommendation,
            question=old.question if old else "",
            level=self.level.value,
            phase=self.phase.value,
            problem=self.problem.value.strip(),
            priority=self.priority.value,
            followup=parse_date(self.followup.value),
            status=self.status.value,
            id=old.id if old else None,
        )
        try:
            saved = actions_module.save(self.store, action)
        except Exception as exc:
            self.message.value = save_failed(exc)
            return None
        self.refresh()
        self.load("")
        self.message.value = render.macro(
            "forms", "saved", text=f"«{saved.measure[:40]}» gemt kl. {local_time(saved.at):%H:%M}"
        )
        if self.on_change:
            self.on_change(None, saved)
        return saved
