"""Set-up files agree, and notebooks are committed thin and without outputs."""

import ast
import re
import tomllib

import nbformat
import yaml

from conftest import ROOT


def _name(spec: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec)
    return m.group(1).lower(), m.group(2).replace(" ", "")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_name(s) for s in project["dependencies"] + project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = {}
    for dep in env["dependencies"]:
        for spec in dep["pip"] if isinstance(dep, dict) else [dep]:
            name, version = _name(spec)
            if name not in ("python", "pip", "-e"):
                listed[name] = version
    assert listed == wanted


def test_notebooks_have_a_literal_parameters_cell_and_no_outputs():
    books = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert books
    for path in books:
        nb = nbformat.read(path, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, path.name
        names = set()
        for node in ast.parse(tagged[0].source).body:
            assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant), path.name
            names.add(node.targets[0].id)
        assert names == {"workbook", "unit", "mode"}, path.name
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path.name
                assert len(cell.source.splitlines()) <= 6, f"{path.name}: logic belongs in stresskit"


def _constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: «{line}» is no exact pin"
            pins[re.sub(r"[-_.]+", "-", name.strip().lower())] = version.strip()
    return pins


def test_constraints_pin_every_dependency_within_what_pyproject_allows():
    from packaging.requirements import Requirement

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = pyproject["project"]
    pins = _constraints()
    wanted = project["dependencies"] + project["optional-dependencies"]["test"] + pyproject["build-system"]["requires"]
    for spec in wanted:
        req = Requirement(spec)
        name = re.sub(r"[-_.]+", "-", req.name.lower())
        assert name in pins, f"constraints.txt pins no version of {req.name}"
        assert req.specifier.contains(pins[name]), (
            f"constraints.txt pins {req.name}=={pins[name]}, outside {req.specifier}"
        )
    assert "stresskit" not in pins


def test_voila_whose_internals_the_live_server_uses_has_an_upper_bound():
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    voila = next(Requirement(s) for s in project["dependencies"] if Requirement(s).name == "voila")
    assert any(s.operator == "<" for s in voila.specifier) and not voila.specifier.contains("0.6.0")


def test_both_make_targets_install_with_the_constraints():
    rules = (ROOT / "Makefile").read_text()
    stamp = rules.split("$(STAMP):", 1)[1].split("\n\n", 1)[0]
    assert "constraints.txt" in stamp.splitlines()[0]  # a new pin reinstalls
    assert "-c constraints.txt -e '.[test]'" in stamp
    assert re.search(r"^demo: \$\(STAMP\)", rules, re.M) and re.search(r"^test: \$\(STAMP\)", rules, re.M)
