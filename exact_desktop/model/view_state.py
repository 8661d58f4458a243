"""Where the slide viewer looks, kept free of Qt so it can be tested and scripted headless.

Coordinates: `l0_` are level-0 slide pixels, `s_` are screen pixels of the view's frame: the
slide as it lies, before the view is turned (`r`, quarter turns clockwise) and mirrored (`f`,
left to right) as EXACT does; `w_` are the widget's pixels, where the turned frame is shown.
The painters draw in the frame (the widget turns what they draw); the mouse is in the widget.
`viewport_width` and `viewport_height` are the frame's: the widget's, swapped while the view is
turned a quarter. `downsample` is level-0 pixels per screen pixel: 1 shows the slide at full
resolution.

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
    quarter_turns: int = 0  # clockwise, 0-3
    mirrored: bool = False  # left to right, before the turn
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

    def widget_size(self) -> tuple[int, int]:
        if self.quarter_turns % 2:
            return self.viewport_height, self.viewport_width
        return self.viewport_width, self.viewport_height

    def frame_to_widget(self) -> tuple[float, float, float, float, float, float]:
        """The affine map (a, b, c, d, e, f) of frame to widget pixels: w_x = a*s_x + b*s_y + e,
        w_y = c*s_x + d*s_y + f; the mirror first, then the turn, about the centres."""
        cos, sin = ((1, 0), (0, 1), (-1, 0), (0, -1))[self.quarter_turns % 4]
        mirror = -1 if self.mirrored else 1
        a, b, c, d = cos * mirror, -sin, sin * mirror, cos
        widget_w, widget_h = self.widget_size()
        fx, fy = self.viewport_width / 2, self.viewport_height / 2
        return a, b, c, d, widget_w / 2 - a * fx - b * fy, widget_h / 2 - c * fx - d * fy

    def widget_to_frame(self, w_x: float, w_y: float) -> tuple[float, float]:
        a, b, c, d, e, f = self.frame_to_widget()  # a rotation with a mirror: its inverse is its transpose
        x, y = w_x - e, w_y - f
        return a * x + c * y, b * x + d * y

    def widget_to_l0(self, w_x: float, w_y: float) -> tuple[float, float]:
        """The level-0 pixel under the widget's pixel (w_x, w_y), the view turned and mirrored."""
        return self.screen_to_l0(*self.widget_to_frame(w_x, w_y))

    # --- commands: each emits `changed` once -------------------------------------------------
    def reset(self, slide_width: int, slide_height: int) -> None:
        """Show a new slide, fitted."""
        self.slide_width, self.slide_height = max(1, slide_width), max(1, slide_height)
        self.fit()

    def set_viewport(self, width: int, height: int) -> None:
        """The widget's size (the frame's, swapped while the view is turned a quarter)."""
        width, height = max(1, width), max(1, height)
        self.viewport_width, self.viewport_height = (height, width) if self.quarter_turns % 2 else (width, height)
        self.changed.send(self)

    def rotate(self) -> None:
        """EXACT's `r`: the view a quarter turn clockwise about its centre; the slide and its
        annotations turn together (annotations stay where they are on the slide)."""
        self.quarter_turns = (self.quarter_turns + 1) % 4
        self.viewport_width, self.viewport_height = self.viewport_height, self.viewport_width
        self.changed.send(self)

    def flip(self) -> None:
        """EXACT's `f`: the view mirrored left to right (as it is shown, after any turn)."""
        self.mirrored = not self.mirrored
        if self.quarter_turns % 2:  # mirroring the turned picture left to right mirrors the frame top to bottom
            self.quarter_turns = (self.quarter_turns + 2) % 4
        self.changed.send(self)

    def fit(self) -> None:
        self.downsample = max(MIN_DOWNSAMPLE, self.fit_downsample())
        self.center_x, self.center_y = self.slide_width / 2, self.slide_height / 2
        self.changed.send(self)

    def center_on(self, l0_x: float, l0_y: float) -> None:
        self._center_on(l0_x, l0_y)
        self.changed.send(self)

    def pan_by_screen(self, w_dx: float, w_dy: float) -> None:
        """Move the view by widget pixels (dragging right moves the slide right, turned or not)."""
        a, b, c, d, _, _ = self.frame_to_widget()
        s_dx, s_dy = a * w_dx + c * w_dy, b * w_dx + d * w_dy
        self.center_on(self.center_x - s_dx * self.downsample, self.center_y - s_dy * self.downsample)

    def set_downsample(self, downsample: float) -> None:
        self._set_downsample(downsample)
        self.changed.send(self)

    def zoom_at(self, factor: float, w_x: float, w_y: float) -> None:
        """Zoom by `factor` (>1 zooms in) keeping the slide point under the widget's (w_x, w_y) fixed."""
        s_x, s_y = self.widget_to_frame(w_x, w_y)
        l0_x, l0_y = self.screen_to_l0(s_x, s_y)
        self._set_downsample(self.downsample / factor)
        self._center_on(
            l0_x - (s_x - self.viewport_width / 2) * self.downsample,
            l0_y - (s_y - self.viewport_height / 2) * self.downsample,
        )
        self.changed.send(self)

    def zoom(self, factor: float) -> None:
        self.zoom_at(factor, *(side / 2 for side in self.widget_size()))

    def _center_on(self, l0_x: float, l0_y: float) -> None:
        self.center_x = min(max(0.0, l0_x), float(self.slide_width))
        self.center_y = min(max(0.0, l0_y), float(self.slide_height))

    def _set_downsample(self, downsample: float) -> None:
        self.downsample = min(max(downsample, MIN_DOWNSAMPLE), self.max_downsample())
