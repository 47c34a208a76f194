"""An institution's workbook: one folder holding institution.yaml (the unit tree, the
AMO groups, the anonymity thresholds), the APV survey rounds, signals.csv and the store.
This is the model and what makes a unit tree valid; reading institution.yaml is in
institution, the checks of the folder's other files are in validate.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from . import memo
from .errors import InputError, Problem, unknown_unit
from .memo import file_digest

INSTITUTION = "institution.yaml"
SIGNALS = "signals.csv"
STORE = "stresskit.sqlite"
APV = "apv"
MIN_GROUP = 5
MIN_GROUP_SENSITIVE = 10
# Unit ids name folders and files of the reports: ASCII letters, digits, _ and -, never a leading -.
UNIT_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    parent: str | None
    headcount: int | None = None
    previous_names: tuple[str, ...] = ()  # names or ids the unit had in earlier APV rounds


@dataclass(frozen=True)
class AmoGroup:
    id: str
    name: str
    units: tuple[str, ...]


@dataclass
class Workbook:
    root: Path
    name: str
    sector: str
    units: dict[str, Unit]
    amo_groups: list[AmoGroup] = field(default_factory=list)
    min_group: int = MIN_GROUP
    min_group_sensitive: int = MIN_GROUP_SENSITIVE

    @classmethod
    def open(cls, path: Path | str) -> Workbook:
        """Read institution.yaml; raise InputError listing every problem in it. The unit tree
        is parsed once per process while the file's bytes are unchanged (a batch opens the
        workbook in every notebook of every unit; nothing changes a Workbook once read)."""

        def read() -> Workbook:
            from .institution import read_institution  # it builds Workbooks: imports this module

            book, problems = read_institution(Path(path))
            if problems:
                raise InputError(problems)
            return book

        try:
            key = (str(path), file_digest(Path(path) / INSTITUTION))
        except OSError:
            return read()  # no file to key on: read() says what is wrong
        return memo.once("workbook", key, read)

    # --- the unit tree -------------------------------------------------------
    @cached_property
    def root_unit(self) -> str:
        return next(u.id for u in self.units.values() if u.parent is None)

    @cached_property
    def children(self) -> dict[str, list[str]]:
        kids: dict[str, list[str]] = {u: [] for u in self.units}
        for unit in self.units.values():
            if unit.parent is not None:
                kids[unit.parent].append(unit.id)
        return kids

    def ancestors(self, unit_id: str) -> list[str]:
        """The unit itself, then its parent, up to the institution."""
        chain = []
        while unit_id is not None:
            chain.append(unit_id)
            unit_id = self.units[unit_id].parent
        return chain

    def subtree(self, unit_id: str) -> list[str]:
        out, todo = [], [unit_id]
        while todo:
            current = todo.pop(0)
            out.append(current)
            todo.extend(self.children[current])
        return out

    def depth(self, unit_id: str) -> int:
        return len(self.ancestors(unit_id)) - 1

    def ordered(self) -> list[str]:
        """Units depth-first in the order institution.yaml lists them."""
        out: list[str] = []

        def walk(unit_id):
            out.append(unit_id)
            for child in self.children[unit_id]:
                walk(child)

        walk(self.root_unit)
        return out

    def answer_keys(self) -> set[str]:
        """What answers may be stored under: each unit, and each AMO group as «amg:<id>»."""
        return set(self.units) | {f"amg:{g.id}" for g in self.amo_groups}

    @cached_property
    def unit_lookup(self) -> dict[str, str]:
        """Unit id for every way a survey may name a unit, case-insensitively: its id, its name,
        and the names and ids it had before (``previous_names``). Current ones win over old ones."""
        lookup = {old.casefold(): u.id for u in self.units.values() for old in u.previous_names}
        lookup.update({u.id.casefold(): u.id for u in self.units.values()})
        lookup.update({u.name.casefold(): u.id for u in self.units.values()})
        return lookup

    def unit_name(self, unit_id: str) -> str:
        return self.units[unit_id].name

    def check_unit(self, unit_id: str) -> None:
        if unit_id not in self.units:
            raise UnknownUnit(
                unit_id,
                Problem(INSTITUTION, column="units", expected=unknown_unit([unit_id], self.ordered())),
                tuple(self.ordered()),
            )

    # --- files ---------------------------------------------------------------
    @property
    def store_path(self) -> Path:
        return self.root / STORE

    @property
    def apv_dir(self) -> Path:
        return self.root / APV

    @property
    def signals_path(self) -> Path:
        return self.root / SIGNALS

    def input_files(self) -> list[Path]:
        """Every file the notebooks read, for checksums and change detection."""
        files = [self.root / INSTITUTION, self.signals_path]
        if self.apv_dir.is_dir():
            files += sorted(p for p in self.apv_dir.iterdir() if p.is_file())
        return [p for p in files if p.is_file()]

    def checksums(self) -> dict[str, str]:
        return {str(p.relative_to(self.root)): file_digest(p) for p in self.input_files()}


def alike(text: str) -> str:
    """What a name reads as: Unicode compatibility forms folded (NFKC: «ﬁ» is «fi», a full-width
    «Ａ» is «A») and case folded, the canonical caseless match of the Unicode standard."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def check_names(units: dict[str, Unit], file: str) -> list[Problem]:
    """APV files name a respondent's unit by id or name: two units that read alike would
    put one unit's answers under the other, and a reader could not tell them apart."""
    problems, taken = [], {alike(u.id): u.id for u in units.values()}
    for unit in units.values():
        problems += _look_alike(unit, file)
        key = alike(unit.name)
        other = taken.get(key)
        if other is not None and other != unit.id:
            problems.append(
                Problem(
                    file,
                    column=f"units ({unit.id}).name",
                    value=unit.name,
                    expected=f"enheden «{other}» har samme navn eller id (store og små bogstaver, "
                    "og tegn, der ser ens ud, regnes for ens); hver enhed skal have sit eget navn.",
                )
            )
        taken.setdefault(key, unit.id)
    return problems


def _look_alike(unit: Unit, file: str) -> list[Problem]:
    """A name (or earlier name) that is not what it looks like: invisible characters (zero-width
    spaces and joiners, the marks that turn text right to left) or a word that mixes scripts
    (a Cyrillic «а» among Latin letters). Either would let two units, or a unit and a
    survey's code for it, look the same and be different."""
    problems = []
    for column, name in [("name", unit.name)] + [("previous_names", old) for old in unit.previous_names]:
        where = f"units ({unit.id}).{column}"
        hidden = sorted({f"U+{ord(ch):04X}" for ch in name if unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cs")})
        if hidden:
            problems.append(
                Problem(
                    file,
                    column=where,
                    value=_marked(name, lambda ch, hidden=hidden: f"U+{ord(ch):04X}" in hidden),
                    expected=f"navnet indeholder usynlige styretegn ({', '.join(hidden)}), som kan få to "
                    "forskellige navne til at se ens ud; skriv navnet igen uden dem.",
                )
            )
        for word in re.findall(r"\w+", name):
            letters = [_script(ch) for ch in word if ch.isalpha()]
            scripts = sorted(set(letters))
            if len(scripts) > 1:
                main = max(scripts, key=letters.count)
                problems.append(
                    Problem(
                        file,
                        column=where,
                        value=_marked(word, lambda ch, main=main: ch.isalpha() and _script(ch) != main),
                        expected=f"ordet blander skriftsystemer ({', '.join(_SCRIPTS.get(x, x.lower()) for x in scripts)}), "
                        "fx et kyrillisk «а» i et latinsk navn, så det ligner et andet navn; "
                        "skriv ordet med ét skriftsystem.",
                    )
                )
                break
    return problems


_SCRIPTS = {
    "LATIN": "latinsk",
    "CYRILLIC": "kyrillisk",
    "GREEK": "græsk",
    "ARMENIAN": "armensk",
    "HEBREW": "hebraisk",
    "ARABIC": "arabisk",
    "CHEROKEE": "cherokee",
}


def _marked(text: str, odd) -> str:
    """The text with each odd character written as its code point, so the message shows it."""
    return "".join(f"[U+{ord(ch):04X}]" if odd(ch) else ch for ch in text)


def _script(ch: str) -> str:
    """A letter's script, as the first word of its Unicode name says it («LATIN SMALL LETTER A»)."""
    return unicodedata.name(ch, "UNKNOWN").split()[0]


def check_cycles(units: dict[str, Unit], file: str) -> list[Problem]:
    for unit in units.values():
        seen, current = set(), unit.id
        while current is not None:
            if current in seen:
                return [
                    Problem(
                        file,
                        column=f"units ({unit.id}).parent",
                        value=unit.parent,
                        expected="enhederne danner en ring; hver enhed skal føre op til institutionen.",
                    )
                ]
            seen.add(current)
            current = units[current].parent
    return []


def check_headcounts(units: dict[str, Unit], file: str) -> list[Problem]:
    """A unit's headcount counts the units under it too: a parent with fewer staff than its
    children together is wrong, and signals per unit would then let a reader work out the
    figures of a small group as the difference."""
    problems = []
    for unit in units.values():
        counted = [u for u in units.values() if u.parent == unit.id and u.headcount is not None]
        total = sum(u.headcount for u in counted)
        if unit.headcount is not None and total > unit.headcount:
            parts = ", ".join(f"{u.id} ({u.headcount})" for u in counted)
            problems.append(
                Problem(
                    file,
                    column=f"units ({unit.id}).headcount",
                    value=unit.headcount,
                    expected=f"enheden {unit.id} har færre ansatte end enhederne under den tilsammen: "
                    f"{parts} er {total}. headcount tæller enheden inklusive enhederne under "
                    "den; ret tallet for den ene eller de andre.",
                )
            )
    return problems


def check_previous_names(units: dict[str, Unit], file: str) -> list[Problem]:
    """An old name may not be another unit's name or id now, nor an old name of two units:
    respondents coded with it would count in the wrong unit."""
    current = {}
    for u in units.values():
        current[alike(u.id)] = u.id
        current[alike(u.name)] = u.id
    problems, seen = [], {}
    for u in units.values():
        for old in u.previous_names:
            key = alike(old)
            other = current.get(key, u.id) if key in current else seen.get(key, u.id)
            if other != u.id:
                problems.append(
                    Problem(
                        file,
                        column=f"units ({u.id}).previous_names",
                        value=old,
                        expected=f"navnet bruges også af enheden {other}; et tidligere navn skal pege på én enhed.",
                    )
                )
            seen[key] = u.id
    return problems


class UnknownUnit(InputError):
    """A unit parameter that names no unit: the files are fine, the call is not."""

    def __init__(self, unit_id: str, problem: Problem, known: tuple[str, ...] = ()):
        super().__init__(problem)
        self.unit, self.known = unit_id, known


SKELETON = Path(__file__).parent / "skeleton"


def new(path: Path | str) -> Path:
    """Create a valid, empty workbook folder; refuse to touch an existing one."""
    root = Path(path)
    if (root / INSTITUTION).exists():
        raise InputError(
            Problem(str(root / INSTITUTION), expected="der findes allerede en arbejdsbog her; vælg en ny mappe.")
        )
    (root / APV).mkdir(parents=True, exist_ok=True)
    (root / INSTITUTION).write_text((SKELETON / "institution.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (root / APV / "mapping.yaml").write_text((SKELETON / "mapping.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return root
