"""Plugins that ship with exact-desktop, written on the worker SDK like any other."""

BUILTIN_SCRIPTS = (
    "exact_desktop.plugins.builtin.nuclei:process",  # on the worker SDK
    "exact_desktop.plugins.builtin.segmentation:process",
    "exact_desktop.plugins.builtin.annotation_map:process",
    "exact_desktop.plugins.builtin.cluster_cells:process",
    "exact_desktop.plugins.builtin.patch_classifier:process",
    "exact_desktop.plugins.builtin.mitosis_candidates:process",
    "exact_desktop.plugins.builtin.run_model:process",
    "exact_desktop.plugins.examples.tissue_exact_sync",  # plain exact-sync, no SDK
)
