"""Pick a round scale-bar length, as a microscope would label it."""

from __future__ import annotations

from dataclasses import dataclass

_NICE = (1, 2, 5)


@dataclass(frozen=True)
class ScaleBar:
    length_screen_px: float
    label: str


def choose_scale_bar(um_per_screen_px: float, target_px: float = 120.0) -> ScaleBar:
    """The longest 1/2/5 x 10^k length (in µm) whose bar is at most `target_px` long."""
    target_um = um_per_screen_px * target_px
    best = 0.001
    magnitude = 0.001
    while magnitude <= 1e7:
        for n in _NICE:
            if n * magnitude <= target_um:
                best = n * magnitude
        magnitude *= 10
    return ScaleBar(best / um_per_screen_px, _format_length(best))


def _format_length(um: float) -> str:
    if um >= 1000:
        return f"{um / 1000:g} mm"
    if um >= 1:
        return f"{um:g} µm"
    return f"{um * 1000:g} nm"


def magnification(objective_power: float | None, mpp: float | None, downsample: float) -> float | None:
    """Displayed magnification: the scan objective divided by the downsample.

    Without an objective power, infer it from mpp (0.25 µm/px is a 40x scan by convention).
    """
    if objective_power:
        base = objective_power
    elif mpp:
        base = 10.0 / mpp
    else:
        return None
    return base / downsample
