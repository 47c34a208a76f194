"""How a chart looks in every report (matplotlib's settings) and how a drawn figure becomes the
compact PNG a report embeds (see charts for the charts themselves).

A figure is drawn once: its tight box (the figure cropped to what is drawn, as
``bbox_inches="tight"`` crops it) is measured without drawing, then the picture within it is
drawn straight into a buffer, never encoded as PNG only to be read back.
"""

from __future__ import annotations

import base64
import io
import os

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from .views import render

# text.parse_math off: a name such as «$\frac{a}$» is drawn as typed, never parsed as mathtext (which
# would fail the whole figure) — names, rounds and notes in a chart come from the user.
matplotlib.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "font.size": 12 if os.environ.get("STRESSKIT_PRESENT") else 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.fonttype": "none",
        "text.parse_math": False,
    }
)


PNG_COLOURS = 64  # a chart has a few flat colours plus anti-aliasing: 64 keep both, at a third of the bytes
DPI = 120  # sharp on screen and in print at the width a report shows a chart


def compact_png(fig) -> bytes:
    """The figure as a palette PNG: sharp for print, small enough to embed.
    No dithering: flat colours stay flat, so the patterns that tell series apart stay crisp."""
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    fig.dpi = DPI  # measured at the resolution it is drawn at, as savefig would
    box = fig.get_tightbbox(canvas.get_renderer()).padded(matplotlib.rcParams["savefig.pad_inches"])
    # bbox_inches="tight" would draw the figure twice (once only to measure it); the box is known
    fig.savefig(io.BytesIO(), format="raw", dpi=DPI, bbox_inches=box, facecolor="white")
    # octree: a third of median cut's time, as small; optimize=True would cost more than it saves
    image = (
        Image.fromarray(np.asarray(canvas.buffer_rgba()))
        .convert("RGB")
        .quantize(PNG_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def figure_html(fig, alt: str, caption: str = "") -> str:
    data = base64.b64encode(compact_png(fig)).decode("ascii")
    return render.macro("macros", "figure", png=data, alt=alt, caption=caption)  # alt and caption escaped there
