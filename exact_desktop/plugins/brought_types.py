"""Which annotation types plugins brought (named in a plugin's `produces`, in one of its products,
and made for it: the registry places those from PLUGIN_SORT_ORDER on), so the type palette can keep
them apart from the types people draw with. A product's own type that a plugin also produces (the
demo's Nucleus, which the nuclei detector finds) stays with the product's types and its number key."""

from __future__ import annotations

from collections.abc import Sequence

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.plugins.registry import PLUGIN_SORT_ORDER
from exact_desktop.store.base import Store


def brought_types(store: Store, types: Sequence[e.AnnotationType]) -> dict[int, str]:
    """Type id -> the name of the plugin that brought it, for those of `types` a plugin did."""
    found: dict[int, str] = {}
    for plugin in store.list(e.Plugin):
        names, products = set(plugin.produces), set(plugin.products)
        for t in types:
            if t.name in names and t.product in products and t.sort_order >= PLUGIN_SORT_ORDER and t.id not in found:
                found[stored_id(t)] = plugin.name
    return found
