"""How fast this machine is, in the two operations brush's timings rest on, so that seconds measured on
different machines (or on one machine on different days) can be compared before they are trusted.

    python benchmarks/machine_speed.py            # two threads, as the other benchmarks
    python benchmarks/machine_speed.py --threads 1

Prints the median of a few repeats, in ms, of:
- ``vgg16-conv4_2-512``: VGG16's features up to conv4_2 on a 512x512 image, forward and backward, in
  float32 and in bfloat16 autocast (channels-last; random weights, so it runs offline). The reference
  figures in ../shared/notes/environment.md were 957 ms and 347 ms.
- ``dream-class-image-step``: one step of ``brush dream``'s class image: EfficientNet-Lite0 + Lite1 on
  four 224-px views, forward and backward (the offline ImageNet weights, BatchNorm folded as brush
  runs them since the seventeenth session: 1.6-2.1x faster in interleaved runs). A class image is 256 of them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as brush runs torch (brushcli/runtime.py); before torch starts
import torch  # noqa: E402
import torchvision  # noqa: E402


def _median_ms(step, repeats: int) -> float:
    step()  # warm-up: allocations, oneDNN kernel choice
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 1)


def vgg_step(bf16: bool):  # type: ignore[no-untyped-def]
    net = torchvision.models.vgg16().features[:23].eval().to(memory_format=torch.channels_last)
    image = torch.rand(1, 3, 512, 512).to(memory_format=torch.channels_last).requires_grad_()

    def step() -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out = net(image)
        out.float().pow(2).mean().backward()

    return step


def class_image_step():  # type: ignore[no-untyped-def]
    from brushcli.vision.nets import NetEnsemble

    names = ["efficientnet-lite0", "efficientnet-lite1"]
    nets = NetEnsemble.create(names)
    views = torch.rand(4, 3, 224, 224)

    def step() -> None:
        seen = views.clone().requires_grad_()
        logits = nets.run(seen, {(n, "logits") for n in names}).values
        sum(v.log_softmax(-1)[:, 1].mean() for v in logits.values()).backward()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
                   f"torch {torch.__version__}, {torch.backends.cpu.get_cpu_capability()}",
        "vgg16-conv4_2-512 fp32 ms": _median_ms(vgg_step(False), args.repeats),
        "vgg16-conv4_2-512 bf16 ms": _median_ms(vgg_step(True), args.repeats),
        "dream-class-image-step ms": _median_ms(class_image_step(), args.repeats),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
