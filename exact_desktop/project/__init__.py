"""One project, two kinds: a local project, or the mirror of an EXACT server's image set.

The kind is read from the project file when it opens (`opening.py`: a file whose sync ledger
names a server mirrors it); what differs between the kinds sits behind `Project` (`base.py`),
so the window and the command line never ask which class the store is.
"""
