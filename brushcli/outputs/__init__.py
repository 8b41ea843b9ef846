"""Outputs: the result type every application returns, its MyPaint replay, and the file writers.

- :mod:`~brushcli.outputs.result`: :class:`Painting` (strokes, renders, metrics; the replay made once)
- :mod:`~brushcli.outputs.replay`: real MyPaint replay of a stroke list at any size, with a time-lapse
- :mod:`~brushcli.outputs.timelapse`: the time-lapse, kept as what each stroke changed
- :mod:`~brushcli.outputs.options`: per-file choices (transparent, OpenRaster layering, frames and rate)
- :mod:`~brushcli.outputs.writers`: one writer per file suffix (``export(painting, "x.png")``), with
  :mod:`~brushcli.outputs.ora` (OpenRaster), :mod:`~brushcli.outputs.svg` and :mod:`~brushcli.outputs.video`
- :mod:`~brushcli.outputs.folder`: the ``OUT/<name>/`` folder every painting command writes
"""
