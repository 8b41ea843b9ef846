"""Outputs: the result type every application returns, its MyPaint replay, and the file writers.

- :mod:`~brushcli.outputs.result`: :class:`Painting` (strokes, renders, metrics; the replay made once)
- :mod:`~brushcli.outputs.replay`: real MyPaint replay of a stroke list at any size, with time-lapse frames
- :mod:`~brushcli.outputs.writers`: one writer per file suffix (``export(painting, "x.png")``)
- :mod:`~brushcli.outputs.folder`: the ``OUT/<name>/`` folder every painting command writes
"""
