"""Recommendation 5, cooperation: the four questions per AMO group, the division of roles, the AMO / SU-MED interface."""

from __future__ import annotations

from IPython.display import display

from .. import danish
from ..live import forms
from . import base, render
from .base import _guarded, show


class Page(base.Page):
    RECOMMENDATION = "samarbejde"

    def _cooperation_targets(self) -> list[tuple[str, str]]:
        """Whose cooperation the form is about: the institution and each AMO group, or the unit's group."""
        groups = self.book.amo_groups
        if self.is_institution:
            return [(self.unit, f"Arbejdsmiljøorganisationen på {self.book.name}")] + (
                [(f"amg:{g.id}", g.name) for g in groups] if len(groups) > 1 else []
            )
        mine = [g for g in groups if set(g.units) & set(self.book.ancestors(self.unit))]
        return [(f"amg:{g.id}", g.name) for g in mine] or [
            (self.book.root_unit, f"Arbejdsmiljøorganisationen på {self.book.name}")
        ]

    @_guarded
    def cooperation(self) -> None:
        form = self.guide.forms["samarbejde"]
        if self.institution_only:
            names = danish.listing(name for _key, name in self._cooperation_targets())
            self.refer_to_institution(f"De fire spørgsmål besvares af {names}; de")
            return
        targets = self._cooperation_targets()
        if self.mode == "report" and len(targets) > 1:  # on paper: one table, a column per group
            self.live_html(lambda: self._cooperation_cross(targets))
            return
        for key, name in targets:
            show(render.macro("samarbejde", "heading", name=name))
            if self.mode != "report":  # in a report the summary below names every missing point
                view = forms.FormView(form, self.store, key, on_change=self._changed)
                self.views[f"samarbejde:{key}"] = view
                display(view.widget)

            def summary(key=key) -> str:
                latest = self.store.latest(key, "samarbejde.")
                rows, all_ok = [], True
                for q in self.guide.cooperation_questions:
                    missing = [
                        p.text
                        for p in q.points
                        if not (
                            latest.get(f"samarbejde.{q.id}.{p.id}.flueben")
                            and latest[f"samarbejde.{q.id}.{p.id}.flueben"].value
                        )
                    ]
                    all_ok &= not missing
                    mark = "✓ Ja" if not missing else f"✗ Mangler {len(missing)} af {len(q.points)}"
                    rows.append((q.number, q.title, mark, missing if self.mode == "report" else []))
                return render.macro("samarbejde", "summary", rows=rows, all_ok=all_ok)

            self.live_html(summary)

    def _ticked(self, key: str) -> dict[str, bool]:
        latest = self.store.latest(key, "samarbejde.")
        return {
            f"{q.id}.{p.id}": bool(
                latest.get(f"samarbejde.{q.id}.{p.id}.flueben") and latest[f"samarbejde.{q.id}.{p.id}.flueben"].value
            )
            for q in self.guide.cooperation_questions
            for p in q.points
        }

    def _cooperation_cross(self, targets: list[tuple[str, str]]) -> str:
        """The four questions for every group in one table: each point once, a column per group
        (✓ flueben, ✗ mangler), and per group whether all four have every point ticked."""
        ticked = {key: self._ticked(key) for key, _name in targets}
        short = [
            ("Hele AMO" if key == self.book.root_unit else name.removeprefix("Arbejdsmiljøgruppen for ").strip())
            for key, name in targets
        ]
        groups = [(s[:1].upper() + s[1:], name, s != name) for s, (_key, name) in zip(short, targets)]
        questions = [
            (q, [(p.text, [ticked[key][f"{q.id}.{p.id}"] for key, _name in targets]) for p in q.points])
            for q in self.guide.cooperation_questions
        ]
        verdicts = [all(ticked[key].values()) for key, _name in targets]
        return render.macro("samarbejde", "cross", groups=groups, questions=questions, verdicts=verdicts)

    @_guarded
    def roles(self) -> None:
        """Who does what with the management, beside the guideline's example of an AMR at the first signs."""
        role = self.guide.amr_role
        show(render.macro("samarbejde", "role", role=role))
        self.form("rollefordeling")

    @_guarded
    def interface(self) -> None:
        if self.institution_only:
            self.refer_to_institution("Snitfladen mellem arbejdsmiljøorganisationen og samarbejdsudvalget")
            return
        columns = [
            ("Arbejdsmiljøorganisationens opgaver", self.guide.amo_tasks),
            ("Fælles opgaver", self.guide.joint_tasks),
            ("Samarbejdsudvalgets opgaver", self.guide.su_tasks),
        ]
        show(render.macro("samarbejde", "interface", columns=columns, source=self.guide.interface.source))
        self.form("snitflade")


open = base.opener(Page)  # noqa: A001
