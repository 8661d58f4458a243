"""Two-way sync between an EXACT server and the local mirror: pull, push, conflicts kept."""
