"""One small class per annotation tool behind one interface (QuPath's PathTool shape): the
annotator swaps tool objects as the type and the mode change, and holds no gesture state."""
