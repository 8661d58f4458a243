"""Where the slide viewer looks, kept free of Qt so it can be tested and scripted headless.

Coordinates: `l0_` are level-0 slide pixels, `s_` are screen (widget) pixels.
`downsample` is level-0 pixels per screen pixel: 1 shows the slide at full resolution.

Change it through its commands; each sends `changed` (a blinker signal, receivers get the
state) once. Not psygnal: its compiled build (0.14-0.16) drops a reference to None on
emissions, which crashed Python 3.11 ("none_dealloc") after a few thousand pans.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from blinker import Signal

from exact_desktop.model.geometry import Rect

MIN_DOWNSAMPLE = 1 / 16  # 1600 %: enough to place points on single pixels


@dataclass
class ViewState:
    slide_width: int = 1
    slide_height: int = 1
    viewport_width: int = 1
    viewport_height: int = 1
    center_x: float = 0.5
    center_y: float = 0.5
    downsample: float = 1.0
    changed: Signal = field(default_factory=Signal, repr=False, compare=False)

    # --- derived values -------------------------------------------------------------------
    def fit_downsample(self) -> float:
        """Downsample at which the whole slide fits the viewport."""
        return max(
            self.slide_width / max(1, self.viewport_width),
            self.slide_height / max(1, self.viewport_height),
        )

    def max_downsample(self) -> float:
        return max(1.0, self.fit_downsample() * 2)

    def visible_region(self) -> Rect:
        """The level-0 rectangle under the viewport (may extend past the slide)."""
        w = self.viewport_width * self.downsample
        h = self.viewport_height * self.downsample
        return Rect(self.center_x - w / 2, self.center_y - h / 2, w, h)

    def screen_to_l0(self, s_x: float, s_y: float) -> tuple[float, float]:
        return (
            self.center_x + (s_x - self.viewport_width / 2) * self.downsample,
            self.center_y + (s_y - self.viewport_height / 2) * self.downsample,
        )

    def l0_to_screen(self, l0_x: float, l0_y: float) -> tuple[float, float]:
        return (
            (l0_x - self.center_x) / self.downsample + self.viewport_width / 2,
            (l0_y - self.center_y) / self.downsample + self.viewport_height / 2,
        )

    # --- commands: each emits `changed` once -------------------------------------------------
    def reset(self, slide_width: int, slide_height: int) -> None:
        """Show a new slide, fitted."""
        self.slide_width, self.slide_height = max(1, slide_width), max(1, slide_height)
        self.fit()

    def set_viewport(self, width: int, height: int) -> None:
        self.viewport_width, self.viewport_height = max(1, width), max(1, height)
        self.changed.send(self)

    def fit(self) -> None:
        self.downsample = max(MIN_DOWNSAMPLE, self.fit_downsample())
        self.center_x, self.center_y = self.slide_width / 2, self.slide_height / 2
        self.changed.send(self)

    def center_on(self, l0_x: float, l0_y: float) -> None:
        self._center_on(l0_x, l0_y)
        self.changed.send(self)

    def pan_by_screen(self, s_dx: float, s_dy: float) -> None:
        """Move the view by screen pixels (dragging right moves the slide right)."""
        self.center_on(self.center_x - s_dx * self.downsample, self.center_y - s_dy * self.downsample)

    def set_downsample(self, downsample: float) -> None:
        self._set_downsample(downsample)
        self.changed.send(self)

    def zoom_at(self, factor: float, s_x: float, s_y: float) -> None:
        """Zoom by `factor` (>1 zooms in) keeping the slide point under (s_x, s_y) fixed."""
        l0_x, l0_y = self.screen_to_l0(s_x, s_y)
        self._set_downsample(self.downsample / factor)
        self._center_on(
            l0_x - (s_x - self.viewport_width / 2) * self.downsample,
            l0_y - (s_y - self.viewport_height / 2) * self.downsample,
        )
        self.changed.send(self)

    def zoom(self, factor: float) -> None:
        self.zoom_at(factor, self.viewport_width / 2, self.viewport_height / 2)

    def _center_on(self, l0_x: float, l0_y: float) -> None:
        self.center_x = min(max(0.0, l0_x), float(self.slide_width))
        self.center_y = min(max(0.0, l0_y), float(self.slide_height))

    def _set_downsample(self, downsample: float) -> None:
        self.downsample = min(max(downsample, MIN_DOWNSAMPLE), self.max_downsample())
