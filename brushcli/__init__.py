"""brush: paint pictures with brushstrokes through differentiable neural painters and real MyPaint."""

__version__ = "0.1.0"
