"""Recommendation 4, taking stock of prevention: the five greb, exposures against greb, the contact overview."""

from __future__ import annotations

from IPython.display import display

from .. import apv, charts, danish, overblik
from ..live import forms
from . import base, form_report, render
from .apv import not_measured_note
from .base import _guarded, full_report_only, note, show
from .paavirkninger import exposure_ratings

HIGH_RULE = (
    "Regel: mindst halvdelen er udsat i APV'en, andelen er markant højere end i resten af "
    "institutionen (samme test som i overblikket) eller dialogen vurderer forebyggelsen til 1 eller 2 af 5."
)
ROLLUP_RULE = (
    "Et greb halter i en enhed, når mindst ét delspørgsmål lykkes ikke eller under halvdelen af de vurderede "
    "delspørgsmål lykkes (delvist tæller halvt); det lykkes helt, når alle vurderede delspørgsmål lykkes. "
    "Enhederne er dem under {name}; hver tæller for sig."
)
WEAK_RULE = (
    "Regel: mindst ét delspørgsmål lykkes ikke eller under halvdelen af de vurderede delspørgsmål lykkes "
    "(delvist tæller halvt), talt over enheden og enhederne under den."
)


LOOK_WORDS = {"god": "god kontakt", "mangler": "mangler kontakt", "ved_ikke": "«ved ikke»"}


def _units(n: int) -> str:
    return "1 enhed" if n == 1 else f"{n} enheder"


class Page(base.Page):
    RECOMMENDATION = "status"

    GREB_SCORE = {"lykkes": 1.0, "delvist": 0.5, "lykkes_ikke": 0.0}

    def _greb_ratings(self, unit: str) -> dict[str, list]:
        latest = self.store.latest(unit, "status.greb.")
        out = {}
        for g in self.guide.greb:
            values = []
            for q in g.questions:
                answer = latest.get(f"status.greb.{g.id}.{q.id}.vurdering")
                values.append(answer.value if answer else None)
            out[g.id] = values
        return out

    def _greb_score(self, values: list) -> float | None:
        rated = [self.GREB_SCORE[v] for v in values if v in self.GREB_SCORE]
        return sum(rated) / len(rated) if rated else None

    def _greb_counts(self) -> tuple[list[dict], list[int]]:
        """Per greb, its sub-questions' ratings counted over the unit and every unit below it, and the
        number of units behind each greb (those that rated at least one of its sub-questions)."""
        units = self.book.subtree(self.unit)
        counts = [dict.fromkeys([key for key, *_ in charts.RATING_LOOK], 0) for _ in self.guide.greb]
        behind = [0] * len(self.guide.greb)
        sizes = [len(g.questions) for g in self.guide.greb]
        for u in units:
            for i, values in enumerate(self._greb_ratings(u).values()):
                rated = [v if v in counts[i] else None for v in values]
                if any(v is not None for v in rated):  # a unit that rated none of a greb's questions is not behind it
                    behind[i] += 1
                    for v in rated:
                        counts[i][v] += 1
        for i, n in enumerate(behind):
            if not n:  # nothing rated anywhere: the greb's questions, once, as not rated
                counts[i][None] = sizes[i]
        return counts, behind

    def below(self) -> list[str]:
        """The units under this one, in the tree's order (the roll-up counts each for itself)."""
        return [u for u in self.book.ordered() if u in set(self.book.subtree(self.unit)) and u != self.unit]

    def greb_rollup(self) -> dict:
        """Per greb over the units below: how many rated it, in how many it halts, in how many it fully succeeds."""
        units = self.below()
        scores = {u: overblik.greb_scores(self.store, u) for u in units}
        out = {
            "units": len(units),
            "rated_any": sum(1 for u in units if any(s is not None or bad for s, bad in scores[u].values())),
            "greb": [],
        }
        for g in self.guide.greb:
            rated = [u for u in units if scores[u][g.id][0] is not None or scores[u][g.id][1]]
            weak = [
                u for u in rated if scores[u][g.id][1] or (scores[u][g.id][0] is not None and scores[u][g.id][0] < 0.5)
            ]
            strong = [u for u in rated if scores[u][g.id][0] == 1.0 and not scores[u][g.id][1]]
            out["greb"].append((g, rated, weak, strong))
        return out

    def _greb_rollup_html(self) -> str:
        r = self.greb_rollup()
        counts, _behind = self._greb_counts()
        looks = [(key, name.lower()) for key, name, *_ in charts.RATING_LOOK if key is not None]
        tally = [", ".join(f"{name} {c[key]}" for key, name in looks if c.get(key)) or "ingen vurderet" for c in counts]
        names = lambda us: [self.book.unit_name(u) for u in us]  # noqa: E731
        rows = [
            (n, g, len(rated), names(weak), names(strong), tally[n - 1])
            for n, (g, rated, weak, strong) in enumerate(r["greb"], start=1)
        ]
        return render.macro(
            "status",
            "greb_rollup",
            rated_any=r["rated_any"],
            units=_units(r["units"]),
            unit=self.book.unit_name(self.unit),
            rows=rows,
            rule=ROLLUP_RULE.format(name=self.book.unit_name(self.unit)),
        )

    def contact_rollup(self) -> dict:
        """The contact over the units below: per answer, the units; None for those not yet assessed."""
        out: dict = {"god": [], "mangler": [], "ved_ikke": [], None: []}
        for u in self.below():
            answer = self.store.latest(u, "status.kontakt").get("status.kontakt")
            value = answer.value if answer is not None else None
            out[value if value in out else None].append(u)
        return out

    def _contact_rollup_html(self) -> str:
        r = self.contact_rollup()
        total = sum(len(v) for v in r.values())
        names = lambda us: [self.book.unit_name(u) for u in us]  # noqa: E731
        own = self.store.latest(self.unit, "status.kontakt").get("status.kontakt")
        own_word = (
            LOOK_WORDS[own.value] if own is not None and own.value in LOOK_WORDS else ""
        )  # as the drawing shows it
        return render.macro(
            "status",
            "contact_rollup",
            assessed=total - len(r[None]),
            units=_units(total),
            unit=self.book.unit_name(self.unit),
            good=names(r["god"]),
            missing=names(r["mangler"]),
            unknown=names(r["ved_ikke"]),
            silent=names(r[None]),
            own=own_word,
        )

    @_guarded
    def greb(self) -> None:
        if self.below():  # the institution (or a unit with units under it): the units' ratings rolled up first
            show(self._greb_rollup_html())
        if self.mode == "report":
            self._greb_report()
        else:
            self.form("greb_status", on_change=self._changed)

        def render_html() -> str:
            counts, behind = self._greb_counts()
            several = len(self.book.subtree(self.unit)) > 1
            labels = [
                f"{n}. {g.title}" + (f" ({_units(k)})" if several else "")
                for n, (g, k) in enumerate(zip(self.guide.greb, behind), start=1)
            ]
            chart = charts.rating_bars(
                labels,
                counts,
                f"Forebyggelsesgrebene i {self.book.unit_name(self.unit)}"
                + (" og enhederne under den" if several else ""),
            )
            if not several:  # a unit's own ratings: the table above has them all
                return full_report_only(chart)
            # with the roll-up table (its last column counts the same ratings) the chart is for the screen only
            return render.macro("status", "wrap", html=chart, css="sk-screen-only") if self.below() else chart

        self.live_html(render_html)

    def _greb_report(self) -> None:
        """The sub-questions that do not (yet) succeed, or carry a note; those rated «lykkes» without a
        note are counted in one line (the chart below draws every rating)."""
        form = self.guide.forms["greb_status"]
        latest = self.store.latest(self.unit, "status.greb.")
        if self.below() and not any(k.endswith(".vurdering") for k in latest):
            show(render.macro("status", "not_rated", unit=self.book.unit_name(self.unit)))
            return
        keep, fine = [], 0
        for group in form_report.item_rows(form.questions):
            values = {q.id.rsplit(".", 1)[1]: (latest[q.id].value if q.id in latest else None) for q in group}
            if values.get("vurdering") == "lykkes" and not values.get("noter"):
                fine += 1
            else:
                keep.extend(group)
        self.form("greb_status", questions=keep)
        if fine:
            show(render.macro("status", "muted", text=f"{fine} delspørgsmål lykkes og står ikke enkeltvis her."))

    @_guarded
    def greb_overview(self) -> None:
        """Units × greb: the share of rated sub-questions that succeed (partly counts half)."""
        units = [u for u in self.book.ordered() if u in set(self.book.subtree(self.unit))]
        if len(units) == 1:
            return
        values, notes_ = [], []
        for u in units:
            scores = [self._greb_score(v) for v in self._greb_ratings(u).values()]
            values.append([None if x is None else 1 - x for x in scores])  # colour: darker = needs attention
            notes_.append(["" if x is not None else "ikke vurderet" for x in scores])
        rated = [u for u, row in zip(units, values) if any(v is not None for v in row)]
        if not rated:
            show(note("Ingen enheder har vurderet grebene endnu."))
            return
        depth = self.book.depth(self.unit)
        keep = [i for i, u in enumerate(units) if u in rated]
        labels = ["    " * (self.book.depth(units[i]) - depth) + self.book.unit_name(units[i]) for i in keep]
        columns = [f"{n}. {g.short}" for n, g in enumerate(self.guide.greb, start=1)]
        if self.mode == "report":  # on paper the figures as a table; the coloured map is for the screen
            rows = [
                (self.book.unit_name(units[i]), [charts.percent(v) if v is not None else None for v in values[i]])
                for i in keep
            ]
            show(render.macro("status", "greb_table", columns=columns, rows=rows))
        heatmap = charts.heatmap(
            labels,
            [f"{n}. {g.short}" for n, g in enumerate(self.guide.greb, start=1)],
            [values[i] for i in keep],
            [notes_[i] for i in keep],
            "Hvor meget halter grebene i enhederne?",
            "Varmekort over, hvor stor en andel af hvert grebs delspørgsmål der ikke lykkes i hver enhed "
            "(delvist tæller halvt)",
            key="andel, der ikke lykkes (delvist tæller halvt)",
        )
        show(render.macro("status", "wrap", html=heatmap, css="sk-screen-only" if self.mode == "report" else ""))
        silent = [self.book.unit_name(u) for u in units if u not in rated]
        if silent:
            show(render.macro("status", "muted", text=f"Ingen vurderinger endnu i: {', '.join(silent)}."))

    def _high_exposures(self) -> list[tuple[str, str]]:
        """Exposures that weigh in this unit (HIGH_RULE): high in the APV or poorly prevented by the dialogue's account."""
        results = self.results()
        _mapped, prevented = exposure_ratings(self)
        out = []
        for e, prevent in zip(self.guide.exposures, prevented):
            reasons = []
            if apv.measured(results, e.id):
                row = results.table.loc[(self.unit, e.id)]
                # markedly_higher is never true for the institution itself
                if row["status"] == apv.SHOWN and (
                    row["share"] >= overblik.HIGH_SHARE
                    or overblik.markedly_higher(results, self.unit, self.book.root_unit, e.id)
                ):
                    reasons.append(f"APV: {charts.percent(row['share'])} udsat")
            if prevent is not None and prevent <= 2:
                reasons.append(f"dialogen: forebygges {prevent:.0f} af 5")
            if reasons:
                out.append((e.short, danish.listing(reasons)))
        return out

    def _weak_greb(self) -> tuple[list[tuple[str, str]], bool]:
        """The greb that halt (WEAK_RULE), and whether any greb is rated at all."""
        counts, _behind = self._greb_counts()
        weak, any_rated = [], False
        for g, c in zip(self.guide.greb, counts):
            rated = c["lykkes"] + c["delvist"] + c["lykkes_ikke"]
            any_rated |= rated > 0
            score = (c["lykkes"] + 0.5 * c["delvist"]) / rated if rated else None
            if c["lykkes_ikke"] or (score is not None and score < 0.5):
                weak.append((g.short, f"{c['lykkes_ikke']} lykkes ikke, {c['delvist']} delvist, {c['lykkes']} lykkes"))
        return weak, any_rated

    @_guarded
    def exposures_and_greb(self) -> None:
        """The exposures that weigh beside the greb that halt, each by its stated rule; the AMO decides the pairs."""

        def render_html() -> str:
            weak, any_rated = self._weak_greb()
            return render.macro(
                "status",
                "exposures_and_greb",
                high_rule=HIGH_RULE,
                high=self._high_exposures(),
                high_empty="Ingen påvirkning opfylder reglen lige nu.",
                not_measured_html=not_measured_note(
                    self.results(),
                    [e for e in self.guide.exposures if e.apv_area],
                    "For dem bygger listen kun på dialogens vurdering.",
                ),
                weak_rule=WEAK_RULE,
                weak=weak,
                weak_empty="Ingen greb er vurderet endnu."
                if not any_rated
                else "Ingen af de vurderede greb halter efter reglen.",
            )

        self.live_html(render_html)
        show(self.tools_html())
        self.form("greb_mere")

    @_guarded
    def contact(self) -> None:
        units = [u for u in self.book.ordered() if u in set(self.book.subtree(self.unit))]
        if self.below():
            self.live_html(self._contact_rollup_html)
        form = self.guide.forms["kontakt"]
        depth = self.book.depth(self.unit)
        names = {u: "    " * (self.book.depth(u) - depth) + self.book.unit_name(u) for u in units}
        if self.mode == "report" and len(units) == 1:  # one unit: its answers in a line, not a one-row table
            latest = self.store.latest(self.unit)
            said = [(q.label, form_report.answer(latest, q)) for q in form.questions]
            if any(x is not None for _label, x in said):
                show(render.macro("status", "said", items=[(label, x) for label, x in said if x is not None]))
            else:
                show(form_report.rows_report_html(form, self.store, [(u, names[u]) for u in units]))
        elif self.mode == "report":  # the drawing below shows every part's contact; here only the notes
            notes = [
                (self.book.unit_name(u), self.store.latest(u, "status.kontakt.noter").get("status.kontakt.noter"))
                for u in units
            ]
            lines = [(name, str(a.value)) for name, a in notes if a is not None and a.value not in (None, "")]
            if lines:
                show(render.macro("status", "contact_notes", notes=lines))
        else:
            for u in units:
                view = forms.FormView(form, self.store, u, row_label=names[u], on_change=self._changed)
                self.views[f"kontakt:{u}"] = view
                display(view.widget)

        def render_html() -> str:
            status = {}
            for u in units:
                answer = self.store.latest(u, "status.kontakt").get("status.kontakt")
                status[u] = answer.value if answer else None
            tree = [
                (
                    u,
                    self.book.unit_name(u),
                    self.book.depth(u) - depth,
                    self.book.units[u].parent if u != self.unit else None,
                )
                for u in units
            ]
            missing = [self.book.unit_name(u) for u in units if status[u] == "mangler"]
            text = render.macro("status", "contact_missing", missing=missing)
            if self.mode == "report" and len(units) == 1:  # one part: the table above says it all
                return ""
            drawing = charts.contact_tree(tree, status, f"Vores kontakt med {self.book.unit_name(self.unit)}") + text
            # on paper the roll-up above names every unit with its contact: the drawing is for the screen
            return (
                render.macro("status", "wrap", html=drawing, css="sk-screen-only")
                if self.below() and self.mode == "report"
                else drawing
            )

        self.live_html(render_html)
        self.form("kontakt_plan")


open = base.opener(Page)  # noqa: A001
