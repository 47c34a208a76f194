"""Recommendation 3, the five exposures: definitions, the dialogue beside the APV, combinations, the units' heatmap."""

from __future__ import annotations

from .. import apv, charts, danish
from . import base, render
from .apv import not_measured_note, share_cell, shares, withheld_cell
from .base import _guarded, _rating, full_report_only, note, show

HEATMAP_ROWS = 60  # beyond this many rows a unit's map shows the level below it (a department's report shows its own)


def exposure_ratings(page) -> tuple[list, list]:
    """The dialogue's 1–5 ratings per exposure: how well the unit maps it, and how well it prevents it."""
    latest = page.store.latest(page.unit, "paavirkning.")
    out = []
    for key in ("afdaekning", "forebyggelse"):
        values = []
        for e in page.guide.exposures:
            answer = latest.get(f"paavirkning.{e.id}.{key}")
            values.append(_rating(answer.value) if answer else None)
        out.append(values)
    return out[0], out[1]


class Page(base.Page):
    RECOMMENDATION = "paavirkninger"

    @_guarded
    def exposures(self) -> None:
        """The five exposures with their legal definitions; a unit's report lists them without the
        definitions, which the institution's report quotes in full."""
        order = self.guide.executive_order
        # the paragraph above says which are always a strain and when the others become one: here only a mark
        which = "exposure_list" if self.institution_only else "exposure_table"
        show(
            render.macro(
                "paavirkninger", which, exposures=self.guide.exposures, order=order, tools_html=self.tools_html()
            )
        )

    @_guarded
    def exposure_dialogue(self) -> None:
        self.form("paavirkninger_dialog", on_change=self._changed)
        results = self.results()  # the APV table itself is in recommendation 1; the chart holds the shares
        exposures = self.guide.exposures

        def render_html() -> str:
            mapped, prevented = exposure_ratings(self)
            labels = [e.short for e in exposures]
            series = []
            if results is not None:
                series.append((self.book.unit_name(self.unit), *shares(results, self.unit, exposures)))
                if not self.is_institution:
                    series.append(("Hele institutionen", *shares(results, self.book.root_unit, exposures)))
            else:
                series.append(("APV", [None] * len(exposures), ["ingen APV-data"] * len(exposures)))
            ratings = [
                ("Afdækker", mapped, ["ikke vurderet"] * len(exposures)),
                ("Forebygger", prevented, ["ikke vurderet"] * len(exposures)),
            ]
            # every figure of the chart is in the dialogue table above and the overblik's APV table
            return full_report_only(
                charts.dialogue_and_apv(
                    labels, series, ratings, f"Dialogen og APV'en side om side · {self.book.unit_name(self.unit)}"
                )
            )

        self.live_html(render_html)

    @_guarded
    def combinations(self) -> None:
        study = self.guide.combination_study
        order = self.guide.executive_order
        results = self.results()
        rows = []
        measured = [
            f"kombination.{c.id}"
            for c in self.guide.combinations
            if results is not None and f"kombination.{c.id}" in results.constructs
        ]
        if (
            results is not None
            and measured
            and not self.is_institution
            and all(results.table.at[(self.unit, cid), "status"] != apv.SHOWN for cid in measured)
        ):
            why = sorted({results.status_text(self.unit, cid) for cid in measured})
            show(
                render.macro(
                    "paavirkninger",
                    "none_shown",
                    order=order,
                    study=study,
                    unit=self.book.unit_name(self.unit),
                    why="; ".join(w[0].lower() + w[1:] for w in why),
                )
            )
            return
        for combo in self.guide.combinations:
            a, b = (self.guide.item("exposures", x).short for x in combo.exposures)
            cid = f"kombination.{combo.id}"
            hr = danish.decimal(combo.hazard_ratio, 2) + " gange"
            missing = apv.unmeasured_parts(results, combo.exposures)
            if results is None or missing or not apv.measured(results, cid):
                cells = withheld_cell("–") * (1 if self.is_institution else 2)
                names = [self.guide.item("exposures", x).short.lower() for x in missing]
                remark = (
                    "Ingen APV-data"
                    if results is None
                    else f"Kræver {danish.listing(names)}, som ikke er målt i jeres APV"
                    if names
                    else apv.NOT_MEASURED
                )
            else:
                cells = share_cell(results, self.unit, cid)
                remark = results.status_text(self.unit, cid)
                if not self.is_institution:
                    cells += share_cell(results, self.book.root_unit, cid)
                    theirs = results.status_text(self.book.root_unit, cid)
                    remark = "; ".join(
                        x for x in (remark, theirs and f"Hele institutionen: {theirs[0].lower()}{theirs[1:]}") if x
                    )
            rows.append(((a, b, cells, hr), remark))
        # each distinct remark once, under the table, numbered in the rows (the same reason repeated in
        # every row made each row four lines tall in print)
        notes = list(dict.fromkeys(remark for _row, remark in rows if remark))
        rows = [(*row, notes.index(remark) + 1 if remark else "") for row, remark in rows]
        show(
            render.macro(
                "paavirkninger",
                "combinations",
                order=order,
                study=study,
                rows=rows,
                notes=notes,
                compare=not self.is_institution,
                min_sensitive=self.book.min_group_sensitive,
                reference=study.reference if self.is_institution else study.short_reference,
            )
        )

    @_guarded
    def heatmap(self) -> None:
        """Units × exposures for the unit's part of the tree (the whole institution at the root)."""
        units = self.book.subtree(self.unit)
        if len(units) == 1:
            show(
                render.macro(
                    "paavirkninger",
                    "muted",
                    text="Enheden har ingen underenheder; se institutionens rapport for oversigten over alle enheder.",
                )
            )
            return
        results = self.results()
        if results is None:
            show(note("Der er endnu ingen APV-besvarelser at vise."))
            return
        # the units depth-first, each one's «svar uden afdeling» (respondents coded to it itself) under it
        ordered = [u for u in results.respondents if (apv.owner(u) or u) in units]
        depth = self.book.depth(self.unit)
        deep = len(ordered) > HEATMAP_ROWS
        if deep:  # a map of every unit would be too tall to read: the level below, each with its own report
            ordered = [
                u
                for u in ordered
                if apv.owner(u) == self.unit or (apv.owner(u) is None and self.book.depth(u) <= depth + 1)
            ]
        exposures = [e for e in self.guide.exposures if e.apv_area]  # a column «ikke målt» for those the APV lacks
        values, notes_ = [], []
        for u in ordered:
            row_v, row_n = [], []
            for e in exposures:
                if not apv.measured(results, e.id):
                    row_v.append(None)
                    row_n.append("ikke målt")
                    continue
                r = results.table.loc[(u, e.id)]
                row_v.append(float(r["share"]) if r["status"] == apv.SHOWN else None)
                row_n.append(
                    "" if r["status"] == apv.SHOWN else "ingen svar" if r["status"] == apv.NO_ANSWERS else "skjult"
                )
            values.append(row_v)
            notes_.append(row_n)
        labels = [
            "    " * (self.book.depth(u) - depth) + self.book.unit_name(u)
            if apv.owner(u) is None
            else "    " * (self.book.depth(apv.owner(u)) + 1 - depth) + apv.OWN_NAME.capitalize()
            for u in ordered
        ]
        show(
            charts.heatmap(
                labels,
                [e.short for e in exposures],
                values,
                notes_,
                f"Andel udsat pr. enhed · APV-runde {results.round}",
                "Varmekort over andelen udsat pr. enhed og påvirkning, hvor skjulte felter er markeret «skjult»",
            )
        )
        if deep:
            show(
                note(
                    f"{self.book.unit_name(self.unit)} har {len(units) - 1} underenheder; kortet viser de nærmeste "
                    "(enheden selv og dem lige under den). En underenhed med egne underenheder har sit eget kort "
                    "i sin rapport."
                )
            )
        show(note("Et skraveret felt med «skjult» er holdt tilbage for at beskytte de svarende; det betyder ikke nul."))
        if not_measured_note(results, exposures):
            show(not_measured_note(results, exposures))


open = base.opener(Page)  # noqa: A001
