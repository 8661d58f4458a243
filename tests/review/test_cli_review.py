"""`exact-desktop review export|apply` as a user runs them: real processes on a real project file."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.model import entities as e
from exact_desktop.review.provenance import KEY
from exact_desktop.review.session import ReviewSession
from exact_desktop.store.local_user import login_name
from exact_desktop.store.sqlite.review_book import ReviewBook
from exact_desktop.store.sqlite.store import SqliteStore
from tests.conftest import PROJECT
from tests.review.conftest import add_results


def run_command(*args):
    """`exact-desktop ARGS` as a real process: (exit code, its last stdout line as JSON, stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "exact_desktop", *map(str, args)],
        cwd=PROJECT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return done.returncode, json.loads(done.stdout.splitlines()[-1]) if done.stdout else None, done.stderr


def review(*args):
    return run_command("review", *args)


def test_export_hand_edit_apply_and_apply_again(tmp_path):
    db, sheet = tmp_path / "p.db", tmp_path / "sheet.csv"
    store = SqliteStore(db)
    r = add_results(store, count=30, other=5)
    store.create(e.User("colleague"))
    session = ReviewSession(store, EditHistory(store), [r.entry.id], reviewer=r.seed.user.id)
    session.accept()  # the first of the queue, decided in the window
    decided = session.at(0).id
    store.close()

    code, out, err = review("export", "--db", db, "--image-set", r.seed.image_set.id, sheet)
    assert code == 0, err
    assert out["exported"] == 35  # both images' candidates
    with sheet.open(newline="") as sheet_file:
        rows = list(csv.DictReader(sheet_file))
    assert list(rows[0]) == ["uuid", "image", "type", "score", "x", "y", "decision", "reviewer"]
    said = [row for row in rows if row["decision"]]
    assert len(said) == 1 and said[0]["decision"] == "accept" and said[0]["reviewer"] == "pathologist"
    first = rows[0]
    assert first["image"] == "a.svs" and first["type"] == "Nucleus" and (first["x"], first["y"]) == ("110", "210")

    edits = {1: "accept", 2: "reject", 3: "Mimic", 4: "maybe", 5: "Tissue", 33: "reject"}
    for index, decision in edits.items():
        rows[index]["decision"] = decision
    rows[6]["uuid"], rows[6]["decision"] = "00000000-0000-4000-8000-000000000000", "accept"
    with sheet.open("w", newline="") as out_file:
        writer = csv.DictWriter(out_file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    code, out, err = review("apply", "--db", db, sheet)
    assert code == 2 and out == {"applied": 0, "unchanged": 0, "bad": 3}
    assert "line 6: 'maybe' is neither accept, reject nor an annotation type" in err  # row 4 sits on line 6
    assert "line 7: a Nucleus candidate cannot become a Tissue" in err
    assert "line 8: no candidate has UUID 00000000-0000-4000-8000-000000000000" in err
    store = SqliteStore(db)
    assert len(ReviewBook(store).verdicts([x.id for x in store.list(e.PluginResultAnnotation)])) == 1
    store.close()

    code, out, err = review("apply", "--db", db, "--skip-bad", "--reviewer", "colleague", sheet)
    assert code == 0, err
    assert out == {"applied": 4, "unchanged": 1, "bad": 3}  # the window's accept was there already
    code, out, _ = review("apply", "--db", db, "--skip-bad", "--reviewer", "colleague", sheet)
    assert out == {"applied": 0, "unchanged": 5, "bad": 3}  # a second apply changes nothing

    store = SqliteStore(db)
    by_uuid = {x.unique_identifier: x for x in store.list(e.PluginResultAnnotation)}
    verdicts = ReviewBook(store).verdicts([x.id for x in by_uuid.values()])
    got = {by_uuid[rows[i]["uuid"]].id: verdicts[by_uuid[rows[i]["uuid"]].id].decision for i in (1, 2, 3, 33)}
    assert list(got.values()) == ["accept", "reject", "relabel", "reject"]
    assert verdicts[decided].decision == "accept" and len(verdicts) == 5
    made = store.list(e.Annotation, deleted=False)
    assert len(made) == 3 and {a.meta_data[KEY]["reviewer"] for a in made} == {"pathologist", "colleague"}
    assert sorted(a.annotation_type for a in made) == sorted([r.seed.box.id, r.seed.box.id, r.mimic.id])
    store.close()


def test_a_sheet_without_its_columns_is_refused(tmp_path):
    db, sheet = tmp_path / "p.db", tmp_path / "s.csv"
    SqliteStore(db).close()
    sheet.write_text("id,verdict\n1,accept\n")
    code, _out, err = review("apply", "--db", db, sheet)
    assert code == 2 and "s.csv: line 1: no uuid or decision column" in err and "Traceback" not in err
    code, _out, err = review("apply", "--db", tmp_path / "typo.db", sheet)
    assert code == 2 and "typo.db: no such project file" in err and not (tmp_path / "typo.db").exists()


def _sheet(path, rows, tail=""):
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["uuid", "decision", "reviewer"])
        writer.writerows(rows)
        out.write(tail)


def test_a_sheet_that_contradicts_itself_or_names_unknown_reviewers_applies_nothing(tmp_path):
    db, sheet = tmp_path / "p.db", tmp_path / "s.csv"
    store = SqliteStore(db)
    add_results(store, count=4)
    store.create(e.User("colleague"))
    uuids = [x.unique_identifier for x in store.list(e.PluginResultAnnotation)]
    store.close()

    _sheet(sheet, [[uuids[0], "accept", ""], [uuids[1], "reject", "colleague"], [uuids[2], "accept", "mallory"],
                   [uuids[3], "accept", ""], [uuids[3].upper(), "reject", ""]])  # fmt: skip
    code, out, err = review("apply", "--db", db, sheet)
    assert code == 2 and out == {"applied": 0, "unchanged": 0, "bad": 2}, err
    assert "line 4: no local user 'mallory' (the reviewer column)" in err
    assert f"line 5: UUID {uuids[3]} is decided on lines 5 and 6 in two ways ('accept', 'reject')" in err
    code, out, err = review("apply", "--db", db, "--skip-bad", sheet)
    assert code == 0 and out == {"applied": 2, "unchanged": 0, "bad": 2}, err  # neither of the two ways won

    store = SqliteStore(db)
    ids = {x.unique_identifier: x.id for x in store.list(e.PluginResultAnnotation)}
    verdicts = ReviewBook(store).verdicts(list(ids.values()))
    users = {u.id: u.username for u in store.list(e.User)}
    assert set(verdicts) == {ids[uuids[0]], ids[uuids[1]]}
    assert users[verdicts[ids[uuids[0]]].reviewer] == login_name()  # the person at this computer, as the window
    assert users[verdicts[ids[uuids[1]]].reviewer] == "colleague"  # the sheet's reviewer column
    store.close()


def test_a_malformed_sheet_is_refused_naming_its_line(tmp_path):
    db, sheet = tmp_path / "p.db", tmp_path / "s.csv"
    store = SqliteStore(db)
    add_results(store, count=2)
    uuids = [x.unique_identifier for x in store.list(e.PluginResultAnnotation)]
    store.close()

    _sheet(sheet, [[uuids[0], "accept", ""]], tail=f'"{uuids[1]},reject,\n{uuids[0]},reject,\n')
    code, _out, err = review("apply", "--db", db, sheet)
    assert code == 2 and "s.csv: line 3: a quoted field runs to the end of the file" in err, err
    _sheet(sheet, [[uuids[0], "accept", ""], [uuids[1], "x" * 200_000, ""]])
    code, _out, err = review("apply", "--db", db, sheet)
    assert code == 2 and "s.csv: line 3: a field longer than 131,072 characters" in err, err
    assert "Traceback" not in err and len(err) < 500
    code, _out, err = review("apply", "--db", db, tmp_path)
    assert code == 2 and "is a folder; review apply reads regular files only" in err, err
    store = SqliteStore(db)
    assert ReviewBook(store).verdicts([x.id for x in store.list(e.PluginResultAnnotation)]) == {}
    store.close()
