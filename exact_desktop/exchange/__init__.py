"""Annotations in and out of the project: GeoJSON as QuPath writes it, and EXACT's JSON."""
