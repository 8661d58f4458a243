"""`plugin add`: the manifest is checked when the plugin is added, each mistake named by its
field; the script is stored by its absolute path; `--describe` cannot write anywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from exact_desktop.plugins.jobs import ParameterError, check_parameters
from tests.conftest import PROJECT

GOOD = {
    "name": "Counter",
    "products": [{"name": "Cell", "vector_type": 2}],
    "parameters": [{"name": "threshold", "type": "float", "default": 0.5, "min": 0, "max": 1}],
}


def script_printing(folder: Path, manifest: object, name: str = "plugin.py") -> Path:
    """A plugin script whose --describe prints `manifest`."""
    path = folder / name
    path.write_text(f"import json, sys\nif '--describe' in sys.argv:\n    print(json.dumps({manifest!r}))\n")
    return path


def add(script: str | Path, db: Path, cwd: Path = PROJECT, env: dict[str, str] | None = None):
    return subprocess.run([sys.executable, "-m", "exact_desktop", "plugin", "add", str(script), "--db", str(db)],
                          cwd=cwd, capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})  # fmt: skip


def test_a_relative_script_path_is_stored_absolute(tmp_path):
    script_printing(tmp_path, GOOD)
    done = add("plugin.py", tmp_path / "p.db", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["script"] == str(tmp_path / "plugin.py")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"parameters": [{"name": "t", "type": "number"}]}, "parameters[0].type"),
        ({"products": [{"name": "Cell", "vector_type": "box"}]}, "products[0].vector_type: must be one of"),
        ({"products": [{"name": "Cell", "vector_type": 99}]}, "products[0].vector_type: must be one of"),
        ({"parameters": [{"name": "n", "type": "int", "default": "twenty"}]}, "parameters[0]: default: expected"),
        ({"parameters": [{"name": "n", "type": "int", "min": 5, "max": 1}]}, "parameters[0]: min (5) is above max"),
        ({"name": "../../etc/x"}, "name: the plugin's name must not hold /"),
        ({"name": "\x1b[31mred"}, "name: the plugin's name must not hold control characters"),
        ({"name": ""}, "name: the plugin's name must not be blank"),
    ],
)
def test_a_manifest_mistake_is_refused_at_add_naming_the_field(tmp_path, change, words):
    script = script_printing(tmp_path, {**GOOD, **change})
    done = add(script, tmp_path / "p.db")
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert words in done.stderr and "Traceback" not in done.stderr and "\x1b" not in done.stderr
    assert not (tmp_path / "p.db").exists()  # nothing was made for a plugin that cannot be added


def test_describe_runs_the_script_without_a_server_and_says_what_it_must_print(tmp_path):
    """A script that ignores --describe runs whole: with no server address it cannot write."""
    script = tmp_path / "standalone.py"
    marker = tmp_path / "wrote-to-the-server"
    script.write_text(
        f"import os, pathlib\nif os.environ.get('EXACT_URL'):\n    pathlib.Path({str(marker)!r}).touch()\n"
    )
    done = add(script, tmp_path / "p.db", env={"EXACT_URL": "http://127.0.0.1:9", "EXACT_TOKEN": "secret"})
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "runs the script as `SCRIPT --describe`" in done.stderr and '{"name":' in done.stderr
    assert not marker.exists()


def test_each_param_value_is_checked_against_its_type():
    schema = [{"name": "b", "type": "bool"}, {"name": "n", "type": "int"}, {"name": "x", "type": "float"}]
    with pytest.raises(ParameterError, match="b: expected true or false"):
        check_parameters(schema, {"b": "maybe"})
    with pytest.raises(ParameterError, match=r"n: expected a whole number, got '2\.5'"):
        check_parameters(schema, {"n": "2.5"})
    with pytest.raises(ParameterError, match="x: expected a finite number, got 'inf'"):
        check_parameters(schema, {"x": "inf"})
    assert check_parameters(schema, {"b": "no", "n": "3", "x": "0.5"}) == {"b": False, "n": 3, "x": 0.5}
