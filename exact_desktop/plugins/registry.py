"""Plugin records: found from the built-ins, the `exact_desktop.plugins` entry points and scripts
a person registers; each is described by running it with --describe (so nothing is imported).

Running it is what `--describe` costs: a script that ignores the flag runs whole. It runs
without any server's address or secret in its environment, so such a script cannot write
anywhere; what it must print is in `plugins/manifest.py`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.plugins.builtin import BUILTIN_SCRIPTS
from exact_desktop.plugins.manifest import ManifestError, check_manifest
from exact_desktop.store.base import Store

ENTRY_POINT_GROUP = "exact_desktop.plugins"
DESCRIBE_TIMEOUT_S = 60


class PluginRegistryError(Exception):
    """A script that cannot be described or registered; the message says which and why."""


def command_for(script: str) -> list[str]:
    """How to start a plugin: a .py file, an executable, a `module:function` entry point on the
    SDK, or a module with its own main (`python -m module`, for plugins without the SDK)."""
    path = Path(script)
    if path.suffix == ".py":
        return [sys.executable, str(path)]
    if path.exists():
        return [str(path)]
    if ":" in script:
        return [sys.executable, "-m", "exact_desktop.plugins.entry", script]
    if re.fullmatch(r"[A-Za-z_][\w.]*", script) and importlib.util.find_spec(script) is not None:
        return [sys.executable, "-m", script]
    raise PluginRegistryError(f"plugin script {script!r} is neither a file, a module nor a module:function entry point")


def check_runnable(script: str) -> None:
    """PluginRegistryError unless the script can be started (a file that is still there)."""
    if Path(script).suffix == ".py" and not Path(script).is_file():
        raise PluginRegistryError(f"the plugin's script {script} does not exist (moved? add it again: plugin add)")
    command_for(script)


def script_as_stored(script: str) -> str:
    """A file by its absolute path (a run from another folder finds it); modules as given."""
    path = Path(script)
    return str(path.resolve()) if path.suffix == ".py" or path.exists() else script


HOW_TO_DESCRIBE = (
    "`plugin add` runs the script as `SCRIPT --describe`, which must print its manifest as one JSON object "
    'on the last line and exit, e.g. {"name": "My detector", "products": [{"name": "Nucleus", "vector_type": 2}], '
    '"parameters": []} (the SDK\'s main(process, describe=...) does this)'
)


def describe(script: str) -> dict[str, Any]:
    """The script's manifest, checked (see plugins/manifest.py)."""
    check_runnable(script)
    quiet = {k: v for k, v in os.environ.items() if not k.startswith("EXACT_") or k == "EXACT_DESKTOP_HOME"}
    try:
        done = subprocess.run(
            [*command_for(script), "--describe"], capture_output=True, text=True, timeout=DESCRIBE_TIMEOUT_S,
            env=quiet, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as err:
        raise PluginRegistryError(f"{script}: could not run it with --describe ({err}); {HOW_TO_DESCRIBE}") from None
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()[-1:] or ["(nothing on stderr)"]
        raise PluginRegistryError(
            f"{script}: --describe exited with {done.returncode}: {said[0][-300:]}; {HOW_TO_DESCRIBE}"
        )
    try:
        raw = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise PluginRegistryError(f"{script}: --describe did not print a JSON object; {HOW_TO_DESCRIBE}") from None
    try:
        return check_manifest(raw, script)
    except ManifestError as err:
        raise PluginRegistryError(str(err)) from None


def discovered_scripts() -> list[str]:
    return [*BUILTIN_SCRIPTS, *(ep.value for ep in entry_points(group=ENTRY_POINT_GROUP))]


def register(store: Store, script: str, product: int, queue: str = "local") -> e.Plugin:
    """Create or refresh the plugin's record in `product`, as on EXACT: its products are Products,
    and the annotation types its manifest names are found or made inside that product."""
    script = script_as_stored(script)
    manifest = describe(script)
    produces = ensure_types(store, manifest, product)
    values = {
        "author": str(manifest.get("author", "")), "package": str(manifest.get("package", "")),
        "contact": str(manifest.get("contact", "")), "abouturl": str(manifest.get("abouturl", "")),
        "products": [product], "produces": produces, "script": script, "queue": queue,
        "parameter_schema": list(manifest.get("parameters", [])),
    }  # fmt: skip
    existing = store.list(e.Plugin, name=manifest["name"])
    if existing:
        return store.update(e.Plugin, stored_id(existing[0]), **values)
    return store.create(e.Plugin(manifest["name"], **values))


PLUGIN_SORT_ORDER = 100  # where types a plugin brings start in the palette


def ensure_types(store: Store, manifest: dict[str, Any], product: int) -> list[str]:
    """The names of the annotation types the manifest names, each made in `product` if missing."""
    for kind in missing_types(store, manifest, product):
        store.create(kind)
    return [spec["name"] for spec in manifest.get("products", [])]


def missing_types(store: Store, manifest: dict[str, Any], product: int) -> list[e.AnnotationType]:
    """The annotation types the manifest names that `product` lacks, not yet stored."""
    # after the product's own types, so the palette's number keys stay theirs
    last = max((t.sort_order for t in store.list(e.AnnotationType, product=product)), default=0)
    missing: list[e.AnnotationType] = []
    for spec in manifest.get("products", []):
        name = spec["name"]
        if name in {t.name for t in missing} or store.list(e.AnnotationType, name=name, product=product):
            continue
        last = max(last + 1, PLUGIN_SORT_ORDER)
        missing.append(e.AnnotationType(name, int(spec.get("vector_type", 1)), product,
                                        color_code=spec.get("color_code", "#FF0000"), sort_order=last))  # fmt: skip
    return missing


def produced_types(store: Store, plugin: e.Plugin) -> list[e.AnnotationType]:
    """The annotation types a plugin produces: its `produces` names inside its products."""
    found = [t for p in plugin.products for t in store.list(e.AnnotationType, product=p)]
    return [t for t in found if t.name in plugin.produces] if plugin.produces else found


def local_plugin(store: Store | None, name: str) -> e.Plugin:
    """The plugin called `name`: the project's record, else a built-in or entry-point plugin
    described on the spot (so a lab's worker machine needs no project to run one)."""
    if store is not None:
        found = store.list(e.Plugin, name=name)
        if found:
            return found[0]
    for script in discovered_scripts():
        manifest = describe(script)
        if manifest["name"] == name:
            return installed_plugin(script, manifest)
    raise LookupError(f"no plugin named {name!r} in this project or among the installed plugins")


def installed_plugin(script: str, manifest: dict[str, Any]) -> e.Plugin:
    """The record-less plugin a built-in or entry-point script is, from its description."""
    return e.Plugin(manifest["name"], script=script, parameter_schema=list(manifest.get("parameters", [])),
                    produces=[p["name"] for p in manifest.get("products", [])])  # fmt: skip
