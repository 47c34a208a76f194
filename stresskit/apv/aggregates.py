"""Each round aggregated per unit and construct, and anonymised (see anonymity).

Respondent rows never leave the apv package: callers get only aggregates in which the
anonymity contract of DESIGN.md is already applied. Each round is aggregated and
anonymised on its own (``aggregate(book, survey, round_name)``; ``history(book)`` gives
every round).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from .. import danish, memo
from ..memo import file_digest
from ..workbook import Workbook
from . import anonymity
from .mapping import Construct
from .rounds import Survey, load

# Why a figure is or is not shown (re-exported: views compare statuses through apv).
SHOWN, NO_ANSWERS, SMALL, COMPLEMENT = anonymity.SHOWN, anonymity.NO_ANSWERS, anonymity.SMALL, anonymity.COMPLEMENT
status_text = anonymity.status_text


NBSP, percent = danish.NBSP, danish.percent  # a share as every report and chart writes it: «64 %»


def _fingerprint(book: Workbook) -> tuple:
    """What the survey's figures depend on: the unit tree, the thresholds and the apv/ files
    (mapping, rounds, label files) as they are now, by content (a file replaced within the same second by one of the same size
    has another digest, where its mtime and size would not tell). sha256 reads well over
    1 GB/s here: a 100,000-row export costs a few milliseconds per look."""
    files = [book.root / "institution.yaml"]  # and every file in apv/: mapping, rounds, label files
    if book.apv_dir.is_dir():
        files += sorted(p for p in book.apv_dir.iterdir() if p.is_file())
    digests = []
    for p in files:
        try:
            digests.append((str(p), file_digest(p)))
        except OSError:
            continue  # a missing file: load() says what is wrong
    return (str(book.root.resolve()), tuple(digests))


def results(book: Workbook) -> Results | None:
    """The latest round's anonymised results (see history)."""
    rounds = history(book)
    return rounds[-1] if rounds else None


def history(book: Workbook) -> list[Results]:
    """Every round's anonymised results, oldest first, each round anonymised on its own;
    computed once per process while the files are unchanged (every notebook of a unit reads them)."""

    def compute() -> list[Results]:
        survey = load(book)
        return [aggregate(book, survey, r.name) for r in survey.rounds] if survey else []

    return memo.once("apv", _fingerprint(book), compute)


def preload(book: Workbook, rounds: list[Results]) -> None:
    """Take every round's results as computed once for a whole batch (see batch), so that
    results() and history() in this process need not read or aggregate the survey again.
    They hold for the files as they are now; a changed file is computed afresh as before."""
    memo.put("apv", _fingerprint(book), rounds)


def results_data(rounds: list[Results]) -> list[dict]:
    """Rounds' anonymised results as plain data (JSON): the aggregates a report may show and
    their statuses; withheld figures are already NaN. No respondent row is in a Results."""
    out = []
    for r in rounds:
        units = list(r.table.index.get_level_values("unit").unique())
        cids = list(r.table.index.get_level_values("construct").unique())
        out.append(
            {
                "round": r.round,
                "units": units,
                "constructs": [asdict(r.constructs[c]) for c in cids],
                "n": r.table["n"].tolist(),
                "mean": r.table["mean"].tolist(),
                "share": r.table["share"].tolist(),
                "status": r.table["status"].tolist(),
                "k": r.k,
                "k_sensitive": r.k_sensitive,
                "respondents": r.respondents,
                "respondent_status": r.respondent_status,
            }
        )
    return out


def results_from_data(data: list[dict]) -> list[Results]:
    out = []
    for d in data:
        constructs = {c["id"]: Construct(**{**c, "parts": tuple(c["parts"])}) for c in d["constructs"]}
        index = pd.MultiIndex.from_product([d["units"], list(constructs)], names=["unit", "construct"])
        table = pd.DataFrame(
            {
                "n": np.array(d["n"], dtype=float),
                "mean": np.array(d["mean"], dtype=float),
                "share": np.array(d["share"], dtype=float),
                "status": np.array(d["status"], dtype=object),
            },
            index=index,
        )
        out.append(
            Results(d["round"], table, constructs, d["k"], d["k_sensitive"], d["respondents"], d["respondent_status"])
        )
    return out


NOT_MEASURED = "ikke målt i jeres APV"
NOT_MEASURED_LEAD = "Ikke målt i jeres APV"  # at the start of a sentence


def measured(results: Results | None, construct: str) -> bool:
    """Whether a round's figures hold a construct: the mapping measures it and the round asked
    all its items. A mapping may measure any subset of the exposures and resources (an
    instrument such as the HSE Indicator Tool has no violence item); every view, page and
    export asks this before it looks a figure up, and says NOT_MEASURED where it is false."""
    return results is not None and construct in results.constructs


def unmeasured_parts(results: Results | None, parts) -> list[str]:
    """Of a combination's exposures (ids), those the round does not measure."""
    return [p for p in parts if not measured(results, p)]


@dataclass
class Results:
    """Aggregates of one round per unit and construct, already anonymised (see anonymity).

    ``table`` has one row per (unit, construct): n, mean (0–100), share (0–1, exposed or
    low resource) and status; n, mean and share are NaN unless status is SHOWN. A mean is
    never given for a rule-``any`` construct or a combination: there it says nothing.
    """

    round: str
    table: pd.DataFrame
    constructs: dict[str, Construct]
    k: int
    k_sensitive: int
    respondents: dict[str, int | None]  # None when withheld
    respondent_status: dict[str, str] = field(default_factory=dict)

    def threshold(self, construct: str) -> int:
        return self.k_sensitive if self.constructs[construct].sensitive else self.k

    @cached_property
    def figures(self) -> dict[tuple[str, str], tuple[str, float, float]]:
        """(status, n, share) per (unit, construct), read out of the table once: an index of thousands
        of units asks for every unit's figures, and a pandas `.loc` per figure cost seconds. The table
        is never changed once made (aggregate builds it whole)."""
        t = self.table
        return dict(zip(t.index, zip(t["status"].tolist(), t["n"].tolist(), t["share"].tolist())))

    def status_text(self, unit_id: str, construct: str) -> str:
        if not measured(self, construct):
            return NOT_MEASURED
        return status_text(
            self.table.at[(unit_id, construct), "status"],
            self.threshold(construct),
            self.constructs[construct].sensitive,
        )

    def respondents_text(self, unit_id: str) -> str:
        """The unit's respondent count, or the true reason it is withheld."""
        n = self.respondents[unit_id]
        if n is not None:
            return "1 besvarelse" if n == 1 else f"{n} besvarelser"
        if self.respondent_status[unit_id] == SMALL:
            return f"færre end {self.k} besvarelser"
        return "antallet af besvarelser er skjult, så en mindre gruppe ikke kan regnes ud"


OWN = ":egen"  # an own group's id: the inner unit's id and this (never a unit id: ids have no colon)
OWN_NAME = "svar uden afdeling"  # how a report names an own group


def own_group(unit_id: str) -> str:
    """The id of the group of respondents coded to an inner unit itself («svar uden afdeling»)."""
    return unit_id + OWN


def owner(group_id: str) -> str | None:
    """The inner unit an own group belongs to; None for a unit id."""
    return group_id[: -len(OWN)] if group_id.endswith(OWN) else None


def _tree(book: Workbook, own: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """The unit tree with a leaf for the own group of each inner unit in ``own``, depth-first."""
    children = {u: list(book.children[u]) + ([own_group(u)] if u in own else []) for u in book.units}
    children.update({own_group(u): [] for u in own})
    nodes: list[str] = []
    todo = [book.root_unit]
    while todo:
        u = todo.pop()
        nodes.append(u)
        todo.extend(reversed(children[u]))
    return nodes, children


def _subtree_sums(
    nodes: list[str], children: dict[str, list[str]], codes: np.ndarray, values: np.ndarray
) -> np.ndarray:
    """Per node, the column sums of ``values`` over the node's subtree, given each row's own
    node as an index into ``nodes`` (depth-first: every child comes after its parent)."""
    out = np.zeros((len(nodes), values.shape[1]))
    np.add.at(out, codes, values)
    position = {u: i for i, u in enumerate(nodes)}
    for i in range(len(nodes) - 1, -1, -1):  # descendants before their ancestor
        for c in children[nodes[i]]:
            out[i] += out[position[c]]
    return out


def aggregate(book: Workbook, survey: Survey, round_name: str | None = None) -> Results:
    rnd = survey.round(round_name)
    cids = list(rnd.constructs)
    direct = rnd._units.value_counts()
    own = [u for u in book.ordered() if book.children[u] and direct.get(u, 0)]
    nodes, children = _tree(book, own)
    code_of = {u: i for i, u in enumerate(nodes)} | {u: nodes.index(own_group(u)) for u in own}
    codes = rnd._units.map(code_of).to_numpy(dtype=int)
    flags = rnd._flags[cids].to_numpy(dtype=float)
    scores = rnd._scores[cids].to_numpy(dtype=float)
    answered = ~np.isnan(flags)
    n, exposed, score_sum = (
        _subtree_sums(nodes, children, codes, x)
        for x in (answered.astype(float), np.nan_to_num(flags), np.nan_to_num(scores))
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        share, mean = exposed / n, score_sum / n
    no_mean = [
        i for i, c in enumerate(cids) if rnd.constructs[c].kind == "combination" or rnd.constructs[c].rule == "any"
    ]
    mean[:, no_mean] = np.nan

    cheap = {own_group(u) for u in own}
    root = book.root_unit
    everyone = _subtree_sums(nodes, children, codes, np.ones((len(codes), 1)))[:, 0].astype(int)
    counts = dict(zip(nodes, everyone.tolist()))
    resp_status = anonymity.suppress(children, root, counts, book.min_group, cheap=cheap)
    respondents = {u: counts[u] if resp_status[u] in (SHOWN, NO_ANSWERS) else None for u in nodes}

    # Linked measures withhold at least what they build on (see anonymity): counts, then
    # exposures and resources, then combinations of two exposures.
    uncounted = {u for u in nodes if respondents[u] is None}
    decided: dict[str, dict[str, str]] = {}
    for cid in sorted(cids, key=lambda c: rnd.constructs[c].kind == "combination"):
        construct = rnd.constructs[cid]
        j = cids.index(cid)
        k = book.min_group_sensitive if construct.sensitive else book.min_group
        total = dict(zip(nodes, n[:, j].astype(int).tolist()))
        everyone_exposed = dict(zip(nodes, exposed[:, j].astype(int).tolist())) if construct.sensitive else None
        linked = set(uncounted)
        for part in construct.parts:
            linked |= {u for u in nodes if decided[part][u] not in (SHOWN, NO_ANSWERS)}
        parts = [decided[p] for p in construct.parts]
        while True:  # a combination only where it and its parts are shown alike all the way down
            status = anonymity.suppress(children, root, total, k, hidden=linked, exposed=everyone_exposed, cheap=cheap)
            opened = anonymity.unlike_below(children, root, [status, *parts]) if parts else set()
            if opened <= linked:
                break
            linked |= opened
        decided[cid] = _linked_reasons(status, nodes, resp_status, parts)
    status = np.array([[decided[c][u] for c in cids] for u in nodes], dtype=object).reshape(n.shape)
    hidden = status != SHOWN
    table = pd.DataFrame(
        {
            "n": np.where(hidden, np.nan, n).ravel(),
            "mean": np.where(hidden, np.nan, mean).ravel(),
            "share": np.where(hidden, np.nan, share).ravel(),
            "status": status.ravel(),
        },
        index=pd.MultiIndex.from_product([nodes, cids], names=["unit", "construct"]),
    )
    return Results(rnd.name, table, rnd.constructs, book.min_group, book.min_group_sensitive, respondents, resp_status)


def _linked_reasons(
    status: dict[str, str], nodes: list[str], counted: dict[str, str], parts: list[dict[str, str]]
) -> dict[str, str]:
    """A figure withheld because a figure it builds on is withheld (the unit's respondent count, a
    combination's part) gives that figure's reason: «færre end k» of its own would say that some
    respondents skipped the questions, and with other figures that can pin a small group down."""
    out = dict(status)
    for u in nodes:
        if status[u] in (SHOWN, NO_ANSWERS):
            continue
        linked = [counted[u]] + [p[u] for p in parts]
        linked = [x for x in linked if x not in (SHOWN, NO_ANSWERS)]
        if linked:
            out[u] = SMALL if SMALL in linked else COMPLEMENT
    return out
