"""Recommendation 2, the agreements as a common ground: central agreements by sector, the executive order's five areas."""

from __future__ import annotations

from . import base, render
from .base import _guarded, note, show


class Page(base.Page):
    RECOMMENDATION = "aftaler"

    @_guarded
    def agreements(self) -> None:
        sector = self.guide.item("sectors", self.book.sector)
        applies = [a for a in self.guide.agreements if self.book.sector in a.sectors]
        others = [a for a in self.guide.agreements if self.book.sector not in a.sectors]
        if self.institution_only:
            names = "; ".join(a.title for a in applies) or "ingen af de centrale aftaler; bekendtgørelsen gælder"
            show(render.macro("aftaler", "sector_line", sector=sector.title.lower(), names=names))
            self.refer_to_institution(
                "Hvad arbejdsmiljøorganisationen kender og bruger af aftalerne og bekendtgørelsens fem områder"
            )
            return
        cards = []
        for a in applies:
            names = []
            if a.get("implemented_by"):
                names = [
                    self.guide.item("agreements", x).title for x in a.implemented_by if x in {y.id for y in applies}
                ]
            cards.append((a, names))
        note_html, other_names = "", ""
        if self.book.sector == "privat":
            names = "; ".join(a.title for a in others)
            note_html = note(
                f"De centrale aftaler gælder ikke for en privat institution: {names}. "
                f"{self.guide.executive_order.applies_to} Brug den som jeres fælles afsæt."
            )
        elif others:
            other_names = "; ".join(f"{a.title} ({', '.join(a.sectors)})" for a in others)
        show(
            render.macro(
                "aftaler",
                "agreements",
                sector=sector.title.lower(),
                cards=cards,
                note_html=note_html,
                others=other_names,
            )
        )
        if applies:
            self.form("aftaler", items=[a.id for a in applies])

    @_guarded
    def work_areas(self) -> None:
        order = self.guide.executive_order
        show(render.macro("aftaler", "work_areas", order=order, areas=self.guide.work_areas))
        if not self.institution_only:  # the line under the agreements covers it in a unit's report
            self.form("arbejdsomraader")

    @_guarded
    def common_ground(self) -> None:
        """What the AMO builds its prevention on: one answer for the whole institution."""
        if self.institution_only:  # under the notebook's question, so a unit's report does not leave it hanging
            self.refer_to_institution("Jeres fælles grundlag")
            return
        self.form("grundlag")

    @_guarded
    def sources(self) -> None:
        if self.institution_only:
            show("<p class='sk-muted'>Kilderne med adresser står i institutionens rapport.</p>")
            return
        show(render.macro("aftaler", "sources", sources=self.guide.sources))


open = base.opener(Page)  # noqa: A001
