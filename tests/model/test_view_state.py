import pytest

from exact_desktop.model.view_state import MIN_DOWNSAMPLE, ViewState


def make_state() -> ViewState:
    state = ViewState()
    state.set_viewport(800, 600)
    state.reset(60_000, 40_000)
    return state


def test_reset_fits_the_whole_slide_centred():
    state = make_state()
    region = state.visible_region()
    assert state.downsample == pytest.approx(75.0)  # 60000 / 800 is the tighter fit
    assert region.x <= 0 and region.right >= 60_000
    assert region.y <= 0 and region.bottom >= 40_000
    assert state.l0_to_screen(30_000, 20_000) == pytest.approx((400, 300))


def test_zoom_keeps_the_point_under_the_cursor():
    state = make_state()
    before = state.screen_to_l0(123, 456)
    state.zoom_at(4.0, 123, 456)
    assert state.downsample == pytest.approx(75.0 / 4)
    assert state.screen_to_l0(123, 456) == pytest.approx(before)


def test_pan_moves_by_screen_pixels_times_downsample():
    state = make_state()
    state.set_downsample(2.0)
    state.center_on(10_000, 10_000)
    state.pan_by_screen(100, -50)
    assert (state.center_x, state.center_y) == pytest.approx((9_800, 10_100))


def test_zoom_is_clamped_and_centre_stays_on_the_slide():
    state = make_state()
    state.zoom(1e9)
    assert state.downsample == MIN_DOWNSAMPLE
    state.zoom(1e-9)
    assert state.downsample == pytest.approx(state.max_downsample())
    state.center_on(-500, 99_999)
    assert (state.center_x, state.center_y) == (0, 40_000)


def test_each_command_is_announced_once():
    state = make_state()
    seen: list[float] = []
    state.changed.connect(lambda sender: seen.append(sender.downsample), weak=False)
    state.zoom_at(2.0, 10, 10)
    state.pan_by_screen(5, 5)
    state.fit()
    assert seen == [pytest.approx(37.5), pytest.approx(37.5), pytest.approx(75.0)]


def test_many_commands_do_not_leak_references():
    """Guards against the psygnal refcount bug that once crashed the viewer."""
    import sys

    state = make_state()
    state.changed.connect(lambda sender: None, weak=False)
    before = sys.getrefcount(None)
    for i in range(5000):
        state.zoom_at(1.01 if i % 2 else 1 / 1.01, 100, 100)
    assert abs(sys.getrefcount(None) - before) < 50
