"""Charts as self-contained HTML figures (PNG as data: URI) with alt text.

Colours are Okabe–Ito, safe for colour-blind readers, and every series differs by
pattern as well as colour; a withheld figure is written out, never drawn as zero.
"""
from __future__ import annotations

import base64
import io
from html import escape

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402

UNIT_COLOUR = "#0072B2"        # blue
COMPARISON_COLOUR = "#E69F00"  # orange
WITHHELD_COLOUR = "#6E6E6E"
plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 10, "axes.spines.top": False,
                     "axes.spines.right": False, "svg.fonttype": "none"})


def percent(x: float) -> str:
    return f"{x * 100:.0f} %"


def figure_html(fig, alt: str, caption: str = "") -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=144, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return (f"<figure class='sk-figure'><img src='data:image/png;base64,{data}' alt='{escape(alt, quote=True)}'>"
            f"{cap}</figure>")


def comparison_bars(labels: list[str], series: list[tuple[str, list[float | None], list[str]]],
                    title: str, alt_intro: str, axis_label: str = "Andel udsat") -> str:
    """Horizontal bars, one group per label; each series is (name, shares 0–1 or None, notes).

    A None share is drawn as a written note ("skjult …") in place of a bar.
    """
    height = 0.9 + 0.55 * len(labels) * max(1, len(series))
    fig, ax = plt.subplots(figsize=(8.5, height))
    styles = [(UNIT_COLOUR, ""), (COMPARISON_COLOUR, "///")]
    bar = 0.8 / len(series)
    for s, (name, values, notes) in enumerate(series):
        colour, hatch = styles[s % len(styles)]
        for i, value in enumerate(values):
            y = i + (s - (len(series) - 1) / 2) * bar
            if value is None:
                ax.text(0.005, y, f"{name}: {notes[i] or 'ingen tal'}", va="center", ha="left",
                        fontsize=9, color=WITHHELD_COLOUR, style="italic")
                continue
            ax.barh(y, value, height=bar * 0.9, color=colour, hatch=hatch, edgecolor="white" if not hatch else "#5a3d00",
                    linewidth=0.6, label=name if i == next((j for j, v in enumerate(values) if v is not None), -1) else None)
            ax.text(value + 0.01, y, percent(value), va="center", fontsize=9)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.75)  # top to bottom, with room for a note above the first bar
    ax.set_xlim(0, 1.12)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0 %", "25 %", "50 %", "75 %", "100 %"])
    ax.set_xlabel(axis_label)
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    if any(v is not None for _, values, _ in series for v in values):
        ax.legend(loc="lower right", frameon=False, fontsize=9)
    parts = []
    for i, label in enumerate(labels):
        bits = [f"{name} {percent(values[i]) if values[i] is not None else (notes[i] or 'ingen tal')}"
                for name, values, notes in series]
        parts.append(f"{label}: {', '.join(bits)}")
    return figure_html(fig, f"{alt_intro}. " + "; ".join(parts) + ".")
