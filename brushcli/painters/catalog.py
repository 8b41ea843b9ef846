"""Every painter this machine has: bundled, in your painters folder, and pulled into the Hub cache.

``brush painters list`` shows this catalog. Each entry carries the exact ``--painter`` text that loads
it and the folder it lives in. A folder that does not load is listed with the reason, so a broken
download or a half-copied folder is visible instead of silently missing.

Hub-cached painters are found with huggingface_hub's own cache scanner (``scan_cache_dir``) in the
cache that ``hf-hub:`` downloads use; other models in that cache (not brush painters) are skipped.
huggingface_hub is imported only when the Hub cache exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from brushcli import paths, userdirs
from brushcli.checkpoint import CONFIG_FILE, WEIGHTS_FILE
from brushcli.errors import BrushError
from brushcli.painters.config import FORMAT, MAX_CONFIG_BYTES, PainterConfig
from brushcli.painters.registry import BUNDLED, HUB_PREFIX, weights_dir
from brushcli.safejson import read_json

Source = Literal["bundled", "local", "hub"]


@dataclass(frozen=True)
class CatalogEntry:
    """One painter on disk: what to pass to ``--painter``, where it came from and where it is."""

    reference: str
    source: Source
    folder: Path
    config: PainterConfig | None = None
    problem: str | None = None
    description: str = ""


def catalog(hub_cache: Path | None = None) -> list[CatalogEntry]:
    """Bundled painters, then yours (``userdirs.painters_dir()``), then Hub-cached ones, each sorted."""
    return [*bundled_entries(), *local_entries(), *hub_entries(hub_cache)]


def bundled_entries() -> list[CatalogEntry]:
    out = []
    for name, entry in sorted(BUNDLED.items()):
        folder = weights_dir() / entry.folder
        config, problem = _read_config(folder)
        out.append(CatalogEntry(name, "bundled", folder, config, problem, entry.description))
    return out


def local_entries(root: Path | None = None) -> list[CatalogEntry]:
    """Painter folders in your painters folder; a name a bundled painter takes is loaded by its path."""
    root = root or userdirs.painters_dir()
    try:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    out = []
    for folder in folders:
        config, problem = _read_config(folder)
        reference = str(folder) if folder.name in BUNDLED else folder.name
        out.append(CatalogEntry(reference, "local", folder, config, problem, _description(config)))
    return out


def hub_entries(cache: Path | None = None) -> list[CatalogEntry]:
    """Brush painters in the Hub cache: one entry per cached revision, named as ``--painter`` takes it."""
    if cache is None:
        from brushcli.painters.hub import hub_cache_dir

        cache = hub_cache_dir()
    if not paths.is_dir(cache):
        return []
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.utils import CacheNotFound

    try:
        info = scan_cache_dir(cache)
    except (CacheNotFound, OSError):
        return []
    out = []
    for repo in sorted(info.repos, key=lambda r: r.repo_id):
        if repo.repo_type != "model":
            continue
        for revision in sorted(repo.revisions, key=lambda r: (sorted(r.refs) != ["main"], sorted(r.refs))):
            folder = Path(revision.snapshot_path)
            if not _is_painter_folder(folder):
                continue
            config, problem = _read_config(folder)
            for ref in _revision_names(revision.refs, revision.commit_hash):
                reference = f"{HUB_PREFIX}{repo.repo_id}" + ("" if ref == "main" else f"@{ref}")
                out.append(CatalogEntry(reference, "hub", folder, config, problem, _description(config)))
    return out


def _revision_names(refs: frozenset[str] | set[str], commit: str) -> Iterator[str]:
    """``main`` first, then other branches/tags; a revision pulled by commit only is named by it."""
    names = sorted(refs, key=lambda r: (r != "main", r))
    yield from names or [commit]


def _is_painter_folder(folder: Path) -> bool:
    """Whether a cached snapshot holds a brush painter config (other models' configs are skipped)."""
    try:
        doc = read_json(folder / CONFIG_FILE, MAX_CONFIG_BYTES, BrushError, "painter config")
    except BrushError:
        return False
    return isinstance(doc, dict) and doc.get("format") == FORMAT


def _read_config(folder: Path) -> tuple[PainterConfig | None, str | None]:
    """The folder's config and, if it cannot be used, why (one line)."""
    try:
        config = PainterConfig.load(folder / CONFIG_FILE)
    except BrushError as exc:
        return None, str(exc)
    if not paths.is_file(folder / WEIGHTS_FILE):
        return config, f"no {WEIGHTS_FILE}"
    return config, None


def _description(config: PainterConfig | None) -> str:
    return config.preset.description if config is not None else ""
