"""Charts as self-contained HTML figures (PNG as data: URI) with alt text.

Colours are Okabe–Ito, safe for colour-blind readers, and every series differs by
pattern as well as colour; a withheld figure is written out, never drawn as zero.
"""
from __future__ import annotations

import base64
import io
from html import escape

import matplotlib
from matplotlib.figure import Figure  # no pyplot: no global figure state to leak or close

UNIT_COLOUR = "#0072B2"        # blue
COMPARISON_COLOUR = "#E69F00"  # orange
WITHHELD_COLOUR = "#6E6E6E"
matplotlib.rcParams.update({"font.family": "DejaVu Sans", "font.size": 10, "axes.spines.top": False,
                     "axes.spines.right": False, "svg.fonttype": "none"})


def percent(x: float) -> str:
    return f"{x * 100:.0f} %"


def figure_html(fig, alt: str, caption: str = "") -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=144, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return (f"<figure class='sk-figure'><img src='data:image/png;base64,{data}' alt='{escape(alt, quote=True)}'>"
            f"{cap}</figure>")


def _bars(ax, labels: list[str], series, xmax: float, ticks: list[tuple[float, str]], fmt, styles) -> None:
    """Grouped horizontal bars on one axis; a None value is written out instead of drawn."""
    bar = 0.8 / len(series)
    for s, (name, values, notes) in enumerate(series):
        colour, hatch = styles[s % len(styles)]
        first = next((j for j, v in enumerate(values) if v is not None), -1)
        for i, value in enumerate(values):
            y = i + (s - (len(series) - 1) / 2) * bar
            if value is None:
                ax.text(xmax * 0.005, y, f"{name}: {notes[i] or 'ingen tal'}", va="center", ha="left",
                        fontsize=9, color=WITHHELD_COLOUR, style="italic")
                continue
            ax.barh(y, value, height=bar * 0.9, color=colour, hatch=hatch, edgecolor="#3a3a3a" if hatch else "white",
                    linewidth=0.6, label=name if i == first else None)
            ax.text(value + xmax * 0.01, y, fmt(value), va="center", fontsize=9)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.75)  # top to bottom, with room for a note above the first bar
    ax.set_xlim(0, xmax * 1.12)
    ax.set_xticks([t for t, _ in ticks], [lab for _, lab in ticks])
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    if any(v is not None for _, values, _ in series for v in values):
        ax.legend(loc="lower right", frameon=False, fontsize=9)


PERCENT_TICKS = [(0, "0 %"), (0.25, "25 %"), (0.5, "50 %"), (0.75, "75 %"), (1.0, "100 %")]
SHARE_STYLES = [(UNIT_COLOUR, ""), (COMPARISON_COLOUR, "///")]
RATING_STYLES = [("#009E73", ""), ("#CC79A7", "..")]  # bluish green, reddish purple


def _alt(labels: list[str], series, fmt) -> str:
    parts = []
    for i, label in enumerate(labels):
        bits = [f"{name} {fmt(values[i]) if values[i] is not None else (notes[i] or 'ingen tal')}"
                for name, values, notes in series]
        parts.append(f"{label}: {', '.join(bits)}")
    return "; ".join(parts)


def comparison_bars(labels: list[str], series: list[tuple[str, list[float | None], list[str]]],
                    title: str, alt_intro: str, axis_label: str = "Andel udsat") -> str:
    """Shares (0–1) per label for one or more series, e.g. the unit and the institution."""
    fig = Figure(figsize=(8.5, 0.9 + 0.55 * len(labels) * max(1, len(series))))
    ax = fig.subplots()
    _bars(ax, labels, series, 1.0, PERCENT_TICKS, percent, SHARE_STYLES)
    ax.set_xlabel(axis_label)
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    return figure_html(fig, f"{alt_intro}. {_alt(labels, series, percent)}.")


def rating(x: float) -> str:
    return f"{x:.0f}"


def dialogue_and_apv(labels: list[str], shares, ratings, title: str) -> str:
    """Side by side: the APV's share exposed (left) and the dialogue's ratings 1–5 (right)."""
    fig = Figure(figsize=(11, 0.9 + 0.5 * len(labels) * 2))
    left, right = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1, 1], "wspace": 0.08})
    _bars(left, labels, shares, 1.0, PERCENT_TICKS, percent, SHARE_STYLES)
    left.set_title("APV: andel udsat", loc="left", fontsize=10, fontweight="bold")
    _bars(right, labels, ratings, 5.0, [(x, str(x)) for x in range(6)], rating, RATING_STYLES)
    right.set_title("Dialogen: hvor godt lykkes vi? (1–5)", loc="left", fontsize=10, fontweight="bold")
    right.tick_params(labelleft=False)
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    alt = (f"To søjlediagrammer side om side. Venstre: APV-andel udsat. {_alt(labels, shares, percent)}. "
           f"Højre: dialogens vurdering fra 1 til 5. {_alt(labels, ratings, rating)}.")
    return figure_html(fig, alt)


def heatmap(rows: list[str], columns: list[str], values: list[list[float | None]], notes: list[list[str]],
            title: str, alt_intro: str) -> str:
    """Shares per row × column; a withheld cell is hatched grey and says so, never empty."""
    from matplotlib import colormaps
    from matplotlib.patches import Rectangle

    cmap = colormaps["cividis"]
    fig = Figure(figsize=(2.2 + 1.45 * len(columns), 1.2 + 0.42 * len(rows)))
    ax = fig.subplots()
    for r, row in enumerate(values):
        for c, value in enumerate(row):
            if value is None:
                withheld = notes[r][c] != "ingen svar"
                ax.add_patch(Rectangle((c, r), 1, 1, facecolor="#e6e6e6", edgecolor="white", linewidth=1.5,
                                       hatch="////" if withheld else None))
                ax.text(c + 0.5, r + 0.5, "skjult" if withheld else "ingen svar", ha="center", va="center",
                        fontsize=8.5, color="#333333", style="italic",
                        bbox={"facecolor": "#e6e6e6", "edgecolor": "none", "pad": 1.2})
                continue
            ax.add_patch(Rectangle((c, r), 1, 1, facecolor=cmap(value), edgecolor="white", linewidth=1.5))
            ax.text(c + 0.5, r + 0.5, percent(value), ha="center", va="center", fontsize=9,
                    color="white" if value < 0.45 else "black", fontweight="bold")
    ax.set_xlim(0, len(columns))
    ax.set_ylim(len(rows), 0)
    ax.set_xticks([c + 0.5 for c in range(len(columns))], columns, rotation=20, ha="right")
    ax.set_yticks([r + 0.5 for r in range(len(rows))], rows)
    ax.tick_params(length=0)
    # Left-aligned row labels, so the indentation shows the unit tree.
    for label in ax.get_yticklabels():
        label.set_horizontalalignment("left")
    ax.yaxis.set_tick_params(pad=6.3 * max(len(r) for r in rows) + 4)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    cells = []
    for r, row in enumerate(rows):
        bits = [f"{columns[c]} {percent(v) if v is not None else notes[r][c]}" for c, v in enumerate(values[r])]
        cells.append(f"{row.strip()}: {', '.join(bits)}")
    return figure_html(fig, f"{alt_intro}. " + "; ".join(cells) + ".")
