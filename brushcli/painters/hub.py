"""Painters on the Hugging Face Hub: ``hf-hub:ORG/REPO[@REVISION]`` downloads and publishing.

Downloads go through huggingface_hub's standard cache, so ``HF_HOME``/``HF_HUB_CACHE``,
``HF_ENDPOINT``, ``HF_HUB_OFFLINE`` and ``HF_TOKEN`` mean what they mean for every other library.
These variables are read when a function here is called (huggingface_hub reads them once, at import),
so a process that changes them later still gets what it asked for. huggingface_hub itself is imported
only inside these functions: bundled and ``local-dir:`` painters never need it.

Nothing is unpickled: a repository must hold ``model.safetensors``, which
:func:`~brushcli.painters.folder.load_painter_folder` reads with safetensors. Every failure becomes a
:class:`~brushcli.errors.PainterError` whose message is one sentence saying what to do.

>>> folder = download_painter("someone/charcoal-painter@v1")   # doctest: +SKIP
>>> painter = create_painter("hf-hub:someone/charcoal-painter")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from brushcli.errors import PainterError
from brushcli.painters.card import model_card, refresh_card
from brushcli.painters.config import MAX_CONFIG_BYTES, PainterConfig
from brushcli.painters.folder import CARD_FILE, CONFIG_FILE, WEIGHTS_FILE, load_painter_folder
from brushcli.safejson import parse_json, read_bytes, read_json

SAMPLES_FILE = "samples.png"
#: A model card is a page of Markdown; refuse to upload anything absurdly larger.
MAX_CARD_BYTES = 1 << 20
PREFIX = "hf-hub:"
DEFAULT_ENDPOINT = "https://huggingface.co"
FORM = "ORG/REPO or ORG/REPO@REVISION"
_CHECK_CONNECTION = "check your connection, or set HF_HUB_OFFLINE=1 to use only cached painters"

# A branch, tag or commit: path-like names (refs/pr/1, feature/x) are fine, but no '.' or '..' part, so
# the revision can never name a file outside the cache when huggingface_hub reads refs/<revision>.
_REVISION = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*")
#: Seconds to wait for the Hub to answer (HF_HUB_ETAG_TIMEOUT overrides): an unreachable Hub is
#: reported in seconds, not after huggingface_hub's minute of retries.
DEFAULT_TIMEOUT = 3.0
#: How long an endpoint that did not answer is not asked again (``painters info`` resolves twice).
_UNREACHABLE_MEMORY = 60.0
_unreachable: dict[str, tuple[float, str]] = {}


@dataclass(frozen=True)
class HubRef:
    """A parsed ``ORG/REPO[@REVISION]``; ``str()`` gives it back."""

    repo_id: str
    revision: str | None = None

    def __str__(self) -> str:
        return self.repo_id if self.revision is None else f"{self.repo_id}@{self.revision}"


def parse_hub_spec(spec: str) -> HubRef:
    """Check and split ``ORG/REPO[@REVISION]`` (an ``hf-hub:`` prefix is allowed and dropped).

    The repo id is checked by huggingface_hub's own validator (``validate_repo_id``), with a namespace
    required; the revision by :data:`_REVISION`, since huggingface_hub does not check revisions.
    """
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    text = spec.strip() if isinstance(spec, str) else ""
    text = text.removeprefix(PREFIX)
    repo_id, at, revision = text.partition("@")
    try:
        validate_repo_id(repo_id)
        valid = repo_id.count("/") == 1
    except HFValidationError:
        valid = False
    if not valid or (at and (len(revision) > 200 or not _REVISION.fullmatch(revision)
                             or any(part in (".", "..") for part in revision.split("/")))):
        raise PainterError(
            f"{spec!r} is not a Hub painter id; use {FORM} (for example hf-hub:someone/charcoal-painter@main)"
        )
    return HubRef(repo_id, revision if at else None)


def hub_endpoint() -> str:
    """The Hub to talk to: ``HF_ENDPOINT`` now, else huggingface_hub's default."""
    from huggingface_hub import constants

    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT or DEFAULT_ENDPOINT).rstrip("/")


def hub_offline() -> bool:
    """Whether ``HF_HUB_OFFLINE`` is set (now, or when huggingface_hub was imported)."""
    from huggingface_hub import constants

    value = os.environ.get("HF_HUB_OFFLINE", "")
    return value.strip().upper() in {"1", "ON", "YES", "TRUE"} or bool(constants.HF_HUB_OFFLINE)


def hub_cache_dir() -> Path:
    """huggingface_hub's cache folder, with its precedence: HF_HUB_CACHE, then HF_HOME/hub, then
    XDG_CACHE_HOME/huggingface/hub, then its default (``~/.cache/huggingface/hub``)."""
    from huggingface_hub import constants

    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "huggingface" / "hub"
    return Path(constants.HF_HUB_CACHE)


def download_painter(spec: str, cache_dir: str | Path | None = None, token: str | None = None) -> Path:
    """Download painter ``ORG/REPO[@REVISION]`` into the Hub cache; return its snapshot folder.

    ``token`` reads a private or gated repository (default: ``HF_TOKEN``, else your ``hf auth login``).

    ``config.json`` comes first and is checked (a config from a newer brush is refused before the
    weights are fetched); ``model.safetensors`` and, if the repo has one, ``README.md`` then come
    from the very commit the config came from, so the folder is never a mix of two pushes. With
    ``HF_HUB_OFFLINE`` set only the cache is consulted. The weights are not read here.
    """
    ref = parse_hub_spec(spec)
    from huggingface_hub import hf_hub_download

    endpoint, offline = hub_endpoint(), hub_offline()
    cache = Path(cache_dir).expanduser() if cache_dir is not None else hub_cache_dir()
    unreachable = None if offline else _reachability(ref, endpoint, token)
    local_only = offline or unreachable is not None

    def fetch(filename: str, revision: str | None) -> Path:
        try:
            with quiet_hub():
                return Path(hf_hub_download(
                    ref.repo_id, filename, revision=revision, repo_type="model", cache_dir=str(cache),
                    endpoint=endpoint, local_files_only=local_only, etag_timeout=hub_timeout(), token=token,
                ))
        except Exception as exc:
            if unreachable is not None and type(exc).__name__ in ("LocalEntryNotFoundError", "OfflineModeIsEnabled"):
                raise PainterError(f"cannot download {filename} of {ref} from {endpoint} and it is not in the local "
                                   f"cache ({unreachable}); {_CHECK_CONNECTION}") from None
            error = _download_error(exc, ref, filename, endpoint, offline)
            if error is None:
                raise
            raise error from exc

    config_path = fetch(CONFIG_FILE, ref.revision)
    _check_config(config_path, ref)
    commit = config_path.parent.name  # snapshots/<commit>/config.json
    fetch(WEIGHTS_FILE, commit)
    try:
        fetch(CARD_FILE, commit)
    except PainterError:  # the model card is optional documentation; loading never reads it
        pass
    return config_path.parent


def push_painter(
    folder: str | Path,
    repo_id: str,
    token: str | None = None,
    private: bool = False,
    revision: str | None = None,
) -> str:
    """Publish a painter folder to ``repo_id`` (created if missing); return the commit URL.

    The folder must load (config valid, weights fit the architecture). Uploaded: ``config.json``
    with ``hub_id`` set to ``repo_id`` (the local file is not changed), ``model.safetensors``, the
    model card ``README.md`` (its Hub metadata rewritten from the config and its usage lines pointed at
    ``hf-hub:REPO``; written from the config if the folder has none) and ``samples.png`` when present;
    never ``checkpoint/``. ``revision`` is a branch,
    created from main if missing. ``token`` defaults to ``HF_TOKEN`` or the saved ``hf auth login``.
    """
    ref = parse_hub_spec(repo_id)
    if ref.revision is not None and revision is not None and ref.revision != revision:
        raise PainterError(f"two branches given for {ref.repo_id}: @{ref.revision} and --revision {revision}")
    revision = revision or ref.revision
    folder = Path(folder).expanduser()
    painter = load_painter_folder(folder)  # refuses anything brush could not load back
    if hub_offline():
        raise PainterError(f"cannot push to {ref.repo_id} while HF_HUB_OFFLINE is set; unset it to publish")

    from huggingface_hub import CommitOperationAdd, HfApi

    config_doc = read_json(folder / CONFIG_FILE, MAX_CONFIG_BYTES, PainterError, "painter config")
    config_doc["hub_id"] = ref.repo_id
    operations = [
        CommitOperationAdd(CONFIG_FILE, (json.dumps(config_doc, indent=1) + "\n").encode("utf-8")),
        CommitOperationAdd(WEIGHTS_FILE, str(folder / WEIGHTS_FILE)),
    ]
    published = dataclasses.replace(painter.config, hub_id=ref.repo_id)
    card = folder / CARD_FILE
    if card.is_file():
        raw = read_bytes(card, MAX_CARD_BYTES, PainterError, "model card")
        try:
            text = refresh_card(raw.decode("utf-8"), published, f"{PREFIX}{ref.repo_id}")
        except UnicodeDecodeError as exc:
            raise PainterError(f"{card}: the model card is not UTF-8 text (byte {exc.start})") from None
    else:  # every published painter gets a card: the Hub indexes its metadata
        text = model_card(published, SAMPLES_FILE if (folder / SAMPLES_FILE).is_file() else None)
    operations.append(CommitOperationAdd(CARD_FILE, text.encode("utf-8")))
    if (folder / SAMPLES_FILE).is_file():
        operations.append(CommitOperationAdd(SAMPLES_FILE, str(folder / SAMPLES_FILE)))

    endpoint = hub_endpoint()
    api = HfApi(endpoint=endpoint, token=token)
    try:
        api.create_repo(ref.repo_id, repo_type="model", private=private, exist_ok=True)
        if revision not in (None, "main"):
            api.create_branch(ref.repo_id, branch=revision, repo_type="model", exist_ok=True)
        info = api.create_commit(
            ref.repo_id, operations, repo_type="model", revision=revision,
            commit_message=f"Upload brush painter {painter.config.name}",
        )
    except Exception as exc:
        error = _push_error(exc, ref.repo_id, endpoint)
        if error is None:
            raise
        raise error from exc
    return str(info.commit_url or info.oid)


# -- helpers ---------------------------------------------------------------------------------------


def hub_timeout() -> float:
    """Seconds to wait for the Hub: ``HF_HUB_ETAG_TIMEOUT`` if set, else :data:`DEFAULT_TIMEOUT`."""
    try:
        return max(0.5, float(os.environ.get("HF_HUB_ETAG_TIMEOUT", DEFAULT_TIMEOUT)))
    except ValueError:
        return DEFAULT_TIMEOUT


def _reachability(ref: HubRef, endpoint: str, token: str | None = None) -> str | None:
    """:func:`hub_unreachable` for a painter repository (its config file)."""
    return hub_unreachable(ref.repo_id, CONFIG_FILE, endpoint, ref.revision, token)


def hub_unreachable(repo_id: str, filename: str, endpoint: str, revision: str | None = None,
                    token: str | None = None) -> str | None:
    """None if the Hub answers at all, else why not (one request, short timeout, no retries).

    Only network failures count: an HTTP error (404, 401, ...) is a Hub that answers, and the
    download that follows reports it properly.
    """
    remembered = _unreachable.get(endpoint)
    if remembered is not None and time.monotonic() - remembered[0] < _UNREACHABLE_MEMORY:
        return remembered[1]
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    url = hf_hub_url(repo_id, filename, revision=revision, endpoint=endpoint)
    try:
        with quiet_hub():
            try:
                get_hf_file_metadata(url, token=token, timeout=hub_timeout(), retry_on_errors=False)
            except TypeError:  # huggingface_hub before retry_on_errors never retried here
                get_hf_file_metadata(url, token=token, timeout=hub_timeout())
    except Exception as exc:
        if _is_network_error(exc):
            _unreachable[endpoint] = (time.monotonic(), _first_line(exc))
            return _unreachable[endpoint][1]
        return None
    _unreachable.pop(endpoint, None)
    return None


@contextlib.contextmanager
def quiet_hub() -> Iterator[None]:
    """huggingface_hub logs every retry and fallback on stderr; brush reports one line itself."""
    logger = logging.getLogger("huggingface_hub")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _check_config(path: Path, ref: HubRef) -> PainterConfig:
    source = f"hf-hub:{ref} {CONFIG_FILE}"
    doc = parse_json(read_bytes(path, MAX_CONFIG_BYTES, PainterError, "painter config"), source, PainterError)
    return PainterConfig.from_dict(doc, source=source, folder=path.parent)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    for line in text.splitlines():
        if line.strip() and not line.strip().endswith("Client Error."):
            return line.strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _is_network_error(exc: BaseException) -> bool:
    """Connection refused/dropped, timeouts, TLS or proxy trouble (httpx, httpcore or the OS)."""
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    module = type(exc).__module__ or ""
    return module.split(".")[0] in {"httpx", "httpx2", "httpcore", "ssl", "socket", "h11"}


def _download_error(
    exc: Exception, ref: HubRef, filename: str, endpoint: str, offline: bool
) -> PainterError | None:
    """One clear sentence for a failed ``hf_hub_download``; ``None`` for errors that are bugs."""
    from huggingface_hub.utils import (  # exported here by every huggingface_hub brush supports
        EntryNotFoundError,
        GatedRepoError,
        HfHubHTTPError,
        HFValidationError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    repo = ref.repo_id
    if isinstance(exc, LocalEntryNotFoundError):
        if offline:
            return PainterError(
                f"painter {ref} is not in the local cache and HF_HUB_OFFLINE is set; "
                f"run `brush painters pull {ref}` while online"
            )
        cause = exc.__cause__ or exc
        return PainterError(
            f"cannot download {filename} of {ref} from {endpoint} and it is not in the local cache "
            f"({_first_line(cause)}); {_CHECK_CONNECTION}"
        )
    if isinstance(exc, GatedRepoError):
        return PainterError(
            f"{repo} on {endpoint} is gated; accept its terms on the Hub and log in with `hf auth login`"
        )
    if isinstance(exc, RepositoryNotFoundError):
        return PainterError(
            f"painter repository {repo} was not found on {endpoint} "
            "(if it is private, pass --token, set HF_TOKEN or log in with `hf auth login`)"
        )
    if isinstance(exc, RevisionNotFoundError):
        return PainterError(f"revision {ref.revision!r} of {repo} was not found on {endpoint}; "
                            f"check the branch, tag or commit after '@'")
    if isinstance(exc, EntryNotFoundError):
        hint = ("brush only loads safetensors weights" if filename == WEIGHTS_FILE
                else "a painter repository holds config.json and model.safetensors")
        return PainterError(f"{ref} on {endpoint} has no {filename}, so it is not a brush painter ({hint})")
    if isinstance(exc, HFValidationError):
        return PainterError(f"{str(ref)!r} is not a valid Hub id ({_first_line(exc)}); use {FORM}")
    if isinstance(exc, HfHubHTTPError):
        response = getattr(exc, "response", None)
        status = response.status_code if response is not None else None
        if status in (401, 403):
            return PainterError(f"{endpoint} refused access to {repo} (HTTP {status}); "
                                "if it is private, pass --token, set HF_TOKEN or log in with `hf auth login`")
        return PainterError(f"the Hub at {endpoint} refused {filename} of {ref} ({_first_line(exc)})")
    if _is_network_error(exc) or isinstance(exc, OSError):
        return PainterError(
            f"cannot download {filename} of {ref} from {endpoint} ({_first_line(exc)}); {_CHECK_CONNECTION}"
        )
    return None


def _push_error(exc: Exception, repo_id: str, endpoint: str) -> PainterError | None:
    from huggingface_hub import utils as hf_utils
    from huggingface_hub.utils import HfHubHTTPError

    login = "log in with `hf auth login`, set HF_TOKEN or pass --token with write access"
    no_token = getattr(hf_utils, "LocalTokenNotFoundError", None)
    if no_token is not None and isinstance(exc, no_token):
        return PainterError(f"no Hugging Face token to push {repo_id} with; {login}")
    if isinstance(exc, HfHubHTTPError):
        response = getattr(exc, "response", None)
        status = response.status_code if response is not None else None
        if status in (401, 403):
            return PainterError(f"{endpoint} refused to let you write to {repo_id} (HTTP {status}); {login}")
        return PainterError(f"pushing to {repo_id} on {endpoint} failed ({_first_line(exc)})")
    if _is_network_error(exc) or isinstance(exc, OSError):
        return PainterError(
            f"cannot reach {endpoint} to push {repo_id} ({_first_line(exc)}); check your connection"
        )
    if isinstance(exc, ValueError):  # e.g. the Hub rejected the model card's metadata
        return PainterError(f"pushing to {repo_id} failed: {_first_line(exc)}")
    return None
