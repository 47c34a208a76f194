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
