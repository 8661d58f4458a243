"""EXACT's list pages, read without trusting them: what a page holds is checked, and a list is
walked by the results received, never by the page size asked for.

A server may cap pages below the `limit` asked (DRF's `max_limit`, a proxy); its `next` may
point to itself or to another host. Offsets advanced by what actually arrived, on the server's
own origin, avoid all three: no page is skipped, nothing loops, and the credentials are never
sent where `next` says. The total received is checked against the count the server gave.
"""

from __future__ import annotations

from typing import Any

from exact_desktop.rest.errors import AnswerError


class PageError(AnswerError):
    """A list answer that is not what EXACT sends; the message names the server and the page."""


def page_items(answer: Any, server: str, where: str, ids: bool) -> tuple[list[dict[str, Any]], int, bool]:
    """(results, count, whether the server says there is more) of one page, each result an
    object, with an `id` if `ids` (a list asked for without that field has none)."""
    if not isinstance(answer, dict):
        kind = "a list" if isinstance(answer, list) else f"a JSON {type(answer).__name__}"
        raise PageError(f"{server} answered {where} with {kind}, not a page of results")
    results, count = answer.get("results"), answer.get("count")
    if not isinstance(results, list) or not isinstance(count, int) or isinstance(count, bool):
        raise PageError(f"{server} answered {where} without a list of results and their count")
    for n, item in enumerate(results, 1):
        if not isinstance(item, dict):
            raise PageError(f"{server}: result {n} of {where} is not an object")
        if ids and (not isinstance(item.get("id"), int) or isinstance(item["id"], bool)):
            raise PageError(f"{server}: result {n} of {where} has no id")
    return results, count, bool(answer.get("next"))


def page_name(path: str, offset: int) -> str:
    return f"the page of {path} at offset {offset:,}"


class Pages:
    """One walk through a list: where the next page starts, and every result received, once
    (by its id, where the list has them; `ids` says it must)."""

    def __init__(self, server: str, path: str, ids: bool = False) -> None:
        self.server, self.path, self.need_ids = server, path, ids
        self.offset, self.count, self.more = 0, 0, True
        self.last_size = 0  # results in the page taken last, new or not
        self.received = 0
        self.ids: set[int] = set()

    def take(self, answer: Any, offset: int | None = None) -> list[dict[str, Any]]:
        """The new results of the page at `offset` (default: where the walk stands), which moves
        the walk on by what arrived. A page holding nothing new ends the walk."""
        at = self.offset if offset is None else offset
        results, count, more = page_items(answer, self.server, page_name(self.path, at), self.need_ids)
        if at == 0:
            self.count = count
        self.last_size = len(results)
        fresh = [r for r in results if r.get("id") not in self.ids]
        self.ids.update(r["id"] for r in fresh if "id" in r)
        self.received += len(fresh)
        self.offset = max(self.offset, at + len(results))
        self.more = more and bool(fresh) and self.offset < max(count, self.count)
        return fresh

    def check_total(self) -> None:
        """A list that ended before its count: an error naming the numbers, never a shortfall
        passed over in silence."""
        if self.received < self.count:
            raise PageError(
                f"{self.server} gave {self.received:,} of the {self.count:,} results of {self.path} it counted: "
                "the list ended early (nothing of the rest was stored)"
            )
