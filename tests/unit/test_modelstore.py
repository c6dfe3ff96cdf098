"""Model fetch and verify against a local HTTP server: resume, refuse a wrong file."""

from __future__ import annotations

import hashlib
import http.server
import threading
from pathlib import Path
from typing import ClassVar

import pytest

from tests.conftest import REPO
from vestsight.errors import ModelFileError
from vestsight.llm import manifest
from vestsight.llm.manifest import load_manifest
from vestsight.modelstore import ModelEntry, fetch, main, verify

DATA = bytes(range(256)) * 4096  # 1 MiB


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves DATA at any path, honouring "Range: bytes=N-" as model hosts do."""

    requests: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        start = 0
        self.requests.append(self.headers.get("Range"))
        if self.headers.get("Range", "").startswith("bytes="):
            start = int(self.headers["Range"][6:].split("-")[0])
            self.send_response(206)
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(DATA) - start))
        self.end_headers()
        self.wfile.write(DATA[start:])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RangeHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    RangeHandler.requests = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}/model.bin"
    httpd.shutdown()
    httpd.server_close()


def entry(url: str, **changes: object) -> ModelEntry:
    fields = {"name": "m", "file": "model.bin", "sha256": hashlib.sha256(DATA).hexdigest(),
              "url": url, "size": len(DATA)} | changes  # fmt: skip
    return ModelEntry(**fields)  # type: ignore[arg-type]


def test_fetch_downloads_and_verifies(tmp_path: Path, server: str) -> None:
    path = fetch(entry(server), tmp_path)
    assert path.read_bytes() == DATA
    assert verify(entry(server), tmp_path) == path
    assert fetch(entry(server), tmp_path) == path  # already there: not downloaded again
    assert RangeHandler.requests == [None]


def test_fetch_resumes_a_partial_download(tmp_path: Path, server: str) -> None:
    (tmp_path / "model.bin.part").write_bytes(DATA[:1000])
    path = fetch(entry(server), tmp_path)
    assert path.read_bytes() == DATA
    assert RangeHandler.requests == ["bytes=1000-"]


def test_a_file_that_does_not_match_is_refused_and_removed(tmp_path: Path, server: str) -> None:
    with pytest.raises(ModelFileError, match="sha256"):
        fetch(entry(server, sha256="0" * 64), tmp_path)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ModelFileError, match="bytes"):
        fetch(entry(server, size=12), tmp_path)
    (tmp_path / "model.bin").write_bytes(DATA[:-1] + b"x")
    with pytest.raises(ModelFileError, match="sha256"):
        verify(entry(server, size=None), tmp_path)


def test_unreachable_host_is_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="cannot download") as caught:
        fetch(entry("http://127.0.0.1:9/model.bin"), tmp_path)
    assert "resume" in caught.value.advice


def test_the_repo_manifest_lists_checkable_models(tmp_path: Path) -> None:
    entries = {e.name: e for e in load_manifest(REPO / "models" / "manifest.toml")}
    assert set(entries) >= {
        "gemma-3-270m-q4_k_m",
        "efficientdet-lite0-coco",
        "gemma-3n-e2b-it-q4_0",
        "gemma-3n-e2b-it-q4_k_m",
        "gemma-3n-e4b-it-q4_0",
        "gemma-3n-e4b-it-q4_k_m",
    }
    assert all(len(e.sha256) in (0, 64) for e in entries.values())
    defaults = [e for e in entries.values() if e.default]
    assert all(e.pinned and e.url for e in defaults)  # make models fetches these
    assert {"gemma-3n-e2b-it-q4_k_m", "efficientdet-lite0-coco"} <= {e.name for e in defaults}
    for entry in entries.values():  # every projector named is listed
        assert not entry.projector or entry.projector in entries
    assert main(["verify", "--dest", str(tmp_path), "efficientdet-lite0-coco"]) == 1  # missing
    assert main(["fetch", "--dest", str(tmp_path), "no-such-model"]) == 1


def test_an_unpinned_entry_is_fetched_only_to_pin_it(
    tmp_path: Path, server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    unpinned = entry(server, sha256="", size=None)
    with pytest.raises(ModelFileError, match="not pinned"):
        fetch(unpinned, tmp_path)
    assert RangeHandler.requests == []
    path = fetch(unpinned, tmp_path, pin=True)
    assert path.read_bytes() == DATA
    assert f'sha256 = "{hashlib.sha256(DATA).hexdigest()}"' in capsys.readouterr().out
    with pytest.raises(ModelFileError, match="no sha256"):
        verify(unpinned, tmp_path)


def test_a_digest_is_computed_once_per_file_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed: list[Path] = []
    real = manifest.sha256_of
    monkeypatch.setattr(manifest, "sha256_of", lambda path: hashed.append(path) or real(path))
    model = tmp_path / "model.bin"
    model.write_bytes(DATA)
    listed = entry("", file="model.bin")
    digests = manifest.DigestCache(tmp_path / "cache" / "digests.json")
    manifest.check_against(listed, model, digests)
    manifest.check_against(listed, model, manifest.DigestCache(tmp_path / "cache" / "digests.json"))
    assert hashed == [model]  # the second check, even by a new process, used the cache
    model.write_bytes(DATA[:-1] + b"x")  # same size, new content and modification time
    with pytest.raises(ModelFileError, match="sha256") as caught:
        manifest.check_against(listed, model, digests)
    assert caught.value.spoken == "the description model file is damaged"
    assert hashed == [model, model]
    (tmp_path / "cache" / "digests.json").write_text("{not json")  # a broken cache: hash again
    with pytest.raises(ModelFileError):
        manifest.check_against(listed, model, digests)
