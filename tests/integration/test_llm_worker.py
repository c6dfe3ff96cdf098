"""The LLM worker process with the real small Gemma model: stream, cancel, crash, hang, bad file."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from pathlib import Path

import pytest

from tests.conftest import event, wait_record
from tests.integration.llm_harness import LOAD_TIMEOUT, Harness
from vestsight.errors import LlmError, WorkerNotReady, WorkerRestarting
from vestsight.journal import Journal
from vestsight.llm.client import LlmState
from vestsight.llm.model_files import SMALL_MODEL_NAME, small_model_path
from vestsight.llm.worker import OOM_SCORE_ADJ
from vestsight.settings import LlmSettings

pytestmark = pytest.mark.model

PROMPT = [{"role": "user", "content": "Describe a kitchen in three sentences."}]


@pytest.fixture
async def harness(journal: Journal):
    harness = Harness(journal, LlmSettings(max_answer_tokens=48, heartbeat_s=0.5))
    await harness.start()
    yield harness
    await harness.supervisor.stop()


async def test_answer_streams_token_by_token(harness: Harness) -> None:
    with pytest.raises(WorkerNotReady):
        async with harness.client.generate(PROMPT):
            pass
    await harness.ready()
    assert [s for s, _ in harness.states] == [LlmState.STARTING, LlmState.LOADING, LlmState.READY]
    tokens = []
    async with harness.client.generate(PROMPT, max_tokens=24) as generation:
        async for text in generation:
            tokens.append(text)
    assert generation.done is not None
    assert generation.done.finish_reason in ("stop", "length")
    assert len(tokens) == generation.done.completion_tokens > 1
    assert "".join(tokens).strip()
    assert generation.done.prompt_tokens > 5


async def test_the_worker_is_the_first_the_kernel_kills_when_memory_runs_out(
    harness: Harness,
) -> None:
    await harness.ready()
    pid = harness.client.pid
    assert pid is not None
    worker = await asyncio.to_thread(oom_score, pid)
    main = await asyncio.to_thread(oom_score, "self")
    assert worker == OOM_SCORE_ADJ and main != worker  # the main process keeps its own


async def test_the_worker_yields_the_cpu_to_speech_and_the_fast_path(harness: Harness) -> None:
    await harness.ready()
    pid = harness.client.pid
    assert pid is not None
    worker_nice = os.getpriority(os.PRIO_PROCESS, pid)
    assert worker_nice == os.getpriority(os.PRIO_PROCESS, 0) + LlmSettings().nice
    assert os.sched_getscheduler(pid) == os.SCHED_BATCH


def oom_score(who: int | str) -> int:
    """The OOM score adjustment of process `who` ("self": this, the main process)."""
    return int(Path(f"/proc/{who}/oom_score_adj").read_text())


async def test_cancel_takes_effect_within_a_token_and_the_next_request_runs(
    harness: Harness, journal: Journal
) -> None:
    await harness.ready()
    async with journal.subscribe() as records:
        async with harness.client.generate(PROMPT, max_tokens=400) as generation:
            received = 0
            async for _text in generation:
                received += 1
                if received == 3:
                    break
        done = await wait_record(records, event("llm.done"))
    assert done["reason"] == "cancelled"
    assert done["tokens"] <= received + 2  # the worker stopped within a token step or two
    async with harness.client.generate(PROMPT, max_tokens=8) as second:
        assert [t async for t in second]
    assert second.done is not None and second.done.finish_reason == "length"


async def test_a_killed_worker_fails_the_request_and_is_restarted(harness: Harness) -> None:
    await harness.ready()
    first_pid = harness.client.pid
    assert first_pid is not None
    with pytest.raises(WorkerRestarting):
        async with harness.client.generate(PROMPT, max_tokens=400) as generation:
            async for _text in generation:
                os.kill(first_pid, signal.SIGKILL)  # as the kernel's OOM killer would
    await asyncio.wait_for(harness.client.ready.wait(), LOAD_TIMEOUT)
    assert harness.client.pid != first_pid
    assert any("killed" in failure for failure in harness.failures)
    assert (LlmState.RESTARTING, "") in harness.states
    async with harness.client.generate(PROMPT, max_tokens=4) as generation:
        assert [t async for t in generation]


async def test_a_hung_worker_is_detected_by_heartbeat_and_restarted(
    harness: Harness, journal: Journal
) -> None:
    await harness.ready()
    first_pid = harness.client.pid
    assert first_pid is not None
    try:
        async with journal.subscribe() as records:
            os.kill(first_pid, signal.SIGSTOP)  # alive but answering nothing, as if deadlocked
            failed = await wait_record(records, event("service.failed", service="llm"))
        assert "stopped answering" in failed["error"]
        await asyncio.wait_for(harness.client.ready.wait(), LOAD_TIMEOUT)
        assert harness.client.pid != first_pid
    finally:
        _reap(first_pid)


def _reap(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


@pytest.mark.parametrize(
    ("content", "spoken"),
    [
        (None, "the description model file is missing"),
        (b"PK\x03\x04 a zip, not a model", "the description model file is damaged"),
        (b"GGUF" + b"\x00" * 64, "the description model could not be loaded"),
    ],
)
async def test_a_bad_model_file_fails_clearly_and_is_not_retried(
    tmp_path: Path, journal: Journal, content: bytes | None, spoken: str
) -> None:
    path = tmp_path / "model.gguf"
    if content is not None:
        path.write_bytes(content)
    harness = Harness(journal, LlmSettings(model_path=str(path), heartbeat_s=0.5))
    async with journal.subscribe() as records:
        await harness.start()
        failed = await wait_record(records, event("llm.state", state="failed"), LOAD_TIMEOUT)
    assert failed["reason"] == spoken
    assert harness.client.state is LlmState.FAILED
    assert harness.failures == []  # not restarted: a bad file stays bad until the maker fixes it
    with pytest.raises(LlmError, match="failed"):
        async with harness.client.generate(PROMPT):
            pass
    await harness.supervisor.stop()


async def test_a_damaged_copy_of_a_listed_model_is_refused_by_its_checksum(
    tmp_path: Path, journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the worker's digest cache
    damaged = tmp_path / SMALL_MODEL_NAME  # the manifest lists this name with its sha256
    shutil.copyfile(small_model_path(), damaged)
    with damaged.open("r+b") as file:  # one flipped byte deep inside: still a GGUF, same size
        file.seek(damaged.stat().st_size // 2)
        byte = file.read(1)
        file.seek(-1, os.SEEK_CUR)
        file.write(bytes([byte[0] ^ 0xFF]))
    harness = Harness(journal, LlmSettings(model_path=str(damaged), heartbeat_s=0.5))
    async with journal.subscribe() as records:
        await harness.start()
        failed = await wait_record(records, event("llm.state", state="failed"), LOAD_TIMEOUT)
    await harness.supervisor.stop()
    assert failed["reason"] == "the description model file is damaged"


SYSTEM = "You are the voice of a camera worn by a blind person. Answer in short sentences."


async def test_the_system_prompt_is_prefilled_once_and_reused(journal: Journal) -> None:
    harness = Harness(journal, LlmSettings(max_answer_tokens=8), system_prompt=SYSTEM)
    await harness.start()
    await harness.ready()
    warm = harness.client.warm_tokens
    assert warm > 10
    try:
        for question in ("What is a cup?", "What is a door?"):
            chat = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]
            async with harness.client.generate(chat) as generation:
                async for _text in generation:
                    pass
            assert generation.done is not None
            # Only the question and the turn markers were prefilled; the system text was cached.
            assert generation.done.cached_tokens >= warm
            assert generation.done.prompt_tokens - generation.done.cached_tokens < 20
    finally:
        await harness.supervisor.stop()


async def test_a_prompt_longer_than_the_context_is_fitted_or_refused(journal: Journal) -> None:
    harness = Harness(journal, LlmSettings(context_tokens=256, max_answer_tokens=32))
    await harness.start()
    await harness.ready()
    exchange = [
        {"role": "user", "content": "Describe the room again. " * 8},
        {"role": "assistant", "content": "A kitchen with a table and two chairs. " * 4},
    ]
    chat = [*exchange * 4, {"role": "user", "content": "Tell me more."}]
    try:
        async with harness.client.generate(chat) as generation:
            async for _text in generation:
                pass
        assert generation.done is not None
        assert generation.done.prompt_tokens + generation.done.completion_tokens <= 256
        too_long = [{"role": "user", "content": "Read this label aloud. " * 80}]
        with pytest.raises(LlmError) as refused:
            async with harness.client.generate(too_long) as generation:
                async for _text in generation:
                    pass
        assert refused.value.spoken == "that question is too long for the description engine"
        async with harness.client.generate(PROMPT, max_tokens=4) as generation:  # still serving
            async for _text in generation:
                pass
        assert generation.done is not None and generation.done.completion_tokens > 0
    finally:
        await harness.supervisor.stop()


@pytest.mark.parametrize("projector", ["small model", "missing"])
async def test_an_unusable_projector_leaves_a_text_only_model(
    journal: Journal, tmp_path: Path, projector: str
) -> None:
    path = small_model_path() if projector == "small model" else tmp_path / "mmproj.gguf"
    harness = Harness(journal, LlmSettings(projector_path=str(path), max_answer_tokens=4))
    await harness.start()
    try:
        await harness.ready()
        assert harness.client.vision_failed and not harness.client.vision
        async with harness.client.generate(PROMPT, image=b"\xff\xd8 a jpeg") as generation:
            async for _text in generation:
                pass
        assert generation.done is not None and generation.done.completion_tokens > 0
    finally:
        await harness.supervisor.stop()


def long_chat(opener: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": opener + " the cat sat on the warm mat. " * 100}]


async def test_a_cancel_stops_a_long_prefill_midway(journal: Journal) -> None:
    # One decode call for the whole prompt, as an image request or a long text has on the Pi.
    settings = LlmSettings(context_tokens=4096, batch_tokens=2048, max_answer_tokens=2)
    harness = Harness(journal, settings)
    await harness.start()
    try:
        await harness.ready()
        async with harness.client.generate(long_chat("First:")) as generation:
            async for _text in generation:
                pass
        assert generation.done is not None
        prefill = generation.done.first_token_seconds
        assert generation.done.prompt_tokens > 800 and prefill > 0
        async with journal.subscribe() as records:
            async with harness.client.generate(long_chat("Second:")):
                await asyncio.sleep(prefill / 3)  # into the middle of the prefill, then leave
            done = await wait_record(records, event("llm.done"))
        assert done["reason"] == "cancelled"
        assert prefill / 6 < done["seconds"] < prefill * 0.8  # stopped inside the decode
        async with harness.client.generate(PROMPT, max_tokens=4) as generation:  # and serves on
            assert [t async for t in generation]
    finally:
        await harness.supervisor.stop()
