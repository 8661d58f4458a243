"""The SDK's result identifiers are canonical random UUIDs, never repeated, from any thread."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from exact_desktop.plugins.sdk.identifiers import BLOCK, new_identifier


def test_identifiers_are_canonical_version_4_uuids():
    made = [new_identifier() for _ in range(3 * BLOCK)]  # across several blocks
    parsed = [uuid.UUID(text) for text in made]
    assert all(str(u) == text for u, text in zip(parsed, made, strict=True))  # lower case, dashed
    assert {u.version for u in parsed} == {4} and {u.variant for u in parsed} == {uuid.RFC_4122}
    assert len(set(made)) == len(made)


def test_identifiers_from_several_threads_are_all_different():
    with ThreadPoolExecutor(8) as pool:
        batches = list(pool.map(lambda _: [new_identifier() for _ in range(2 * BLOCK + 7)], range(8)))
    made = [text for batch in batches for text in batch]
    assert len(set(made)) == len(made) == 8 * (2 * BLOCK + 7)
