"""The docs stay true to the tree: every link and picture exists, every anchor is a heading,
and the command-line reference names every command and option the parser has."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from exact_desktop.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").glob("*.md")])
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def _prose(page: Path) -> str:
    return FENCE.sub("", page.read_text(encoding="utf-8"))


def _anchors(page: Path) -> set[str]:
    """GitHub's heading slugs: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", _prose(page), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_and_picture_exists(page: Path):
    broken = []
    for target in LINK.findall(_prose(page)):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
            broken.append(f"{target}: no heading '{anchor}' in {file.name}")
    assert broken == [], f"{page.name}: {broken}"


def test_the_readme_is_short():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 150


def _commands(parser: argparse.ArgumentParser, path: str = "") -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(path, parser)] if path else []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, f"{path} {name}".strip())
    return found


def test_the_command_line_reference_names_every_command_and_option():
    reference = (ROOT / "docs" / "command-line.md").read_text(encoding="utf-8")
    missing = []
    for path, parser in _commands(build_parser()):
        if f"exact-desktop {path}" not in reference:
            missing.append(path)
        for action in parser._actions:
            if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
                continue
            missing += [f"{path} {o}" for o in action.option_strings if o not in reference]
            listed = "{" + ",".join(map(str, action.choices or ())) + "}"  # as usage lists a positional's choices
            positional = not action.option_strings and not isinstance(action, argparse._SubParsersAction)
            if positional and action.choices and listed not in reference:
                missing.append(f"{path} {listed}")
    assert missing == [], f"docs/command-line.md does not name: {missing}"


def test_the_command_line_references_usage_line_lists_every_command():
    """The first usage line lists the commands as `exact-desktop -h` does (it left `model` out)."""
    reference = (ROOT / "docs" / "command-line.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    listed = re.search(r"^exact-desktop \[-h\] \[--version\] \{([^}]*)\}", reference, re.MULTILINE)
    assert listed is not None and listed.group(1) == ",".join(commands.choices)
