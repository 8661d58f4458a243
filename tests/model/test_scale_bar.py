import pytest

from exact_desktop.model.scale_bar import choose_scale_bar, magnification


@pytest.mark.parametrize(
    ("um_per_px", "label"),
    [(0.25, "20 µm"), (0.25 * 75, "2 mm"), (0.0125, "1 µm"), (2.0, "200 µm")],
)
def test_scale_bar_takes_the_longest_round_length_that_fits(um_per_px, label):
    bar = choose_scale_bar(um_per_px, target_px=120)
    assert bar.label == label
    assert 0 < bar.length_screen_px <= 120
    assert bar.length_screen_px > 120 / 5  # never absurdly short


def test_magnification_from_objective_or_mpp():
    assert magnification(40, 0.25, 1.0) == pytest.approx(40)
    assert magnification(None, 0.25, 4.0) == pytest.approx(10)
    assert magnification(None, None, 4.0) is None
