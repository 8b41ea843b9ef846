"""Differentiable canvases: bounded stroke parameters, compositing, and grids of 64-px tiles."""
