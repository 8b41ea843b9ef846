"""Training methods: how a painter's networks are updated from (action, MyPaint alpha) batches.

``regression`` (default) fits alpha directly with L1 + L2 losses. ``vae`` and ``gan`` are the
Neural Painters paper's two methods. Each method exposes its full state as tensors plus JSON so the
training loop can checkpoint and resume it exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
import torch.nn.functional as F

from brushcli.checkpoint import restore_training_state, step_generator, training_state
from brushcli.errors import PainterError
from brushcli.painters.painter import Painter
from brushcli.runtime import autocast


class Method:
    """Base class: subclasses set up optimisers in ``__init__`` and implement :meth:`step`."""

    def __init__(self, painter: Painter, settings: Any) -> None:
        self.painter = painter
        self.settings = settings
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.modules: dict[str, torch.nn.Module] = {"net": painter.net}
        #: Called with an optimizer's parameters before it steps: averages gradients over training
        #: processes (:meth:`brushcli.distributed.ProcessGroup.average_gradients`); one process: nothing.
        self.sync: Callable[[Iterable[torch.Tensor]], None] = lambda params: None
        #: This process's random stream (its rank): each process draws its own noise.
        self.stream = 0

    def update(self, name: str) -> None:
        """Step optimizer ``name`` on gradients synchronised across processes."""
        opt = self.optimizers[name]
        self.sync([p for group in opt.param_groups for p in group["params"]])
        opt.step()

    def step(self, actions: torch.Tensor, alphas: torch.Tensor, step: int,
             radii: torch.Tensor | None = None) -> dict[str, float]:
        raise NotImplementedError

    def state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """All trainable state as flat tensors, plus JSON-able metadata."""
        return training_state(self.modules, self.optimizers)

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        restore_training_state(tensors, meta, self.modules, self.optimizers)


def alpha_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 (sharp edges, robust to texture) plus L2 (penalises large misses)."""
    diff = pred - target
    return diff.abs().mean() + (diff * diff).mean()


#: Weight of the engine-radius loss (log units) for painters that follow MyPaint's dab schedule.
RADIUS_WEIGHT = 1.0


class Regression(Method):
    """Direct regression of alpha from the action (plus, for nets that predict MyPaint's dab radius,
    the engine's reported radius at each event)."""

    def __init__(self, painter: Painter, settings: Any) -> None:
        super().__init__(painter, settings)
        self.optimizers["net"] = torch.optim.Adam(painter.net.parameters(), lr=settings.lr)

    def step(self, actions: torch.Tensor, alphas: torch.Tensor, step: int,
             radii: torch.Tensor | None = None) -> dict[str, float]:
        opt = self.optimizers["net"]
        net = self.painter.net
        parts = getattr(net, "forward_parts", None)
        with autocast(actions.device):
            pred, log_radius = parts(actions) if parts else (net(actions), None)
        loss = alpha_loss(pred.float(), alphas)
        total, out = loss, {"loss": float(loss.detach())}
        if log_radius is not None and radii is not None:
            radius_loss = F.mse_loss(log_radius.float(), net.log_radius_target(actions, radii))
            total = loss + RADIUS_WEIGHT * radius_loss
            out["radius"] = float(radius_loss.detach())
        opt.zero_grad(set_to_none=True)
        total.backward()
        self.update("net")
        return out


class VAE(Method):
    """The paper's VAE painter: a VAE over strokes plus a network from action to latent.

    Each step trains, on the same batch: the VAE (encoder -> sampled latent -> decoder; reconstruction
    plus a small KL term), the action -> latent MLP towards the encoder's mean (stop-gradient), and
    the composed painter ``decoder(to_latent(action))`` directly against the MyPaint alpha, so the
    network used at inference is itself fitted, not only its two halves.
    """

    def __init__(self, painter: Painter, settings: Any, kl_weight: float = 1e-3) -> None:
        from brushcli.painters.models import StrokeEncoder

        super().__init__(painter, settings)
        net = painter.net
        if not hasattr(net, "to_latent"):
            raise PainterError("the vae method needs the 'vae' architecture")
        width = net.decoder.conv[0].out_channels
        self.encoder = StrokeEncoder(net.latent, width=width)
        self.modules["encoder"] = self.encoder
        self.kl_weight = kl_weight
        self.optimizers["net"] = torch.optim.Adam(net.parameters(), lr=settings.lr)
        self.optimizers["encoder"] = torch.optim.Adam(self.encoder.parameters(), lr=settings.lr)
        self.generator = torch.Generator().manual_seed(int(getattr(settings, "seed", 0)) + 17)

    def step(self, actions: torch.Tensor, alphas: torch.Tensor, step: int,
             radii: torch.Tensor | None = None) -> dict[str, float]:
        net = self.painter.net
        self.generator = step_generator(int(getattr(self.settings, "seed", 0)), step, self.stream)
        with autocast(actions.device):
            mean, logvar = (t.float() for t in self.encoder(alphas))
            noise = torch.randn(mean.shape, generator=self.generator).to(mean.device)
            z = mean + torch.exp(0.5 * logvar) * noise
            recon = alpha_loss(net.decoder(z).float(), alphas)
            kl = -0.5 * torch.mean(1 + logvar - mean**2 - logvar.exp())
            latent = net.to_latent(actions).float()
            match = F.mse_loss(latent, mean.detach())
            direct = alpha_loss(net.decoder(latent).float(), alphas)
        loss = recon + self.kl_weight * kl + match + direct
        for opt in self.optimizers.values():
            opt.zero_grad(set_to_none=True)
        loss.backward()
        for name in self.optimizers:
            self.update(name)
        return {"loss": float(direct.detach()), "recon": float(recon.detach()), "kl": float(kl.detach()),
                "latent": float(match.detach())}


class Critic(torch.nn.Module):
    """WGAN critic on (action, stroke) pairs: conv features of the alpha joined with an action embedding."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.conv = torch.nn.Sequential(
            torch.nn.Conv2d(1, width, 4, 2, 1), torch.nn.LeakyReLU(0.2),  # 32
            torch.nn.Conv2d(width, 2 * width, 4, 2, 1), torch.nn.LeakyReLU(0.2),  # 16
            torch.nn.Conv2d(2 * width, 2 * width, 4, 2, 1), torch.nn.LeakyReLU(0.2),  # 8
            torch.nn.Conv2d(2 * width, 2 * width, 4, 2, 1), torch.nn.LeakyReLU(0.2),  # 4
        )
        self.action = torch.nn.Sequential(torch.nn.Linear(9, 128), torch.nn.LeakyReLU(0.2))
        self.out = torch.nn.Sequential(torch.nn.Linear(2 * width * 16 + 128, 256), torch.nn.LeakyReLU(0.2),
                                       torch.nn.Linear(256, 1))

    def forward(self, actions: torch.Tensor, alphas: torch.Tensor) -> torch.Tensor:
        h = self.conv(alphas[:, None]).flatten(1)
        return self.out(torch.cat([h, self.action(actions)], dim=1))[:, 0]


class GAN(Method):
    """The paper's GAN painter: a conditional WGAN-GP on (action, stroke) pairs, no noise input.

    The generator is the painter network itself (action -> alpha). The critic gets ``n_critic``
    updates per generator update on the same batch, with a gradient penalty of ``gp_weight`` on
    interpolates. A small L1 term (``l1_weight``) is added to the generator loss: a deterministic
    conditional generator trained only adversarially converges very slowly, and the paper's
    setting had far more compute than a CPU run; set it to 0 for the pure adversarial method.
    """

    def __init__(self, painter: Painter, settings: Any, n_critic: int = 2, gp_weight: float = 10.0,
                 l1_weight: float = 1.0) -> None:
        super().__init__(painter, settings)
        decoder = getattr(painter.net, "decoder", None)
        self.critic = Critic(min(32, decoder.conv[0].out_channels) if decoder is not None else 32)
        self.modules["critic"] = self.critic
        self.n_critic, self.gp_weight, self.l1_weight = n_critic, gp_weight, l1_weight
        self.optimizers["net"] = torch.optim.Adam(painter.net.parameters(), lr=settings.lr, betas=(0.5, 0.9))
        self.optimizers["critic"] = torch.optim.Adam(self.critic.parameters(), lr=settings.lr, betas=(0.5, 0.9))
        self.generator = torch.Generator()

    def step(self, actions: torch.Tensor, alphas: torch.Tensor, step: int,
             radii: torch.Tensor | None = None) -> dict[str, float]:
        net, critic = self.painter.net, self.critic
        self.generator = step_generator(int(getattr(self.settings, "seed", 0)), step, self.stream)
        for _ in range(self.n_critic):
            with torch.no_grad():
                fake = net(actions)
            mix = torch.rand(len(actions), 1, 1, generator=self.generator).to(alphas.device)
            inter = (mix * alphas + (1 - mix) * fake).requires_grad_(True)
            score = critic(actions, inter)
            grad = torch.autograd.grad(score.sum(), inter, create_graph=True)[0]
            penalty = ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
            wasserstein = critic(actions, alphas).mean() - critic(actions, fake).mean()
            critic_loss = -wasserstein + self.gp_weight * penalty
            self.optimizers["critic"].zero_grad(set_to_none=True)
            critic_loss.backward()
            self.update("critic")
        with autocast(actions.device):
            fake = net(actions).float()
            l1 = (fake - alphas).abs().mean()
            gen_loss = -critic(actions, fake).float().mean() + self.l1_weight * l1
        self.optimizers["net"].zero_grad(set_to_none=True)
        gen_loss.backward()
        self.update("net")
        return {"loss": float(l1.detach()), "wasserstein": float(wasserstein.detach()),
                "penalty": float(penalty.detach())}


METHODS: dict[str, type[Method]] = {"regression": Regression, "vae": VAE, "gan": GAN}


def create_method(name: str, painter: Painter, settings: Any) -> Method:
    if name not in METHODS:
        raise PainterError(f"unknown training method {name!r}; known: {', '.join(METHODS)}")
    return METHODS[name](painter, settings)
