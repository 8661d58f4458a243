"""Where exact-desktop keeps its data: `EXACT_DESKTOP_HOME`, else the platform's data folder."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def data_home() -> Path:
    configured = os.environ.get("EXACT_DESKTOP_HOME")
    home = Path(configured) if configured else Path(platformdirs.user_data_dir("exact-desktop", appauthor=False))
    home.mkdir(parents=True, exist_ok=True)
    return home


def demo_dir() -> Path:
    return data_home() / "demo"


def resource_path(name: str) -> Path:
    """A file of `resources/`, in a source checkout or inside an installed wheel."""
    package = Path(__file__).resolve().parent
    for base in (package / "resources", package.parent / "resources"):
        candidate = base / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"resource {name!r} is missing from the installation")
