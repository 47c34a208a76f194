"""Recommendation 5, cooperation: the four questions per AMO group, the division of roles, the AMO / SU-MED interface."""
from __future__ import annotations

from html import escape

from IPython.display import display

from .. import forms
from . import base
from .base import _guarded, show


class Page(base.Page):
    RECOMMENDATION = "samarbejde"

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
        if self.institution_only:
            names = " og ".join(name for _key, name in self._cooperation_targets())
            self.refer_to_institution(f"De fire spørgsmål besvares af {names}; de")
            return
        targets = self._cooperation_targets()
        if self.mode == "report" and len(targets) > 1:  # on paper: one table, a column per group
            self.live_html(lambda: self._cooperation_cross(targets))
            return
        for key, name in targets:
            show(f"<h3>{escape(name)}</h3>")
            if self.mode == "report":  # the summary below names every missing point; notes follow it
                pass
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
                    if missing and self.mode == "report":
                        mark += ": " + escape("; ".join(missing))
                    rows.append(f"<tr><th scope='row'>{q.number}. {escape(q.title)}</th><td>{mark}</td></tr>")
                verdict = "Ja — alle fire spørgsmål har flueben ved hvert punkt." if all_ok else "Ikke endnu."
                return (f"<p><b>Kan vi sætte flueben ved alle fire?</b> {verdict}</p><table class='sk-table'><tbody>"
                        f"{''.join(rows)}</tbody></table>")

            self.live_html(render)

    def _ticked(self, key: str) -> dict[str, bool]:
        latest = self.store.latest(key, "samarbejde.")
        return {f"{q.id}.{p.id}": bool(latest.get(f"samarbejde.{q.id}.{p.id}.flueben")
                                       and latest[f"samarbejde.{q.id}.{p.id}.flueben"].value)
                for q in self.guide.cooperation_questions for p in q.points}

    def _cooperation_cross(self, targets: list[tuple[str, str]]) -> str:
        """The four questions for every group in one table: each point once, a column per group
        (✓ flueben, ✗ mangler), and per group whether all four have every point ticked."""
        ticked = {key: self._ticked(key) for key, _name in targets}
        width = 1 + len(targets)
        short = [("Hele AMO" if key == self.book.root_unit else name.removeprefix("Arbejdsmiljøgruppen for ").strip())
                 for key, name in targets]
        head = "".join(f"<th scope='col' title='{escape(name)}'>{escape(s[:1].upper() + s[1:])}</th>"
                       for (_key, name), s in zip(targets, short))
        rows = []
        for q in self.guide.cooperation_questions:
            rows.append(f"<tr class='sk-group'><th scope='rowgroup' colspan='{width}'>{q.number}. {escape(q.title)}</th></tr>")
            for p in q.points:
                cells = "".join("<td>✓</td>" if ticked[key][f"{q.id}.{p.id}"] else "<td><b>✗</b> mangler</td>"
                                for key, _name in targets)
                rows.append(f"<tr><th scope='row'>{escape(p.text)}</th>{cells}</tr>")
        verdict = "".join("<td><b>Ja</b></td>" if all(ticked[key].values()) else "<td>Ikke endnu</td>" for key, _n in targets)
        rows.append(f"<tr><th scope='row'><b>Kan vi sætte flueben ved alle fire?</b></th>{verdict}</tr>")
        key_line = "; ".join(f"{escape(s[:1].upper() + s[1:])}: {escape(name)}" for (_k, name), s in zip(targets, short)
                             if s != name)
        return (f"<p class='sk-muted'>✓: flueben ved punktet; ✗: mangler. {key_line}.</p>"
                f"<table class='sk-table sk-cross sk-coop'><thead><tr><th scope='col'>Punkt</th>{head}</tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>")

    @_guarded
    def roles(self) -> None:
        """Who does what with the management, beside the guideline's example of an AMR at the first signs."""
        role = self.guide.amr_role
        show(base.guide_html(f"<div class='sk-card'><h4>{escape(role.title)}</h4><p>{escape(role.text)}</p>"
                             f"<p class='sk-ref'>Kilde: {escape(role.source)}.</p></div>"))
        self.form("rollefordeling")

    @_guarded
    def interface(self) -> None:
        if self.institution_only:
            self.refer_to_institution("Snitfladen mellem arbejdsmiljøorganisationen og samarbejdsudvalget")
            return
        columns = [("Arbejdsmiljøorganisationens opgaver", self.guide.amo_tasks),
                   ("Fælles opgaver", self.guide.joint_tasks),
                   ("Samarbejdsudvalgets opgaver", self.guide.su_tasks)]
        cards = "".join(f"<div class='sk-card'><h4>{escape(t)}</h4><ul>"
                        + "".join(f"<li>{escape(x.text)}</li>" for x in items) + "</ul></div>" for t, items in columns)
        show(f"<div class='sk-cards sk-three'>{cards}</div><p class='sk-muted'>{escape(self.guide.interface.source)}.</p>")
        self.form("snitflade")


open = base.opener(Page)  # noqa: A001
