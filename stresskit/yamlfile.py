"""YAML files people write by hand (institution.yaml, mapping.yaml, answers, content),
read with the C loader when present and refused in Danish when broken."""
from __future__ import annotations

from pathlib import Path

import yaml

from .problems import InputError, Problem

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read(path: Path, name: str, expected: str):
    """The file's data, which must be a mapping; `expected` says what it should hold."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except FileNotFoundError:
        raise InputError(Problem(name, expected=f"filen mangler; {expected}")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(name, expected=f"filen kunne ikke læses ({exc}).")) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(Problem(name, row=mark.line + 1 if mark else None,
                                 expected="filen er ikke gyldig YAML; tjek indrykning, koloner og anførselstegn.")) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(Problem(name, expected=f"forventede en YAML-ordbog; {expected}"))
    return data
