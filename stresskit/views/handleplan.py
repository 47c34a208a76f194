"""Recommendation 6, the IGLO action plan: actions by level and phase, follow-up, the APV plan, materials, the checklist."""
from __future__ import annotations

from datetime import date
from html import escape

from IPython.display import display

from .. import danish
from .. import actions as actions_module
from .. import forms, overblik, shared
from . import base
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
        return ([a for a in everything if a.unit in scope]
                + [a for a in overblik.concerning(self.book, self.unit, everything) if a.unit not in scope])

    def _pyramid(self) -> str:
        """The IGLO pyramid: organisation at the base, each level with who acts and what marks it there."""
        levels = list(self.guide.iglo_levels)  # organisation first in the content: the base
        rows = "".join(
            f"<div style='margin:0 auto 2px;width:{100 - 12 * i}%;background:#eef3f8;border:1px solid #c5d3e0;"
            f"padding:0.1em 0.6em;text-align:center;font-size:0.9em'><b>{escape(lv.title)}</b> ({escape(lv.who)}): "
            f"{escape(lv.description)}</div>"
            for i, lv in reversed(list(enumerate(levels))))
        return (f"<figure class='sk-pyramid' role='group' aria-label='IGLO-pyramiden'>{rows}</figure>"
                "<p class='sk-muted'>Forebyggelsen bygger nedefra: organisationens rammer bærer de andre niveauer.</p>")

    def _above(self) -> list[actions_module.Action]:
        """The agreements and tasks of the units above (the institution's): they apply here too."""
        return [a for a in overblik.institutions(self.book, self.unit, actions_module.for_unit(self.store))]

    def _whose(self, a: actions_module.Action, scope: dict[str, str]) -> str:
        if a.unit in scope:
            return f" <small>({escape(scope[a.unit])})</small>" if len(scope) > 1 else ""
        label = shared.FOR_INSTITUTION if a.unit == self.book.root_unit else self.book.unit_name(a.unit)
        return f" <small class='sk-shared'>({escape(label)})</small>"

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
                whose = self._whose(a, scope)
                bits = [level_title.get(a.level, "intet niveau endnu"), a.responsible or "ingen ansvarlig",
                        _when(a), actions_module.STATUSES.get(a.status, str(a.status))]
                warn = "".join(f" <b class='sk-flag'>⚠ {escape(f)}</b>" for f in actions_module.flags(a, today))
                lines.append(f"<li><b>{escape(a.measure)}</b>{whose} — {escape(' · '.join(bits))}{warn}</li>")
            blocks.append(f"<h4>{escape(label)}</h4><ul>{''.join(lines)}</ul>")
        if empty:
            blocks.append(f"<p class='sk-muted'>Intet aftalt endnu: {escape('; '.join(empty))}.</p>")
        return "".join(blocks)

    @_guarded
    def iglo(self) -> None:
        today = actions_module.today()
        show(self._pyramid())
        if self.mode == "report":  # on paper: one list per phase, each action with its level (the grid is for the screen)
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

        def render() -> str:
            flagged = [(a, actions_module.flags(a, today)) for a in self._concerning()]
            flagged = [(a, f) for a, f in flagged if f]  # the unit's own first, then the units above it
            if not flagged:
                return f"<p>Ingen opgaver er forsinkede, og ingen opfølgning er overskredet pr. {danish.day(today)}.</p>"
            rows = "".join(f"<tr><td>{escape(self.book.unit_name(a.unit))}"
                           + (f"<br><small class='sk-shared'>{shared.FOR_INSTITUTION}</small>"
                              if a.unit == self.book.root_unit and not self.is_institution else "")
                           + f"</td><td>{escape(a.measure)}</td>"
                           f"<td>{escape(a.responsible or '–')}</td><td class='sk-flagged'>⚠ {escape('; '.join(f))}</td></tr>"
                           for a, f in flagged)
            html = (f"<p class='sk-alert'><b>{len(flagged)} opgave{'r' if len(flagged) != 1 else ''} eller "
                    f"aftale{'r' if len(flagged) != 1 else ''} kræver opmærksomhed</b> "
                    f"pr. {danish.day(today)}.</p><table class='sk-table'><thead><tr><th>Enhed</th><th>Opgave</th><th>Hvem</th>"
                    f"<th>Hvorfor</th></tr></thead><tbody>{rows}</tbody></table>")
            # a unit's combined report opens with its overblik, which lists every one of these with its flag
            return full_report_only(html) if self._all_in_overblik([a for a, _f in flagged]) else html

        self.live_html(render)

    def _all_in_overblik(self, flagged: list[actions_module.Action]) -> bool:
        """Whether the unit's overblik names every flagged action with its flag: the unit's own (due first,
        up to overblik.MAX_ACTIONS) and the institution's (due first, up to MAX_INSTITUTION); a sub-unit's
        are only counted there."""
        if self.is_institution:
            return False
        above = set(self.book.ancestors(self.unit)[1:])
        own = [a for a in flagged if a.unit == self.unit]
        theirs = [a for a in flagged if a.unit in above]
        return (len(own) + len(theirs) == len(flagged) and len(own) <= overblik.MAX_ACTIONS
                and len(theirs) <= overblik.MAX_INSTITUTION)

    @_guarded
    def apv_plan(self) -> None:
        today = actions_module.today()
        if self.institution_only:  # the APV's written plan is the institution's: printed there in full
            mine = [a for a in self._actions() if a.status != "opgivet"]
            n, m = sum(not a.is_agreement for a in mine), sum(a.is_agreement for a in mine)
            show(f"<p class='sk-muted'>Enhedens {n} opgave{'r' if n != 1 else ''} og {m} aftale{'r' if m != 1 else ''} "
                 "står i IGLO-planen ovenfor; hele APV'ens handlingsplan står i institutionens rapport.</p>")
            return
        self.live_html(lambda: actions_module.plan_html(self._actions(), self.guide, self._scope(), today))
        if self.mode == "live":  # the consultant at the keyboard; a leader's report names no command
            show("<p class='sk-muted'>Planen kan hentes som regneark til APV'ens handlingsplan med kommandoen "
                 "<code>stresskit export-plan</code> (se README).</p>")

    @_guarded
    def after_case(self) -> None:
        """Ask whether to agree something else only once a case is marked as over."""
        form = self.guide.forms["efter_forloeb"]
        first, rest = form.questions[0], form.questions[1:]
        latest = self.store.latest(self.unit, "handleplan.forloeb.")
        over = bool(latest.get(first.id) and latest[first.id].value)
        if self.mode == "report":  # the notebook's heading names the section: the form's title would say it twice
            if first.id not in latest:
                show("<section class='sk-form-report sk-form-empty'><p>Ingen svar endnu.</p></section>")
                return
            shown = form if over else forms.Form(form.id, form.title, form.recommendation, form.intro, form.layout, (first,))
            show(forms.report_html(shown, self.store, self.unit, heading=False))
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

        def render() -> str:
            # the unit's own actions and those of the units above it, which apply here too
            items = [a for a in self._actions() + [a for a in actions_module.for_unit(self.store) if a.unit in ancestors]
                     if a.status != "opgivet"]
            blocks = []
            for phase in self.guide.iglo_phases:
                mine = [a for a in actions_module.by_priority(items) if a.phase == phase.id]
                lines = "".join(f"<li><b>{escape(a.measure)}</b> — {escape(a.responsible or 'ansvarlig ikke aftalt')}"
                                + (f" <small>({escape(self.book.unit_name(a.unit))})</small>" if a.unit != self.unit else "")
                                + (f", senest {danish.day(date.fromisoformat(a.deadline))}" if a.deadline else "")
                                + (" ✓" if a.status == "gennemfoert" else "") + "</li>" for a in mine)
                blocks.append(f"<div class='sk-onepage-phase'><h4>{phase.number}. {escape(phase.title)}</h4>"
                              f"<p class='sk-muted'>{escape(phase.question)}</p>"
                              + (f"<ul>{lines}</ul>" if lines else "<p class='sk-muted'>Intet aftalt endnu.</p>") + "</div>")
            rest = [a for a in items if a.phase not in {p.id for p in self.guide.iglo_phases}]
            extra = (f"<p class='sk-muted'>Desuden {len(rest)} opgave{'r' if len(rest) != 1 else ''} uden IGLO-fase "
                     "(se handleplanen).</p>") if rest else ""
            return ("<p class='sk-muted'>Planen herunder fylder ét ark, når den printes: hæng den op eller del den ud.</p>"
                    f"<section class='sk-onepage'><h2>Vores plan mod stress · {escape(self.book.unit_name(self.unit))}</h2>"
                    f"<p>{escape(self.book.name)} · {danish.day(actions_module.today())}. Sådan forebygger vi stress, og sådan gør vi, "
                    f"når stressen rammer.</p><div class='sk-onepage-grid'>{''.join(blocks)}</div>{extra}</section>")

        self.live_html(render)

    @_guarded
    def checklist(self) -> None:
        """The six recommendations as a checklist: per unit, how far each has come, counted as the
        overblik counts it (overblik.progress), so the two never disagree."""
        today = actions_module.today()
        units = list(self._scope())
        everything = actions_module.for_unit(self.store)
        head = "".join(f"<th scope='col' title='{escape(r.title)}'>{r.number}. {escape(r.get('short') or r.title)}</th>"
                       for r in self.guide.recommendations)
        rows, cache = [], {}
        depth = self.book.depth(self.unit)
        for u in units:
            cells = []
            for p in overblik.progress(self.book, u, self.store, everything, today, cache):
                bits = [escape(p.answered_text)]  # it names an AMO group: user text
                if p.open:
                    bits.append("1 åben opgave" if p.open == 1 else f"{p.open} åbne opgaver")
                if p.overdue:
                    bits.append(f"<b class='sk-flag'>⚠ {p.overdue} er forsinket</b>" if p.overdue == 1
                                else f"<b class='sk-flag'>⚠ {p.overdue} er forsinkede</b>")
                css = {overblik.DONE: "sk-done", overblik.NOT_STARTED: "sk-none", overblik.SHARED: "sk-shared"}.get(p.state, "")
                cells.append(f"<td class='{css}'>{'<br>'.join(bits)}</td>")
            indent = "&nbsp;&nbsp;&nbsp;" * (self.book.depth(u) - depth)
            rows.append(f"<tr><th scope='row'>{indent}{escape(self.book.unit_name(u))}</th>{''.join(cells)}</tr>")
        html = (f"<table class='sk-table sk-checklist'><thead><tr><th>Enhed</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
                f"<p class='sk-muted'>Opgjort {danish.day(today)}. «9 af 17»: besvarede spørgsmål af anbefalingens "
                f"spørgsmål. {escape(overblik.RULES['progress'])}</p>")
        if len(units) == 1:  # one unit: its line per recommendation is the overblik's
            html = full_report_only(html, "Hvor langt enheden er med hver anbefaling, står i overblikket på første side.")
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
            more = (f"<p><i>{escape(questions)}</i></p>" if questions else "") + (
                f"<p><b>Til jeres drøftelse:</b> {escape(material.reflection)}</p>" if material.get("reflection") else "")
            if not self.is_institution:  # a unit's combined report names the materials; their questions stand in the institution's
                more = full_report_only(more)
            cards.append(f"<div class='sk-card'><h4>{escape(material.title)}</h4>"
                         f"<p><b>Til:</b> {escape(material.audience)} (IGLO-niveau: {escape(level.title)})</p>"
                         f"<p>{escape(material.text)}</p>{more}</div>")
        pointer = "" if self.is_institution else full_report_only(
            "", "Spørgsmålene til hvert materiale står i institutionens rapport.")
        show(f"<div class='sk-cards'>{''.join(cards)}</div>{pointer}"
             f"<p class='sk-muted'>Materialerne findes på {escape(self.guide.meta.address)}.</p>")

open = base.opener(Page)  # noqa: A001
