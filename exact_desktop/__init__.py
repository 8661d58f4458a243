"""exact-desktop: a desktop annotator for whole-slide images that speaks EXACT's data model."""

__version__ = "0.1.0"
