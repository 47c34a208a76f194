"""Executed notebooks to self-contained HTML: no code, no widgets, no network."""
from __future__ import annotations

import copy
import hashlib
import re
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


# The guideline names both committees; a state institution has a samarbejdsudvalg (SU), not MED.
STATE_WORDS = (("Samarbejdsudvalget eller MED-udvalget", "Samarbejdsudvalget (SU)"),
               ("samarbejdsudvalget eller MED-udvalget", "samarbejdsudvalget (SU)"),
               ("SU/MED-udvalget", "samarbejdsudvalget (SU)"),
               ("samarbejdsudvalg og arbejdsmiljøorganisation eller MED", "samarbejdsudvalg og arbejdsmiljøorganisation"),
               ("SU/MED", "SU"), ("SU-MED", "SU"))


def for_sector(html: str, sector: str) -> str:
    """The committee named as the institution's sector names it (institution.yaml's sector)."""
    if sector == "stat":
        for general, state in STATE_WORDS:
            html = html.replace(general, state)
    return html


def _sector(nb: nbformat.NotebookNode) -> str:
    from .workbook import Workbook

    try:
        return Workbook.open(nb.metadata["papermill"]["parameters"]["workbook"]).sector
    except Exception:  # a notebook run by hand, or a workbook that cannot be read: the general words
        return ""


def to_html(nb: nbformat.NotebookNode, exp: HTMLExporter | None = None) -> str:
    exp = exp or exporter()
    resources = {"stresskit_css": CSS.read_text(encoding="utf-8"), "stresskit_csp": CSP}
    body, _ = exp.from_notebook_node(nb, resources=resources)
    return for_sector(body, _sector(nb))


# A chart inside an HTML output: <img src='data:image/png;base64,…'> (see charts.figure_html).
_EMBEDDED = re.compile(r"src=(['\"])data:image/(png|jpeg|svg\+xml);base64,([A-Za-z0-9+/=]+)\1")
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def without_images(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of an executed notebook for the audit trail, without image payloads: every number
    a chart draws is in its alt text and in the report beside it. Each image is replaced by its
    sha256, so an auditor can still tell which picture the report showed."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for kind in _IMAGE_TYPES:
                if kind in data:
                    payload = data.pop(kind)
                    data.setdefault("text/plain", f"[{kind} fjernet, sha256 {_digest(payload)}]")
            if isinstance(data.get("text/html"), str):
                data["text/html"] = _EMBEDDED.sub(
                    lambda m: f"src={m[1]}data:,{m[1]} data-sha256={m[1]}{_digest(m[3])}{m[1]}", data["text/html"])
    return nb


def _digest(payload) -> str:
    text = "".join(payload) if isinstance(payload, list) else str(payload)
    return hashlib.sha256(text.encode("ascii", "replace")).hexdigest()
