"""Charts as self-contained HTML figures (SVG as data: URI) with alt text.

Matplotlib's settings and the SVG a figure becomes are in chart_svg.
Colours are Okabe–Ito, safe for colour-blind readers, and every series differs by
pattern as well as colour; a withheld figure is written out, never drawn as zero. One
colour meaning across all reports: darker and warmer needs attention (the heatmaps' scale,
«lykkes ikke», «mangler kontakt»), blue is what goes well; never red against green.
"""

from __future__ import annotations

import math

from .apv.aggregates import percent  # one way to write a share, in tables and charts alike
from .chart_svg import DPI, compact_svg, figure_html, new_figure, warm_up  # noqa: F401 (the look, the SVG)

UNIT_COLOUR = "#0072B2"  # blue
COMPARISON_COLOUR = "#E69F00"  # orange
WITHHELD_COLOUR = "#6E6E6E"
WITHHELD_NOTE = {"va": "center", "ha": "left", "fontsize": 9, "color": WITHHELD_COLOUR, "style": "italic"}


def _frame(ax, labels: list[str], xmax: float, ticks: list[tuple[float, str]]) -> None:
    """The axis of grouped horizontal bars: a row per label, top to bottom, the value ticks, the grid."""
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.75)  # top to bottom, with room for a note above the first bar
    ax.set_xlim(0, xmax * 1.12)
    ax.set_xticks([t for t, _ in ticks], [lab for _, lab in ticks])
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def _bars(ax, labels: list[str], series, xmax: float, ticks, fmt, styles, framed: bool = False) -> None:
    """Grouped horizontal bars on one axis (in its _frame, made now unless framed); a None value is
    written out instead of drawn."""
    bar = 0.8 / len(series)
    for s, (name, values, notes) in enumerate(series):
        colour, hatch = styles[s % len(styles)]
        first = next((j for j, v in enumerate(values) if v is not None), -1)
        for i, value in enumerate(values):
            y = i + (s - (len(series) - 1) / 2) * bar
            if value is None:
                ax.text(xmax * 0.005, y, f"{name}: {notes[i] or 'ingen tal'}", **WITHHELD_NOTE)
                continue
            ax.barh(
                y,
                value,
                height=bar * 0.9,
                color=colour,
                hatch=hatch,
                edgecolor="#3a3a3a" if hatch else "white",
                linewidth=0.6,
                label=name if i == first else None,
            )
            ax.text(value + xmax * 0.01, y, fmt(value), va="center", fontsize=9)
    if not framed:
        _frame(ax, labels, xmax, ticks)
    if any(v is not None for _, values, _ in series for v in values):
        ax.legend(loc="lower right", frameon=False, fontsize=9)


PERCENT_TICKS = [(0, "0 %"), (0.25, "25 %"), (0.5, "50 %"), (0.75, "75 %"), (1.0, "100 %")]
RATING_TICKS = [(x, str(x)) for x in range(6)]
SHARE_STYLES = [(UNIT_COLOUR, ""), (COMPARISON_COLOUR, "///")]
RATING_STYLES = [("#009E73", ""), ("#CC79A7", "..")]  # bluish green, reddish purple


def _alt(labels: list[str], series, fmt) -> str:
    parts = []
    for i, label in enumerate(labels):
        bits = [
            f"{name} {fmt(values[i]) if values[i] is not None else (notes[i] or 'ingen tal')}"
            for name, values, notes in series
        ]
        parts.append(f"{label}: {', '.join(bits)}")
    return "; ".join(parts)


def comparison_bars(
    labels: list[str],
    series: list[tuple[str, list[float | None], list[str]]],
    title: str,
    alt_intro: str,
    axis_label: str = "Andel udsat",
) -> str:
    """Shares (0–1) per label for one or more series, e.g. the unit and the institution."""
    fig, ax = new_figure((8.5, 0.9 + 0.55 * len(labels) * max(1, len(series))))
    _bars(ax, labels, series, 1.0, PERCENT_TICKS, percent, SHARE_STYLES)
    ax.set_xlabel(axis_label)
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    return figure_html(fig, f"{alt_intro}. {_alt(labels, series, percent)}.")


def rating(x: float) -> str:
    return f"{x:.0f}"


# The panels and sizes of the two charts every unit draws (chart_svg.ahead makes their figures ahead).
DIALOGUE = {"ncols": 2, "sharey": True, "gridspec_kw": {"width_ratios": [1, 1], "wspace": 0.08}}
DIALOGUE_TITLES = ("APV: andel udsat", "Dialogen: hvor godt lykkes vi? (1–5)")
SIZES = {"dialogue": lambda n: (11, 0.9 + 0.5 * n * 2), "rating": lambda n: (9, 1.1 + 0.55 * n)}  # for n rows


def dialogue_frame(axes, labels: list[str]) -> None:
    """The two panels of dialogue_and_apv before any bar: their rows, ticks and titles."""
    for ax, xmax, ticks, head in zip(axes, (1.0, 5.0), (PERCENT_TICKS, RATING_TICKS), DIALOGUE_TITLES):
        _frame(ax, labels, xmax, ticks)
        ax.set_title(head, loc="left", fontsize=10, fontweight="bold")
    axes[1].tick_params(labelleft=False)


def dialogue_and_apv(labels: list[str], shares, ratings, title: str) -> str:
    """Side by side: the APV's share exposed (left) and the dialogue's ratings 1–5 (right)."""
    fig, (left, right) = new_figure(SIZES["dialogue"](len(labels)), dialogue_frame, labels, **DIALOGUE)
    _bars(left, labels, shares, 1.0, PERCENT_TICKS, percent, SHARE_STYLES, framed=True)
    _bars(right, labels, ratings, 5.0, RATING_TICKS, rating, RATING_STYLES, framed=True)
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    alt = (
        f"To søjlediagrammer side om side. Venstre: APV-andel udsat. {_alt(labels, shares, percent)}. "
        f"Højre: dialogens vurdering fra 1 til 5. {_alt(labels, ratings, rating)}."
    )
    return figure_html(fig, alt)


# One colour meaning in every report: light = little to note, darker and warmer = needs attention.
# A single-hue sequential scale (yellow to brown) is read by lightness, so colour-blind readers see it too.
ATTENTION_MAP = "YlOrBr"


def heatmap(
    rows: list[str],
    columns: list[str],
    values: list[list[float | None]],
    notes: list[list[str]],
    title: str,
    alt_intro: str,
    key: str = "andel udsat",
) -> str:
    """Shares per row × column, where a higher value needs more attention (drawn darker), with a key
    naming what the shade measures; a withheld cell is hatched grey and says so, never empty."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.patches import Rectangle

    cmap = colormaps[ATTENTION_MAP]
    # the map above, and below it room for the rotated column names and the key
    grid = {"height_ratios": [0.42 * len(rows), 1.5], "hspace": 0.05}
    fig, (ax, key_ax) = new_figure((2.2 + 1.45 * len(columns), 1.9 + 0.42 * len(rows)), nrows=2, gridspec_kw=grid)
    for r, row in enumerate(values):
        for c, value in enumerate(row):
            if value is None:
                withheld = notes[r][c] == "skjult"
                ax.add_patch(
                    Rectangle(
                        (c, r),
                        1,
                        1,
                        facecolor="#e6e6e6",
                        edgecolor="white",
                        linewidth=1.5,
                        hatch="////" if withheld else None,
                    )
                )
                ax.text(
                    c + 0.5,
                    r + 0.5,
                    notes[r][c] or "–",
                    ha="center",
                    va="center",
                    fontsize=8.5,
                    color="#333333",
                    style="italic",
                    bbox={"facecolor": "#e6e6e6", "edgecolor": "none", "pad": 1.2},
                )
                continue
            ax.add_patch(Rectangle((c, r), 1, 1, facecolor=cmap(value), edgecolor="white", linewidth=1.5))
            ax.text(
                c + 0.5,
                r + 0.5,
                percent(value),
                ha="center",
                va="center",
                fontsize=9,
                color="white" if value > 0.6 else "black",
                fontweight="bold",
            )
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
    key_ax.axis("off")
    bar = fig.colorbar(
        ScalarMappable(Normalize(0, 1), cmap), cax=key_ax.inset_axes([0.2, 0.1, 0.6, 0.1]), orientation="horizontal"
    )
    bar.set_ticks([0, 0.25, 0.5, 0.75, 1], labels=[lab for _, lab in PERCENT_TICKS])
    bar.solids.set(rasterized=False, edgecolor="face")  # a vector gradient, each step edged in its own colour: no seams
    bar.set_label(f"Farve: {key} — lys = lidt, mørk = meget (kræver opmærksomhed); skraveret grå = skjult", fontsize=9)
    cells = []
    for r, row in enumerate(rows):
        bits = [f"{columns[c]} {percent(v) if v is not None else notes[r][c]}" for c, v in enumerate(values[r])]
        cells.append(f"{row.strip()}: {', '.join(bits)}")
    return figure_html(fig, f"{alt_intro}. " + "; ".join(cells) + ".")


# How a greb sub-question is rated: colour, pattern and the word, so no reader needs colour alone.
RATING_LOOK = [
    ("lykkes", "Lykkes", "#56B4E9", ""),
    ("delvist", "Delvist", "#F0E442", ".."),
    ("lykkes_ikke", "Lykkes ikke", "#D55E00", "xx"),
    ("ved_ikke", "Ved ikke", "#BBBBBB", "//"),
    (None, "Ikke vurderet", "#FFFFFF", ""),
]


def rating_frame(ax, labels: list[str]) -> None:
    """rating_bars' axis before any bar: a row per greb, top to bottom, whole numbers along it."""
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlabel("Antal delspørgsmål")
    ax.xaxis.get_major_locator().set_params(integer=True)


def rating_bars(labels: list[str], counts: list[dict], title: str) -> str:
    """Per greb, how many of its sub-questions are rated lykkes, delvist, lykkes ikke, ved ikke or not yet."""
    fig, ax = new_figure(SIZES["rating"](len(labels)), rating_frame, labels)
    for i, row in enumerate(counts):
        left = 0
        for key, name, colour, hatch in RATING_LOOK:
            n = row.get(key, 0)
            if not n:
                continue
            ax.barh(
                i,
                n,
                left=left,
                color=colour,
                hatch=hatch,
                edgecolor="#444444",
                linewidth=0.6,
                label=name if name not in ax.get_legend_handles_labels()[1] else None,
            )
            ax.text(
                left + n / 2,
                i,
                str(n),
                ha="center",
                va="center",
                fontsize=9,
                fontweight="bold",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.8, "alpha": 0.85},
            )
            left += n
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=5, frameon=False, fontsize=9)
    parts = []
    for label, row in zip(labels, counts):
        bits = [f"{name.lower()} {row[key]}" for key, name, *_ in RATING_LOOK if row.get(key)]
        parts.append(f"{label}: {', '.join(bits)}")
    return figure_html(
        fig, "Vandrette søjler over, hvor godt hvert forebyggelsesgreb lykkes. " + "; ".join(parts) + "."
    )


CONTACT_LOOK = {
    "god": ("God kontakt", "#0072B2", "-", 2.6, "✓"),
    "mangler": ("Mangler kontakt", "#D55E00", "--", 2.2, "✗"),
    "ved_ikke": ("Ved ikke", "#777777", ":", 1.8, "?"),
    None: ("Ikke vurderet", "#AAAAAA", ":", 1.0, "·"),
}


def _contact_look(value) -> tuple:
    """A stored value that is not one of the options (an old or imported answer) counts as not rated."""
    return CONTACT_LOOK.get(value if isinstance(value, str) else None, CONTACT_LOOK[None])


def contact_tree(units: list[tuple[str, str, int, str | None]], status: dict[str, str | None], title: str) -> str:
    """The institution drawn as a tree (id, name, depth, parent), each part joined to the one above
    by a line whose style (solid, dashed, dotted) and label, not colour alone, tell the AMO's contact."""
    from matplotlib.lines import Line2D

    fig, ax = new_figure((10, 1.3 + 0.42 * len(units)))
    row = {uid: i for i, (uid, *_rest) in enumerate(units)}
    depth = {uid: d for uid, _, d, _ in units}
    for uid, _name, d, parent in units:
        y = row[uid]
        label, colour, style, width, mark = _contact_look(status.get(uid))
        if parent is not None:  # a branch from the parent's stem across to this unit, in the unit's style
            px = depth[parent] + 0.15
            ax.plot([px, d], [y, y], color=colour, linestyle=style, linewidth=width)
    for uid, _name, d, _parent in units:  # each parent's stem, neutral, down to its last child
        kids = [row[c] for c, _, _, p in units if p == uid]
        if kids:
            ax.plot([d + 0.15] * 2, [row[uid] + 0.3, max(kids)], color="#555555", linewidth=1.0)
    for uid, name, d, _parent in units:
        y = row[uid]
        label, colour, style, width, mark = _contact_look(status.get(uid))
        ax.text(
            d + 0.05,
            y,
            name,
            va="center",
            ha="left",
            fontsize=10,
            bbox={
                "facecolor": "white",
                "edgecolor": colour,
                "linestyle": style,
                "linewidth": width * 0.6,
                "boxstyle": "round,pad=0.3",
            },
        )
        ax.text(6.4, y, f"{mark} {label}", va="center", ha="left", fontsize=9.5, color="#222222")
    ax.set_xlim(-0.1, 8.2)
    ax.set_ylim(len(units) - 0.4, -0.8)
    ax.axis("off")
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    handles = [
        Line2D([0], [0], color=c, linestyle=st, linewidth=w, label=f"{m} {lab}")
        for lab, c, st, w, m in CONTACT_LOOK.values()
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.02), ncol=4, frameon=False, fontsize=9)
    groups: dict[str, list[str]] = {}
    for uid, name, *_ in units:
        groups.setdefault(_contact_look(status.get(uid))[0], []).append(name)
    return figure_html(
        fig,
        "Diagram over institutionens dele og arbejdsmiljøorganisationens kontakt til dem. "
        + "; ".join(f"{lab}: {', '.join(names)}" for lab, names in groups.items())
        + ".",
    )


def trend_lines(
    panels: list[tuple[str, list[tuple[str, list[float | None]]]]], rounds: list[str], title: str, alt_intro: str
) -> str:
    """Small multiples: one panel per exposure or resource, its share (0–1) over the rounds, one line per
    series (the unit, the institution). A withheld round is left out of the line, never drawn as zero;
    the series differ by colour, line style and marker."""
    styles = [(UNIT_COLOUR, "-", "o"), (COMPARISON_COLOUR, "--", "s")]
    cols = min(4, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig, axes = new_figure(
        (2.6 * cols + 0.6, 2.3 * rows + 0.9), nrows=rows, ncols=cols, sharex=True, sharey=True, squeeze=False
    )
    x = list(range(len(rounds)))
    for ax, (label, series) in zip(axes.flat, panels):
        last = [values[-1] if values and values[-1] is not None else None for _, values in series]
        # end labels apart: the higher line's label above its point, the lower one's below
        order = sorted((v, s) for s, v in enumerate(last) if v is not None)
        offset = {s: (5, -11) if i == 0 and len(order) > 1 else (5, 4) for i, (_, s) in enumerate(order)}
        for s, (name, values) in enumerate(series):
            colour, style, marker = styles[s % len(styles)]
            # A gap in the line where a round is withheld: NaN breaks the line in matplotlib.
            ys = [float("nan") if v is None else v for v in values]
            ax.plot(x, ys, color=colour, linestyle=style, marker=marker, linewidth=1.8, markersize=5, label=name)
            if values and values[-1] is not None:
                ax.annotate(
                    percent(values[-1]),
                    (x[-1], values[-1]),
                    textcoords="offset points",
                    xytext=offset[s],
                    fontsize=8,
                    color=colour,
                )
        ax.set_title(label, loc="left", fontsize=9.5, fontweight="bold")
        ax.set_ylim(0, 1.0)
        ax.set_yticks([0, 0.5, 1.0], ["0 %", "50 %", "100 %"])
        ax.set_xticks(x, rounds)
        ax.set_xlim(-0.3, len(rounds) - 0.7 + 0.6)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", ncol=len(labels), frameon=False, fontsize=9)
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    parts = []
    for label, series in panels:
        bits = [
            f"{name} "
            + ", ".join(f"{r} {percent(v) if v is not None else 'ikke vist'}" for r, v in zip(rounds, values))
            for name, values in series
        ]
        parts.append(f"{label}: {'; '.join(bits)}")
    return figure_html(fig, f"{alt_intro}. " + ". ".join(parts) + ".")
