"""How a chart looks in every report (matplotlib's settings) and how a drawn figure becomes the
SVG a report embeds (see charts for the charts themselves).

A chart is an SVG whose text stays text (``svg.fonttype: none``): crisp in print at any size,
selectable, no glyphs rasterised, no palette to quantise, no PNG to encode. It is drawn once,
by one renderer: the tight box (the figure cropped to what is drawn, as ``bbox_inches="tight"``
crops it) is measured with the renderer that then draws the whole figure, so each text is
measured once (matplotlib caches text metrics per renderer), and the crop is the SVG's viewBox.
"""

from __future__ import annotations

import base64
import io
import os
import re

import matplotlib
from matplotlib.backends.backend_svg import RendererSVG

from .views import render

# text.parse_math off: a name such as «$\frac{a}$» is drawn as typed, never parsed as mathtext (which
# would fail the whole figure) — names, rounds and notes in a chart come from the user.
# The font family ends in the generic sans-serif, so a reader without DejaVu Sans sees the text in
# their own sans font (the SVG names «'DejaVu Sans', sans-serif»); matplotlib measures with DejaVu Sans.
# svg.hashsalt: the ids of clip paths and hatches are the same on every run, so the same chart is
# the same bytes (a report's checksum changes only when what it shows changes).
matplotlib.rcParams.update(
    {
        "font.family": ["DejaVu Sans", "sans-serif"],
        "font.sans-serif": ["DejaVu Sans"],
        "font.size": 12 if os.environ.get("STRESSKIT_PRESENT") else 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.fonttype": "none",
        "svg.hashsalt": "stresskit",
        "text.parse_math": False,
    }
)

SVG_DPI = 72  # matplotlib's SVG unit: one point
DPI = 120  # the size a chart is shown at: as many CSS pixels per inch as the PNG charts had pixels
NO_METADATA = {"Format": None, "Type": None, "Creator": None, "Date": None}  # no RDF block, no date: same bytes
_SIZE = re.compile(r'width="[^"]*" height="[^"]*" viewBox="[^"]*"')
_PATH = re.compile(r'<path d="([^"]*)"')  # text is escaped («<» never in it), so this is only ever a path
_DIGITS = re.compile(r"(\.\d\d)\d+")
_TEXT = re.compile(r"(<text[^>]*>)([^<]*)</text>")
_SPACES = re.compile(r"^ +| {2,}")


# A circle as matplotlib writes it: a move and eight Bézier curves (a dotted hatch has 150 of them).
_CIRCLE = re.compile(r"M ([^MCLz]*)((?:C [^MCLz]*){8})z")


def _arcs(match: re.Match) -> str:
    """A circle as two arcs, its turning kept (the fill rule may depend on it): a sixth of the bytes."""
    nums = [float(v) for v in (match[1] + match[2].replace("C", "")).split()]
    xs, ys = nums[0::2], nums[1::2]
    r, cx, cy = (max(xs) - min(xs)) / 2, (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    if abs((max(ys) - min(ys)) / 2 - r) > 0.01 * r + 1e-6:
        return match[0]  # not a circle
    ends = list(zip(xs[0::3], ys[0::3]))  # the points on the curve
    area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ends, ends[1:] + ends[:1]))
    sweep = 1 if area > 0 else 0
    return (
        f"M {cx + r:g} {cy:g} A {r:g} {r:g} 0 1 {sweep} {cx - r:g} {cy:g} A {r:g} {r:g} 0 1 {sweep} {cx + r:g} {cy:g} z"
    )


def _round_path(match: re.Match) -> str:
    """A path's circles as arcs and its coordinates to 1/100 point (invisible even in print): a dotted
    hatch is an eighth of the bytes."""
    return '<path d="' + _DIGITS.sub(r"\1", _CIRCLE.sub(_arcs, match[1])) + '"'


def _keep_spaces(match: re.Match) -> str:
    """A text's leading and repeated spaces as no-break spaces, which SVG keeps (it collapses spaces,
    and a browser ignores xml:space in an <img>): the heatmap indents its rows to show the unit tree."""
    return match[1] + _SPACES.sub(lambda m: "\u00a0" * len(m[0]), match[2]) + "</text>"


def compact_svg(fig) -> bytes:
    """The figure as an SVG cropped to what is drawn, as ``savefig(bbox_inches="tight")`` crops it."""
    fig.dpi = SVG_DPI
    width, height = (x * SVG_DPI for x in fig.get_size_inches())
    out = io.StringIO()
    renderer = RendererSVG(width, height, out, metadata=NO_METADATA)
    header = len(out.getvalue())
    box = fig.get_tightbbox(renderer).padded(matplotlib.rcParams["savefig.pad_inches"])
    fig_w, fig_h = fig.get_size_inches()  # the white ground under exactly the crop, as savefig lays it
    fig.patch.set(facecolor="white", bounds=(box.x0 / fig_w, box.y0 / fig_h, box.width / fig_w, box.height / fig_h))
    fig.draw(renderer)
    renderer.finalize()
    svg = out.getvalue()
    # The crop: the SVG's own box (y runs downwards in SVG), in the header the renderer wrote first.
    x0, y0, w, h = (v * SVG_DPI for v in (box.x0, box.y0, box.width, box.height))
    scale = DPI / SVG_DPI
    size = f'width="{w * scale:.1f}" height="{h * scale:.1f}" viewBox="{x0:.2f} {height - y0 - h:.2f} {w:.2f} {h:.2f}"'
    svg = _SIZE.sub(size, svg[:header], count=1) + _TEXT.sub(_keep_spaces, _PATH.sub(_round_path, svg[header:]))
    return svg.encode("utf-8")


def figure_html(fig, alt: str, caption: str = "") -> str:
    data = base64.b64encode(compact_svg(fig)).decode("ascii")
    return render.macro("macros", "figure", svg=data, alt=alt, caption=caption)  # alt and caption escaped there
