"""Plugins that ship with exact-desktop, written on the worker SDK like any other."""

BUILTIN_SCRIPTS = ("exact_desktop.plugins.builtin.nuclei:process",)
