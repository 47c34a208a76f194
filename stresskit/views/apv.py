"""Recommendation 1, start in the APV: signals, the APV results and their trend, the APV phases.

Also the APV tables that recommendations 3 and 4 show again (`results_table`, `shares`)."""

from __future__ import annotations

import dataclasses
import re

from .. import apv, charts, danish, signals
from ..apv import trend
from . import base, form_report, render
from .base import _guarded, full_report_only, note, show


def shares(results: apv.Results, unit: str, items) -> tuple[list, list]:
    """Per item the shown share (None when not shown) and why not."""
    values, notes = [], []
    for item in items:
        if not apv.measured(results, item.id):
            values.append(None)
            notes.append(apv.NOT_MEASURED)
            continue
        row = results.table.loc[(unit, item.id)]
        values.append(None if row["status"] != apv.SHOWN else float(row["share"]))
        notes.append(results.status_text(unit, item.id))
    return values, notes


def _number(value) -> float | None:
    """A signal figure as a number; a stored value that is none (an old or imported answer) is not shown."""
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def has_mean(results: apv.Results, construct: str) -> bool:
    """A mean says nothing for a rule-`any` construct (one incident is enough) or a combination."""
    if not apv.measured(results, construct):
        return False
    c = results.constructs[construct]
    return c.rule != "any" and c.kind != "combination"


def _mean_text(value) -> str:
    return "–" if value != value else f"{value:.0f}"  # NaN (no mean) is the only value unequal to itself


def results_table(page, results: apv.Results, items, kind: str, flagged: str) -> str:
    """The unit's share, mean and respondents per item, beside the institution's share."""
    unit, root = page.unit, page.book.root_unit
    compare = not page.is_institution
    any_mean = any(has_mean(results, i.id) for i in items)
    remarks = any(results.status_text(unit, i.id) for i in items if apv.measured(results, i.id))
    rows = []
    for item in items:
        if not apv.measured(results, item.id):  # one cell across the figures: the APV has no question for it
            rows.append((item.title, None, False, None, ""))
            continue
        row = results.table.loc[(unit, item.id)]
        other = results.table.loc[(root, item.id)]
        shown = row["status"] == apv.SHOWN
        cells = (
            [charts.percent(row["share"])] + ([_mean_text(row["mean"])] if any_mean else []) + [f"{int(row['n'])}"]
            if shown
            else ["skjult" if row["status"] != apv.NO_ANSWERS else "–"] * (3 if any_mean else 2)
        )
        other_share = charts.percent(other["share"]) if other["status"] == apv.SHOWN else None
        remark = results.status_text(unit, item.id) if remarks else ""
        rows.append((item.title, cells, not shown, other_share, remark))
    return render.macro(
        "apv",
        "results_table",
        kind=kind,
        flagged=flagged,
        any_mean=any_mean,
        compare=compare,
        remarks=remarks,
        rows=rows,
        not_measured=apv.NOT_MEASURED,
    )


def not_measured_note(results: apv.Results | None, items, then: str = "") -> str:
    """One line naming the items (exposures or resources) the APV does not measure ('' when it measures them all)."""
    if results is None:
        return ""
    missing = [i.short for i in items if not apv.measured(results, i.id)]
    if not missing:
        return ""
    return render.macro("apv", "not_measured", lead=apv.NOT_MEASURED_LEAD, missing=missing, then=then)


def share_cell(results: apv.Results, unit: str, construct: str) -> str:
    if not apv.measured(results, construct):
        return withheld_cell(apv.NOT_MEASURED)
    row = results.table.loc[(unit, construct)]
    if row["status"] == apv.SHOWN:
        return render.macro("apv", "cell", text=charts.percent(row["share"]))
    return withheld_cell("skjult" if row["status"] != apv.NO_ANSWERS else "–")


def withheld_cell(text: str) -> str:
    """A table cell whose figure is not shown («skjult», «–», «ikke målt»), greyed."""
    return render.macro("apv", "cell", text=text, withheld=True)


class Page(base.Page):
    RECOMMENDATION = "apv"

    @_guarded
    def signals_form(self) -> None:
        reason = signals.withheld(self.book, self.unit)
        if reason:
            show(note(reason))
            if self.mode == "report":  # stored answers would restate the small group's figures
                return
        figures = signals.for_unit(self.book, self.unit)
        prefill = {f"apv.signal.{k}": v for k, v in figures.items()}
        if figures and self.unit not in signals.read(self.book)[0]:
            show(
                note(
                    "Tallene er lagt sammen fra enhederne nedenunder (antal summeret, satser vægtet med antal ansatte)."
                )
            )
        periods = [p for p in signals.periods(self.book) if p]
        if self.mode == "report" and len(periods) >= 2:
            # one table: the previous period beside the latest (a figure given in the workshop wins)
            latest = self.store.latest(self.unit, "apv.signal.")
            now = {
                **figures,
                **{
                    m["id"]: latest[f"apv.signal.{m['id']}"].value
                    for m in self.guide.signal_measures
                    if f"apv.signal.{m['id']}" in latest
                },
            }
            show(self._signal_table(periods[-2], periods[-1], signals.for_unit(self.book, self.unit, periods[-2]), now))
            measured = {f"apv.signal.{m['id']}" for m in self.guide.signal_measures}
            self.form(
                "signaler",
                prefill,
                questions=[q for q in self.guide.forms["signaler"].questions if q.id not in measured],
            )
            return
        self.form("signaler", prefill)

    def _signal_table(self, prev: str, last: str, before: dict, now: dict) -> str:
        if not before and not now:
            return ""
        rows = []
        for m in self.guide.signal_measures:
            cells = []
            for figures in (before, now):
                v = _number(figures.get(m["id"]))
                cells.append(None if v is None else f"{v:.0f}" if m["integer"] else danish.decimal(v))
            rows.append((m, cells))
        return render.macro("apv", "signal_table", prev=prev, last=last, rows=rows)

    @_guarded
    def apv_results(self) -> None:
        results = self.results()
        if results is None:
            hint = (
                " Læg en runde i arbejdsbogens APV-mappe (CSV eller Excel) med dens kortlægning."
                if self.mode == "live"
                else ""
            )
            show(note("Der er endnu ingen APV-besvarelser at vise." + hint))
            return
        book, unit, root = self.book, self.unit, self.book.root_unit
        n = results.respondents[unit]
        headcount = book.units[unit].headcount
        count = results.respondents_text(unit)
        if n is not None and headcount:
            count += f" af {headcount} ansatte ({charts.percent(n / headcount)})"
        show(render.macro("apv", "round_line", round=results.round, count=count, unit=book.unit_name(unit)))

        # every exposure and resource: the table says «ikke målt i jeres APV» for those the survey doesn't measure
        exposures = [e for e in self.guide.exposures if e.apv_area]
        resources = list(self.guide.resources)
        tables = []  # the shares also stand in the overblik: a combined report shows them there only
        if exposures:
            tables.append(results_table(self, results, exposures, "Påvirkning", "udsat"))
        if resources:
            tables.append(
                render.macro("apv", "resources_heading")
                + results_table(self, results, resources, "Ressource", "med for lidt")
            )
        if tables:
            show(
                full_report_only(
                    "".join(tables),
                    "Andelene står ved siden af institutionen og forrige runde i overblikket på første side.",
                )
            )
        if exposures and self.mode == "live":  # a report has the table, and the overblik the same shares drawn
            labels = [e.short for e in exposures]
            series = [(book.unit_name(unit), *shares(results, unit, exposures))]
            if not self.is_institution:
                series.append(("Hele institutionen", *shares(results, root, exposures)))
            show(
                charts.comparison_bars(
                    labels,
                    series,
                    f"Andel udsat i {book.unit_name(unit)}",
                    f"Søjlediagram over andelen af besvarelser, der tæller som udsat, pr. påvirkning i APV-runde {results.round}",
                )
            )
        withheld = [
            c.id
            for c in exposures + resources
            if apv.measured(results, c.id) and results.table.at[(unit, c.id), "status"] in (apv.SMALL, apv.COMPLEMENT)
        ]
        if withheld:
            show(
                note(
                    f"Nogle tal vises ikke for at beskytte de svarende: en gruppe med færre end {book.min_group} svar "
                    f"(ved krænkende handlinger og vold {book.min_group_sensitive}) vises aldrig, og en gruppe skjules også, "
                    "hvis den ellers kunne regnes ud ved at trække de viste grupper fra det samlede tal. Ved krænkende "
                    "handlinger og vold skjules en gruppe også, hvis tallet ville vise hver enkelts svar."
                )
            )

    @_guarded
    def apv_phases(self) -> None:
        """Where the unit is in the APV's five phases, in Arbejdstilsynet's order. A report lists every
        phase, an unanswered one as «Ikke besvaret», so none vanishes; notes and next steps follow."""
        form = self.guide.forms["apv_faser"]
        phases = [q for q in form.questions if q.id.startswith("apv.fase.") and q.kind == "choice"]
        if self.mode != "report":
            self.form("apv_faser")
            return
        latest = self.store.latest(self.unit, "apv.fase.")
        if not any(q.id in latest and latest[q.id].value not in (None, "") for q in phases):
            self.form("apv_faser")  # nothing answered: the report folds the form into one line
            return
        rows = []
        for number, q in enumerate(phases, 1):
            answer = latest.get(q.id)
            said = form_report.format_value(q, answer.value if answer is not None else None)
            rows.append((number, q.label, said, said == form_report.NOT_ANSWERED))
        show(render.macro("apv", "phases", rows=rows))
        rest = dataclasses.replace(form, questions=tuple(q for q in form.questions if q not in phases))
        names = {u: self.book.unit_name(u) for u in self.book.subtree(self.unit)}
        html = form_report.report_html(rest, self.store, self.unit, None, names, heading=False)
        if "sk-form-empty" not in html:  # notes or next steps: shown; nothing more: the table says it all
            show(re.sub(r"<p class='sk-missing'>.*?</p>", "", html))  # an unanswered note isn't a phase

    # --- recommendation 1: the APV over several rounds (new methods) ---------------------------
    def _trend_items(self, history: list[apv.Results]):
        measured = set().union(*(r.constructs for r in history))
        exposures = [e for e in self.guide.exposures if e.apv_area and e.id in measured]
        resources = [r for r in self.guide.resources if r.id in measured]
        return exposures, resources

    @staticmethod
    def _round_share(results: apv.Results, unit: str, construct: str) -> tuple[float | None, str]:
        """The share in one round, or None and why not: not measured that round, no answers, withheld."""
        if construct not in results.constructs:
            return None, apv.NOT_MEASURED
        row = results.table.loc[(unit, construct)]
        if row["status"] == apv.SHOWN:
            return float(row["share"]), ""
        return None, "–" if row["status"] == apv.NO_ANSWERS else "skjult"

    @staticmethod
    def _change_text(c: trend.Change | None) -> tuple[str, str]:
        """The change in words and its css class; up is worse for exposures and low resources alike."""
        if c is None:
            return "–", "sk-withheld"
        points = f"{abs(c.points):.0f} procentpoint"
        if c.direction == trend.BETTER:
            return f"▼ {points} færre: tydeligt bedre", "sk-better"
        if c.direction == trend.WORSE:
            return f"▲ {points} flere: tydeligt værre", "sk-worse"
        rounded = round(c.points)
        sign = "+" if rounded > 0 else "−" if rounded < 0 else "±"
        return f"{sign}{abs(rounded)} procentpoint, ikke tydeligt", ""

    @_guarded
    def apv_trend(self) -> None:
        """Per exposure and resource: the unit's share in every round, the change since the previous round,
        and at the institution the units that got notably better or worse. Each round is anonymised on its own."""
        history = apv.history(self.book)
        if len(history) < 2:
            show(note("Der er kun én APV-runde endnu. Udviklingen vises, når der er en runde mere."))
            return
        book, unit, root = self.book, self.unit, self.book.root_unit
        previous, latest = history[-2], history[-1]
        rounds = [r.round for r in history]
        exposures, resources = self._trend_items(history)
        items = exposures + resources
        panels = []
        for item in items:
            series = [(book.unit_name(unit), [self._round_share(r, unit, item.id)[0] for r in history])]
            if not self.is_institution:
                series.append(("Hele institutionen", [self._round_share(r, root, item.id)[0] for r in history]))
            panels.append((item.short, series))
        if self.mode == "live":  # a report keeps the table, which holds every figure of the chart
            show(
                charts.trend_lines(
                    panels,
                    rounds,
                    f"Udviklingen i {book.unit_name(unit)}, runde for runde",
                    "Små linjediagrammer, ét pr. påvirkning og ressource, over andelen udsat eller med "
                    "for lidt af ressourcen i hver APV-runde; et skjult tal er udeladt af linjen",
                )
            )
        show(
            full_report_only(
                self._trend_table(history, unit, exposures, "Påvirkning (andel udsat)")
                + self._trend_table(history, unit, resources, "Ressource (andel med for lidt)")
                + self._never_measured(history)
                + render.macro("apv", "trend_rule", rule=trend.RULE_TEXT),
                "Ændringen siden forrige runde står for hver påvirkning og ressource i overblikket på første side, "
                "med reglen for, hvornår en ændring er tydelig.",
            )
        )
        if self.is_institution:
            show(self._units_by_direction(previous, latest, [i.id for i in items]))

    def _never_measured(self, history: list[apv.Results]) -> str:
        """The exposures and resources no round measures, named once under the trend tables."""
        never = [
            i.short
            for i in (*[e for e in self.guide.exposures if e.apv_area], *self.guide.resources)
            if not any(apv.measured(r, i.id) for r in history)
        ]
        if not never:
            return ""
        return render.macro("apv", "not_measured", lead=apv.NOT_MEASURED_LEAD, missing=never, then="")

    def _trend_table(self, history: list[apv.Results], unit: str, items, kind: str) -> str:
        if not items:
            return ""
        previous, latest = history[-2], history[-1]
        rows = []
        for item in items:
            cells = []
            for r in history:
                value, why = self._round_share(r, unit, item.id)
                cells.append((charts.percent(value), True) if value is not None else (why, False))
            text, css = self._change_text(trend.change(previous, latest, unit, item.id))
            rows.append((item.title, cells, text, css))
        return render.macro(
            "apv", "trend_table", kind=kind, rounds=[r.round for r in history], previous=previous.round, rows=rows
        )

    def _units_by_direction(self, previous: apv.Results, latest: apv.Results, constructs: list[str]) -> str:
        titles = {c.id: c.short for c in [*self.guide.exposures, *self.guide.resources]}
        what = {**{e.id: "udsat" for e in self.guide.exposures}, **{r.id: "med for lidt" for r in self.guide.resources}}
        units = [u for u in self.book.ordered() if u != self.book.root_unit]
        better, worse = trend.units_by_direction(previous, latest, units, constructs)

        def listing(found: dict) -> list[tuple[str, str]]:
            return [
                (
                    self.book.unit_name(u),
                    "; ".join(
                        f"{titles.get(c.construct, c.construct)}: {charts.percent(c.previous)} → {charts.percent(c.latest)} "
                        f"{what.get(c.construct, '')}"
                        for c in changes
                    ),
                )
                for u, changes in found.items()
            ]

        return render.macro(
            "apv",
            "units_by_direction",
            better=listing(better),
            worse=listing(worse),
            previous=previous.round,
            latest=latest.round,
        )

    @_guarded
    def signals_trend(self) -> None:
        """Live: the stress signals of the latest period beside the previous one, when the signals have
        periods (a report shows them in one table with the unit's figures, see `signals_form`)."""
        periods = [p for p in signals.periods(self.book) if p]
        if len(periods) < 2 or self.mode == "report":
            return
        prev, last = periods[-2], periods[-1]
        before, now = signals.for_unit(self.book, self.unit, prev), signals.for_unit(self.book, self.unit, last)
        if before or now:
            show(self._signal_table(prev, last, before, now))


open = base.opener(Page)  # noqa: A001
