"""A small, real Hugging Face Hub look-alike for tests: a threaded HTTP server on 127.0.0.1.

It speaks just enough of the Hub's HTTP API for huggingface_hub's ``hf_hub_download`` and for
``HfApi.create_repo`` / ``create_branch`` / ``create_commit`` (what ``brush painters push`` uses), so
the client runs unmodified over a real socket, with ``HF_ENDPOINT`` (or ``endpoint=``) pointing here.

Endpoints (model repos only; paths as the installed client builds them):

- ``HEAD|GET /{org}/{name}/resolve/{revision}/{path}``: the file at a branch or commit, with the
  headers the client needs (``X-Repo-Commit``, ``ETag`` = git blob sha1, ``Content-Length``); 404s
  carry ``X-Error-Code`` ``RepoNotFound`` / ``RevisionNotFound`` / ``EntryNotFound`` as on the Hub.
- ``POST /api/repos/create``: create a repo (409 if it exists) with an initial ``.gitattributes``.
- ``GET /api/models/{org}/{name}[/revision/{revision}]``: repo info (sha, siblings).
- ``POST /api/models/{org}/{name}/preupload/{revision}``: answers ``uploadMode: "regular"`` for
  every file, so the client sends contents inline and no LFS/Xet storage is needed.
- ``POST /api/models/{org}/{name}/commit/{revision}``: NDJSON body (``header``, ``file`` with base64
  content, ``deletedFile``); creates a commit on the branch and answers ``commitUrl``/``commitOid``.
- ``POST /api/models/{org}/{name}/branch/{branch}``: create a branch (409 if it exists).
- ``POST /api/validate-yaml``: accepts every model card.
- ``GET /api/agent-harnesses``: an empty registry (huggingface_hub fetches it once per process).

Anything else is answered 404 and recorded in :attr:`HubServer.unhandled`, so a test can check the
client needed nothing more. Every request is recorded in :attr:`HubServer.requests`.

Test hooks: :meth:`HubServer.add_commit` seeds files directly; ``require_token`` makes writes
(and reads) demand ``Authorization: Bearer <token>``; ``drop_connections`` closes every connection
without answering (a network failure the client does not retry).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

DEFAULT_BRANCH = "main"


def git_blob_sha1(data: bytes) -> str:
    """The id git (and so the Hub's ETag for regular files) gives a file's content."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Commit:
    sha: str
    files: dict[str, bytes]
    message: str
    parent: str | None


@dataclass
class Repo:
    repo_id: str
    private: bool = False
    branches: dict[str, str] = field(default_factory=dict)  # branch -> commit sha
    commits: dict[str, Commit] = field(default_factory=dict)

    def resolve(self, revision: str) -> Commit | None:
        if revision in self.branches:
            return self.commits[self.branches[revision]]
        return self.commits.get(revision)


class HubError(Exception):
    """An HTTP error answer: status, Hub error code (``X-Error-Code``) and message."""

    def __init__(self, status: int, message: str, code: str | None = None, commit: str | None = None,
                 extra: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.commit = status, message, code, commit
        self.extra = extra or {}


class HubServer:
    """A fake Hub: ``with HubServer() as hub:``, then point HF_ENDPOINT at ``hub.url``."""

    def __init__(self, require_token: str | None = None) -> None:
        self.repos: dict[str, Repo] = {}
        self.requests: list[tuple[str, str]] = []
        self.unhandled: list[tuple[str, str]] = []
        self.require_token = require_token
        self.drop_connections = False
        self._lock = threading.Lock()
        self._counter = itertools.count()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> HubServer:
        handler = type("Handler", (_Handler,), {"hub": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-hub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # -- repository state ----------------------------------------------------------------------
    def create_repo(self, repo_id: str, private: bool = False) -> Repo:
        with self._lock:
            if repo_id in self.repos:  # the Hub's 409 names the existing repo, which exist_ok=True relies on
                raise HubError(409, f"You already created this model repo: {repo_id}",
                               extra={"url": f"{self.url}/{repo_id}"})
            repo = self.repos[repo_id] = Repo(repo_id, private=private)
            attributes = b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n"
            self._commit(repo, DEFAULT_BRANCH, {".gitattributes": attributes}, [], "initial commit",
                         create_branch=True)
            return repo

    def add_commit(self, repo_id: str, files: dict[str, bytes], branch: str = DEFAULT_BRANCH,
                   message: str = "test commit") -> str:
        """Seed files directly (creating the repo and branch as needed); returns the commit sha."""
        if repo_id not in self.repos:
            self.create_repo(repo_id)
        with self._lock:
            return self._commit(self.repos[repo_id], branch, files, [], message, create_branch=True)

    def files(self, repo_id: str, revision: str = DEFAULT_BRANCH) -> dict[str, bytes]:
        commit = self.repos[repo_id].resolve(revision)
        assert commit is not None, f"no revision {revision} in {repo_id}"
        return dict(commit.files)

    def paths_requested(self, method: str | None = None) -> list[str]:
        return [path for m, path in self.requests if method is None or m == method]

    def _commit(self, repo: Repo, branch: str, added: dict[str, bytes], deleted: list[str], message: str,
                create_branch: bool = False) -> str:
        parent_sha = repo.branches.get(branch)
        if parent_sha is None and not create_branch:
            raise HubError(404, f"Invalid rev id: {branch}", code="RevisionNotFound")
        files = dict(repo.commits[parent_sha].files) if parent_sha else {}
        for path in deleted:
            if path not in files:
                raise HubError(404, f"A file with this name doesn't exist: {path}", code="EntryNotFound")
            del files[path]
        files.update(added)
        digest = hashlib.sha1(f"{repo.repo_id}|{parent_sha}|{message}|{next(self._counter)}".encode())
        for path in sorted(files):
            digest.update(path.encode() + git_blob_sha1(files[path]).encode())
        sha = digest.hexdigest()
        repo.commits[sha] = Commit(sha, files, message, parent_sha)
        repo.branches[branch] = sha
        return sha


class _Handler(BaseHTTPRequestHandler):
    hub: HubServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # keep test output clean
        pass

    # -- plumbing ------------------------------------------------------------------------------
    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        hub = self.hub
        raw_path = urlsplit(self.path).path
        hub.requests.append((method, raw_path))
        body = self._read_body()
        if hub.drop_connections:
            self.close_connection = True
            return  # no answer at all: the client sees the connection closed
        try:
            if hub.require_token and self.headers.get("Authorization") != f"Bearer {hub.require_token}":
                raise HubError(401, "Invalid username or password.")
            self._route(method, raw_path, body)
        except HubError as err:
            self._send_error(err)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
              content_type: str = "application/json", head: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _send_json(self, doc: object, status: int = 200) -> None:
        self._send(status, json.dumps(doc).encode())

    def _send_error(self, err: HubError) -> None:
        headers = {"X-Error-Message": err.message}
        if err.code:
            headers["X-Error-Code"] = err.code
        if err.commit:
            headers["X-Repo-Commit"] = err.commit
        self._send(err.status, json.dumps({"error": err.message, **err.extra}).encode(), headers,
                   head=self.command == "HEAD")

    # -- routes --------------------------------------------------------------------------------
    def _route(self, method: str, raw_path: str, body: bytes) -> None:
        parts = raw_path.strip("/").split("/")
        if method in ("HEAD", "GET") and len(parts) >= 5 and parts[2] == "resolve":
            return self._resolve(f"{parts[0]}/{parts[1]}", unquote(parts[3]), unquote("/".join(parts[4:])),
                                 head=method == "HEAD")
        if method == "POST" and parts == ["api", "repos", "create"]:
            return self._create_repo(json.loads(body or b"{}"))
        if method == "POST" and parts == ["api", "validate-yaml"]:
            return self._send_json({"errors": [], "warnings": []})
        if method == "GET" and parts == ["api", "agent-harnesses"]:  # the client's best-effort telemetry
            return self._send_json({"standardEnvVars": [], "harnesses": {}})
        if len(parts) >= 4 and parts[:2] == ["api", "models"]:
            repo_id, rest = f"{parts[2]}/{parts[3]}", parts[4:]
            if method == "GET" and (not rest or (len(rest) == 2 and rest[0] == "revision")):
                return self._repo_info(repo_id, unquote(rest[1]) if rest else DEFAULT_BRANCH)
            if method == "POST" and len(rest) == 2 and rest[0] == "preupload":
                return self._preupload(repo_id, unquote(rest[1]), json.loads(body or b"{}"))
            if method == "POST" and len(rest) == 2 and rest[0] == "commit":
                return self._commit(repo_id, unquote(rest[1]), body)
            if method == "POST" and len(rest) == 2 and rest[0] == "branch":
                return self._create_branch(repo_id, unquote(rest[1]), json.loads(body or b"{}"))
        self.hub.unhandled.append((method, raw_path))
        raise HubError(404, f"fake hub does not implement {method} {raw_path}")

    def _repo(self, repo_id: str) -> Repo:
        repo = self.hub.repos.get(repo_id)
        if repo is None:
            raise HubError(404, "Repository not found", code="RepoNotFound")
        return repo

    def _revision(self, repo: Repo, revision: str) -> Commit:
        commit = repo.resolve(revision)
        if commit is None:
            raise HubError(404, f"Invalid rev id: {revision}", code="RevisionNotFound")
        return commit

    def _resolve(self, repo_id: str, revision: str, path: str, head: bool) -> None:
        commit = self._revision(self._repo(repo_id), revision)
        if path not in commit.files:
            raise HubError(404, "Entry not found", code="EntryNotFound", commit=commit.sha)
        data = commit.files[path]
        headers = {"X-Repo-Commit": commit.sha, "ETag": f'"{git_blob_sha1(data)}"', "Accept-Ranges": "bytes"}
        self._send(200, data, headers, content_type="application/octet-stream", head=head)

    def _create_repo(self, payload: dict) -> None:
        name, org = payload.get("name"), payload.get("organization")
        if payload.get("type", "model") != "model" or not name:
            raise HubError(400, "fake hub only creates model repos with a name")
        repo_id = f"{org}/{name}" if org else f"user/{name}"
        private = payload.get("visibility") == "private" or payload.get("private") is True
        self.hub.create_repo(repo_id, private=private)
        self._send_json({"url": f"{self.hub.url}/{repo_id}", "name": repo_id, "id": repo_id})

    def _repo_info(self, repo_id: str, revision: str) -> None:
        repo = self._repo(repo_id)
        commit = self._revision(repo, revision)
        self._send_json({"id": repo_id, "modelId": repo_id, "sha": commit.sha, "private": repo.private,
                         "siblings": [{"rfilename": path} for path in sorted(commit.files)]})

    def _preupload(self, repo_id: str, revision: str, payload: dict) -> None:
        repo = self._repo(repo_id)
        commit = self._revision(repo, revision)
        files = [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                 for f in payload.get("files", [])]
        self._send_json({"files": files, "commitOid": commit.sha})

    def _commit(self, repo_id: str, branch: str, body: bytes) -> None:
        repo = self._repo(repo_id)
        if self.headers.get("Content-Type", "").split(";")[0] != "application/x-ndjson":
            raise HubError(400, "commit body must be application/x-ndjson")
        if "create_pr" in (urlsplit(self.path).query or ""):
            raise HubError(400, "fake hub does not open pull requests")
        summary, added, deleted = "", {}, []
        for line in body.splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            key, value = item.get("key"), item.get("value", {})
            if key == "header":
                summary = value.get("summary", "")
                parent = value.get("parentCommit")
                if parent and repo.branches.get(branch) != parent:
                    raise HubError(412, "parent commit is not the branch head")
            elif key == "file":
                if value.get("encoding") != "base64":
                    raise HubError(400, f"unsupported encoding {value.get('encoding')!r}")
                added[value["path"]] = base64.b64decode(value["content"])
            elif key == "deletedFile":
                deleted.append(value["path"])
            else:  # lfsFile, deletedFolder, ...: preupload never asks for LFS, so sending it is a bug
                raise HubError(400, f"fake hub does not support commit operation {key!r}")
        with self.hub._lock:
            if branch not in repo.branches:
                raise HubError(404, f"Invalid rev id: {branch}", code="RevisionNotFound")
            sha = self.hub._commit(repo, branch, added, deleted, summary)
        url = f"{self.hub.url}/{repo_id}/commit/{sha}"
        self._send_json({"success": True, "commitOid": sha, "commitUrl": url})

    def _create_branch(self, repo_id: str, branch: str, payload: dict) -> None:
        repo = self._repo(repo_id)
        with self.hub._lock:
            if branch in repo.branches:
                raise HubError(409, f"Reference already exists: {branch}")
            start = self._revision(repo, payload.get("startingPoint") or DEFAULT_BRANCH)
            repo.branches[branch] = start.sha
        self._send_json({})


def set_hub_env(monkeypatch, endpoint: str | None = None, offline: bool = False) -> None:
    """Point brush and huggingface_hub (environment and import-time constants) at ``endpoint``."""
    from huggingface_hub import constants

    if endpoint is not None:
        monkeypatch.setenv("HF_ENDPOINT", endpoint)
        # what huggingface_hub derives from HF_ENDPOINT at import (its own telemetry uses these too)
        monkeypatch.setattr(constants, "ENDPOINT", endpoint)
        template = endpoint + "/{repo_id}/resolve/{revision}/{filename}"
        monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", template)
    if offline:
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    else:
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", offline)
