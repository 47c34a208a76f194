"""mapping.yaml's ``scales:`` (answer labels and their numbers) and ``items:`` (which column measures
which construct, on which scale) checked into Scales and Items.
"""

from __future__ import annotations

from ..errors import Problem
from ..yamlcheck import flag, listed, one_of
from .mapping import Item, Scale, normalise


def check_scales(raw: dict, file: str, problems: list[Problem]) -> dict[str, Scale]:
    out = {}
    for name, spec in raw.items():
        where = f"scales.{name}"
        labels = spec.get("labels") if isinstance(spec, dict) else None
        if not isinstance(labels, dict) or len(labels) < 2:
            problems.append(
                Problem(
                    file,
                    column=f"{where}.labels",
                    expected="forventede mindst to svar med hvert sit tal, fx {Altid: 5, Ofte: 4, …}.",
                )
            )
            continue
        numbers = {}
        for label, value in labels.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                problems.append(
                    Problem(file, column=f"{where}.labels.{label}", value=value, expected="forventede et tal.")
                )
            elif normalise(label) in numbers:
                problems.append(Problem(file, column=f"{where}.labels", value=label, expected="svaret står to gange."))
            else:
                numbers[normalise(label)] = float(value)
        missing = listed(
            spec, "missing", file, where, "forventede en liste af svar, der betyder «ikke besvaret».", problems
        )
        clash = [m for m in missing if normalise(m) in numbers]
        if clash:
            problems.append(
                Problem(
                    file,
                    column=f"{where}.missing",
                    value=clash[0],
                    expected="svaret står både som svar med tal og som manglende.",
                )
            )
        if len(set(numbers.values())) < 2:
            problems.append(
                Problem(file, column=f"{where}.labels", expected="svarene skal have mindst to forskellige tal.")
            )
            continue
        shown = tuple(
            str(x)
            for x in sorted(
                labels,
                key=lambda x: (
                    -float(labels[x]) if not isinstance(labels[x], bool) and isinstance(labels[x], (int, float)) else 0
                ),
            )
        )
        out[str(name)] = Scale(str(name), numbers, shown, frozenset(normalise(m) for m in missing))
    return out


def check_items(
    raw: list, constructs: dict, scales: dict[str, Scale], file: str, problems: list[Problem]
) -> list[Item]:
    items: list[Item] = []
    for n, spec in enumerate(raw, start=1):
        where = f"items[{n}]"
        if not isinstance(spec, dict) or not spec.get("item"):
            problems.append(Problem(file, column=where, expected="forventede item, construct og scale."))
            continue
        reverse = flag(spec, "reverse", file, where, problems)
        construct = spec.get("construct")
        expected = "forventede en konstruktion, der er defineret under constructs."
        if not one_of(construct, constructs, file, f"{where}.construct", expected, problems):
            continue
        scale = spec.get("scale")
        if isinstance(scale, str):
            expected = (
                f"forventede en skala under scales ({', '.join(scales) or 'ingen defineret'}) eller [laveste, højeste]."
            )
            if not one_of(scale, scales, file, f"{where}.scale", expected, problems):
                continue
            values = scales[scale].labels.values()
            items.append(
                Item(
                    str(spec["item"]),
                    construct,
                    min(values),
                    max(values),
                    reverse,
                    str(spec.get("text", "")),
                    scale,
                )
            )
            continue
        if (
            not isinstance(scale, list)
            or len(scale) != 2
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in scale)
            or scale[0] >= scale[1]
        ):
            problems.append(
                Problem(
                    file,
                    column=f"{where}.scale",
                    value=scale,
                    expected="forventede [laveste, højeste], fx [1, 5], eller navnet på en skala under scales.",
                )
            )
            continue
        items.append(
            Item(
                str(spec["item"]),
                construct,
                float(scale[0]),
                float(scale[1]),
                reverse,
                str(spec.get("text", "")),
            )
        )
    seen = set()
    for item in items:
        if item.column in seen:
            problems.append(Problem(file, column="items", value=item.column, expected="spørgsmålet står to gange."))
        seen.add(item.column)
    return items
