"""Qt widgets that draw slides and overlays; they observe the Qt-free models in `model`."""
