"""An institution's workbook: one folder holding institution.yaml (the unit tree, the
AMO groups, the anonymity thresholds), the APV survey rounds, signals.csv and the store.
This is the model; the checks of the folder's other files are in validate.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from . import guide as guide_module
from . import memo, yamlfile
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


def read_institution(root: Path) -> tuple[Workbook | None, list[Problem]]:
    file = INSTITUTION
    path = root / INSTITUTION
    if not path.is_file():
        return None, [
            Problem(file, expected=f"filen mangler i mappen {root}; opret en arbejdsbog med «stresskit new».")
        ]
    try:
        data = yamlfile.read(path, file, "forventede felterne name, sector og units.")
    except InputError as exc:
        return None, exc.problems

    problems: list[Problem] = []
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem(file, column="name", value=name, expected="forventede institutionens navn."))
    sectors = [s["id"] for s in guide_module.default().sectors]
    sector = data.get("sector")
    if sector not in sectors:
        problems.append(
            Problem(file, column="sector", value=sector, expected=f"forventede en af {', '.join(sectors)}.")
        )

    units: dict[str, Unit] = {}
    seen: dict[str, int] = {}  # casefolded id -> its place in the list
    raw_units = data.get("units")
    if not isinstance(raw_units, list) or not raw_units:
        problems.append(
            Problem(file, column="units", expected="forventede en liste af enheder med id, name, parent og headcount.")
        )
        raw_units = []
    for n, raw in enumerate(raw_units, start=1):
        where = f"units[{n}]"
        if not isinstance(raw, dict):
            problems.append(
                Problem(
                    file, column=where, value=raw, expected="forventede en enhed med id, name, parent og headcount."
                )
            )
            continue
        unit_id = str(raw.get("id") or "").strip()
        if not unit_id:
            problems.append(Problem(file, column=f"{where}.id", expected="hver enhed skal have et id."))
            continue
        if not UNIT_ID.fullmatch(unit_id):
            problems.append(
                Problem(
                    file,
                    column=f"{where}.id",
                    value=unit_id,
                    expected="et id må kun indeholde bogstaverne a–z og A–Z, cifre, _ og - "
                    "(ikke - først, ingen mellemrum, æ/ø/å, / eller punktum), fx «adm_studie».",
                )
            )
            continue
        if unit_id.casefold() in seen:
            problems.append(
                Problem(
                    file,
                    column=f"{where}.id",
                    value=unit_id,
                    expected=f"id'et er brugt af enheden på plads {seen[unit_id.casefold()]} (store og små "
                    "bogstaver regnes for ens); hvert id skal være entydigt.",
                )
            )
            continue
        seen[unit_id.casefold()] = n
        headcount = raw.get("headcount")
        if headcount is not None and (not isinstance(headcount, int) or isinstance(headcount, bool) or headcount < 0):
            problems.append(
                Problem(
                    file,
                    column=f"{where}.headcount",
                    value=headcount,
                    expected="forventede et helt antal ansatte (0 eller mere).",
                )
            )
            headcount = None
        parent = raw.get("parent")
        previous = raw.get("previous_names") or []
        if not isinstance(previous, list) or not all(isinstance(x, (str, int)) and str(x).strip() for x in previous):
            problems.append(
                Problem(
                    file,
                    column=f"{where}.previous_names",
                    expected="forventede en liste af de navne eller id'er, enheden havde i tidligere APV-runder.",
                )
            )
            previous = []
        raw_name = raw.get("name")
        if raw_name is not None and not isinstance(raw_name, (str, int, float)):
            problems.append(Problem(file, column=f"{where}.name", expected="forventede enhedens navn som tekst."))
            raw_name = None
        units[unit_id] = Unit(
            unit_id,
            str(raw_name or unit_id).strip() or unit_id,
            None if parent in (None, "") else str(parent),
            headcount,
            tuple(str(x).strip() for x in previous),
        )

    problems += _same_names(units, file)
    roots = [u.id for u in units.values() if u.parent is None]
    if units and len(roots) != 1:
        problems.append(
            Problem(
                file,
                column="units",
                value=", ".join(roots) or "ingen",
                expected="præcis én enhed, institutionen selv, skal være uden parent.",
            )
        )
    for unit in units.values():
        if unit.parent is not None and unit.parent not in units:
            problems.append(
                Problem(
                    file,
                    column=f"units ({unit.id}).parent",
                    value=unit.parent,
                    expected="forventede id'et på en enhed, der findes i units.",
                )
            )
    if not problems:
        problems += _cycles(units, file)
    if not problems:
        problems += _headcounts(units, file)
    problems += _previous_names(units, file)

    groups = []
    for n, raw in enumerate(data.get("amo_groups") or [], start=1):
        where = f"amo_groups[{n}]"
        covered = [str(u) for u in (raw or {}).get("units") or []] if isinstance(raw, dict) else []
        if not isinstance(raw, dict) or not raw.get("id") or not covered:
            problems.append(
                Problem(file, column=where, expected="forventede id, name og units (de enheder, gruppen dækker).")
            )
            continue
        for unit_id in covered:
            if unit_id not in units:
                problems.append(
                    Problem(
                        file,
                        column=f"{where}.units",
                        value=unit_id,
                        expected="forventede id'et på en enhed, der findes i units.",
                    )
                )
        groups.append(AmoGroup(str(raw["id"]), str(raw.get("name") or raw["id"]), tuple(covered)))

    anonymity = data.get("anonymity") or {}
    thresholds = {}
    for key, default in (("min_group", MIN_GROUP), ("min_group_sensitive", MIN_GROUP_SENSITIVE)):
        value = anonymity.get(key, default) if isinstance(anonymity, dict) else default
        if not isinstance(value, int) or isinstance(value, bool) or value < MIN_GROUP:
            problems.append(
                Problem(
                    file,
                    column=f"anonymity.{key}",
                    value=value,
                    expected=f"forventede et helt tal på mindst {MIN_GROUP}; færre svar kan udpege enkeltpersoner.",
                )
            )
            value = default
        thresholds[key] = value
    if thresholds["min_group_sensitive"] < thresholds["min_group"]:
        problems.append(
            Problem(
                file,
                column="anonymity.min_group_sensitive",
                value=thresholds["min_group_sensitive"],
                expected=f"forventede mindst samme værdi som min_group ({thresholds['min_group']}).",
            )
        )
    if problems:
        return None, problems
    return Workbook(root, name.strip(), sector, units, groups, **thresholds), []


def alike(text: str) -> str:
    """What a name reads as: Unicode compatibility forms folded (NFKC: «ﬁ» is «fi», a full-width
    «Ａ» is «A») and case folded, the canonical caseless match of the Unicode standard."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def _same_names(units: dict[str, Unit], file: str) -> list[Problem]:
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


def _cycles(units: dict[str, Unit], file: str) -> list[Problem]:
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


def _headcounts(units: dict[str, Unit], file: str) -> list[Problem]:
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


def _previous_names(units: dict[str, Unit], file: str) -> list[Problem]:
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
