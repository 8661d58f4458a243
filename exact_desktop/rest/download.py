"""The original slide file of a server image, to open locally: streamed, with progress, resumed.

Written to `<target>.part` first and renamed once complete, so a half file never passes for a
slide. A `.part` left by a cut download is continued with a Range request where the server
honours it (206), and started again where it does not (200).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import requests

from exact_desktop.rest.connection import Connection, _reason
from exact_desktop.rest.errors import UnknownOutcomeError

CHUNK = 1 << 20


def download_original(connection: Connection, image_id: int, target: Path,
                      progress: Callable[[int, int | None], None] = lambda done, total: None) -> Path:  # fmt: skip
    """Downloads image `image_id`'s file to `target`; returns it. Raises UnknownOutcomeError when
    the transfer breaks (the `.part` stays, for the next attempt to continue)."""
    part = target.with_name(target.name + ".part")
    target.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    path = f"/images/api/image/download/{image_id}/"
    answer = connection.request("GET", path, headers=headers, stream=True)
    try:
        resumed = answer.status_code == 206
        size = answer.headers.get("Content-Length")
        total = (int(size) + (have if resumed else 0)) if size else None
        done = have if resumed else 0
        with part.open("ab" if resumed else "wb") as out:
            for chunk in answer.iter_content(CHUNK):
                out.write(chunk)
                done += len(chunk)
                progress(done, total)
    except requests.RequestException as err:
        raise UnknownOutcomeError(f"download of image {image_id} from {connection.url} broke: {_reason(err)}") from None
    finally:
        answer.close()
    if total is not None and done != total:
        raise UnknownOutcomeError(
            f"download of image {image_id} from {connection.url} ended at {done} of {total} bytes"
        )
    part.replace(target)
    return target
