"""What a notebook shows: one `Page` per (workbook, unit, mode).

Notebooks stay thin: Markdown narrative plus calls such as ``page.form("signaler")``.
In ``live`` mode the page shows ipywidgets forms bound to the store; in ``report`` mode
it shows the same content as static HTML. Bad input is shown as a Danish message in
the page, never as a traceback; in report mode it fails the run with one fixed line
instead (see `_bad_input`).
"""
from __future__ import annotations

import functools
from datetime import date
from html import escape
from pathlib import Path

from IPython.display import HTML, display

from . import actions as actions_module
from . import apv, charts, forms, signals
from . import guide as guide_module
from . import trend
from .problems import InputError
from .store import UNKNOWN_USER, Store, current_user, set_user
from .workbook import BrokenInput, UnknownUnit, Workbook, broken_line

MODES = ("live", "report")
CSS = Path(__file__).parent / "templates" / "stresskit" / "static" / "stresskit.css"


def show(html: str) -> None:
    display(HTML(html))


def message(text: str, problems: list | None = None) -> str:
    items = "".join(f"<li>{escape(str(p))}</li>" for p in problems or [])
    return f"<div class='sk-message' role='alert'><b>{escape(text)}</b>{f'<ul>{items}</ul>' if items else ''}</div>"


def note(text: str) -> str:
    return f"<p class='sk-note'>{escape(text)}</p>"


def _rating(value) -> float | None:
    """A stored 1–5 rating; anything else (an old or imported value that is not one) counts as not rated."""
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _bad_input(mode: str, text: str, exc: InputError) -> None:
    """Live: the detailed Danish message (the user owns the data and sits at the screen).
    Report: the run fails with one fixed line naming the broken input; the details may quote
    survey cells, so they never reach an executed notebook, a report or the index."""
    if mode == "report" and isinstance(exc, UnknownUnit):
        raise BrokenInput(f"Enheden «{exc.unit}» findes ikke i institution.yaml.") from None
    if mode == "report":
        raise BrokenInput(broken_line(exc.problems)) from None
    show(message(text, exc.problems))


def _guarded(method):
    """Show bad input as a Danish message; in live mode keep the page alive on any error."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if self.book is None:
            return None
        try:
            return method(self, *args, **kwargs)
        except InputError as exc:
            _bad_input(self.mode, "Indholdet kan ikke vises, fordi en fil i arbejdsbogen skal rettes:", exc)
        except Exception as exc:
            if self.mode != "live":
                raise  # a report run records the failure
            show(message(f"Noget gik galt her ({type(exc).__name__}: {exc}). Resten af siden virker stadig."))
        return None

    return wrapper


class Page:
    def __init__(self, workbook: str | Path, unit: str | None, mode: str = "live"):
        self.guide = guide_module.default()
        self.mode = mode
        self.book: Workbook | None = None
        self.views: dict[str, forms.FormView] = {}
        if mode not in MODES:
            show(message(f"Parameteren mode skal være «live» eller «report», ikke «{mode}»."))
            return
        try:
            book = Workbook.open(workbook)
            unit = unit or book.root_unit
            book.check_unit(unit)
            store = Store(book.store_path)
        except InputError as exc:
            _bad_input(mode, f"Arbejdsbogen {workbook} kan ikke åbnes:", exc)
            return
        self.book, self.unit = book, unit
        self.store = store
        self._redraw: list = []

    # --- shared pieces ---------------------------------------------------------
    @property
    def is_institution(self) -> bool:
        return self.unit == self.book.root_unit

    def unit_path(self, unit: str | None = None) -> str:
        return " › ".join(self.book.unit_name(u) for u in reversed(self.book.ancestors(unit or self.unit)))

    def results(self) -> apv.Results | None:
        return apv.results(self.book)

    @_guarded
    def header(self, recommendation: str) -> None:
        rec = self.guide.recommendation(recommendation)
        try:
            results = self.results()
            round_name = results.round if results else "ingen endnu"
        except InputError:
            round_name = "kan ikke læses"
        meta = [("Institution", self.book.name), ("Enhed", self.unit_path()), ("APV-runde", round_name),
                ("Dato", actions_module.today().strftime("%d.%m.%Y"))]
        items = "".join(f"<li>{k}: <b>{escape(v)}</b></li>" for k, v in meta)
        html = (f"<header class='sk-masthead'><div class='sk-kicker'>Anbefaling {rec.number} af 6 · "
                f"{escape(self.guide.meta.title)}</div><h1>{escape(rec.title)}</h1><ul class='sk-meta'>{items}</ul>"
                f"</header><p class='sk-purpose'>{escape(rec.purpose)}</p>")
        if self.mode == "live":  # the projector style comes with stresskit present's own page template
            html = f"<style>{CSS.read_text(encoding='utf-8')}</style>" + html
        show(html)
        if self.mode == "live":
            display(self._who())

    def _who(self):
        """The name saved with every answer: asked once before the first save (forms wait for it)."""
        import ipywidgets as w

        given = current_user() if current_user() != UNKNOWN_USER else ""
        name = w.Text(value=given, placeholder="Skriv dit navn, så svarene viser, hvem der gav dem", description="Dit navn",
                      style={"description_width": "initial"}, layout=w.Layout(width="36em"))
        name.add_class("sk-who")

        def named(change) -> None:
            set_user(change["new"])
            if change["new"].strip():
                forms.name_given()

        name.observe(named, names="value")
        forms.ask_name_with(name)
        return name

    @_guarded
    def form(self, form_id: str, prefill: dict | None = None, prefill_source: str = "", items=None,
             on_change=None) -> None:
        """Show a form: widgets in live mode (kept in ``self.views``), a static table in report mode.
        ``items`` limits a grid form to the rows of these content items."""
        form = self.guide.forms[form_id]
        if items is not None:
            form = form.only(items)
        names = {u: self.book.unit_name(u) for u in self.book.subtree(self.unit)}
        if self.mode == "report":
            show(forms.report_html(form, self.store, self.unit, prefill, prefill_source, names))
            return
        view = forms.FormView(form, self.store, self.unit, prefill, on_change=on_change, names=names)
        self.views[form_id] = view
        display(view.widget)

    def live_html(self, render) -> None:
        """Show HTML from ``render()``; in live mode it is redrawn whenever a form on the page saves."""
        if self.mode != "live":
            show(render())
            return
        import ipywidgets as w

        box = w.HTML(render())
        self._redraw.append(lambda: setattr(box, "value", render()))
        display(box)

    def _changed(self, _question, _saved) -> None:
        for redraw in self._redraw:
            try:
                redraw()
            except Exception as exc:  # a chart that fails must not break the form
                show(message(f"Diagrammet kunne ikke tegnes igen ({exc})."))

    # --- recommendation 1: the APV ------------------------------------------------
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
            show(note("Tallene er lagt sammen fra enhederne nedenunder (antal summeret, satser vægtet med antal ansatte)."))
        self.form("signaler", prefill, prefill_source="signals.csv")

    @_guarded
    def apv_results(self) -> None:
        results = self.results()
        if results is None:
            show(note("Der er endnu ingen APV-besvarelser i arbejdsbogen. Læg en runde i mappen apv/ "
                      "(CSV eller Excel) sammen med mapping.yaml."))
            return
        book, unit, root = self.book, self.unit, self.book.root_unit
        n = results.respondents[unit]
        headcount = book.units[unit].headcount
        count = results.respondents_text(unit)
        if n is not None and headcount:
            count += f" af {headcount} ansatte ({n / headcount:.0%})".replace("%", " %")
        show(f"<p>APV-runde <b>{escape(results.round)}</b>: {escape(count)} i {escape(book.unit_name(unit))}.</p>")

        exposures = [e for e in self.guide.exposures if e.apv_area and e.id in results.constructs]
        resources = [r for r in self.guide.resources if r.id in results.constructs]
        if exposures:
            show(self._results_table(results, exposures, "Påvirkning", "udsat"))
            labels = [e.short for e in exposures]
            series = [(book.unit_name(unit), *self._shares(results, unit, exposures))]
            if not self.is_institution:
                series.append(("Hele institutionen", *self._shares(results, root, exposures)))
            show(charts.comparison_bars(
                labels, series, f"Andel udsat i {book.unit_name(unit)}",
                f"Søjlediagram over andelen af besvarelser, der tæller som udsat, pr. påvirkning i APV-runde {results.round}"))
        if resources:
            show("<h3>Ressourcer, der balancerer påvirkningerne</h3>")
            show(self._results_table(results, resources, "Ressource", "med lav ressource"))
        withheld = [c.id for c in exposures + resources if results.table.at[(unit, c.id), "status"] in (apv.SMALL, apv.COMPLEMENT)]
        if withheld:
            show(note(f"Nogle tal vises ikke for at beskytte de svarende: en gruppe med færre end {book.min_group} svar "
                      f"(ved krænkende handlinger og vold {book.min_group_sensitive}) vises aldrig, og en gruppe skjules også, "
                      "hvis den ellers kunne regnes ud ved at trække de viste grupper fra det samlede tal."))

    def _shares(self, results: apv.Results, unit: str, items) -> tuple[list, list]:
        values, notes = [], []
        for item in items:
            row = results.table.loc[(unit, item.id)]
            values.append(None if row["status"] != apv.SHOWN else float(row["share"]))
            notes.append(results.status_text(unit, item.id))
        return values, notes

    def _results_table(self, results: apv.Results, items, kind: str, flagged: str) -> str:
        unit, root = self.unit, self.book.root_unit
        compare = not self.is_institution
        head = (f"<tr><th>{kind}</th><th>Andel {flagged}</th><th>Gns. score (0–100)</th><th>Svar</th>"
                + ("<th>Hele institutionen</th>" if compare else "") + "<th>Bemærkning</th></tr>")
        body = []
        for item in items:
            row = results.table.loc[(unit, item.id)]
            other = results.table.loc[(root, item.id)]
            shown = row["status"] == apv.SHOWN
            cells = ([charts.percent(row["share"]), f"{row['mean']:.0f}", f"{int(row['n'])}"] if shown
                     else ["skjult" if row["status"] != apv.NO_ANSWERS else "–"] * 3)
            css = "sk-num" if shown else "sk-num sk-withheld"
            tds = "".join(f"<td class='{css}'>{c}</td>" for c in cells)
            if compare:
                tds += (f"<td class='sk-num'>{charts.percent(other['share'])}</td>" if other["status"] == apv.SHOWN
                        else "<td class='sk-num sk-withheld'>skjult</td>")
            body.append(f"<tr><th scope='row'>{escape(item.title)}</th>{tds}"
                        f"<td>{escape(results.status_text(unit, item.id))}</td></tr>")
        return f"<table class='sk-table'><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"

    @_guarded
    def companion_materials(self, levels: list[str] | None = None) -> None:
        cards = []
        for material in self.guide.companion_materials:
            if levels and material.for_level not in levels:
                continue
            level = self.guide.item("iglo_levels", material.for_level)
            cards.append(f"<div class='sk-card'><h4>{escape(material.title)}</h4>"
                         f"<p><b>Til:</b> {escape(material.audience)} (IGLO-niveau: {escape(level.title)})</p>"
                         f"<p>{escape(material.text)}</p></div>")
        show(f"<div class='sk-cards'>{''.join(cards)}</div>"
             f"<p>Materialerne findes på {escape(self.guide.meta.address)}.</p>")


    # --- recommendation 2: agreements and the executive order -------------------------
    @_guarded
    def agreements(self) -> None:
        sector = self.guide.item("sectors", self.book.sector)
        applies = [a for a in self.guide.agreements if self.book.sector in a.sectors]
        others = [a for a in self.guide.agreements if self.book.sector not in a.sectors]
        cards = []
        for a in applies:
            covers = "".join(f"<li>{escape(c)}</li>" for c in a.covers)
            implements = ""
            if a.get("implemented_by"):
                names = [self.guide.item("agreements", x).title for x in a.implemented_by if x in {y.id for y in applies}]
                implements = f"<p>Gennemføres i Danmark af: {escape(', '.join(names))}.</p>" if names else ""
            cards.append(f"<div class='sk-card'><h4>{escape(a.title)}</h4><p><b>{escape(a.document)}</b><br>"
                         f"Parter: {escape(a.parties)}</p><ul>{covers}</ul>{implements}"
                         + (f"<p class='sk-ref'>Kilde: {escape(a.address)}</p>" if a.address else "") + "</div>")
        html = f"<p>Institutionens sektor er <b>{escape(sector.title.lower())}</b> (fra institution.yaml).</p>"
        if applies:
            html += f"<div class='sk-cards'>{''.join(cards)}</div>"
        if self.book.sector == "privat":
            names = "; ".join(a.title for a in others)
            html += note(f"De centrale aftaler gælder ikke for en privat institution: {names}. "
                         f"{self.guide.executive_order.applies_to} Brug den som jeres fælles afsæt.")
        elif others:
            html += ("<p class='sk-muted'>Gælder ikke for jeres sektor: "
                     + escape("; ".join(f"{a.title} ({', '.join(a.sectors)})" for a in others)) + ".</p>")
        show(html)
        if applies:
            self.form("aftaler", items=[a.id for a in applies])

    @_guarded
    def work_areas(self) -> None:
        order = self.guide.executive_order
        items = "".join(f"<li>{escape(a.title)}</li>" for a in self.guide.work_areas)
        show(f"<p><b>{escape(order.title)}</b> ({escape(order.reference)}). Påvirkningerne i det psykiske "
             f"arbejdsmiljø opstår i forbindelse med:</p><ol>{items}</ol><p>{escape(order.applies_to)}</p>")
        self.form("arbejdsomraader")

    @_guarded
    def sources(self) -> None:
        rows = "".join(f"<li>{escape(s.publisher)}: <i>{escape(s.title)}</i>" + (f" ({escape(s.year)})" if s.year else "")
                       + (f". {escape(s.address)}" if s.address else "") + "</li>" for s in self.guide.sources)
        show(f"<ul class='sk-sources'>{rows}</ul><p class='sk-muted'>Adresserne står som tekst; "
             "rapporten henter intet fra nettet.</p>")

    # --- recommendation 3: the five exposures -------------------------------------------
    @_guarded
    def exposures(self) -> None:
        rows = []
        for e in self.guide.exposures:
            kind = ("Altid en belastning" if e.always_strain
                    else "Bliver en belastning, hvis den ikke forebygges og balanceres af ressourcer")
            rows.append(f"<tr><th scope='row'>{escape(e.title)}</th><td>«{escape(e.definition)}»</td>"
                        f"<td><span class='sk-badge{' sk-badge-strain' if e.always_strain else ''}'>{escape(kind)}</span>"
                        f"<br><small>{escape(e.guidance)}</small></td></tr>")
        order = self.guide.executive_order
        show("<table class='sk-table'><thead><tr><th>Påvirkning</th><th>Definition</th><th>Belastning</th></tr></thead>"
             f"<tbody>{''.join(rows)}</tbody></table><p class='sk-muted'>Definitionerne er citeret fra "
             f"{escape(order.title)} ({escape(order.reference)}).</p>")

    def _ratings(self) -> tuple[list, list]:
        latest = self.store.latest(self.unit, "paavirkning.")
        out = []
        for key in ("afdaekning", "forebyggelse"):
            values = []
            for e in self.guide.exposures:
                answer = latest.get(f"paavirkning.{e.id}.{key}")
                values.append(_rating(answer.value) if answer else None)
            out.append(values)
        return out[0], out[1]

    @_guarded
    def exposure_dialogue(self) -> None:
        self.form("paavirkninger_dialog", on_change=self._changed)
        results = self.results()
        exposures = self.guide.exposures
        if results is not None:
            show(self._results_table(results, [e for e in exposures if e.id in results.constructs], "Påvirkning", "udsat"))

        def render() -> str:
            mapped, prevented = self._ratings()
            labels = [e.short for e in exposures]
            shares = []
            if results is not None:
                shares.append((self.book.unit_name(self.unit), *self._shares(results, self.unit, exposures)))
                if not self.is_institution:
                    shares.append(("Hele institutionen", *self._shares(results, self.book.root_unit, exposures)))
            else:
                shares.append(("APV", [None] * len(exposures), ["ingen APV-data"] * len(exposures)))
            ratings = [("Afdækker", mapped, ["ikke vurderet"] * len(exposures)),
                       ("Forebygger", prevented, ["ikke vurderet"] * len(exposures))]
            return charts.dialogue_and_apv(labels, shares, ratings,
                                           f"Dialogen og APV'en side om side · {self.book.unit_name(self.unit)}")

        self.live_html(render)

    @_guarded
    def combinations(self) -> None:
        study = self.guide.combination_study
        order = self.guide.executive_order
        results = self.results()
        rows = []
        for combo in self.guide.combinations:
            a, b = (self.guide.item("exposures", x).short for x in combo.exposures)
            cid = f"kombination.{combo.id}"
            hr = f"{combo.hazard_ratio:.2f}".replace(".", ",")
            if results is None or cid not in results.constructs:
                cells = "<td class='sk-num sk-withheld'>–</td>" * (1 if self.is_institution else 2)
                remark = "APV'en måler ikke begge påvirkninger" if results is not None else "Ingen APV-data"
            else:
                cells = self._share_cell(results, self.unit, cid)
                if not self.is_institution:
                    cells += self._share_cell(results, self.book.root_unit, cid)
                remark = results.status_text(self.unit, cid)
            rows.append(f"<tr><th scope='row'>{escape(a)} + {escape(b)}</th>{cells}<td class='sk-num'>{hr}</td>"
                        f"<td>{escape(remark)}</td></tr>")
        compare = "" if self.is_institution else "<th>Hele institutionen</th>"
        show(f"<p>{escape(order.combination_rule)}</p><p>{escape(study.text)}</p>"
             f"<table class='sk-table'><thead><tr><th>Kombination</th><th>Andel udsat for begge</th>{compare}"
             f"<th>Risiko for langvarigt sygefravær (HR)</th><th>Bemærkning</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
             f"<p class='sk-muted'>Kilde: {escape(study.reference)}. Kombinationer med vold vises først fra "
             f"{self.book.min_group_sensitive} svar.</p>")

    def _share_cell(self, results: apv.Results, unit: str, construct: str) -> str:
        row = results.table.loc[(unit, construct)]
        if row["status"] == apv.SHOWN:
            return f"<td class='sk-num'>{charts.percent(row['share'])}</td>"
        return f"<td class='sk-num sk-withheld'>{'skjult' if row['status'] != apv.NO_ANSWERS else '–'}</td>"

    @_guarded
    def heatmap(self) -> None:
        """Units × exposures for the unit's part of the tree (the whole institution at the root)."""
        units = self.book.subtree(self.unit)
        if len(units) == 1:
            show("<p class='sk-muted'>Enheden har ingen underenheder; se institutionens rapport for oversigten over alle enheder.</p>")
            return
        results = self.results()
        if results is None:
            show(note("Der er endnu ingen APV-besvarelser at vise."))
            return
        ordered = [u for u in self.book.ordered() if u in units]
        exposures = [e for e in self.guide.exposures if e.id in results.constructs]
        values, notes_ = [], []
        for u in ordered:
            row_v, row_n = [], []
            for e in exposures:
                r = results.table.loc[(u, e.id)]
                row_v.append(float(r["share"]) if r["status"] == apv.SHOWN else None)
                row_n.append("" if r["status"] == apv.SHOWN else "ingen svar" if r["status"] == apv.NO_ANSWERS else "skjult")
            values.append(row_v)
            notes_.append(row_n)
        depth = self.book.depth(self.unit)
        labels = ["    " * (self.book.depth(u) - depth) + self.book.unit_name(u) for u in ordered]
        show(charts.heatmap(labels, [e.short for e in exposures], values, notes_,
                            f"Andel udsat pr. enhed · APV-runde {results.round}",
                            "Varmekort over andelen udsat pr. enhed og påvirkning, hvor skjulte felter er markeret «skjult»"))
        show(note(f"Et skraveret felt med «skjult» er holdt tilbage: færre end {self.book.min_group} svar "
                  f"({self.book.min_group_sensitive} ved krænkende handlinger og vold), eller feltet kunne ellers regnes ud "
                  "fra de andre felter. Et skjult felt betyder ikke nul."))


    # --- recommendation 4: taking stock of prevention ------------------------------------
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

    @_guarded
    def greb(self) -> None:
        self.form("greb_status", on_change=self._changed)

        def render() -> str:
            ratings = self._greb_ratings(self.unit)
            counts = [{key: values.count(key) for key, *_ in charts.RATING_LOOK} for values in ratings.values()]
            labels = [f"{n}. {g.title}" for n, g in enumerate(self.guide.greb, start=1)]
            return charts.rating_bars(labels, counts, f"Forebyggelsesgrebene i {self.book.unit_name(self.unit)}")

        self.live_html(render)

    @_guarded
    def greb_overview(self) -> None:
        """Units × greb: the share of rated sub-questions that succeed (partly counts half)."""
        units = [u for u in self.book.ordered() if u in set(self.book.subtree(self.unit))]
        if len(units) == 1:
            return
        values, notes_ = [], []
        for u in units:
            scores = [self._greb_score(v) for v in self._greb_ratings(u).values()]
            values.append(scores)
            notes_.append(["" if x is not None else "ikke vurderet" for x in scores])
        depth = self.book.depth(self.unit)
        labels = ["    " * (self.book.depth(u) - depth) + self.book.unit_name(u) for u in units]
        show(charts.heatmap(labels, [f"{n}. {g.short}" for n, g in enumerate(self.guide.greb, start=1)], values, notes_,
                            "Hvor godt lykkes grebene i enhederne?",
                            "Varmekort over, hvor stor en andel af hvert grebs delspørgsmål der lykkes i hver enhed "
                            "(delvist tæller halvt)"))

    def _high_exposures(self) -> list[tuple[str, str]]:
        """Exposures that weigh in this unit: high in the APV or poorly prevented by the dialogue's account."""
        results = self.results()
        _mapped, prevented = self._ratings()
        out = []
        for e, prevent in zip(self.guide.exposures, prevented):
            reasons = []
            if results is not None and e.id in results.constructs:
                row = results.table.loc[(self.unit, e.id)]
                inst = results.table.loc[(self.book.root_unit, e.id)]
                if row["status"] == apv.SHOWN and (row["share"] >= 0.5 or (not self.is_institution and inst["status"] == apv.SHOWN
                                                                          and row["share"] >= inst["share"] + 0.10)):
                    reasons.append(f"APV: {charts.percent(row['share'])} udsat")
            if prevent is not None and prevent <= 2:
                reasons.append(f"dialogen: forebygges {prevent:.0f} af 5")
            if reasons:
                out.append((e.short, " og ".join(reasons)))
        return out

    @_guarded
    def exposures_and_greb(self) -> None:
        def render() -> str:
            high = self._high_exposures()
            weak = []
            for g, values in zip(self.guide.greb, self._greb_ratings(self.unit).values()):
                score = self._greb_score(values)
                if "lykkes_ikke" in values or (score is not None and score < 0.5):
                    weak.append(g)
            if not high or not weak:
                what = "ingen påvirkninger fylder markant" if not high else "ingen greb er vurderet som svage"
                return f"<p>Lige nu peger tallene ikke på et bestemt sted at sætte ind: {what}.</p>"
            head = "".join(f"<th scope='col'>{escape(g.short)}</th>" for g in weak)
            rows = "".join(f"<tr><th scope='row'>{escape(name)}<br><small>{escape(why)}</small></th>"
                           + "<td class='sk-num'>● overvej mere her</td>" * len(weak) + "</tr>" for name, why in high)
            return ("<p>Påvirkninger, der fylder, mødt af greb, der halter. Hvert felt er et sted, hvor I kan overveje "
                    "at gøre noget andet eller mere.</p><table class='sk-table sk-cross'><thead><tr><th>Påvirkning</th>"
                    f"{head}</tr></thead><tbody>{rows}</tbody></table>")

        self.live_html(render)
        self.form("greb_mere")

    @_guarded
    def contact(self) -> None:
        units = [u for u in self.book.ordered() if u in set(self.book.subtree(self.unit))]
        form = self.guide.forms["kontakt"]
        depth = self.book.depth(self.unit)
        names = {u: "    " * (self.book.depth(u) - depth) + self.book.unit_name(u) for u in units}
        if self.mode == "report":
            show(forms.rows_report_html(form, self.store, [(u, names[u]) for u in units]))
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
            return charts.contact_tree(tree, status, f"Vores kontakt med {self.book.unit_name(self.unit)}") + text

        self.live_html(render)
        self.form("kontakt_plan")

    # --- recommendation 5: cooperation ---------------------------------------------------
    def _cooperation_targets(self) -> list[tuple[str, str]]:
        """Whose cooperation the form is about: the institution and each AMO group, or the unit's group."""
        groups = self.book.amo_groups
        if self.is_institution:
            return [(self.unit, f"Arbejdsmiljøorganisationen på {self.book.name}")] + (
                [(f"amg:{g.id}", g.name) for g in groups] if len(groups) > 1 else [])
        mine = [g for g in groups if set(g.units) & set(self.book.ancestors(self.unit))]
        return [(f"amg:{g.id}", g.name) for g in mine] or [(self.book.root_unit, f"Arbejdsmiljøorganisationen på {self.book.name}")]

    @_guarded
    def cooperation(self) -> None:
        form = self.guide.forms["samarbejde"]
        for key, name in self._cooperation_targets():
            show(f"<h3>{escape(name)}</h3>")
            if self.mode == "report":
                show(forms.report_html(form, self.store, key))
            else:
                view = forms.FormView(form, self.store, key, on_change=self._changed)
                self.views[f"samarbejde:{key}"] = view
                display(view.widget)

            def render(key=key) -> str:
                latest = self.store.latest(key, "samarbejde.")
                rows, all_ok = [], True
                for q in self.guide.cooperation_questions:
                    missing = [p.text for p in q.points if not (latest.get(f"samarbejde.{q.id}.{p.id}.flueben")
                                                                 and latest[f"samarbejde.{q.id}.{p.id}.flueben"].value)]
                    all_ok &= not missing
                    mark = "✓ Ja" if not missing else f"✗ Mangler {len(missing)} af {len(q.points)}"
                    rows.append(f"<tr><th scope='row'>{q.number}. {escape(q.title)}</th><td>{mark}</td></tr>")
                verdict = "Ja — alle fire spørgsmål har flueben ved hvert punkt." if all_ok else "Ikke endnu."
                return (f"<p><b>Kan vi sætte flueben ved alle fire?</b> {verdict}</p><table class='sk-table'><tbody>"
                        f"{''.join(rows)}</tbody></table>")

            self.live_html(render)

    @_guarded
    def interface(self) -> None:
        columns = [("Arbejdsmiljøorganisationens opgaver", self.guide.amo_tasks),
                   ("Fælles opgaver", self.guide.joint_tasks),
                   ("Samarbejdsudvalgets opgaver", self.guide.su_tasks)]
        cards = "".join(f"<div class='sk-card'><h4>{escape(t)}</h4><ul>"
                        + "".join(f"<li>{escape(x.text)}</li>" for x in items) + "</ul></div>" for t, items in columns)
        show(f"<div class='sk-cards sk-three'>{cards}</div><p class='sk-muted'>{escape(self.guide.interface.source)}.</p>")
        self.form("snitflade")


    # --- recommendation 6: the action plan -------------------------------------------------
    def _scope(self) -> dict[str, str]:
        return {u: self.book.unit_name(u) for u in self.book.ordered() if u in set(self.book.subtree(self.unit))}

    def _actions(self) -> list[actions_module.Action]:
        scope = self._scope()
        return [a for a in actions_module.for_unit(self.store) if a.unit in scope]

    @_guarded
    def iglo(self) -> None:
        today = actions_module.today()
        if self.mode == "live":
            editor = forms.ActionEditor(self.store, self.guide, self._scope(), self.unit, on_change=self._changed)
            self.views["iglo"] = editor
            display(editor.widget)
        self.live_html(lambda: actions_module.iglo_html(self._actions(), self.guide, today, self._scope()))

    @_guarded
    def follow_up(self) -> None:
        today = actions_module.today()

        def render() -> str:
            flagged = [(a, actions_module.flags(a, today)) for a in self._actions()]
            flagged = [(a, f) for a, f in flagged if f]
            if not flagged:
                return f"<p>Ingen opgaver er forsinkede, og ingen opfølgning er overskredet pr. {today:%d.%m.%Y}.</p>"
            rows = "".join(f"<tr><td>{escape(self.book.unit_name(a.unit))}</td><td>{escape(a.measure)}</td>"
                           f"<td>{escape(a.responsible or '–')}</td><td class='sk-flagged'>⚠ {escape('; '.join(f))}</td></tr>"
                           for a, f in flagged)
            return (f"<p class='sk-alert'><b>{len(flagged)} opgave{'r' if len(flagged) != 1 else ''} kræver opmærksomhed</b> "
                    f"pr. {today:%d.%m.%Y}.</p><table class='sk-table'><thead><tr><th>Enhed</th><th>Opgave</th><th>Hvem</th>"
                    f"<th>Hvorfor</th></tr></thead><tbody>{rows}</tbody></table>")

        self.live_html(render)

    @_guarded
    def apv_plan(self) -> None:
        today = actions_module.today()
        self.live_html(lambda: actions_module.plan_html(self._actions(), self.guide, self._scope(), today))
        show(f"<p class='sk-muted'>Læg planen over i APV'ens handlingsplan med <code>stresskit export-plan "
             f"{escape(str(self.book.root.name))} --out handleplan.xlsx</code> (eller .csv).</p>")

    @_guarded
    def after_case(self) -> None:
        """Ask whether to agree something else only once a case is marked as over."""
        form = self.guide.forms["efter_forloeb"]
        first, rest = form.questions[0], form.questions[1:]
        latest = self.store.latest(self.unit, "handleplan.forloeb.")
        over = bool(latest.get(first.id) and latest[first.id].value)
        if self.mode == "report":
            shown = form if over else forms.Form(form.id, form.title, form.recommendation, form.intro, form.layout, (first,))
            show(forms.report_html(shown, self.store, self.unit))
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
        """The plan on one printed page, to hang up or hand out: a plan everyone knows calms in itself."""
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
                                + (f", senest {date.fromisoformat(a.deadline):%d.%m.%Y}" if a.deadline else "")
                                + (" ✓" if a.status == "gennemfoert" else "") + "</li>" for a in mine)
                blocks.append(f"<div class='sk-onepage-phase'><h4>{phase.number}. {escape(phase.title)}</h4>"
                              f"<p class='sk-muted'>{escape(phase.question)}</p>"
                              + (f"<ul>{lines}</ul>" if lines else "<p class='sk-muted'>Intet aftalt endnu.</p>") + "</div>")
            rest = [a for a in items if a.phase not in {p.id for p in self.guide.iglo_phases}]
            extra = (f"<p class='sk-muted'>Desuden {len(rest)} opgave{'r' if len(rest) != 1 else ''} uden IGLO-fase "
                     "(se handleplanen).</p>") if rest else ""
            return (f"<section class='sk-onepage'><h2>Vores plan mod stress · {escape(self.book.unit_name(self.unit))}</h2>"
                    f"<p>{escape(self.book.name)} · {actions_module.today():%d.%m.%Y}. Sådan forebygger vi stress, og sådan gør vi, "
                    f"når stressen rammer.</p><div class='sk-onepage-grid'>{''.join(blocks)}</div>{extra}</section>")

        self.live_html(render)

    @_guarded
    def checklist(self) -> None:
        """The six recommendations as a checklist: per unit, how far each has come."""
        today = actions_module.today()
        units = list(self._scope())
        by_rec = {r.id: [q for f in self.guide.forms.values() if f.recommendation == r.id for q in f.questions
                         if q.kind != "action"] for r in self.guide.recommendations}
        everything = actions_module.for_unit(self.store)
        head = "".join(f"<th scope='col'>{r.number}. {escape(r.title)}</th>" for r in self.guide.recommendations)
        rows = []
        depth = self.book.depth(self.unit)
        for u in units:
            latest = self.store.latest(u)
            mine = [a for a in everything if a.unit == u]
            cells = []
            for r in self.guide.recommendations:
                questions = by_rec[r.id]
                answered = sum(1 for q in questions if q.id in latest and latest[q.id].value not in (None, "", []))
                open_ = [a for a in mine if a.recommendation == r.id and a.is_open()]
                late = [a for a in open_ if a.overdue(today)]
                bits = [f"{answered} af {len(questions)} besvaret"]
                if open_:
                    bits.append("1 åben opgave" if len(open_) == 1 else f"{len(open_)} åbne opgaver")
                if late:
                    bits.append(f"<b class='sk-flag'>⚠ {len(late)} forsinket</b>")
                css = "sk-done" if questions and answered == len(questions) else "sk-none" if not answered else ""
                cells.append(f"<td class='{css}'>{'<br>'.join(bits)}</td>")
            indent = "&nbsp;&nbsp;&nbsp;" * (self.book.depth(u) - depth)
            rows.append(f"<tr><th scope='row'>{indent}{escape(self.book.unit_name(u))}</th>{''.join(cells)}</tr>")
        show(f"<table class='sk-table sk-checklist'><thead><tr><th>Enhed</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
             f"<p class='sk-muted'>Opgjort {today:%d.%m.%Y}. «Besvaret» tæller enhedens egne svar på anbefalingens spørgsmål.</p>")

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
            return None, "ikke målt"
        row = results.table.loc[(unit, construct)]
        if row["status"] == apv.SHOWN:
            return float(row["share"]), ""
        return None, "–" if row["status"] == apv.NO_ANSWERS else "skjult"

    @staticmethod
    def _change_text(c: "trend.Change | None") -> tuple[str, str]:
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
        return f"{sign}{abs(rounded)} procentpoint (ikke en tydelig ændring)", ""

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
        show(charts.trend_lines(panels, rounds, f"Udviklingen i {book.unit_name(unit)}, runde for runde",
                                "Små linjediagrammer, ét pr. påvirkning og ressource, over andelen udsat eller med lav "
                                "ressource i hver APV-runde; et skjult tal er udeladt af linjen"))
        show(self._trend_table(history, unit, exposures, "Påvirkning (andel udsat)")
             + self._trend_table(history, unit, resources, "Ressource (andel med lav ressource)"))
        show(f"<p class='sk-muted'><b>Hvornår kaldes en ændring tydelig?</b> {escape(trend.RULE_TEXT)} "
             f"En ændring vises kun, hvor begge runders tal vises; hver runde er gjort anonym for sig.</p>")
        if self.is_institution:
            show(self._units_by_direction(previous, latest, [i.id for i in items]))

    def _trend_table(self, history: list[apv.Results], unit: str, items, kind: str) -> str:
        if not items:
            return ""
        previous, latest = history[-2], history[-1]
        head = "".join(f"<th>{escape(r.round)}</th>" for r in history)
        body = []
        for item in items:
            cells = []
            for r in history:
                value, why = self._round_share(r, unit, item.id)
                cells.append(f"<td class='sk-num'>{charts.percent(value)}</td>" if value is not None
                             else f"<td class='sk-num sk-withheld'>{escape(why)}</td>")
            text, css = self._change_text(trend.change(previous, latest, unit, item.id))
            body.append(f"<tr><th scope='row'>{escape(item.title)}</th>{''.join(cells)}"
                        f"<td class='{css}'>{escape(text)}</td></tr>")
        return (f"<table class='sk-table sk-trend'><thead><tr><th>{escape(kind)}</th>{head}"
                f"<th>Ændring siden {escape(previous.round)}</th></tr></thead><tbody>{''.join(body)}</tbody></table>")

    def _units_by_direction(self, previous: apv.Results, latest: apv.Results, constructs: list[str]) -> str:
        titles = {c.id: c.short for c in [*self.guide.exposures, *self.guide.resources]}
        what = {**{e.id: "udsat" for e in self.guide.exposures}, **{r.id: "med lav ressource" for r in self.guide.resources}}
        units = [u for u in self.book.ordered() if u != self.book.root_unit]
        better, worse = trend.units_by_direction(previous, latest, units, constructs)

        def listing(found: dict, word: str) -> str:
            if not found:
                return f"<p>Ingen enheder blev tydeligt {word} fra {escape(previous.round)} til {escape(latest.round)}.</p>"
            lines = "".join(
                f"<li><b>{escape(self.book.unit_name(u))}</b>: "
                + escape("; ".join(f"{titles.get(c.construct, c.construct)}: {charts.percent(c.previous)} → {charts.percent(c.latest)} "
                                   f"{what.get(c.construct, '')}"
                                   for c in changes)) + "</li>" for u, changes in found.items())
            return f"<ul>{lines}</ul>"

        return (f"<h3>Enheder, der blev tydeligt bedre</h3>{listing(better, 'bedre')}"
                f"<h3>Enheder, der blev tydeligt værre</h3>{listing(worse, 'værre')}")

    @_guarded
    def signals_trend(self) -> None:
        """The stress signals of the latest period beside the previous one, when signals.csv has a periode column."""
        periods = [p for p in signals.periods(self.book) if p]
        if len(periods) < 2:
            return
        prev, last = periods[-2], periods[-1]
        before, now = signals.for_unit(self.book, self.unit, prev), signals.for_unit(self.book, self.unit, last)
        if not before and not now:
            return
        rows = []
        for m in self.guide.signal_measures:
            cells = []
            for figures in (before, now):
                v = figures.get(m["id"])
                cells.append("<td class='sk-num sk-withheld'>–</td>" if v is None else
                             f"<td class='sk-num'>{v:.0f}</td>" if m["integer"] else
                             f"<td class='sk-num'>{v:.1f}</td>".replace(".", ","))
            rows.append(f"<tr><th scope='row'>{escape(m['title'])} <small>({escape(m['unit'])})</small></th>{''.join(cells)}</tr>")
        show(f"<table class='sk-table'><thead><tr><th>Signal</th><th>{escape(prev)}</th><th>{escape(last)}</th></tr></thead>"
             f"<tbody>{''.join(rows)}</tbody></table>")


def open(workbook: str | Path, unit: str | None = None, mode: str = "live") -> Page:  # noqa: A001
    """Open a workbook for one unit; the entry point every notebook calls first."""
    return Page(workbook, unit, mode)
