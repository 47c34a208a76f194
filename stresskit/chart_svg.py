"""How a chart looks in every report (matplotlib's settings) and how a drawn figure becomes the
SVG a report embeds (see charts for the charts themselves).

A chart is an SVG whose text stays text (``svg.fonttype: none``): crisp at any zoom and in
print, no glyphs rasterised, no palette to quantise, no PNG to encode. It is drawn once, by one
renderer: the tight box (the figure cropped to what is drawn, as ``bbox_inches="tight"`` crops
it) is measured with the renderer that then draws the whole figure, each text's size is measured
once per process (see _Renderer), and the crop is the SVG's viewBox.
"""

from __future__ import annotations

import base64
import functools
import io
import math
import os
import re

import matplotlib
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager, get_font
from matplotlib.textpath import TextToPath

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


# A hatch as matplotlib writes it: a pattern (its ground, then its strokes) and each shape filled with it.
_PATTERN = re.compile(
    r'<pattern id="(?P<id>[^"]+)" patternUnits="userSpaceOnUse" x="0" y="0" width="(?P<size>[\d.]+)" '
    r'height="[\d.]+">\s*<rect [^>]*fill="(?P<ground>[^"]+)"/>\s*<path d="(?P<d>[^"]*)" style="(?P<style>[^"]*)"/>'
    r"\s*</pattern>"
)
_HATCHED = re.compile(
    r'<path d="(?P<d>[^"]*)"(?P<clip> clip-path="[^"]*")? style="fill: url\(#(?P<id>[^)]+)\);(?P<rest>[^"]*)"/>'
)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _box(numbers: list[float]) -> tuple[float, float, float, float]:
    xs, ys = numbers[0::2], numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def _piece(sub: str):
    """One piece of a hatch: a line (its two ends) or a circle written as arcs (see _arcs), as the
    test whether it reaches a box when moved by (dx, dy)."""
    numbers = [float(n) for n in _NUMBER.findall(sub)]
    if "A" in sub:  # M cx+r cy A r r 0 1 s …: the circle's box
        x, y, r = numbers[0], numbers[1], numbers[2]
        return _reaches_box((x - 2 * r, y - r, x, y + r))
    if len(numbers) == 4 and "L" in sub:
        return _reaches_line(*numbers)
    return _reaches_box(_box(numbers))


def _reaches_box(piece):
    a, b, c, d = piece
    return lambda dx, dy, x0, y0, x1, y1: a + dx <= x1 and c + dx >= x0 and b + dy <= y1 and d + dy >= y0


def _reaches_line(ax, ay, bx, by):
    def test(dx, dy, x0, y0, x1, y1):  # the segment clipped to the box (Liang–Barsky): anything left?
        lo, hi = 0.0, 1.0
        for p, q in (
            (ax - bx, ax + dx - x0),
            (bx - ax, x1 - ax - dx),
            (ay - by, ay + dy - y0),
            (by - ay, y1 - ay - dy),
        ):
            if p == 0:
                if q < 0:
                    return False
            elif p < 0:
                lo = max(lo, q / p)
            else:
                hi = min(hi, q / p)
        return lo <= hi

    return test


def _hatches_drawn(svg: str) -> str:
    """Each hatched shape drawn out: its ground, the hatch's pieces that reach it (each tile's, clipped
    to the tile as the pattern clips it, and to the shape), its outline. A browser shows a <pattern>
    well, but Chromium prints one as a blurred picture; drawn out, a hatch stays lines and dots."""
    patterns = {m["id"]: m for m in _PATTERN.finditer(svg)}
    if not patterns:
        return svg
    pieces = {
        k: [(sub, _piece(sub)) for sub in re.split(r"(?=M )", p["d"]) if sub.strip()] for k, p in patterns.items()
    }
    clips: list[str] = []

    def draw(m: re.Match) -> str:
        pattern = patterns.get(m["id"])
        if pattern is None:
            return m[0]
        size = float(pattern["size"])
        x0, y0, x1, y1 = _box([float(n) for n in _NUMBER.findall(m["d"])])
        clip = f"hc{len(clips)}"
        clips.append(f'<clipPath id="{clip}"><path d="{m["d"]}"/></clipPath>')
        tiles = []
        for i in range(math.floor(x0 / size), math.floor(x1 / size) + 1):
            for j in range(math.floor(y0 / size), math.floor(y1 / size) + 1):
                dx, dy = i * size, j * size
                near = [sub for sub, reaches in pieces[m["id"]] if reaches(dx, dy, x0 - 1, y0 - 1, x1 + 1, y1 + 1)]
                if near:
                    tiles.append(
                        f'<path transform="translate({dx:g} {dy:g})" clip-path="url(#tc{m["id"]})" '
                        f'd="{"".join(near)}" style="{pattern["style"]}"/>'
                    )
        hatch = f'<g clip-path="url(#{clip})">{"".join(tiles)}</g>'
        if m["clip"]:
            hatch = f"<g{m['clip']}>{hatch}</g>"
        return (
            f'<path d="{m["d"]}"{m["clip"] or ""} style="fill: {pattern["ground"]}"/>{hatch}'
            f'<path d="{m["d"]}"{m["clip"] or ""} style="fill: none;{m["rest"]}"/>'
        )

    svg = _HATCHED.sub(draw, svg)
    # a pattern no shape is filled with any more is left out
    svg = _PATTERN.sub(lambda m: "" if f"url(#{m['id']})" not in svg else m[0], svg)
    tile_clips = "".join(
        f'<clipPath id="tc{k}"><rect width="{p["size"]}" height="{p["size"]}"/></clipPath>' for k, p in patterns.items()
    )
    end = svg.rindex("</svg>")
    return svg[:end] + f"<defs>{tile_clips}{''.join(clips)}</defs>\n" + svg[end:]


_TEXT2PATH = TextToPath()


@functools.lru_cache(maxsize=65536)
def _text_metrics(text: str, prop, ismath) -> tuple[float, float, float]:
    return _TEXT2PATH.get_text_width_height_descent(text, prop, ismath)


@functools.lru_cache(maxsize=1024)
def _height_metrics(prop, dpi: float) -> tuple[float, float, float] | tuple[None, None, None]:
    """A font's ascent, descent and line gap at its size, as matplotlib's Text computes them."""
    font = get_font(fontManager._find_fonts_by_props(prop))
    for table_name, gap, ascent, descent in (
        ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
        ("hhea", "lineGap", "ascent", "descent"),
    ):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * dpi / 72
        return table[ascent] * scale, -table[descent] * scale, table[gap] * scale
    return None, None, None


class _Renderer(RendererSVG):
    """matplotlib's SVG renderer, with the size of a text and a font's line metrics kept for the whole
    process instead of per renderer (per chart): they depend only on the text and its font, since SVG
    measures at one resolution. A batch's template process measures the texts every report shares
    (see ahead), and each unit's process starts with them measured. Same numbers, same bytes."""

    metrics_dpi = SVG_DPI  # the figure's (compact_svg sets it to SVG_DPI before anything is measured)

    def get_text_width_height_descent(self, s, prop, ismath):
        return _text_metrics(s, prop.copy(), ismath)

    def _get_font_height_metrics(self, prop):  # matplotlib's Text asks a renderer for these when it can
        return _height_metrics(prop.copy(), self.metrics_dpi)


def measure(text, strings) -> None:
    """Measure each string in the font of a matplotlib Text (and the font's line metrics), ahead of
    drawing (see ahead)."""
    prop = text.get_fontproperties()
    _height_metrics(prop.copy(), SVG_DPI)
    for s in strings:
        _text_metrics(s, prop.copy(), False)


# Figures made ahead (see ahead), by the call that asks for them; each is taken once.
_AHEAD: dict[str, tuple] = {}


def _figure_key(figsize, frame, labels, subplots: dict) -> str:
    name = frame and f"{frame.__module__}.{frame.__qualname__}"
    return repr((tuple(float(x) for x in figsize), name, list(labels or []), sorted(subplots.items())))


def _made(figsize, frame, labels, subplots: dict):
    fig = Figure(figsize=figsize)
    axes = fig.subplots(**subplots)
    if frame is not None:
        frame(axes, labels)
    return fig, axes


def new_figure(figsize, frame=None, labels=None, **subplots):
    """``Figure(figsize=figsize)``, its ``subplots(**subplots)`` (no pyplot: no global figure state to
    leak or close) and, given a frame, ``frame(axes, labels)`` (what the chart draws before its data):
    the figure made ahead for exactly this call when there is one, else made now, the same."""
    made = _AHEAD.pop(_figure_key(figsize, frame, labels, subplots), None)
    return made or _made(figsize, frame, labels, subplots)


def make_ahead(figsize, frame=None, labels=None, **subplots) -> None:
    """Make the figure that the next new_figure with the same arguments returns, untouched until then."""
    _AHEAD[_figure_key(figsize, frame, labels, subplots)] = _made(figsize, frame, labels, subplots)


def ahead(guide) -> None:
    """In a batch's template process: what every unit's charts share, done once, so each unit's fork
    (its own copy of the template) starts with it done. The texts measured (the guide's labels at their
    tick size, shares and counts as the bars write them, the keys' names; see _Renderer), and the two
    charts every unit draws (the dialogue beside the APV, the greb's ratings) made as empty figures.
    Only time is saved: a text not measured here is measured when drawn, to the same size, and a
    figure not made here is made when asked for, the same."""
    from matplotlib.text import Text

    from .charts import DIALOGUE, DIALOGUE_TITLES, RATING_LOOK, SIZES, dialogue_frame, percent, rating, rating_frame

    exposures = [e.short for e in guide.exposures]  # as the views label the two charts' rows
    greb = [f"{n}. {g.title}" for n, g in enumerate(guide.greb, start=1)]
    make_ahead(SIZES["dialogue"](len(exposures)), dialogue_frame, exposures, **DIALOGUE)
    make_ahead(SIZES["rating"](len(greb)), rating_frame, greb)

    tick = exposures + greb
    keys = ["Hele institutionen", "Afdækker", "Forebygger", "APV"] + [name for _, name, *_ in RATING_LOOK]
    small = [percent(i / 100) for i in range(101)] + [rating(x) for x in range(6)] + keys
    measure(Text(fontsize=matplotlib.rcParams["ytick.labelsize"]), tick)
    measure(Text(fontsize=9), small)
    measure(Text(fontsize=9, style="italic"), [f"{k}: ikke vurderet" for k in ("Afdækker", "Forebygger")])
    measure(Text(fontsize=9, fontweight="bold"), [str(n) for n in range(1, 31)])
    measure(Text(fontsize=10), ["Antal delspørgsmål", "Andel udsat"])
    measure(Text(fontsize=10, fontweight="bold"), DIALOGUE_TITLES)
    measure(Text(fontsize=11, fontweight="bold"), [])  # the titles' font (each title names its unit)


def warm_up() -> str:
    """One small chart of both panels' styles (bold titles, italic notes, hatches), thrown away by
    the caller: matplotlib finds its fonts and builds its canvas once in a warm process (the batch's
    template, a live kernel) rather than on the way to a unit's or a page's first chart."""
    from .charts import dialogue_and_apv

    return dialogue_and_apv(["a", "b"], [("x", [0.5, None], ["", "-"])], [("y", [3.0, None], ["", "-"])], "t")


def compact_svg(fig) -> bytes:
    """The figure as an SVG cropped to what is drawn, as ``savefig(bbox_inches="tight")`` crops it."""
    fig.dpi = SVG_DPI
    width, height = (x * SVG_DPI for x in fig.get_size_inches())
    out = io.StringIO()
    renderer = _Renderer(width, height, out, metadata=NO_METADATA)
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
    body = _hatches_drawn(_TEXT.sub(_keep_spaces, _PATH.sub(_round_path, svg[header:])))
    svg = _SIZE.sub(size, svg[:header], count=1) + body
    return svg.encode("utf-8")


def figure_html(fig, alt: str, caption: str = "") -> str:
    data = base64.b64encode(compact_svg(fig)).decode("ascii")
    return render.macro("macros", "figure", svg=data, alt=alt, caption=caption)  # alt and caption escaped there
