"""Annotating, Qt-free: the tools, the annotator that holds them and the undo history, over a
Store. Above `store/` and `model/`, below the viewer and the window that feed them events."""
