"""Recommendation 6, the IGLO action plan: actions by level and phase, follow-up, the APV plan, materials, the checklist."""

from __future__ import annotations

from datetime import date

from IPython.display import display

from .. import actions as actions_module
from .. import danish, overblik, shared
from ..live import forms
from . import base, form_report, render
from .base import _guarded, full_report_only, show


def _when(a: actions_module.Action) -> str:
    """An agreement's review date, a task's deadline, in words."""
    if a.is_agreement:
        return f"drøftes igen {overblik.day(a.review)}" if a.review else "ingen dato for ny drøftelse"
    if a.deadline:
        return f"frist {overblik.day(a.deadline)}"
    return f"frist {a.deadline_text}" if a.deadline_text else "ingen frist"


class Page(base.Page):
    RECOMMENDATION = "handleplan"

    def _scope(self) -> dict[str, str]:
        return {u: self.book.unit_name(u) for u in self.book.ordered() if u in set(self.book.subtree(self.unit))}

    def _actions(self) -> list[actions_module.Action]:
        scope = self._scope()
        return [a for a in actions_module.for_unit(self.store) if a.unit in scope]

    def _concerning(self) -> list[actions_module.Action]:
        """The unit's actions and its sub-units', and the open actions of the units above it:
        the institution's tasks apply to the unit too (as in the overblik)."""
        scope, everything = self._scope(), actions_module.for_unit(self.store)
        return [a for a in everything if a.unit in scope] + [
            a for a in overblik.concerning(self.book, self.unit, everything) if a.unit not in scope
        ]

    def _pyramid(self) -> str:
        """The IGLO pyramid: organisation at the base, each level with who acts and what marks it there."""
        levels = list(self.guide.iglo_levels)  # organisation first in the content: the base
        return render.macro("handleplan", "pyramid", levels=list(reversed(list(enumerate(levels)))))

    def _above(self) -> list[actions_module.Action]:
        """The agreements and tasks of the units above (the institution's): they apply here too."""
        return [a for a in overblik.institutions(self.book, self.unit, actions_module.for_unit(self.store))]

    def _whose(self, a: actions_module.Action, scope: dict[str, str]) -> tuple[str, bool]:
        """Whose an action is, to name after it: a sub-unit's (when the plan covers several), or shared from above."""
        if a.unit in scope:
            return (scope[a.unit] if len(scope) > 1 else ""), False
        return (shared.FOR_INSTITUTION if a.unit == self.book.root_unit else self.book.unit_name(a.unit)), True

    def _iglo_lists(self, today) -> str:
        """The IGLO plan as one short list per phase: the unit's own entries and those of the units above
        it («fælles for institutionen»), which apply here too; phases with nothing agreed named in one line."""
        levels, phases = self.guide.iglo_levels, self.guide.iglo_phases
        grid = actions_module.iglo_grid(self._actions() + self._above(), levels, phases)
        level_title = {lv.id: lv.title for lv in levels}
        scope = self._scope()
        blocks, empty = [], []
        for phase_id, label in [(ph.id, f"{ph.number}. {ph.title}") for ph in phases] + [("", "Ingen fase endnu")]:
            items = [a for (p, _level), found in grid.items() if p == phase_id for a in found]
            if not items:
                if phase_id:
                    empty.append(label)
                continue
            lines = []
            for a in actions_module.by_priority(items):
                bits = [
                    level_title.get(a.level, "intet niveau endnu"),
                    a.responsible or "ingen ansvarlig",
                    _when(a),
                    actions_module.STATUSES.get(a.status, str(a.status)),
                ]
                lines.append((a, self._whose(a, scope), bits, actions_module.flags(a, today)))
            blocks.append((label, lines))
        return render.macro("handleplan", "iglo_lists", blocks=blocks, empty=empty)

    @_guarded
    def iglo(self) -> None:
        today = actions_module.today()
        show(self._pyramid())
        if (
            self.mode == "report"
        ):  # on paper: one list per phase, each action with its level (the grid is for the screen)
            show(self._iglo_lists(today))
            return
        if self.mode == "live":
            editor = forms.ActionEditor(self.store, self.guide, self._scope(), self.unit, on_change=self._changed)
            self.views["iglo"] = editor
            display(editor.widget)
        self.live_html(lambda: actions_module.iglo_html(self._actions(), self.guide, today, self._scope()))

    @_guarded
    def follow_up(self) -> None:
        today = actions_module.today()

        def render_html() -> str:
            flagged = [(a, actions_module.flags(a, today)) for a in self._concerning()]
            flagged = [(a, f) for a, f in flagged if f]  # the unit's own first, then the units above it
            if not flagged:
                return render.macro("handleplan", "nothing_flagged", today=danish.day(today))
            rows = [
                (
                    self.book.unit_name(a.unit),
                    shared.FOR_INSTITUTION if a.unit == self.book.root_unit and not self.is_institution else "",
                    a,
                    f,
                )
                for a, f in flagged
            ]
            html = render.macro("handleplan", "flagged", rows=rows, today=danish.day(today))
            # a unit's combined report opens with its overblik, which lists every one of these with its flag
            return full_report_only(html) if self._all_in_overblik([a for a, _f in flagged]) else html

        self.live_html(render_html)

    def _all_in_overblik(self, flagged: list[actions_module.Action]) -> bool:
        """Whether the unit's overblik names every flagged action with its flag: the unit's own (due first,
        up to overblik.MAX_ACTIONS) and the institution's (due first, up to MAX_INSTITUTION); a sub-unit's
        are only counted there."""
        if self.is_institution:
            return False
        above = set(self.book.ancestors(self.unit)[1:])
        own = [a for a in flagged if a.unit == self.unit]
        theirs = [a for a in flagged if a.unit in above]
        return (
            len(own) + len(theirs) == len(flagged)
            and len(own) <= overblik.MAX_ACTIONS
            and len(theirs) <= overblik.MAX_INSTITUTION
        )

    @_guarded
    def apv_plan(self) -> None:
        today = actions_module.today()
        if self.institution_only:  # the APV's written plan is the institution's: printed there in full
            mine = [a for a in self._actions() if a.status != "opgivet"]
            n, m = sum(not a.is_agreement for a in mine), sum(a.is_agreement for a in mine)
            show(render.macro("handleplan", "unit_plan", n=n, m=m))
            return
        self.live_html(lambda: actions_module.plan_html(self._actions(), self.guide, self._scope(), today))
        if self.mode == "live":  # the consultant at the keyboard; a leader's report names no command
            show(render.macro("handleplan", "export_hint"))

    @_guarded
    def after_case(self) -> None:
        """Ask whether to agree something else only once a case is marked as over."""
        form = self.guide.forms["efter_forloeb"]
        first, rest = form.questions[0], form.questions[1:]
        latest = self.store.latest(self.unit, "handleplan.forloeb.")
        over = bool(latest.get(first.id) and latest[first.id].value)
        if self.mode == "report":  # the notebook's heading names the section: the form's title would say it twice
            if first.id not in latest:
                show(render.macro("handleplan", "no_answers"))
                return
            shown = (
                form
                if over
                else forms.Form(form.id, form.title, form.recommendation, form.intro, form.layout, (first,))
            )
            show(form_report.report_html(shown, self.store, self.unit, heading=False))
            return
        view = forms.FormView(form, self.store, self.unit, on_change=self._changed)
        self.views["efter_forloeb"] = view
        follow = [view.fields[q.id].box for q in rest]

        def toggle(*_):
            for box in follow:
                box.layout.display = None if view.fields[first.id].input.value else "none"

        view.fields[first.id].input.observe(toggle, names="value")
        toggle()
        display(view.widget)

    @_guarded
    def one_page(self) -> None:
        """The plan on one printed page, to hang up or hand out: a plan everyone knows calms in itself.
        Live only: in a report the IGLO plan and the APV plan above already hold every action."""
        if self.mode == "report":
            return
        ancestors = set(self.book.ancestors(self.unit)[1:])

        def render_html() -> str:
            # the unit's own actions and those of the units above it, which apply here too
            items = [
                a
                for a in self._actions() + [a for a in actions_module.for_unit(self.store) if a.unit in ancestors]
                if a.status != "opgivet"
            ]
            phases = []
            for phase in self.guide.iglo_phases:
                mine = [a for a in actions_module.by_priority(items) if a.phase == phase.id]
                phases.append(
                    (
                        phase,
                        [
                            (
                                a,
                                self.book.unit_name(a.unit) if a.unit != self.unit else "",
                                danish.day(date.fromisoformat(a.deadline)) if a.deadline else "",
                            )
                            for a in mine
                        ],
                    )
                )
            rest = [a for a in items if a.phase not in {p.id for p in self.guide.iglo_phases}]
            return render.macro(
                "handleplan",
                "one_page",
                unit=self.book.unit_name(self.unit),
                institution=self.book.name,
                today=danish.day(actions_module.today()),
                phases=phases,
                rest=len(rest),
            )

        self.live_html(render_html)

    @_guarded
    def checklist(self) -> None:
        """The six recommendations as a checklist: per unit, how far each has come, counted as the
        overblik counts it (overblik.progress), so the two never disagree."""
        today = actions_module.today()
        units = list(self._scope())
        everything = actions_module.for_unit(self.store)
        rows, cache = [], {}
        depth = self.book.depth(self.unit)
        for u in units:
            cells = []
            for p in overblik.progress(self.book, u, self.store, everything, today, cache):
                css = {overblik.DONE: "sk-done", overblik.NOT_STARTED: "sk-none", overblik.SHARED: "sk-shared"}.get(
                    p.state, ""
                )
                opened = ("1 åben opgave" if p.open == 1 else f"{p.open} åbne opgaver") if p.open else ""
                cells.append((css, p.answered_text, opened, p.overdue))
            rows.append((self.book.depth(u) - depth, self.book.unit_name(u), cells))
        html = render.macro(
            "handleplan",
            "checklist",
            recommendations=self.guide.recommendations,
            rows=rows,
            today=danish.day(today),
            rule=overblik.RULES["progress"],
        )
        if len(units) == 1:  # one unit: its line per recommendation is the overblik's
            html = full_report_only(
                html, "Hvor langt enheden er med hver anbefaling, står i overblikket på første side."
            )
        show(html)

    @_guarded
    def companion_materials(self, levels: list[str] | None = None) -> None:
        """The three companion booklets, each once per report: for whom, what it holds, its questions,
        and the question the guideline asks the AMO to discuss before suggesting it."""
        cards = []
        for material in self.guide.companion_materials:
            if levels and material.for_level not in levels:
                continue
            level = self.guide.item("iglo_levels", material.for_level)
            questions = " ".join(material.get("questions", []))
            more = render.macro(
                "handleplan",
                "material_more",
                questions=questions,
                reflection=material.reflection if material.get("reflection") else "",
            )
            if (
                not self.is_institution
            ):  # a unit's combined report names the materials; their questions stand in the institution's
                more = full_report_only(more)
            cards.append((material, level.title, more))
        pointer = (
            ""
            if self.is_institution
            else full_report_only("", "Spørgsmålene til hvert materiale står i institutionens rapport.")
        )
        show(
            render.macro("handleplan", "materials", cards=cards, pointer_html=pointer, address=self.guide.meta.address)
        )


open = base.opener(Page)  # noqa: A001
