"""The checkpoint download against a local server that answers like the Hugging Face Hub.

The fake Hub does what huggingface.co does for a ``resolve`` URL: a ``HEAD`` of a Git LFS file
is a redirect to storage with ``X-Linked-Etag`` (the sha256), ``X-Linked-Size`` and
``X-Repo-Commit``; a small file stored in Git answers itself with its git blob sha1 as ETag; a
gated repository refuses a request without the right token. Storage honours Range requests.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from models.convert.hub import Hub, download_checkpoint, token_from_env

from vestsight.errors import ModelFileError

REPO = "google/gemma-3n-E2B-it"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
TOKEN = "hf_test"
SHARD = bytes(range(256)) * 8192  # 2 MiB
INDEX = json.dumps({"weight_map": {"a": "model-00001-of-00001.safetensors"}}).encode()
SMALL = {"config.json": b'{"architectures": ["Gemma3nForConditionalGeneration"]}',
         "tokenizer_config.json": b"{}", "preprocessor_config.json": b"{}",
         "model.safetensors.index.json": INDEX}  # fmt: skip
LFS = {"tokenizer.model": b"sentencepiece" * 100, "model-00001-of-00001.safetensors": SHARD}


def git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


class FakeHub(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str, str | None, str | None]]] = []
    corrupt: ClassVar[set[str]] = set()

    def _file(self) -> tuple[str, str] | None:
        prefix = f"/{REPO}/resolve/"
        if not self.path.startswith(prefix):
            return None
        revision, _, name = self.path[len(prefix) :].partition("/")
        return revision, name

    def do_HEAD(self) -> None:
        self.seen.append(("HEAD", self.path, self.headers.get("Authorization"), None))
        found = self._file()
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.send_response(401)
            self.send_header("Content-Length", "0")
        elif found is None or found[0] not in ("main", COMMIT):
            self.send_response(404)
            self.send_header("Content-Length", "0")
        elif found[1] in LFS:
            data = LFS[found[1]]
            self.send_response(302)
            self.send_header(
                "Location", f"http://127.0.0.1:{self.server.server_address[1]}/cdn/{found[1]}"
            )
            self.send_header("X-Linked-Etag", f'"{hashlib.sha256(data).hexdigest()}"')
            self.send_header("X-Linked-Size", str(len(data)))
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("Content-Length", "0")
        elif found[1] in SMALL:
            self.send_response(200)
            self.send_header("ETag", f'"{git_sha1(SMALL[found[1]])}"')
            self.send_header("Content-Length", str(len(SMALL[found[1]])))
            self.send_header("X-Repo-Commit", COMMIT)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        auth, ranged = self.headers.get("Authorization"), self.headers.get("Range")
        self.seen.append(("GET", self.path, auth, ranged))
        if self.path.startswith("/cdn/"):
            data = LFS[self.path[5:]]
        else:
            found = self._file()
            if found is None or auth != f"Bearer {TOKEN}":
                self.send_response(401)
                self.end_headers()
                return
            data = SMALL[found[1]]
        if self.path[5:] in self.corrupt:
            data = data[:-1] + b"x"
        start = int(ranged[6:].split("-")[0]) if ranged else 0
        self.send_response(206 if ranged else 200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[start:])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hub_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeHub.seen, FakeHub.corrupt = [], set()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_checkpoint_is_downloaded_at_one_commit_and_checked(
    tmp_path: Path, hub_url: str
) -> None:
    folder, commit = download_checkpoint(Hub(REPO, TOKEN, hub_url), "main", tmp_path)
    assert commit == COMMIT
    assert folder == tmp_path / "google--gemma-3n-E2B-it" / COMMIT
    for name, data in (SMALL | LFS).items():
        assert (folder / name).read_bytes() == data
    source = json.loads((folder / "source.json").read_text())
    assert (
        source["files"]["model-00001-of-00001.safetensors"]["sha256"]
        == hashlib.sha256(SHARD).hexdigest()
    )
    assert source["files"]["config.json"]["git_sha1"] == git_sha1(SMALL["config.json"])
    heads = [path for method, path, _, _ in FakeHub.seen if method == "HEAD"]
    assert heads[0].endswith("/main/config.json")
    assert all(f"/{COMMIT}/" in path for path in heads[1:])  # every other file at that commit
    cdn = [auth for method, path, auth, _ in FakeHub.seen if path.startswith("/cdn/")]
    assert cdn and all(auth is None for auth in cdn)  # the token never goes to storage
    FakeHub.seen = []
    download_checkpoint(Hub(REPO, TOKEN, hub_url), "main", tmp_path)  # again: nothing fetched
    assert [method for method, *_ in FakeHub.seen] == ["HEAD"] * len(heads)


def test_a_partial_download_resumes_with_a_range(tmp_path: Path, hub_url: str) -> None:
    hub = Hub(REPO, TOKEN, hub_url)
    remote = hub.metadata("main", "model-00001-of-00001.safetensors")
    assert remote.lfs and remote.digest == hashlib.sha256(SHARD).hexdigest()
    (tmp_path / f"{remote.name}.part").write_bytes(SHARD[:1000])
    assert hub.download(remote, tmp_path).read_bytes() == SHARD
    assert [r for m, p, _, r in FakeHub.seen if m == "GET"] == ["bytes=1000-"]


def test_a_file_unlike_the_hubs_digest_is_refused_and_removed(tmp_path: Path, hub_url: str) -> None:
    hub = Hub(REPO, TOKEN, hub_url)
    FakeHub.corrupt = {"model-00001-of-00001.safetensors"}
    remote = hub.metadata(COMMIT, "model-00001-of-00001.safetensors")
    with pytest.raises(ModelFileError, match="does not match the Hub's digest"):
        hub.download(remote, tmp_path)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "config.json").write_bytes(b"{}")  # an old version is replaced
    assert (
        hub.download(hub.metadata(COMMIT, "config.json"), tmp_path).read_bytes()
        == SMALL["config.json"]
    )


def test_refusals_say_what_to_do(tmp_path: Path, hub_url: str) -> None:
    with pytest.raises(ModelFileError, match="did not accept the token") as caught:
        Hub(REPO, "hf_wrong", hub_url).metadata("main", "config.json")
    assert "settings/tokens" in caught.value.advice
    hub = Hub(REPO, TOKEN, hub_url)
    assert hub.find("main", "chat_template.jinja") is None  # optional files may be absent
    with pytest.raises(ModelFileError, match="no such file"):
        hub.metadata("v9", "config.json")
    with pytest.raises(ModelFileError, match="cannot reach"):
        Hub(REPO, TOKEN, "http://127.0.0.1:9").metadata("main", "config.json")


def test_the_token_comes_from_either_variable() -> None:
    assert token_from_env({}) is None
    assert token_from_env({"HF_TOKEN": "  "}) is None
    assert token_from_env({"HUGGING_FACE_HUB_TOKEN": "hf_b"}) == "hf_b"
    assert token_from_env({"HF_TOKEN": "hf_a", "HUGGING_FACE_HUB_TOKEN": "hf_b"}) == "hf_a"
