"""The guideline's content as data (content/guide.yaml), loaded and checked.

Everything a user reads about the guideline — recommendations, exposures, greb,
questions — comes from here, so forms, reports and exports never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import yamlfile
from .errors import InputError, Problem
from .yamlcheck import one_of

CONTENT = Path(__file__).parent / "content" / "guide.yaml"

# Fields that must hold Danish text wherever they occur.
TEXT_FIELDS = {"title", "text", "definition", "purpose", "label", "description", "question", "short"}
# Lists of items with ids; each entry maps a field to the section its ids must exist in.
SECTIONS = {
    "recommendations": {},
    "apv_phases": {},
    "stress_signals": {},
    "signal_measures": {"signal": "stress_signals"},
    "work_areas": {},
    "exposures": {},
    "resources": {},
    "combinations": {"exposures": "exposures"},
    "agreements": {"sectors": "sectors", "implemented_by": "agreements"},
    "sectors": {},
    "greb": {},
    "cooperation_questions": {},
    "amo_tasks": {},
    "su_tasks": {},
    "joint_tasks": {},
    "iglo_levels": {},
    "iglo_phases": {},
    "companion_materials": {"for_level": "iglo_levels"},
    "tools": {"recommendation": "recommendations"},
    "sources": {},
    "scales": {},
    "forms": {"recommendation": "recommendations"},
}
QUESTION_KINDS = {"number", "text", "choice", "checklist", "check", "date", "action"}
# Who answers a question (see `scope` in content/guide.yaml and stresskit.shared): each unit for
# itself, each arbejdsmiljøgruppe for its units, or the institution once for everyone.
UNIT, AMO_GROUP, INSTITUTION = "unit", "amo_group", "institution"
SCOPES = (UNIT, AMO_GROUP, INSTITUTION)


class Item(dict):
    """A content entry: a dict whose keys also read as attributes, nested entries too."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, value in self.items():
            if isinstance(value, dict):
                self[key] = Item(value)
            elif isinstance(value, list):
                self[key] = [Item(v) if isinstance(v, dict) else v for v in value]

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    label: str
    form: str
    help: str = ""
    scale: str | None = None
    options: tuple = ()  # ((option id, Danish title), ...) for choice and checklist
    item: str = ""  # the content item a for_each template was filled from ("greb.id" when nested)
    row: str = ""  # in a grid form: the row's title (the item's title or text)
    column: str = ""  # in a grid form: the column's short label
    group: str = ""  # in a grid form over a nested list: the parent's title
    scope: str = UNIT  # who answers it: UNIT, AMO_GROUP or INSTITUTION
    no_progress: tuple = ()  # option ids that answer the question but are no progress («mangler»)

    def option_title(self, value) -> str:
        return dict(self.options).get(str(value), str(value))


@dataclass(frozen=True)
class Form:
    id: str
    title: str
    recommendation: str
    intro: str = ""
    layout: str = "list"  # list: one question under the other; grid: a row per item, a column per template
    questions: tuple[Question, ...] = field(default_factory=tuple)

    @property
    def scope(self) -> str:
        """Who answers the form (all its questions share one scope; guide.load checks it)."""
        return self.questions[0].scope if self.questions else UNIT

    def only(self, items) -> Form:
        """The same form restricted to the rows of these items (and questions not from a list)."""
        keep = set(items)
        return Form(
            self.id,
            self.title,
            self.recommendation,
            self.intro,
            self.layout,
            tuple(q for q in self.questions if not q.item or q.item in keep),
        )


class Guide:
    def __init__(self, data: dict, source: str):
        self.source = source
        self.data = data
        self.sections = {name: [Item(x) for x in data.get(name) or []] for name in SECTIONS}
        for name, items in self.sections.items():
            setattr(self, name, items)
        self.meta = Item(data.get("source") or {})
        self.executive_order = Item(data.get("executive_order") or {})
        self.combination_study = Item(data.get("combination_study") or {})
        self.interface = Item(data.get("interface") or {})
        self.amr_role = Item(data.get("amr_role") or {})
        self.forms: dict[str, Form] = {}
        self.questions: dict[str, Question] = {}

    def item(self, section: str, item_id: str) -> Item:
        for item in self.sections[section]:
            if item["id"] == item_id:
                return item
        raise KeyError(f"{section}: {item_id}")

    def recommendation(self, item_id: str) -> Item:
        return self.item("recommendations", item_id)

    def constructs(self) -> list[Item]:
        """What an APV item can measure: the five exposures and the resources."""
        return [Item(x, kind="exposure") for x in self.exposures] + [
            Item(x, kind="resource", sensitive=False) for x in self.resources
        ]


def _problems_in_items(guide: Guide, file: str) -> list[Problem]:
    problems: list[Problem] = []
    ids = {name: [x.get("id") for x in items] for name, items in guide.sections.items()}
    for name, refs in SECTIONS.items():
        seen: set = set()
        for n, item in enumerate(guide.sections[name], start=1):
            where = f"{name}[{n}]"
            item_id = item.get("id")
            if not isinstance(item_id, str) or not re.fullmatch(r"[a-z0-9_]+", item_id):
                problems.append(
                    Problem(
                        file,
                        column=f"{where}.id",
                        value=item_id,
                        expected="forventede et id af små bogstaver, tal og _.",
                    )
                )
            elif item_id in seen:
                problems.append(
                    Problem(
                        file,
                        column=f"{where}.id",
                        value=item_id,
                        expected=f"id'et findes allerede i «{name}»; hvert id skal være entydigt.",
                    )
                )
            seen.add(item_id)
            problems += _empty_text(item, f"{where} ({item_id})", file)
            for key, target in refs.items():
                wanted = item.get(key)
                for ref in wanted if isinstance(wanted, list) else [wanted] if wanted else []:
                    if ref not in ids[target]:
                        problems.append(
                            Problem(
                                file, column=f"{where}.{key}", value=ref, expected=f"forventede et id fra «{target}»."
                            )
                        )
    return problems


def _empty_text(node, where: str, file: str) -> list[Problem]:
    problems = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in TEXT_FIELDS and (not isinstance(value, str) or not value.strip()):
                problems.append(
                    Problem(
                        file,
                        column=f"{where}.{key}",
                        value=value or "",
                        expected="feltet må ikke være tomt; det skal rumme en dansk tekst.",
                    )
                )
            elif isinstance(value, (dict, list)):
                problems += _empty_text(value, f"{where}.{key}", file)
    elif isinstance(node, list):
        for n, value in enumerate(node, start=1):
            problems += _empty_text(value, f"{where}[{n}]", file)
    return problems


def _fill(template: str, item: dict) -> str:
    return re.sub(r"\{([\w.]+)\}", lambda m: str(item.get(m.group(1), m.group(0))), template)


def _items(guide: Guide, path: str) -> list[dict] | None:
    """The entries a for_each walks: a section ("greb") or a nested list ("greb.questions"),
    whose entries also carry their parent's fields as parent.id, parent.title, …"""
    section, _, child = path.partition(".")
    if section not in guide.sections:
        return None
    if not child:
        return [dict(x, _item=x["id"], _row=x.get("title") or x.get("text", "")) for x in guide.sections[section]]
    out = []
    for parent in guide.sections[section]:
        for x in parent.get(child) or []:
            entry = dict(
                x,
                _item=f"{parent['id']}.{x['id']}",
                _row=x.get("title") or x.get("text", ""),
                _group=parent.get("title", ""),
            )
            entry.update({f"parent.{k}": v for k, v in parent.items() if not isinstance(v, (list, dict))})
            out.append(entry)
    return out


def _build_forms(guide: Guide, file: str) -> list[Problem]:
    problems = []
    scales = {s["id"]: tuple((str(o["id"]), o["title"]) for o in s.get("options", [])) for s in guide.scales}
    no_progress = {
        s["id"]: tuple(str(o["id"]) for o in s.get("options", []) if o.get("progress") is False) for s in guide.scales
    }
    # "@exposures" and the like: a content list used as the options of a choice or checklist.
    scales.update(
        {
            f"@{name}": tuple((x["id"], x.get("short") or x.get("title") or x.get("text")) for x in items)
            for name, items in guide.sections.items()
            if name not in ("forms", "scales")
        }
    )
    kinds = f"forventede en af {', '.join(sorted(QUESTION_KINDS))}."
    who = f"forventede hvem der svarer: {', '.join(SCOPES)}."
    for form in guide.sections["forms"]:
        built = []
        for n, spec in enumerate(form.get("questions") or [], start=1):
            where = f"forms ({form.get('id')}).questions[{n}]"
            section = spec.get("for_each")
            sources = _items(guide, section) if section else [{}]
            if sources is None:
                problems.append(
                    Problem(
                        file,
                        column=f"{where}.for_each",
                        value=section,
                        expected="forventede navnet på en liste i indholdsfilen.",
                    )
                )
                continue
            # A template with columns makes one question per column for each item, item by item.
            columns = spec.get("columns") or [{}]
            templates = []
            for col in columns:
                t = {**{k: v for k, v in spec.items() if k not in ("for_each", "columns")}, **col}
                if col:
                    t["id"] = f"{spec.get('id', '')}.{col.get('key', '')}"
                    t["label"] = f"{spec.get('label', '')} – {col.get('column', '')}"
                    t.pop("key", None)
                templates.append(t)
            for item, template in ((i, t) for i in sources for t in templates):
                q = {k: _fill(v, item) if isinstance(v, str) else v for k, v in template.items()}
                if not one_of(q.get("kind"), QUESTION_KINDS, file, f"{where}.kind", kinds, problems):
                    continue
                scale = q.get("scale")
                if scale and not one_of(
                    scale, scales, file, f"{where}.scale", "forventede et id fra «scales».", problems
                ):
                    continue
                if not one_of(q.get("scope", ""), SCOPES, file, f"{where}.scope", who, problems):
                    continue
                if "{" in q.get("id", "") or "{" in q.get("label", ""):
                    problems.append(
                        Problem(
                            file,
                            column=where,
                            value=q.get("id"),
                            expected="skabelonen nævner et felt, som listen ikke har.",
                        )
                    )
                    continue
                question = Question(
                    id=q["id"],
                    kind=q["kind"],
                    label=q.get("label", ""),
                    form=form["id"],
                    help=q.get("help", ""),
                    scale=q.get("scale"),
                    options=scales.get(q.get("scale"), ()),
                    item=item.get("_item", ""),
                    row=item.get("_row", ""),
                    column=q.get("column", ""),
                    group=item.get("_group", ""),
                    scope=q["scope"],
                    no_progress=no_progress.get(q.get("scale"), ()),
                )
                if question.id in guide.questions:
                    problems.append(
                        Problem(
                            file,
                            column=where,
                            value=question.id,
                            expected="spørgsmålets id findes allerede; hvert id skal være entydigt.",
                        )
                    )
                guide.questions[question.id] = question
                built.append(question)
        if len({q.scope for q in built}) > 1:
            problems.append(
                Problem(
                    file,
                    column=f"forms ({form.get('id')}).questions",
                    value=form.get("id"),
                    expected="alle spørgsmål i en formular skal have samme scope (samme, der svarer).",
                )
            )
        guide.forms[form["id"]] = Form(
            id=form["id"],
            title=form["title"],
            recommendation=form["recommendation"],
            intro=form.get("intro", ""),
            layout=form.get("layout", "list"),
            questions=tuple(built),
        )
    return problems


def load(path: Path | str | None = None) -> Guide:
    """Read and check a content file; raise InputError listing every problem."""
    path = Path(path) if path else CONTENT
    file = path.name
    data = yamlfile.read(path, file, "den skal rumme vejledningens indhold.")
    guide = Guide(data, file)
    problems = [
        Problem(file, column=name, expected="listen mangler eller er tom.")
        for name in SECTIONS
        if not guide.sections[name]
    ]
    problems += _problems_in_items(guide, file)
    problems += _empty_text(
        {k: data.get(k) for k in ("source", "executive_order", "combination_study", "interface", "amr_role")}, "", file
    )
    problems += _build_forms(guide, file)
    if problems:
        raise InputError(problems)
    return guide


@lru_cache(maxsize=1)
def default() -> Guide:
    """The shipped guideline content, loaded once per process."""
    return load()
