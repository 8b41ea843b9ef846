"""``hf-hub:`` painters, ``brush painters pull`` and ``push`` against a real local Hub look-alike.

huggingface_hub runs unmodified over real HTTP to :class:`hub_server.HubServer` on 127.0.0.1.
It reads HF_ENDPOINT and HF_HUB_OFFLINE once, at import, into ``huggingface_hub.constants``; brush
reads the environment when called, and :func:`set_hub_env` sets both (the environment and those
constants), so each test gets the endpoint and offline mode it asks for whatever ran before it.
The cache is the per-test HF_HOME that tests/conftest.py sets.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from hub_server import HubServer, set_hub_env

from brushcli.cli import app
from brushcli.errors import PainterError
from brushcli.painters.card import model_card
from brushcli.painters.config import PainterConfig
from brushcli.painters.folder import load_painter_folder, save_painter_folder
from brushcli.painters.hub import download_painter, parse_hub_spec, push_painter
from brushcli.painters.painter import Painter
from brushcli.painters.registry import create_painter
from brushcli.presets import load_preset

PAINTER_FILES = ("config.json", "model.safetensors", "README.md")
pytestmark = pytest.mark.usefixtures("forget_unreachable_hubs")


def make_tiny(folder: Path, seed: int = 0, hidden: int = 8) -> Path:
    torch.manual_seed(seed)
    config = PainterConfig(name="tiny", preset=load_preset("pen"), arch="dabs",
                           arch_args={"dabs": 16, "knots": 4, "hidden": hidden})
    return save_painter_folder(Painter(config), folder, card=model_card(config))


@pytest.fixture
def tiny_folder(tmp_path) -> Path:
    folder = make_tiny(tmp_path / "tiny")
    (folder / "samples.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a picture")
    (folder / "checkpoint").mkdir()
    (folder / "checkpoint" / "state.pt").write_bytes(b"training state that must stay local")
    return folder


def files_of(folder: Path, names=PAINTER_FILES) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in names if (folder / name).is_file()}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def hub():
    with HubServer() as server:
        yield server
    assert server.unhandled == [], f"the client needed endpoints the fake hub lacks: {server.unhandled}"


@pytest.fixture
def online(hub, monkeypatch) -> HubServer:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    set_hub_env(monkeypatch, hub.url, offline=False)
    return hub


def actions(n: int = 6) -> torch.Tensor:
    return torch.rand(n, 9, generator=torch.Generator().manual_seed(1))


def ok(result):
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def fails(result, *needles) -> str:
    assert result.exit_code != 0, result.stdout
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    return err


# -- downloading --------------------------------------------------------------------------------


def test_download_through_hub_loads_like_the_local_folder(online, tiny_folder):
    online.add_commit("org/tiny", files_of(tiny_folder))
    folder = download_painter("org/tiny")
    assert folder.parent.parent.name == "models--org--tiny"
    assert files_of(folder) == files_of(tiny_folder)
    hub_painter, local = create_painter("hf-hub:org/tiny"), load_painter_folder(tiny_folder)
    assert hub_painter.config.name == "tiny"
    assert torch.equal(hub_painter(actions()), local(actions()))
    # what the client asked for: HEAD + GET per file, weights and card pinned to the config's commit
    commit = folder.name
    assert commit == online.repos["org/tiny"].branches["main"]
    assert [path for path in online.paths_requested("GET") if "/resolve/" in path][:3] == [
        "/org/tiny/resolve/main/config.json",
        f"/org/tiny/resolve/{commit}/model.safetensors",
        f"/org/tiny/resolve/{commit}/README.md",
    ]


def test_download_uses_the_hf_cache_and_respects_cache_dir(online, tiny_folder, tmp_path):
    online.add_commit("org/tiny", files_of(tiny_folder))
    folder = download_painter("org/tiny", cache_dir=tmp_path / "elsewhere")
    assert folder.is_relative_to(tmp_path / "elsewhere" / "models--org--tiny" / "snapshots")
    default = download_painter("hf-hub:org/tiny")  # the prefix is accepted too
    assert default.is_relative_to(Path(os.environ["HF_HOME"]) / "hub")


def test_card_is_optional(online, tiny_folder):
    online.add_commit("org/nocard", files_of(tiny_folder, ("config.json", "model.safetensors")))
    folder = download_painter("org/nocard")
    assert not (folder / "README.md").exists()
    assert create_painter("hf-hub:org/nocard").config.name == "tiny"


def test_revisions_commit_branch_and_main(online, tiny_folder, tmp_path):
    other = make_tiny(tmp_path / "other", seed=1)
    first = online.add_commit("org/tiny", files_of(tiny_folder))
    online.add_commit("org/tiny", files_of(other))  # main moves on
    online.add_commit("org/tiny", files_of(tiny_folder), branch="v1")
    weights = lambda folder: sha((folder / "model.safetensors").read_bytes())
    old, new = weights(tiny_folder), weights(other)
    assert old != new
    assert weights(download_painter(f"org/tiny@{first}")) == old
    assert download_painter(f"org/tiny@{first}").name == first
    assert weights(download_painter("org/tiny@v1")) == old
    assert weights(download_painter("org/tiny")) == new
    assert weights(download_painter("org/tiny@main")) == new
    a, b = create_painter(f"hf-hub:org/tiny@{first}"), create_painter("hf-hub:org/tiny")
    assert not torch.equal(a(actions()), b(actions()))
    assert torch.equal(a(actions()), load_painter_folder(tiny_folder)(actions()))


@pytest.mark.parametrize("spec, needle", [
    ("org/missing", "painter repository org/missing was not found"),
    ("org/tiny@nope", "revision 'nope' of org/tiny was not found"),
    ("org/notapainter", "has no config.json, so it is not a brush painter"),
    ("org/pickled", "has no model.safetensors"),
])
def test_hub_lookups_that_fail_say_why(online, tiny_folder, runner, spec, needle):
    online.add_commit("org/tiny", files_of(tiny_folder))
    online.add_commit("org/notapainter", {"README.md": b"# some model\n"})
    online.add_commit("org/pickled", {"config.json": (tiny_folder / "config.json").read_bytes(),
                                      "pytorch_model.bin": b"\x80\x04 a pickle brush must never load"})
    with pytest.raises(PainterError) as info:
        create_painter(f"hf-hub:{spec}")
    assert needle in str(info.value)
    fails(runner.invoke(app, ["painters", "pull", spec]), needle)
    assert not any("pytorch_model.bin" in path for path in online.paths_requested())


def test_corrupt_safetensors_on_the_hub_is_refused(online, tiny_folder, runner):
    files = files_of(tiny_folder)
    files["model.safetensors"] = b"\xff" * 8 + b"{not a safetensors header" + bytes(64)
    online.add_commit("org/broken", files)
    with pytest.raises(PainterError, match="not a valid safetensors file"):
        create_painter("hf-hub:org/broken")
    fails(runner.invoke(app, ["painters", "pull", "org/broken"]), "not a valid safetensors file")


def test_config_from_a_newer_brush_is_refused_before_the_weights(online, tiny_folder, runner):
    doc = json.loads((tiny_folder / "config.json").read_text())
    doc["version"] = 99
    files = files_of(tiny_folder)
    files["config.json"] = json.dumps(doc).encode()
    online.add_commit("org/future", files)
    with pytest.raises(PainterError, match="newer than this brush understands"):
        create_painter("hf-hub:org/future")
    fails(runner.invoke(app, ["painters", "pull", "org/future"]), "version 99",
          "newer than this brush understands")
    assert not any(path.endswith("model.safetensors") for path in online.paths_requested())


def test_network_failure_is_one_clear_line(online, tiny_folder, runner):
    online.add_commit("org/tiny", files_of(tiny_folder))
    online.drop_connections = True  # the server closes every connection without answering
    with pytest.raises(PainterError, match="check your connection"):
        download_painter("org/tiny")
    fails(runner.invoke(app, ["painters", "pull", "org/tiny"]), "cannot download config.json of org/tiny",
          online.url, "HF_HUB_OFFLINE=1")


@pytest.fixture
def blackhole():
    """A server that accepts connections and never answers (a firewall that drops, a dead proxy)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield f"http://127.0.0.1:{s.getsockname()[1]}"


def test_unreachable_hub_fails_fast_without_retries(monkeypatch, refused_port):
    """Connection refused: huggingface_hub alone retried for ~25 s printing 11 lines."""
    set_hub_env(monkeypatch, f"http://127.0.0.1:{refused_port}", offline=False)
    started = time.perf_counter()
    with pytest.raises(PainterError, match="Connection refused.*check your connection"):
        download_painter("org/tiny")
    assert time.perf_counter() - started < 5


def test_silent_hub_times_out_in_seconds(monkeypatch, blackhole, runner):
    set_hub_env(monkeypatch, blackhole, offline=False)
    started = time.perf_counter()
    fails(runner.invoke(app, ["painters", "pull", "org/tiny"]), "cannot download config.json of org/tiny",
          "HF_HUB_OFFLINE=1")
    assert time.perf_counter() - started < 5


def test_pull_from_an_unreachable_hub_prints_one_line_in_a_real_process(tmp_path, refused_port):
    """Checked in a real process: huggingface_hub logs its retries on the real stderr, not CliRunner's."""
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    env.update(HF_ENDPOINT=f"http://127.0.0.1:{refused_port}", HF_HOME=str(tmp_path / "hf"))
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "brushcli", "painters", "pull", "org/tiny"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert time.perf_counter() - started < 30  # interpreter start-up included
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "check your connection" in result.stderr and "Retrying" not in result.stderr


def test_cached_painter_without_card_loads_fast_when_the_hub_is_gone(online, tiny_folder, monkeypatch, runner,
                                                                      blackhole):
    """painters info took 48 s: the card (optional, not cached) was retried for twice."""
    files = files_of(tiny_folder)
    files.pop("README.md")
    online.add_commit("org/tiny", files)
    ok(runner.invoke(app, ["painters", "pull", "org/tiny"]))
    set_hub_env(monkeypatch, blackhole, offline=False)
    started = time.perf_counter()
    ok(runner.invoke(app, ["painters", "info", "hf-hub:org/tiny"]))
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("revision", ["../../../../etc/passwd", "..", "a/../b", "./main", "main/", "/main",
                                      "a//b", "ma in", "a\\b", "x" * 201])
def test_revisions_cannot_walk_out_of_the_cache(hub, monkeypatch, revision):
    set_hub_env(monkeypatch, hub.url, offline=True)
    with pytest.raises(PainterError, match="is not a Hub painter id"):
        download_painter(f"org/tiny@{revision}")
    assert hub.requests == []


# -- offline mode -------------------------------------------------------------------------------


def test_offline_with_empty_cache_is_one_clear_line(hub, monkeypatch, runner):
    set_hub_env(monkeypatch, hub.url, offline=True)
    expected = ("is not in the local cache and HF_HUB_OFFLINE is set; "
                "run `brush painters pull org/tiny` while online")
    with pytest.raises(PainterError) as info:
        create_painter("hf-hub:org/tiny")
    assert str(info.value) == f"painter org/tiny {expected}"
    result = runner.invoke(app, ["painters", "pull", "org/tiny"])
    assert result.exit_code == 2
    fails(result, expected)
    fails(runner.invoke(app, ["painters", "info", "hf-hub:org/tiny"]), expected)
    fails(runner.invoke(app, ["painters", "pull", "org/tiny@v2"]), "`brush painters pull org/tiny@v2`")
    assert hub.requests == []  # offline means no request at all


def test_offline_env_set_after_import_is_respected(hub, monkeypatch):
    """HF_HUB_OFFLINE set after huggingface_hub was imported online still keeps brush off the network."""
    from huggingface_hub import constants

    set_hub_env(monkeypatch, hub.url, offline=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # constants still say online
    assert constants.HF_HUB_OFFLINE is False
    with pytest.raises(PainterError, match="HF_HUB_OFFLINE is set"):
        download_painter("org/tiny")
    assert hub.requests == []


def test_offline_with_populated_cache_works(online, tiny_folder, monkeypatch, runner):
    first = online.add_commit("org/tiny", files_of(tiny_folder))
    ok(runner.invoke(app, ["painters", "pull", "org/tiny"]))
    online_folder = download_painter("org/tiny")
    seen = len(online.requests)
    online.stop()
    set_hub_env(monkeypatch, offline=True)
    assert download_painter("org/tiny") == online_folder
    assert download_painter(f"org/tiny@{first}") == online_folder
    painter = create_painter("hf-hub:org/tiny")
    assert torch.equal(painter(actions()), load_painter_folder(tiny_folder)(actions()))
    result = ok(runner.invoke(app, ["painters", "pull", "org/tiny"]))
    assert "hf-hub:org/tiny" in result.stdout
    ok(runner.invoke(app, ["painters", "info", "hf-hub:org/tiny"]))
    assert len(online.requests) == seen
    # a revision never fetched is still not there
    fails(runner.invoke(app, ["painters", "pull", "org/tiny@v9"]), "not in the local cache")


def test_hand_made_cache_layout_is_served_offline(monkeypatch, tiny_folder, tmp_path):
    """The standard cache layout (refs/main + snapshots/<rev>/...) is all offline mode needs."""
    cache = tmp_path / "cache"
    rev = "0123456789abcdef0123456789abcdef01234567"
    snapshot = cache / "models--org--tiny" / "snapshots" / rev
    snapshot.mkdir(parents=True)
    for name, data in files_of(tiny_folder).items():
        (snapshot / name).write_bytes(data)
    (cache / "models--org--tiny" / "refs").mkdir()
    (cache / "models--org--tiny" / "refs" / "main").write_text(rev)
    set_hub_env(monkeypatch, offline=True)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    assert download_painter("org/tiny") == snapshot
    assert create_painter("hf-hub:org/tiny").config.name == "tiny"


# -- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["", "noslash", "a/b/c", "org/repo@", "@main", "org/re po", "org//repo",
                                  "-org/repo", "org/repo.", "org/a--b", "org/a..b", "org/repo@a@b",
                                  "org/x@two words"])
def test_malformed_specs_are_refused_before_any_request(hub, monkeypatch, runner, spec):
    set_hub_env(monkeypatch, hub.url, offline=False)
    with pytest.raises(PainterError, match="is not a Hub painter id; use ORG/REPO or ORG/REPO@REVISION"):
        create_painter(f"hf-hub:{spec}")
    with pytest.raises(PainterError, match="ORG/REPO"):
        download_painter(spec)
    if spec.strip():
        fails(runner.invoke(app, ["painters", "pull", "--", spec]), "is not a Hub painter id")
    assert hub.requests == []


def test_spec_parsing():
    assert str(parse_hub_spec("org/repo")) == "org/repo"
    ref = parse_hub_spec(" hf-hub:Org-1/re_po.v2@refs/pr/3 ")
    assert (ref.repo_id, ref.revision) == ("Org-1/re_po.v2", "refs/pr/3")
    for revision in ["v1.0", "main", "feature/x-y_z", "0123456789abcdef0123456789abcdef01234567"]:
        assert parse_hub_spec(f"org/repo@{revision}").revision == revision


# -- pushing ------------------------------------------------------------------------------------


def test_push_then_pull_round_trip(online, tiny_folder, runner):
    before = {p.name: p.read_bytes() for p in tiny_folder.rglob("*") if p.is_file()}
    result = ok(runner.invoke(app, ["painters", "push", str(tiny_folder), "org/pushed"]))
    assert f"{online.url}/org/pushed/commit/" in result.stdout
    assert "--painter hf-hub:org/pushed" in result.stdout
    after = {p.name: p.read_bytes() for p in tiny_folder.rglob("*") if p.is_file()}
    assert after == before  # the local folder is untouched
    assert PainterConfig.load(tiny_folder / "config.json").hub_id is None

    stored = online.files("org/pushed")
    assert sorted(stored) == [".gitattributes", "README.md", "config.json", "model.safetensors",
                              "samples.png"]  # not checkpoint/
    assert stored["model.safetensors"] == before["model.safetensors"]
    assert stored["samples.png"] == before["samples.png"]
    assert json.loads(stored["config.json"])["hub_id"] == "org/pushed"
    assert "--painter hf-hub:org/pushed" in stored["README.md"].decode()
    assert online.repos["org/pushed"].private is False

    result = ok(runner.invoke(app, ["painters", "pull", "org/pushed"]))
    assert "--painter hf-hub:org/pushed" in result.stdout
    folder = download_painter("org/pushed")
    assert (folder / "model.safetensors").read_bytes() == before["model.safetensors"]
    assert PainterConfig.load(folder / "config.json").hub_id == "org/pushed"
    pulled = create_painter("hf-hub:org/pushed")
    assert pulled.config.hub_id == "org/pushed"
    assert torch.equal(pulled(actions()), load_painter_folder(tiny_folder)(actions()))


def test_push_again_private_and_to_a_branch(online, tiny_folder, tmp_path):
    url = push_painter(tiny_folder, "org/secret", private=True)
    assert online.repos["org/secret"].private is True
    assert url.endswith(online.repos["org/secret"].branches["main"])
    other = make_tiny(tmp_path / "other", seed=1)
    push_painter(other, "org/secret")  # the repo exists: a second commit on main
    assert online.files("org/secret")["model.safetensors"] == (other / "model.safetensors").read_bytes()
    push_painter(tiny_folder, "org/secret", revision="v1")  # a new branch, from main
    assert online.files("org/secret", "v1")["model.safetensors"] == \
        (tiny_folder / "model.safetensors").read_bytes()
    push_painter(other, "org/secret@v1")  # the same through the REPO@BRANCH form
    assert online.files("org/secret", "v1")["model.safetensors"] == (other / "model.safetensors").read_bytes()
    assert sha((download_painter("org/secret@v1") / "model.safetensors").read_bytes()) == \
        sha((other / "model.safetensors").read_bytes())
    with pytest.raises(PainterError, match="two branches"):
        push_painter(other, "org/secret@v1", revision="v2")


def test_push_refuses_what_brush_could_not_load(online, tiny_folder, tmp_path, runner):
    fails(runner.invoke(app, ["painters", "push", str(tmp_path / "nowhere"), "org/x"]), "does not exist")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_bytes((tiny_folder / "config.json").read_bytes())
    (broken / "model.safetensors").write_bytes(b"garbage")
    fails(runner.invoke(app, ["painters", "push", str(broken), "org/x"]), "not a valid safetensors file")
    fails(runner.invoke(app, ["painters", "push", str(tiny_folder), "not a repo"]), "is not a Hub painter id")
    assert online.requests == []
    monkeypatch = pytest.MonkeyPatch()
    try:
        set_hub_env(monkeypatch, offline=True)
        fails(runner.invoke(app, ["painters", "push", str(tiny_folder), "org/x"]), "HF_HUB_OFFLINE is set")
    finally:
        monkeypatch.undo()
    assert online.requests == []


def test_push_and_pull_with_a_token(tiny_folder, monkeypatch, runner):
    with HubServer(require_token="s3cret") as hub:
        set_hub_env(monkeypatch, hub.url, offline=False)
        monkeypatch.delenv("HF_TOKEN", raising=False)
        fails(runner.invoke(app, ["painters", "push", str(tiny_folder), "org/private"]),
              "refused to let you write to org/private (HTTP 401)", "--token")
        fails(runner.invoke(app, ["painters", "push", str(tiny_folder), "org/private", "--token", "wrong"]),
              "HTTP 401")
        ok(runner.invoke(app, ["painters", "push", str(tiny_folder), "org/private", "--token", "s3cret"]))
        assert "model.safetensors" in hub.files("org/private")
        fails(runner.invoke(app, ["painters", "pull", "org/private"]),  # reading needs it too
              "refused access to org/private (HTTP 401)", "HF_TOKEN", "--token")
        fails(runner.invoke(app, ["painters", "pull", "org/private", "--token", "wrong"]), "HTTP 401")
        before = len(hub.requests)
        result = ok(runner.invoke(app, ["painters", "pull", "org/private", "--token", "s3cret"]))
        assert "--painter hf-hub:org/private" in result.stdout
        # the token went with every request of the pull (the server refuses any without it)
        assert any(path.endswith("/model.safetensors") for _, path in hub.requests[before:])
        assert create_painter("hf-hub:org/private").config.name == "tiny"  # cached now: no token needed
        monkeypatch.setenv("HF_TOKEN", "s3cret")  # as huggingface_hub does: HF_TOKEN is the default token
        ok(runner.invoke(app, ["painters", "push", str(tiny_folder), "org/private", "--private"]))
        ok(runner.invoke(app, ["painters", "pull", "org/private"]))
        assert create_painter("hf-hub:org/private").config.hub_id == "org/private"
        assert download_painter("org/private", token="s3cret").is_dir()
        assert hub.unhandled == []


def test_pull_and_push_have_help_with_examples(runner):
    for command in ("pull", "push"):
        result = ok(runner.invoke(app, ["painters", command, "--help"]))
        assert "Example: brush painters " + command in result.stdout


def test_pulled_painters_are_listed_with_their_cache_folder(online, tiny_folder, runner):
    first = online.add_commit("org/tiny", files_of(tiny_folder))
    online.add_commit("org/tiny", files_of(make_tiny(tiny_folder.parent / "v2", seed=3)), branch="v2")
    ok(runner.invoke(app, ["painters", "pull", "org/tiny"]))
    ok(runner.invoke(app, ["painters", "pull", "org/tiny@v2"]))
    ok(runner.invoke(app, ["painters", "pull", f"org/tiny@{first}"]))
    result = ok(runner.invoke(app, ["painters", "list"], env={"COLUMNS": "400"}))
    rows = {line.split()[1]: line for line in result.stdout.splitlines() if "hf-hub:org/tiny" in line}
    assert set(rows) == {"hf-hub:org/tiny", "hf-hub:org/tiny@v2"}  # the commit pulled is main's
    assert all(" hub " in row and "classic/pen" in row for row in rows.values())
    assert str(download_painter("org/tiny")) in rows["hf-hub:org/tiny"]
    assert str(download_painter("org/tiny@v2")) in rows["hf-hub:org/tiny@v2"]


def test_published_card_carries_hub_metadata(online, tiny_folder, tmp_path):
    from huggingface_hub import ModelCard

    push_painter(tiny_folder, "org/carded")
    card = ModelCard(online.files("org/carded")["README.md"].decode())
    assert card.data.library_name == "brushcli" and "mypaint-classic-pen" in card.data.tags
    assert "--painter hf-hub:org/carded" in card.text
    bare = make_tiny(tmp_path / "bare")
    (bare / "README.md").unlink()
    push_painter(bare, "org/bare")  # a folder without a card still publishes one
    card = ModelCard(online.files("org/bare")["README.md"].decode())
    assert card.data.library_name == "brushcli" and "--painter hf-hub:org/bare" in card.text


def test_the_cache_follows_xdg_cache_home_like_huggingface_hub(online, tiny_folder, monkeypatch, tmp_path, runner):
    monkeypatch.delenv("HF_HOME")
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    online.add_commit("org/tiny", files_of(tiny_folder))
    folder = download_painter("org/tiny")
    assert folder.is_relative_to(tmp_path / "xdg" / "huggingface" / "hub" / "models--org--tiny")
    result = ok(runner.invoke(app, ["painters", "list"], env={"COLUMNS": "400"}))
    assert "hf-hub:org/tiny" in result.stdout and str(tmp_path / "xdg" / "huggingface" / "hub") in result.stdout
