"""Download a Hugging Face model checkpoint: the converter's files, resumable, each one checked.

Google's Gemma 3n repositories are gated: the maker accepts Gemma's licence on the model page
and creates a read token; the token comes from ``HF_TOKEN`` (or ``HUGGING_FACE_HUB_TOKEN``).
Only the files the converter reads are fetched: configuration, tokenizer, preprocessor, the
safetensors index and the shards it names.

How a file is checked, as huggingface_hub itself does it (``file_download.py``): a ``HEAD`` of
``/<repo>/resolve/<revision>/<file>`` without following redirects answers with the commit
(``X-Repo-Commit``), the file's size and its ETag. For a file stored in Git LFS (every large
file) the ETag is in ``X-Linked-Etag`` and is the file's sha256 ("An object's ETag is: its
git-sha1 if stored in git, or its sha256 if stored in git-lfs", ``hf_hub_url``; huggingface_hub
compares a local file's sha256 with it when ``REGEX_SHA256`` matches the ETag), and the
redirect's ``Location`` is where the bytes are. A small file stored in Git has its git blob
sha1 as ETag. Every download is checked against that digest; a partial download (``.part``)
resumes with an HTTP Range request. Files of Xet-backed repositories are served the same way
to clients without the Xet protocol.

The revision is resolved to a commit once, and every file is taken at that commit, so a push
to the repository during a long download cannot mix two versions.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from vestsight.errors import ModelFileError

_LOGGER = logging.getLogger(__name__)

ENDPOINT = "https://huggingface.co"
TOKEN_VARIABLES = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")
TOKENS_PAGE = "https://huggingface.co/settings/tokens"
INDEX = "model.safetensors.index.json"
REQUIRED = ("config.json", "tokenizer.model", "tokenizer_config.json", "preprocessor_config.json")
OPTIONAL = (
    "tokenizer.json", "special_tokens_map.json", "added_tokens.json", "processor_config.json",
    "chat_template.jinja", "chat_template.json", "generation_config.json",
)  # fmt: skip
CHUNK = 1 << 20
PROGRESS = 1 << 30
TIMEOUT = 60.0
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SHA1 = re.compile(r"[0-9a-f]{40}")


def token_from_env(env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    return next((env[name].strip() for name in TOKEN_VARIABLES if env.get(name, "").strip()), None)


@dataclass(frozen=True)
class RemoteFile:
    name: str
    commit: str
    size: int
    digest: str
    """sha256 for a Git LFS file, the git blob sha1 for a file stored in Git."""
    lfs: bool
    location: str
    """Where the bytes are (the storage redirect for an LFS file)."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the 3xx answer itself carries the file's metadata


class Hub:
    """One repository on a Hugging Face endpoint, read with a token."""

    def __init__(self, repo: str, token: str, endpoint: str = ENDPOINT) -> None:
        self.repo = repo
        self._token = token
        self._endpoint = endpoint.rstrip("/")
        self._head = urllib.request.build_opener(_NoRedirect)
        self._get = urllib.request.build_opener()

    def url(self, revision: str, name: str) -> str:
        quoted = urllib.parse.quote(revision, safe="")
        return f"{self._endpoint}/{self.repo}/resolve/{quoted}/{urllib.parse.quote(name)}"

    def metadata(self, revision: str, name: str) -> RemoteFile:
        """What the Hub says of `name` at `revision`; `ModelFileError` if it cannot say."""
        remote = self.find(revision, name)
        if remote is None:
            raise self._refused(404, name, revision)
        return remote

    def find(self, revision: str, name: str) -> RemoteFile | None:
        """What the Hub says of `name` at `revision`; None if the repository has no such file."""
        url = self.url(revision, name)
        for _ in range(5):  # relative redirects: a renamed repository
            request = urllib.request.Request(url, method="HEAD")
            request.add_unredirected_header("Authorization", f"Bearer {self._token}")
            try:
                with self._head.open(request, timeout=TIMEOUT) as response:
                    headers, status = response.headers, response.status
            except urllib.error.HTTPError as err:  # a redirect (not followed), or a refusal
                headers, status = err.headers, err.code
                err.close()
                if status == 404:
                    return None
                if status >= 400:
                    raise self._refused(status, name, revision) from err
            except (urllib.error.URLError, OSError) as err:
                raise ModelFileError(
                    f"cannot reach {self._endpoint}: {err}",
                    advice="check the network and run again",
                ) from err
            location = headers.get("Location", "")
            if 300 <= status < 400 and location and not urllib.parse.urlsplit(location).netloc:
                url = urllib.parse.urljoin(url, location)
                continue
            return self._remote(
                name, headers, urllib.parse.urljoin(url, location) if location else url
            )
        raise ModelFileError(f"too many redirects for {name}", advice="try again later")

    def _remote(self, name: str, headers: Message, location: str) -> RemoteFile:
        linked = headers.get("X-Linked-Etag")
        etag = (linked or headers.get("ETag") or "").removeprefix("W/").strip('"').lower()
        size = headers.get("X-Linked-Size") or headers.get("Content-Length")
        commit = headers.get("X-Repo-Commit", "")
        lfs = linked is not None
        if size is None or not commit or not (_SHA256 if lfs else _SHA1).fullmatch(etag):
            raise ModelFileError(
                f"{self.repo}: the Hub gave no commit, size or checkable digest for {name} "
                f"(ETag {etag!r})",
                advice="the Hub's answer changed; this tool needs updating",
            )
        return RemoteFile(name, commit, int(size), etag, lfs, location)

    def _refused(self, status: int, name: str, revision: str) -> ModelFileError:
        page = f"https://huggingface.co/{self.repo}"
        if status == 401:
            return ModelFileError(
                f"Hugging Face did not accept the token for {self.repo} ({status})",
                advice=f"create a read token at {TOKENS_PAGE} and export HF_TOKEN=...",
            )
        if status == 403:
            return ModelFileError(
                f"the token's account may not read {self.repo} ({status})",
                advice=f"open {page} with that account and accept Gemma's licence",
            )
        return ModelFileError(
            f"{name} of {self.repo} at {revision}: HTTP {status}"
            + (" (no such file)" if status == 404 else ""),
            advice="check the repository and revision (REVISION=...)",
        )

    def download(self, remote: RemoteFile, folder: Path) -> Path:
        """`remote` into `folder`, resuming a partial download; checked by size and digest."""
        path = folder / remote.name
        if path.is_file():
            if _matches(remote, path):
                return path
            _LOGGER.info("%s differs from the Hub's, downloading it again", remote.name)
            path.unlink()
        partial = path.with_name(path.name + ".part")
        have = partial.stat().st_size if partial.exists() else 0
        if have > remote.size:
            partial.unlink()
            have = 0
        if have < remote.size:
            self._fetch(remote, partial, have)
        if not _matches(remote, partial):
            partial.unlink()
            raise ModelFileError(
                f"{remote.name} from {self.repo} does not match the Hub's digest {remote.digest}",
                advice="the download was damaged; run the build again",
            )
        partial.rename(path)
        return path

    def _fetch(self, remote: RemoteFile, partial: Path, have: int) -> None:
        _LOGGER.info(
            "Downloading %s (%.2f GB)%s", remote.name, remote.size / 1e9,
            f", resuming at {have / 1e9:.2f} GB" if have else "",
        )  # fmt: skip
        request = urllib.request.Request(remote.location)
        if have:
            request.add_header("Range", f"bytes={have}-")
        if not remote.lfs:  # an LFS redirect is signed storage: the token stays with the Hub
            request.add_unredirected_header("Authorization", f"Bearer {self._token}")
        try:
            with self._get.open(request, timeout=TIMEOUT) as response, partial.open("ab") as out:
                if have and response.status != 206:
                    out.truncate(0)  # the server ignored the range: start again
                    have = 0
                while block := response.read(CHUNK):
                    out.write(block)
                    have += len(block)
                    if have % PROGRESS < len(block):
                        _LOGGER.info(
                            "  %s: %.1f of %.1f GB", remote.name, have / 1e9, remote.size / 1e9
                        )
        except (urllib.error.URLError, OSError) as err:
            if isinstance(err, urllib.error.HTTPError):
                err.close()
            raise ModelFileError(
                f"cannot download {remote.name}: {err}",
                advice="check the network; run the build again to resume",
            ) from err


def _matches(remote: RemoteFile, path: Path) -> bool:
    if path.stat().st_size != remote.size:
        return False
    digest = hashlib.sha256() if remote.lfs else hashlib.sha1(usedforsecurity=False)
    if not remote.lfs:
        digest.update(f"blob {remote.size}\0".encode())
    with path.open("rb") as file:
        while block := file.read(CHUNK):
            digest.update(block)
    return digest.hexdigest() == remote.digest


def download_checkpoint(hub: Hub, revision: str, root: Path) -> tuple[Path, str]:
    """The converter's files of `hub`'s repository at `revision`: (folder, commit)."""
    config = hub.metadata(revision, "config.json")
    commit = config.commit
    folder = root / hub.repo.replace("/", "--") / commit
    folder.mkdir(parents=True, exist_ok=True)
    _LOGGER.info("%s at %s is commit %s", hub.repo, revision, commit)
    found = [config] + [hub.metadata(commit, name) for name in REQUIRED[1:]]
    optional = [hub.find(commit, name) for name in (INDEX, *OPTIONAL)]
    found += [remote for remote in optional if remote is not None]
    for remote in found:
        hub.download(remote, folder)
    if (folder / INDEX).is_file():
        weight_map = json.loads((folder / INDEX).read_text(encoding="utf-8"))["weight_map"]
        shards = sorted(set(weight_map.values()))
    else:
        shards = ["model.safetensors"]
    for name in shards:
        shard = hub.metadata(commit, name)
        found.append(shard)
        hub.download(shard, folder)
    files = {r.name: {"size": r.size, "sha256" if r.lfs else "git_sha1": r.digest} for r in found}
    record = {"repo": hub.repo, "revision": revision, "commit": commit, "files": files}
    (folder / "source.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return folder, commit
