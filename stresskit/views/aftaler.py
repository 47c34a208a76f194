"""Recommendation 2, the agreements as a common ground: central agreements by sector, the executive order's five areas."""
from __future__ import annotations

from html import escape

from . import base
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
            show(f"<p>Sektor: <b>{escape(sector.title.lower())}</b>. Gælder her: {escape(names)}.</p>")
            self.refer_to_institution("Hvad arbejdsmiljøorganisationen kender og bruger af aftalerne og bekendtgørelsens "
                                      "fem områder")
            return
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
        html = f"<p>Institutionens sektor er <b>{escape(sector.title.lower())}</b>.</p>"
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
        rows = "".join(f"<li>{escape(s.publisher)}: <i>{escape(s.title)}</i>" + (f", {escape(s.journal)}" if s.get("journal") else "")
                       + (f" ({escape(s.year)})" if s.year else "")
                       + (f". {escape(s.address)}" if s.address else "") + "</li>" for s in self.guide.sources)
        show(f"<ul class='sk-sources'>{rows}</ul><p class='sk-muted'>Adresserne står som tekst; "
             "rapporten henter intet fra nettet.</p>")


open = base.opener(Page)  # noqa: A001
