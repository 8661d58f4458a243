"""`exact-desktop review export|apply`: review decisions as a CSV sheet, out and back in.

A sheet has one row per candidate: `uuid,image,type,score,x,y,decision,reviewer` (x, y the
centre in level-0 px; a decision is empty, accept, reject, or the name of the type to relabel
to). Applying a sheet goes through the same review session the window uses, one transaction per
reviewer (the row's, else --reviewer, else the person at this computer): every row is checked
first, so all rows or none (unless --skip-bad), and a second apply of the same sheet changes nothing.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any, NamedTuple

COLUMNS = ("uuid", "image", "type", "score", "x", "y", "decision", "reviewer")
SHOWN_BAD_ROWS = 20
EXPORT_ORDERS = {"score": "score_high", "learned": "learned", "uncertain": "learned_uncertain"}
MAX_SHEET_BYTES = 256 << 20


def add_commands(commands: Any) -> None:
    review = commands.add_parser("review", help="review plugin results: export candidates, apply decisions")
    actions = review.add_subparsers(dest="review_command", required=True)
    export = actions.add_parser("export", help="every candidate of an image set's results, with its decision, as CSV")
    export.add_argument("--image-set", type=int, required=True, metavar="ID", help="the project's image set id")
    export.add_argument("--entry", action="append", metavar="NAME", help="only result entries of this name (repeat)")
    export.add_argument("file", type=Path, metavar="FILE.csv")
    export.add_argument(
        "--order", choices=tuple(EXPORT_ORDERS),
        help="score: the plugin's, high first; learned: a model trained now from the decisions so far, high "
        "first; uncertain: the learnt score least sure first (default: as stored)",
    )  # fmt: skip
    export.add_argument("--undecided", action="store_true", help="only candidates without a decision")
    export.add_argument("--limit", type=int, metavar="N", help="only the first N (after --order)")
    export.add_argument("--db", type=Path, metavar="FILE", help="project database (default: the local project)")
    apply = actions.add_parser("apply", help="apply the decisions of a CSV sheet (rows with a decision)")
    apply.add_argument("file", type=Path, metavar="FILE.csv")
    apply.add_argument("--skip-bad", action="store_true", help="apply the good rows even when some are bad")
    apply.add_argument(
        "--reviewer",
        metavar="USER",
        help="the local user recorded for rows naming no reviewer (default: the one at this computer)",
    )
    apply.add_argument("--db", type=Path, metavar="FILE", help="project database (default: the local project)")


def run(args: argparse.Namespace) -> int:
    from exact_desktop.cli.opening import fail, opened_store
    from exact_desktop.exchange.plan import ExchangeError
    from exact_desktop.store.base import StoreError

    store = opened_store(args.db)
    try:
        return _export(store, args) if args.review_command == "export" else _apply(store, args)
    except (StoreError, ExchangeError, OSError) as err:
        return fail(str(err))
    finally:
        store.close()


def _export(store: Any, args: argparse.Namespace) -> int:
    from exact_desktop.annotating.edit_history import EditHistory
    from exact_desktop.exchange.targets import write_replacing
    from exact_desktop.model import entities as e
    from exact_desktop.review.session import ReviewSession

    image_set = store.get(e.ImageSet, args.image_set)
    images = [image.id for image in store.list(e.Image, image_set=image_set.id)]
    session = ReviewSession.of_images(store, EditHistory(store), images, args.entry)
    rows = session.book.sheet(session.entries)  # in id order, as the session's candidate rows
    rows = [rows[i] for i in _chosen_rows(session, args)]
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for uuid, image, type_name, score, x, y, decision, kept, reviewer in rows:
        said = "" if decision is None else kept if decision == "relabel" else decision
        writer.writerow([uuid, image, type_name, _number(score), _number(x), _number(y), said, reviewer or ""])
    write_replacing(args.file, out.getvalue().encode())  # whole or not at all, never over a device
    print(json.dumps({"exported": len(rows), "file": str(args.file)}))
    return 0


def _chosen_rows(session: Any, args: argparse.Namespace) -> list[int]:
    """The candidate rows to export: undecided only or all, in the order asked, at most --limit."""
    import numpy as np

    from exact_desktop.review.learning.learner import LearningError
    from exact_desktop.review.learning.loop import LearningLoop
    from exact_desktop.review.queue import Filters, chosen, ordered
    from exact_desktop.store.base import StoreError

    if args.limit is not None and args.limit < 0:
        raise StoreError(f"--limit {args.limit}: give a count of at least 0")
    c = session.candidates
    mask = chosen(c, Filters(states=("undecided",) if args.undecided else None))
    learned = None
    if args.order in ("learned", "uncertain"):
        loop = LearningLoop(session)
        try:
            _quality, learned = loop.retrain(*loop.labels())
        except LearningError as err:
            raise StoreError(f"--order {args.order}: {err}") from None
    rows = (
        ordered(c, mask, EXPORT_ORDERS[args.order], session.threshold, learned) if args.order else np.flatnonzero(mask)
    )
    return [int(r) for r in rows[: args.limit]]


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def _apply(store: Any, args: argparse.Namespace) -> int:
    from exact_desktop.annotating.edit_history import EditHistory
    from exact_desktop.model import entities as e
    from exact_desktop.review.session import ReviewSession
    from exact_desktop.store.local_user import local_user
    from exact_desktop.store.sqlite.review_book import ReviewBook

    users = {user.username: user.id for user in store.list(e.User)}
    if args.reviewer and args.reviewer not in users:
        print(f"exact-desktop: no local user {_shown(args.reviewer)}", file=sys.stderr)
        return 2
    rows, bad = _read_sheet(args.file)
    uuids = ReviewBook(store).by_uuid([row.uuid for row in rows])
    types = store.list(e.AnnotationType)
    entries = sorted({entry for _id, entry in uuids.values()})
    session = ReviewSession(store, EditHistory(store), entries) if entries else None
    choices: dict[str, dict[int, int | None]] = {}  # reviewer ("": the default): candidate: kept type
    for row in rows:
        if row.uuid not in uuids:
            bad.append(f"line {row.line}: no candidate has UUID {_short(row.uuid)}")
            continue
        if row.reviewer and row.reviewer not in users:
            bad.append(f"line {row.line}: no local user {_shown(row.reviewer)} (the reviewer column)")
            continue
        id = uuids[row.uuid][0]
        kept, problem = _kept_type(row.decision, session.model_type(id), types)  # type: ignore[union-attr]
        if problem:
            bad.append(f"line {row.line}: {problem}")
        else:
            choices.setdefault(row.reviewer, {})[id] = kept
    for message in bad[:SHOWN_BAD_ROWS]:
        print(f"exact-desktop: {args.file.name}: {message}", file=sys.stderr)
    if len(bad) > SHOWN_BAD_ROWS:
        print(f"exact-desktop: ... and {len(bad) - SHOWN_BAD_ROWS} more bad rows", file=sys.stderr)
    if bad and not args.skip_bad:
        print(json.dumps({"applied": 0, "unchanged": 0, "bad": len(bad)}))
        print("exact-desktop: nothing applied; fix the rows or give --skip-bad", file=sys.stderr)
        return 2
    applied = 0
    for name, chosen in choices.items():  # one undoable edit per reviewer, as each decided
        name = name or args.reviewer
        reviewer = users[name] if name else local_user(store)  # the person at this computer, as the window
        by = ReviewSession(store, EditHistory(store), entries, reviewer)
        edit = by.decide(chosen, f"Apply {args.file.name}")
        applied += len(edit.after) if edit else 0
    decided = sum(len(chosen) for chosen in choices.values())
    print(json.dumps({"applied": applied, "unchanged": decided - applied, "bad": len(bad)}))
    return 0


class SheetRow(NamedTuple):
    line: int
    uuid: str
    decision: str
    reviewer: str


def _read_sheet(path: Path) -> tuple[list[SheetRow], list[str]]:
    """The rows with a decision, and the bad rows' messages. A UUID decided twice in two ways
    is a bad row on both lines (neither wins); the same decision twice counts once."""
    from exact_desktop.exchange.targets import read_regular

    try:  # a FIFO or a device is refused, not read for ever
        text = read_regular(path, MAX_SHEET_BYTES, "review apply reads").decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise OSError(f"{path}: not a CSV sheet in UTF-8 (byte {err.start:,} is not UTF-8)") from None
    found: dict[str, list[SheetRow]] = {}
    bad: list[str] = []
    with io.StringIO(text, newline="") as sheet:
        reader = csv.DictReader(sheet, strict=True)
        start = 1  # the line the record being read starts on, for a malformed one
        try:
            missing = [name for name in ("uuid", "decision") if name not in (reader.fieldnames or [])]
            if missing:
                raise OSError(
                    f"{path.name}: line 1: no {' or '.join(missing)} column (a sheet's columns: {','.join(COLUMNS)})"
                )
            start = reader.line_num + 1
            for row in reader:
                start = reader.line_num + 1  # where the next record starts
                uuid, decision = (row.get("uuid") or "").strip().lower(), (row.get("decision") or "").strip()
                if not decision:
                    continue
                if not uuid:
                    bad.append(f"line {reader.line_num}: no UUID")
                    continue
                reviewer = (row.get("reviewer") or "").strip()
                found.setdefault(uuid, []).append(SheetRow(reader.line_num, uuid, decision, reviewer))
        except csv.Error as err:
            raise OSError(f"{path.name}: line {start}: {_csv_problem(err)}; nothing applied") from None
    rows = []
    for uuid, said in found.items():
        if len({(row.decision.lower(), row.reviewer) for row in said}) > 1:
            lines = " and ".join(str(row.line) for row in said[:3]) + (" ..." if len(said) > 3 else "")
            ways = ", ".join(sorted({_said(row) for row in said}))
            bad.append(f"line {said[0].line}: UUID {_short(uuid)} is decided on lines {lines} in two ways ({ways})")
        else:
            rows.append(said[0])
    return sorted(rows), bad


def _csv_problem(err: csv.Error) -> str:
    """What a csv module error means for a person who edited the sheet."""
    said = str(err)
    if "unexpected end of data" in said:
        return 'a quoted field runs to the end of the file (a " is not closed)'
    if "field larger than field limit" in said:
        return f'a field longer than {csv.field_size_limit():,} characters (a " not closed?)'
    return said


def _said(row: SheetRow) -> str:
    return _shown(row.decision) + (f" by {row.reviewer}" if row.reviewer else "")


def _shown(text: str) -> str:
    """`text` quoted for a message, shortened."""
    return repr(_short(text))


def _short(text: str, limit: int = 80) -> str:
    """`text` for a message: a sheet's field may be long, a message is one line."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def _kept_type(decision: str, model: int, types: list[Any]) -> tuple[int | None, str | None]:
    """The type a decision keeps (None: reject), or why the decision cannot be taken."""
    if decision.lower() == "reject":
        return None, None
    if decision.lower() == "accept":
        return model, None
    own = next(t for t in types if t.id == model)
    named = [t for t in types if t.name == decision and t.product == own.product]
    if not named:
        return None, f"{_shown(decision)} is neither accept, reject nor an annotation type of the candidate's product"
    if named[0].vector_type != own.vector_type:
        return None, f"a {own.name} candidate cannot become a {_short(decision)} (another kind of shape)"
    return named[0].id, None
