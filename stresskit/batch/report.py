"""Executed notebooks to self-contained HTML: no code, no widgets, no network.

The exporter is nbconvert's own kind (StresskitExporter, `jupyter nbconvert --to stresskit`);
`stresskit run` writes every report with it, so the two give the same page."""

from __future__ import annotations

import copy
import functools
import hashlib
import re
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbformat import validator
from traitlets import default

TEMPLATES = Path(__file__).parent.parent / "templates"
CSS = TEMPLATES / "stresskit" / "static" / "stresskit.css"
# Every report and the index carry this policy, so a missed escape can neither run script nor
# call out: no script, no connection, no font or frame; images only as data: URIs, inline styles.
CSP = (
    "default-src 'none'; script-src 'none'; connect-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "font-src 'none'; object-src 'none'; frame-src 'none'; form-action 'none'; base-uri 'none'"
)


LIVE_NOTE = (
    "Denne notesbog er kørt i live-tilstand, hvor felterne er formularer til at udfylde, og de kan "
    "ikke vises i en rapport. Kør den med -p mode report for at få rapporten med jeres svar."
)
WIDGET_NOTE = "Her står en formular i live-tilstand; den vises ikke i en rapport (kør med -p mode report)."
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
ERROR_MARKER = "papermill-error-cell-tag"  # papermill's English banner cells over a failed notebook


# An element whose class is jp-Notebook, however quoted, and an <img> tag without an alt attribute
# (a false match only costs the soup's time: the page is then written as before).
_NOTEBOOK = re.compile(r"""class\s*=\s*["']?(?:[^"'>]*\s)?jp-Notebook(?:[\s"'>]|$)""")
_NO_ALT = re.compile(r"<img\b(?![^>]*\balt\s*=)[^>]*>", re.I)
# A letter beyond ASCII written as a character reference («arbejdsmilj&#248;» in a Markdown heading, as
# nbconvert's anchor filter writes it): written as the letter, as the soup did, so the page's text is
# the text a reader searches for.
_CHAR_REF = re.compile(r"&#(\d{3,7});")


def _character(ref: re.Match) -> str:
    code = int(ref[1])
    return chr(code) if 160 <= code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else ref[0]


class StresskitExporter(HTMLExporter):
    """The report `stresskit run` writes, as an nbconvert exporter (`jupyter nbconvert --to
    stresskit out.ipynb`, registered under nbconvert.exporters): no input cells, no prompts,
    stresskit's stylesheet inlined, no script, nothing loaded from anywhere, the CSP. A notebook
    run in live mode gets a note on top and one where each form was, instead of blanks."""

    export_from_notebook = "stresskit-rapport"

    @default("template_name")
    def _template_name_default(self):
        return "stresskit"

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self):
        return [str(TEMPLATES)]

    @default("exclude_input")
    def _exclude_input_default(self):
        return True

    @default("exclude_input_prompt")
    def _exclude_input_prompt_default(self):
        return True

    @default("exclude_output_prompt")
    def _exclude_output_prompt_default(self):
        return True

    @default("optimistic_validation")
    def _optimistic_validation_default(self):
        return True  # validate once after the preprocessors, not after each of them

    def from_notebook_node(self, nb, resources=None, **kw):
        resources = dict(resources or {})
        resources.setdefault("stresskit_css", _css())
        resources.setdefault("stresskit_csp", CSP)
        body, resources = self._render(for_report(nb), resources, **kw)
        return for_sector(body, _sector(nb)), resources

    def _preprocess(self, nb, resources):
        """nbconvert's, less one of its three deep copies of the notebook: nb is already
        from_notebook_node's own copy, and normalize copies it once more before any preprocessor."""
        if not hasattr(validator, "normalize"):
            return super()._preprocess(nb, resources)
        resources = copy.deepcopy(resources)
        _, nb = validator.normalize(nb)
        for preprocessor in self._preprocessors:
            nb, resources = preprocessor(nb, resources)
            if not self.optimistic_validation:
                self._validate_preprocessor(nb, preprocessor)
        if self.optimistic_validation and self._preprocessors:
            self._validate_preprocessor(nb, preprocessor)
        return nb, resources

    def _render(self, nb, resources, **kw):
        """HTMLExporter.from_notebook_node without its BeautifulSoup pass where that pass would add
        nothing: it gives images without alt text an alt, and cells under `.jp-Notebook` a
        tabindex, then writes the whole page out again in its own quoting (a fifth of a unit's
        CPU). A report has neither (its charts carry alt text, its body is no `.jp-Notebook`), so
        the template's HTML is the page; any other notebook still gets the pass."""
        lang = nb.metadata.get("language_info", {})
        lexer = lang.get("pygments_lexer", lang.get("name", None))
        self.register_filter(
            "highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        )
        resources = self._init_resources(resources)
        self.register_filter(
            "filter_data_type",
            WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
        )
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        if not _NO_ALT.search(html) and not _NOTEBOOK.search(html):
            return _CHAR_REF.sub(_character, html), resources
        soup = BeautifulSoup(html, features="html.parser")
        missing = [img for img in soup.find_all("img") if "alt" not in img.attrs]
        for img in missing:
            img.attrs["alt"] = "No description has been provided for this image"
        if missing:
            self.log.warning("Alternative text is missing on %s image(s).", len(missing))
        for elem in soup.select(".jp-Notebook div.jp-Cell-inputWrapper"):
            elem.attrs["tabindex"] = "0"
        for elem in soup.select(".jp-Notebook div.jp-OutputArea-output"):
            elem.attrs["tabindex"] = "0"
        return str(soup), resources


def for_report(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as a report shows it: without papermill's English error banners (the error
    output itself stays), and, when it was run in live mode, with the notes that say so."""
    markers = [c for c in nb.cells if ERROR_MARKER in c.get("metadata", {}).get("tags", [])]
    live = ran_live(nb)
    heading = None if nb.metadata.get("stresskit", {}).get("title") else papermill_title(nb)
    if not markers and not live and not heading:
        return nb
    nb = copy.deepcopy(nb)
    if heading:
        nb.metadata.setdefault("stresskit", {})["title"] = heading
    nb.cells = [c for c in nb.cells if ERROR_MARKER not in c.get("metadata", {}).get("tags", [])]
    if live:
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                if WIDGET_VIEW in output.get("data", {}):
                    output["data"] = {
                        "text/html": f"<p class='sk-live-note'>{WIDGET_NOTE}</p>",
                        "text/plain": WIDGET_NOTE,
                    }
        nb.cells.insert(
            0, nbformat.v4.new_markdown_cell(f"<div class='sk-live-note'><strong>Bemærk:</strong> {LIVE_NOTE}</div>")
        )
    return nb


def ran_live(nb: nbformat.NotebookNode) -> bool:
    """Whether the notebook was executed in live mode: papermill recorded mode «live», or
    recorded parameters without a mode (the notebooks' default is live), or a form is shown."""
    recorded = nb.metadata.get("papermill", {}).get("parameters")
    if isinstance(recorded, dict) and recorded:
        if recorded.get("mode", "live") == "live":
            return True
    return any(WIDGET_VIEW in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


def papermill_title(nb: nbformat.NotebookNode) -> str | None:
    """The title `stresskit run` gives a report («3. Tal om … · Humaniora»), for a notebook
    papermill ran by hand: from the notebook's name and the unit's name in the workbook."""
    meta = nb.metadata.get("papermill", {})
    params, source = meta.get("parameters") or {}, meta.get("input_path") or ""
    if not (
        isinstance(params, dict)
        and params.get("unit")
        and params.get("workbook")
        and isinstance(source, str)
        and source
    ):
        return None
    from ..workbook import Workbook

    try:
        unit = Workbook.open(params["workbook"]).unit_name(params["unit"])
    except Exception:  # a workbook moved or broken since: the report keeps the notebook's own name
        return None
    return f"{title(Path(source).stem)} · {unit}"


def title(stem: str, numbered: bool = True) -> str:
    """The title of a notebook's report: «3. Tal om …» (its recommendation's number and title), or
    the notebook's own name for one the guide does not know."""
    from ..guide import default

    for rec in default().recommendations:
        if rec.notebook == stem:
            return f"{rec.number}. {rec.title}" if numbered else rec.title
    return stem


@functools.cache
def _css() -> str:
    return CSS.read_text(encoding="utf-8")


def exporter() -> StresskitExporter:
    """One exporter to reuse for a whole batch (building one costs far more than using it)."""
    return StresskitExporter()


# The guideline names both committees; a state institution has a samarbejdsudvalg (SU), not MED.
STATE_WORDS = (
    ("Samarbejdsudvalget eller MED-udvalget", "Samarbejdsudvalget (SU)"),
    ("samarbejdsudvalget eller MED-udvalget", "samarbejdsudvalget (SU)"),
    ("SU/MED-udvalget", "samarbejdsudvalget (SU)"),
    ("samarbejdsudvalg og arbejdsmiljøorganisation eller MED", "samarbejdsudvalg og arbejdsmiljøorganisation"),
    ("SU/MED", "SU"),
    ("SU-MED", "SU"),
)


def for_sector(html: str, sector: str) -> str:
    """The committee named as the institution's sector names it (institution.yaml's sector)."""
    if sector == "stat":
        for general, state in STATE_WORDS:
            html = html.replace(general, state)
    return html


def _sector(nb: nbformat.NotebookNode) -> str:
    from ..workbook import Workbook

    recorded = nb.metadata.get("stresskit", {}).get("sector")
    if recorded is not None:  # the batch records it: its notebooks name the workbook by folder name only
        return recorded
    try:
        return Workbook.open(nb.metadata["papermill"]["parameters"]["workbook"]).sector
    except Exception:  # a notebook run by hand, or a workbook that cannot be read: the general words
        return ""


def to_html(nb: nbformat.NotebookNode, exp: HTMLExporter | None = None) -> str:
    body, _ = (exp or exporter()).from_notebook_node(nb)
    return body


# A chart inside an HTML output: <img src='data:image/svg+xml;base64,…'> (see charts.figure_html).
_EMBEDDED = re.compile(r"src=(['\"])data:image/(png|jpeg|svg\+xml);base64,([A-Za-z0-9+/=]+)\1")
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def without_images(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of an executed notebook for the audit trail, without image payloads: every number
    a chart draws is in its alt text and in the report beside it. Each image is replaced by its
    sha256, so an auditor can still tell which picture the report showed."""
    nb = copy.copy(nb)  # only the cells with an image are copied (and changed): the rest are shared
    nb.cells = [copy.deepcopy(c) if _has_image(c) else c for c in nb.cells]
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for kind in _IMAGE_TYPES:
                if kind in data:
                    payload = data.pop(kind)
                    data.setdefault("text/plain", f"[{kind} fjernet, sha256 {_digest(payload)}]")
            if isinstance(data.get("text/html"), str):
                data["text/html"] = _EMBEDDED.sub(
                    lambda m: f"src={m[1]}data:,{m[1]} data-sha256={m[1]}{_digest(m[3])}{m[1]}", data["text/html"]
                )
    return nb


def _has_image(cell) -> bool:
    return any(
        any(kind in o.get("data", {}) for kind in _IMAGE_TYPES) or "base64," in str(o.get("data", {}).get("text/html"))
        for o in cell.get("outputs", [])
    )


def _digest(payload) -> str:
    text = "".join(payload) if isinstance(payload, list) else str(payload)
    return hashlib.sha256(text.encode("ascii", "replace")).hexdigest()
