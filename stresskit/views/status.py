"""Recommendation 4, taking stock of prevention: the five greb, exposures against greb, the contact overview."""
from __future__ import annotations

from html import escape

from IPython.display import display

from .. import apv, charts, forms, overblik
from . import base
from .base import _guarded, full_report_only, note, show
from .apv import not_measured_note
from .paavirkninger import exposure_ratings


HIGH_RULE = ("Regel: mindst halvdelen er udsat i APV'en, andelen er markant højere end i resten af "
             "institutionen (samme test som i overblikket) eller dialogen vurderer forebyggelsen til 1 eller 2 af 5.")
ROLLUP_RULE = ("Et greb halter i en enhed, når mindst ét delspørgsmål lykkes ikke eller under halvdelen af de vurderede "
               "delspørgsmål lykkes (delvist tæller halvt); det lykkes helt, når alle vurderede delspørgsmål lykkes. "
               "Enhederne er dem under {name}; hver tæller for sig.")
WEAK_RULE = ("Regel: mindst ét delspørgsmål lykkes ikke eller under halvdelen af de vurderede delspørgsmål lykkes "
             "(delvist tæller halvt), talt over enheden og enhederne under den.")


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
        out = {"units": len(units), "rated_any": sum(1 for u in units if any(s is not None or bad for s, bad in scores[u].values())),
               "greb": []}
        for g in self.guide.greb:
            rated = [u for u in units if scores[u][g.id][0] is not None or scores[u][g.id][1]]
            weak = [u for u in rated if scores[u][g.id][1] or (scores[u][g.id][0] is not None and scores[u][g.id][0] < 0.5)]
            strong = [u for u in rated if scores[u][g.id][0] == 1.0 and not scores[u][g.id][1]]
            out["greb"].append((g, rated, weak, strong))
        return out

    def _greb_rollup_html(self) -> str:
        r = self.greb_rollup()
        counts, _behind = self._greb_counts()
        looks = [(key, name.lower()) for key, name, *_ in charts.RATING_LOOK if key is not None]
        tally = [", ".join(f"{name} {c[key]}" for key, name in looks if c.get(key)) or "ingen vurderet" for c in counts]
        names = lambda us: ", ".join(self.book.unit_name(u) for u in us)  # noqa: E731
        rows = "".join(f"<tr><th scope='row'>{n}. {escape(g.title)}</th><td class='sk-num'>{len(rated)}</td>"
                       f"<td>{len(weak)}" + (f" <small>({escape(names(weak))})</small>" if weak else "") + "</td>"
                       f"<td>{len(strong)}" + (f" <small>({escape(names(strong))})</small>" if strong else "") + "</td>"
                       f"<td>{escape(tally[n - 1])}</td></tr>"
                       for n, (g, rated, weak, strong) in enumerate(r["greb"], start=1))
        return (f"<p><b>Samlet for enhederne:</b> {r['rated_any']} af {_units(r['units'])} under "
                f"{escape(self.book.unit_name(self.unit))} har vurderet mindst ét greb.</p>"
                "<table class='sk-table sk-rollup'><thead><tr><th scope='col'>Greb</th><th scope='col'>Vurderet i</th>"
                "<th scope='col'>Halter i</th><th scope='col'>Lykkes helt i</th>"
                "<th scope='col'>Delspørgsmål i alt</th></tr></thead>"
                f"<tbody>{rows}</tbody></table><p class='sk-muted'>"
                f"{escape(ROLLUP_RULE.format(name=self.book.unit_name(self.unit)))}</p>")

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
        names = lambda us: ", ".join(self.book.unit_name(u) for u in us)  # noqa: E731
        bits = [f"god i {len(r['god'])}" + (f" ({escape(names(r['god']))})" if r["god"] else "")]
        if r["mangler"]:
            bits.append(f"<b>mangler i {len(r['mangler'])}</b> ({escape(names(r['mangler']))})")
        if r["ved_ikke"]:
            bits.append(f"«ved ikke» i {len(r['ved_ikke'])} ({escape(names(r['ved_ikke']))})")
        rest = f" Ikke vurderet: {escape(names(r[None]))}." if r[None] else ""
        own = self.store.latest(self.unit, "status.kontakt").get("status.kontakt")
        if own is not None and own.value in LOOK_WORDS:  # the unit itself, as the drawing shows it
            rest += f" {escape(self.book.unit_name(self.unit))} selv: {LOOK_WORDS[own.value]}."
        return (f"<p><b>Samlet for enhederne:</b> kontakten er vurderet for {total - len(r[None])} af {_units(total)} "
                f"under {escape(self.book.unit_name(self.unit))}: {', '.join(bits)}.{rest}</p>")

    @_guarded
    def greb(self) -> None:
        if self.below():  # the institution (or a unit with units under it): the units' ratings rolled up first
            show(self._greb_rollup_html())
        if self.mode == "report":
            self._greb_report()
        else:
            self.form("greb_status", on_change=self._changed)

        def render() -> str:
            counts, behind = self._greb_counts()
            several = len(self.book.subtree(self.unit)) > 1
            labels = [f"{n}. {g.title}" + (f" ({_units(k)})" if several else "")
                      for n, (g, k) in enumerate(zip(self.guide.greb, behind), start=1)]
            chart = charts.rating_bars(labels, counts, f"Forebyggelsesgrebene i {self.book.unit_name(self.unit)}"
                                       + (" og enhederne under den" if several else ""))
            if not several:  # a unit's own ratings: the table above has them all
                return full_report_only(chart)
            # with the roll-up table (its last column counts the same ratings) the chart is for the screen only
            return f"<div class='sk-screen-only'>{chart}</div>" if self.below() else chart

        self.live_html(render)

    def _greb_report(self) -> None:
        """The sub-questions that do not (yet) succeed, or carry a note; those rated «lykkes» without a
        note are counted in one line (the chart below draws every rating)."""
        form = self.guide.forms["greb_status"]
        latest = self.store.latest(self.unit, "status.greb.")
        if self.below() and not any(k.endswith(".vurdering") for k in latest):
            show(f"<p class='sk-muted'>For {escape(self.book.unit_name(self.unit))} som helhed er grebene ikke "
                 "vurderet; enhedernes vurderinger er talt sammen ovenfor.</p>")
            return
        keep, fine = [], 0
        for group in forms.item_rows(form.questions):
            values = {q.id.rsplit(".", 1)[1]: (latest[q.id].value if q.id in latest else None) for q in group}
            if values.get("vurdering") == "lykkes" and not values.get("noter"):
                fine += 1
            else:
                keep.extend(group)
        self.form("greb_status", questions=keep)
        if fine:
            show(f"<p class='sk-muted'>{fine} delspørgsmål lykkes og står ikke enkeltvis her.</p>")

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
            head = "".join(f"<th scope='col'>{escape(c)}</th>" for c in columns)
            body = "".join(f"<tr><th scope='row'>{escape(self.book.unit_name(units[i]))}</th>"
                           + "".join(f"<td class='sk-num'>{charts.percent(v)}</td>" if v is not None
                                     else "<td class='sk-withheld'>ikke vurderet</td>" for v in values[i]) + "</tr>"
                           for i in keep)
            show("<table class='sk-table sk-print-only'><caption class='sk-muted'>Andel af hvert grebs delspørgsmål, der "
                 f"ikke lykkes (delvist tæller halvt)</caption><thead><tr><th scope='col'>Enhed</th>{head}</tr></thead>"
                 f"<tbody>{body}</tbody></table>")
        show(("<div class='sk-screen-only'>" if self.mode == "report" else "<div>") + charts.heatmap(labels, [f"{n}. {g.short}" for n, g in enumerate(self.guide.greb, start=1)],
                            [values[i] for i in keep], [notes_[i] for i in keep],
                            "Hvor meget halter grebene i enhederne?",
                            "Varmekort over, hvor stor en andel af hvert grebs delspørgsmål der ikke lykkes i hver enhed "
                            "(delvist tæller halvt)", key="andel, der ikke lykkes (delvist tæller halvt)") + "</div>")
        silent = [self.book.unit_name(u) for u in units if u not in rated]
        if silent:
            show(f"<p class='sk-muted'>Ingen vurderinger endnu i: {escape(', '.join(silent))}.</p>")

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
                if row["status"] == apv.SHOWN and (row["share"] >= overblik.HIGH_SHARE
                                                   or overblik.markedly_higher(results, self.unit, self.book.root_unit, e.id)):
                    reasons.append(f"APV: {charts.percent(row['share'])} udsat")
            if prevent is not None and prevent <= 2:
                reasons.append(f"dialogen: forebygges {prevent:.0f} af 5")
            if reasons:
                out.append((e.short, " og ".join(reasons)))
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
        def listing(items, empty: str) -> str:
            if not items:
                return f"<p class='sk-muted'>{escape(empty)}</p>"
            return "<ul>" + "".join(f"<li><b>{escape(a)}</b> — {escape(b)}</li>" for a, b in items) + "</ul>"

        def render() -> str:
            weak, any_rated = self._weak_greb()
            return ("<div class='sk-cards'><div class='sk-card'><h4>Påvirkninger, der fylder</h4>"
                    f"<p class='sk-muted'>{escape(HIGH_RULE)}</p>"
                    + listing(self._high_exposures(), "Ingen påvirkning opfylder reglen lige nu.")
                    + not_measured_note(self.results(), [e for e in self.guide.exposures if e.apv_area],
                                        "For dem bygger listen kun på dialogens vurdering.")
                    + "</div><div class='sk-card'><h4>Greb, der halter</h4>"
                    f"<p class='sk-muted'>{escape(WEAK_RULE)}</p>"
                    + listing(weak, "Ingen greb er vurderet endnu." if not any_rated else
                              "Ingen af de vurderede greb halter efter reglen.") + "</div></div>")

        self.live_html(render)
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
            said = [(q.label, forms._answer(latest, {}, q)) for q in form.questions]
            if any(x is not None for _label, x in said):
                show("<p>" + "; ".join(f"{escape(label)}: <b>{escape(x)}</b>" for label, x in said if x is not None) + ".</p>")
            else:
                show(forms.rows_report_html(form, self.store, [(u, names[u]) for u in units]))
        elif self.mode == "report":  # the drawing below shows every part's contact; here only the notes
            notes = [(self.book.unit_name(u), self.store.latest(u, "status.kontakt.noter").get("status.kontakt.noter"))
                     for u in units]
            lines = "".join(f"<li><b>{escape(name)}:</b> {escape(str(a.value))}</li>" for name, a in notes
                            if a is not None and a.value not in (None, ""))
            if lines:
                show(f"<p>Noter om kontakten:</p><ul>{lines}</ul>")
        else:
            for u in units:
                view = forms.FormView(form, self.store, u, row_label=names[u], on_change=self._changed)
                self.views[f"kontakt:{u}"] = view
                display(view.widget)

        def render() -> str:
            status = {}
            for u in units:
                answer = self.store.latest(u, "status.kontakt").get("status.kontakt")
                status[u] = answer.value if answer else None
            tree = [(u, self.book.unit_name(u), self.book.depth(u) - depth,
                     self.book.units[u].parent if u != self.unit else None) for u in units]
            missing = [self.book.unit_name(u) for u in units if status[u] == "mangler"]
            text = (f"<p>Kontakt mangler til: <b>{escape(', '.join(missing))}</b>. Læg en plan nedenfor.</p>" if missing
                    else "<p>Ingen dele er markeret med manglende kontakt.</p>")
            if self.mode == "report" and len(units) == 1:  # one part: the table above says it all
                return ""
            drawing = charts.contact_tree(tree, status, f"Vores kontakt med {self.book.unit_name(self.unit)}") + text
            # on paper the roll-up above names every unit with its contact: the drawing is for the screen
            return f"<div class='sk-screen-only'>{drawing}</div>" if self.below() and self.mode == "report" else drawing

        self.live_html(render)
        self.form("kontakt_plan")


open = base.opener(Page)  # noqa: A001
