"""The demo: a synthetic H&E-like slide with known answers, made once and reused."""
