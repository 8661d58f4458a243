"""A separate client process that writes annotations through the API (for the load test).

    EXACT_URL=... EXACT_TOKEN=... python -m tests.server.client_process IMAGE TYPE COUNT BATCH TAG
The connection details come from the environment, never the command line.
"""

from __future__ import annotations

import os
import sys
import uuid

import requests


def main(image: str, kind: str, count: str, batch: str, tag: str) -> None:
    url, token = os.environ["EXACT_URL"], os.environ["EXACT_TOKEN"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    total, size = int(count), int(batch)
    for start in range(0, total, size):
        body = [
            {"annotation_type": int(kind), "image": int(image), "description": tag, "unique_identifier": str(uuid.uuid4()),
             "vector": {"x1": i, "y1": i, "x2": i + 10, "y2": i + 10}}
            for i in range(start, min(total, start + size))
        ]  # fmt: skip
        answer = session.post(f"{url}/api/v1/annotations/annotations/", json=body if size > 1 else body[0], timeout=120)
        if answer.status_code != 201:
            sys.exit(f"{answer.status_code}: {answer.text[:300]}")
    print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
