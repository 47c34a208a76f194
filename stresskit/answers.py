"""Answers and actions in and out of the store as YAML, e.g. to ship a workshop's
answers with the example or move them between laptops.

An import is checked in full before anything is written, then added in one
transaction; rows already in the store are skipped, so importing twice changes nothing.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from . import guide as guide_module
from . import yamlfile
from .problems import InputError, Problem
from .store import ActionVersion, Answer, Store
from .workbook import Workbook

TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


def export(book: Workbook, path: Path | str) -> tuple[int, int]:
    with Store(book.store_path) as store:
        answers = [{"unit": a.unit, "question": a.question, "value": a.value, "who": a.who, "at": a.at,
                    **({"note": a.note} if a.note else {})} for a in store.all_answers()]
        actions = [{"id": v.action_id, "unit": v.unit, "who": v.who, "at": v.at, "data": v.data}
                   for v in store.all_action_versions()]
    head = f"# Svar og opgaver fra stresskit-arbejdsbogen for {book.name}.\n"
    Path(path).write_text(head + yaml.safe_dump({"answers": answers, "actions": actions}, allow_unicode=True,
                                                sort_keys=False), encoding="utf-8")
    return len(answers), len(actions)


def read(book: Workbook, path: Path | str) -> tuple[list[Answer], list[ActionVersion]]:
    path = Path(path)
    file = path.name
    data = yamlfile.read(path, file, "forventede listerne answers og actions.")
    questions = guide_module.default().questions
    problems, answers, versions = [], [], []
    for n, row in enumerate(data.get("answers") or [], start=1):
        where = f"answers[{n}]"
        if not isinstance(row, dict):
            problems.append(Problem(file, column=where, expected="forventede unit, question, value, who og at."))
            continue
        problems += _common(row, where, file, book)
        if row.get("question") not in questions:
            problems.append(Problem(file, column=f"{where}.question", value=row.get("question"),
                                    expected="forventede et spørgsmåls-id fra guidelinens indhold."))
        answers.append(Answer(0, str(row.get("unit")), str(row.get("question")), row.get("value"),
                              str(row.get("who")), str(row.get("at")), str(row.get("note") or "")))
    for n, row in enumerate(data.get("actions") or [], start=1):
        where = f"actions[{n}]"
        if not isinstance(row, dict) or not isinstance(row.get("data"), dict) or not row.get("id"):
            problems.append(Problem(file, column=where, expected="forventede id, unit, who, at og data."))
            continue
        problems += _common(row, where, file, book)
        if not str(row["data"].get("measure") or "").strip():
            problems.append(Problem(file, column=f"{where}.data.measure", expected="en opgave skal sige, hvad der skal gøres."))
        versions.append(ActionVersion(0, str(row["id"]), str(row.get("unit")), row["data"], str(row.get("who")),
                                      str(row.get("at"))))
    if problems:
        raise InputError(problems)
    return answers, versions


def _common(row: dict, where: str, file: str, book: Workbook) -> list[Problem]:
    problems = []
    if row.get("unit") not in book.answer_keys():
        problems.append(Problem(file, column=f"{where}.unit", value=row.get("unit"),
                                expected="forventede id'et på en enhed i institution.yaml."))
    if not str(row.get("who") or "").strip():
        problems.append(Problem(file, column=f"{where}.who", expected="forventede navnet på den, der svarede."))
    if not TIME.match(str(row.get("at") or "")):
        problems.append(Problem(file, column=f"{where}.at", value=row.get("at"),
                                expected="forventede et tidspunkt i UTC som 2026-10-08T09:00:00.000000Z."))
    return problems


def import_(book: Workbook, path: Path | str) -> tuple[int, int]:
    answers, versions = read(book, path)
    with Store(book.store_path) as store:
        return store.append_many(answers, versions)
