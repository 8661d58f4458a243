"""Plain, Qt-free data: geometry, view state, EXACT's entities. Imports nothing else of ours."""
