"""A learnt model as the review makes it and the Run model plugin runs it: its card (what the
model is for, how to feed it, where it came from) and the candidate features it reads.

Both sides need exactly the same card and features, and neither may import the other (the review
sits below `plugins/`, and a plugin never imports the review), so they live here, below both,
using only `slides/` for pixels (Qt-free)."""
