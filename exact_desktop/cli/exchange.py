"""`exact-desktop export|import --image ID FILE`: annotations of one image out of and into a project."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_commands(commands: Any) -> None:
    export = commands.add_parser("export", help="write an image's annotations as GeoJSON (.geojson) or EXACT JSON")
    export.add_argument("--image", type=int, required=True, metavar="ID", help="the project's image id")
    export.add_argument("file", type=Path, metavar="FILE")
    export.add_argument("--format", choices=["geojson", "exact"], help="default: geojson for .geojson, else exact")
    export.add_argument("--db", type=Path, metavar="FILE", help="project database (default: the local project)")
    import_ = commands.add_parser("import", help="add annotations from GeoJSON (QuPath) or EXACT JSON to an image")
    import_.add_argument("--image", type=int, required=True, metavar="ID", help="the project's image id")
    import_.add_argument("file", type=Path, metavar="FILE")
    import_.add_argument("--type", metavar="NAME", help="annotation type for features without a classification")
    import_.add_argument(
        "--simplify", type=float, default=0.0, metavar="PX", help="simplify outlines to this tolerance"
    )
    import_.add_argument("--skip-bad", action="store_true", help="import the valid features even if some are bad")
    import_.add_argument(
        "--make-valid", action="store_true", help="repair invalid outlines (a bow tie: two triangles), not refuse them"
    )
    import_.add_argument(
        "--nucleus-type", metavar="NAME", help="annotation type for the nuclei of QuPath cells (else they are skipped)"
    )
    import_.add_argument("--db", type=Path, metavar="FILE", help="project database (default: the local project)")


def run(args: argparse.Namespace) -> int:
    from exact_desktop.cli.opening import opened_store
    from exact_desktop.exchange.files import carry_out, export_file, plan_file, stored_of
    from exact_desktop.exchange.plan import ExchangeError
    from exact_desktop.exchange.problem_lines import problem_lines
    from exact_desktop.store.base import StoreError

    store = opened_store(args.db)
    try:
        if args.command == "export":
            count = export_file(store, args.image, args.file, args.format)
            print(json.dumps({"exported": count, "file": str(args.file)}))
            return 0
        plan = plan_file(store, args.image, args.file, args.type, args.simplify, args.nucleus_type, args.make_valid)
        summary: dict[str, Any] = plan.summary()
        for line in problem_lines(plan.problems, 20):
            print(f"exact-desktop: {args.file} {line}", file=sys.stderr)
        for note in plan.notes[:20]:
            print(f"exact-desktop: {args.file} {note}", file=sys.stderr)
        if plan.problems and not plan.annotation_count:  # --skip-bad would import nothing either
            repair = " (--make-valid repairs invalid outlines)" if plan.repairable else ""
            print(f"exact-desktop: nothing can be imported: none of the {plan.features:,} features is valid{repair}",
                  file=sys.stderr)  # fmt: skip
            print(json.dumps({**summary, "imported": 0}))
            return 2
        if plan.problems and not args.skip_bad:
            more = f" (and {len(plan.problems) - 20:,} more)" if len(plan.problems) > 20 else ""
            bad = f"{len(plan.problems):,} bad feature{'s' if len(plan.problems) != 1 else ''}{more}"
            print(f"exact-desktop: {bad}; nothing imported ({plan.hint()})", file=sys.stderr)
            print(json.dumps({**summary, "imported": 0}))
            return 2
        try:
            result = carry_out(store, plan)
        except KeyboardInterrupt:  # Ctrl+C: the write is whole or not there; say which
            stored, total = stored_of(store, plan)
            print(f"exact-desktop: {args.file}: interrupted; {stored:,} of its {total:,} annotations are stored on "
                  "the image (an import is stored whole or not at all)", file=sys.stderr)  # fmt: skip
            raise
        if result.already_present and not (result.imported or result.restored):  # a second import: say it
            print(f"exact-desktop: {args.file}: nothing new: its {result.already_present:,} annotations are on the "
                  "image already", file=sys.stderr)  # fmt: skip
        if result.restored:
            print(f"exact-desktop: {args.file}: {result.restored:,} of its annotations were deleted on the image "
                  "and are back, as the file has them", file=sys.stderr)  # fmt: skip
        print(json.dumps({**summary, "imported": result.imported, "restored": result.restored,
                          "already_present": result.already_present, "stored": result.stored}))  # fmt: skip
        return 0
    except (ExchangeError, StoreError) as err:
        print(f"exact-desktop: {err}", file=sys.stderr)
        return 2
    finally:
        store.close()
