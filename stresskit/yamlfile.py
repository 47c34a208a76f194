"""The one reader of YAML that people write or bring (institution.yaml, mapping.yaml, answers
exports, the content file): read with the C loader when present and refused in Danish when
broken or hostile.

YAML can do more than these files need, and some of it is a way in:
- aliases (`&a` … `*a`) let a file of a few hundred bytes expand to gigabytes once stored or
  exported again (a «billion laughs»); no stresskit file uses them, so every alias is refused;
- nesting a few hundred thousand levels deep crashes libyaml's composer outright (a
  segmentation fault, not an exception), so the depth is checked on the parser's event stream
  (which libyaml builds without recursion) before anything is composed;
- tags other than YAML's plain data types (`!!python/…`, `!!binary`, `!!set`, local `!tags`)
  build objects the store can't hold, so they are refused; dates and times stay the text written;
- size: see MAX_BYTES.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import InputError, Problem, StresskitError

# 16 MiB: an answers export takes about 160 bytes per answer, so this holds some 100,000 answers,
# far beyond a real institution's full history (the example's is 18 KB; 16 units × every question
# × a few versions is about 1 MB), while loading it stays near 10 s and 1 GB of memory on one idle
# core (PyYAML needs ~60 bytes of memory per byte of YAML; see benchmarks/imports.py).
MAX_BYTES = 16 * 1024 * 1024
# Deeper than any stresskit file (an answers export nests 5 levels), far below what crashes libyaml.
MAX_DEPTH = 20

_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CORE = "tag:yaml.org,2002:"
# The plain data types; timestamps and YAML's odd «=» value are kept as the text written.
_TAGS = {
    "null": "construct_yaml_null",
    "bool": "construct_yaml_bool",
    "int": "construct_yaml_int",
    "float": "construct_yaml_float",
    "str": "construct_yaml_str",
    "seq": "construct_yaml_seq",
    "map": "construct_yaml_map",
    "timestamp": "construct_yaml_str",
    "value": "construct_yaml_str",
}
_ALLOWED = {_CORE + name for name in _TAGS} | {_CORE + "merge", "!", None}


class _Refused(StresskitError):
    def __init__(self, mark, expected: str, value: object = None):
        super().__init__(expected)
        self.line = mark.line + 1 if mark is not None else None
        self.expected, self.value = expected, value


_TAG_TEXT = "YAML-mærket kendes ikke; filen må kun rumme tekst, tal, ja/nej, lister og ordbøger."


def _as_written(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


def _unknown_tag(loader, node):
    raise _Refused(node.start_mark, _TAG_TEXT, _as_written(node.tag))


class _Loader(_BASE):
    """The safe loader with only the plain data types."""

    yaml_constructors: dict = {}


for _name, _method in _TAGS.items():
    _Loader.add_constructor(_CORE + _name, getattr(yaml.constructor.SafeConstructor, _method))
_Loader.add_constructor(None, _unknown_tag)


def _check_events(text: str) -> None:
    """Refuse aliases, foreign tags and deep nesting, reading libyaml's flat event stream."""
    depth = 0
    for event in yaml.parse(text, Loader=_BASE):
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                event.start_mark,
                "YAML-aliasser (*navn, der gentager et &anker) er ikke tilladt; "
                "skriv værdien ud hvert sted, den skal stå.",
                f"*{event.anchor}",
            )
        tag = getattr(event, "tag", None)
        if tag not in _ALLOWED:
            raise _Refused(event.start_mark, _TAG_TEXT, _as_written(tag))
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(
                    event.start_mark,
                    f"filen er indlejret mere end {MAX_DEPTH} niveauer dybt; stresskits filer har kun få niveauer.",
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _text(path: Path, name: str) -> str:
    with open(path, "rb") as f:  # read no more than the cap, whatever the file claims to be
        raw = f.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise InputError(
            Problem(
                name,
                expected=f"filen er større end {MAX_BYTES // (1024 * 1024)} MB, som er "
                "grænsen for en YAML-fil i stresskit; del den op, eller tjek, at det er den rigtige fil.",
            )
        )
    return raw.decode("utf-8")


def loads(text: str, name: str):
    """Parse YAML text with the checks above; any refusal is an InputError naming `name` and the line."""
    try:
        _check_events(text)
        return yaml.load(text, Loader=_Loader)
    except _Refused as exc:
        raise InputError(Problem(name, row=exc.line, value=exc.value, expected=exc.expected)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            Problem(
                name,
                row=mark.line + 1 if mark else None,
                expected="filen er ikke gyldig YAML; tjek indrykning, koloner og anførselstegn.",
            )
        ) from None


def read(path: Path, name: str, expected: str):
    """The file's data, which must be a mapping; `expected` says what it should hold."""
    try:
        text = _text(Path(path), name)
    except FileNotFoundError:
        raise InputError(Problem(name, expected=f"filen mangler; {expected}")) from None
    except UnicodeDecodeError:
        raise InputError(Problem(name, expected="filen er ikke gemt som UTF-8-tekst.")) from None
    except OSError as exc:
        raise InputError(Problem(name, expected=f"filen kunne ikke læses ({exc.strerror or exc}).")) from None
    data = loads(text, name)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(Problem(name, expected=f"forventede en YAML-ordbog; {expected}"))
    return data
