"""Executed notebooks to self-contained HTML: no code, no widgets, no network."""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

TEMPLATES = Path(__file__).parent / "templates"
CSS = TEMPLATES / "stresskit" / "static" / "stresskit.css"
# Every report and the index carry this policy, so a missed escape can neither run script nor
# call out: no script, no connection, no font or frame; images only as data: URIs, inline styles.
CSP = ("default-src 'none'; script-src 'none'; connect-src 'none'; img-src data:; style-src 'unsafe-inline'; "
       "font-src 'none'; object-src 'none'; frame-src 'none'; form-action 'none'; base-uri 'none'")


def exporter() -> HTMLExporter:
    """One exporter to reuse for a whole batch (building one costs far more than using it)."""
    exp = HTMLExporter(template_name="stresskit", extra_template_basedirs=[str(TEMPLATES)])
    exp.exclude_input = True
    exp.exclude_input_prompt = True
    exp.exclude_output_prompt = True
    return exp


def to_html(nb: nbformat.NotebookNode, exp: HTMLExporter | None = None) -> str:
    exp = exp or exporter()
    resources = {"stresskit_css": CSS.read_text(encoding="utf-8"), "stresskit_csp": CSP}
    body, _ = exp.from_notebook_node(nb, resources=resources)
    return body
