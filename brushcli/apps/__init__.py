"""Applications: thin drivers side by side, each composing a parameterisation, an objective, the loop
and the writers (``paint``, ``dream``, ``style``; the agents live in :mod:`brushcli.agents`).

None imports another; what two of them share lives one floor down (``canvas``, ``objectives``,
``optimize``, ``outputs``). ``tests/test_layers.py`` keeps that true.
"""
