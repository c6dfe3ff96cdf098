"""`make bench-llm-image`: a described camera frame, the worker against bare mtmd, same files.

For a Gemma 3n text model and its vision projector (default: the full-size random-weight E2B
pair of `tests.bench.random_gemma3n_pair`, built on first use, ~4 minutes) this loads both
- bare: a child process with `llama_cpp.Llama` and an mtmd context made the plain way (no
  cancel checks), which for each request clears the cache and evaluates the whole prompt (system
  text, image, question) chunk by chunk, timing the vision encoder, the image's decode and the
  first token, then generates;
- worker: the vest's `LlmClient` and worker process, its system prompt prefilled at load, each
  request sending the JPEG the vest makes of the frame (`model_jpeg`);
and alternates their requests. Printed per side: vision encode + image decode seconds, time to
first token, generated tokens/s, and for the worker the time to the first sentence the vest
would speak; then the worker/bare ratios. The photo is scikit-image's astronaut.

Random weights: the answer is noise, and a sentence may never end (the splitter's forced cut is
then what counts, and the report says so). Speed does not depend on the weights' values.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import json
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tests.bench.process_memory import peak_rss_mb
from vestsight.journal import Journal
from vestsight.llm.client import LlmClient
from vestsight.llm.model_files import cache_dir
from vestsight.llm.prompt_format import GEMMA, with_image
from vestsight.phrases import Phrases
from vestsight.settings import LlmSettings
from vestsight.speech.sentences import SentenceSplitter

QUESTION = "Describe the scene in this picture in two short sentences."


@dataclass
class ImageRound:
    image_s: float
    """Vision encoder plus the image's decode into the context."""
    first_token_s: float
    generated: int
    total_s: float
    prompt_tokens: int
    first_sentence_s: float = 0.0

    @property
    def generate_rate(self) -> float:
        return (self.generated - 1) / max(self.total_s - self.first_token_s, 1e-9)


def photo_jpeg() -> bytes:
    import skimage.data

    from vestsight.camera.jpeg import model_jpeg

    return model_jpeg(skimage.data.astronaut())


def chat(system: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": system}, {"role": "user", "content": QUESTION}]


# --- bare mtmd (a child process answering one request per line on stdin) ------------------------


def bare_child(args: argparse.Namespace) -> None:
    import llama_cpp
    import llama_cpp.mtmd_cpp as mtmd

    llm = llama_cpp.Llama(
        model_path=args.model, n_ctx=args.context, n_threads=args.threads,
        n_threads_batch=args.threads, verbose=False,
    )  # fmt: skip
    from llama_cpp._logger import llama_log_callback

    mtmd.mtmd_log_set(llama_log_callback, ctypes.c_void_p(0))
    mtmd.mtmd_helper_log_set(llama_log_callback, ctypes.c_void_p(0))
    params = mtmd.mtmd_context_params_default()
    params.n_threads = args.threads
    params.print_timings = False
    ctx = mtmd.mtmd_init_from_file(args.projector.encode(), llm.model, params)
    assert ctx is not None, "mtmd could not load the projector"
    marker = mtmd.mtmd_default_marker().decode()
    text = GEMMA.prompt(with_image(chat(args.system), marker)).encode()
    image = photo_jpeg()
    print(json.dumps({"ready": True}), flush=True)
    for _line in sys.stdin:
        started = time.monotonic()
        buffer = (ctypes.c_uint8 * len(image)).from_buffer_copy(image)
        bitmap = mtmd.mtmd_helper_bitmap_init_from_buf(ctx, buffer, len(image), False)
        chunks = mtmd.mtmd_input_chunks_init()
        source = mtmd.mtmd_input_text()
        source.text, source.text_len, source.add_special, source.parse_special = (
            text, len(text), True, True,
        )  # fmt: skip
        bitmaps = (mtmd.mtmd_bitmap_p_ctypes * 1)(bitmap)
        assert mtmd.mtmd_tokenize(ctx, chunks, ctypes.byref(source), bitmaps, 1) == 0
        llm.reset()
        llm._ctx.kv_cache_clear()
        n_past, image_s = 0, 0.0
        count = mtmd.mtmd_input_chunks_size(chunks)
        for i in range(count):
            chunk = mtmd.mtmd_input_chunks_get(chunks, i)
            new_n_past = llama_cpp.llama_pos(n_past)  # text chunks add to it
            chunk_started = time.monotonic()
            status = mtmd.mtmd_helper_eval_chunk_single(
                ctx, llm._ctx.ctx, chunk, n_past, 0, llm.n_batch, i == count - 1,
                ctypes.byref(new_n_past),
            )  # fmt: skip
            assert status == 0, f"chunk {i} failed: {status}"
            if mtmd.mtmd_input_chunk_get_type(chunk) != mtmd.MTMD_INPUT_CHUNK_TYPE_TEXT:
                image_s += time.monotonic() - chunk_started
            n_past = new_n_past.value
        llm.n_tokens = n_past
        first, generated = 0.0, 0
        for _ in range(args.tokens):
            token = llm.sample(temp=0.4)
            first = first or time.monotonic() - started
            generated += 1
            if llama_cpp.llama_vocab_is_eog(llm._model.vocab, token):
                break
            llm.eval([token])
        mtmd.mtmd_input_chunks_free(chunks)
        mtmd.mtmd_bitmap_free(bitmap)
        result = ImageRound(image_s, first, generated, time.monotonic() - started, n_past)
        print(json.dumps(asdict(result) | {"peak_rss_mb": peak_rss_mb()}), flush=True)


class BareChild:
    def __init__(self, args: argparse.Namespace) -> None:
        command = [sys.executable, "-m", "tests.bench.bench_llm_image", "--bare-child",
                   "--model", args.model, "--projector", args.projector,
                   "--threads", str(args.threads), "--context", str(args.context),
                   "--tokens", str(args.tokens), "--system", args.system]  # fmt: skip
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.peak_rss_mb = 0.0
        self._reply()

    def _reply(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        if not (line := self._process.stdout.readline()):
            raise RuntimeError("the bare mtmd process ended early")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def round(self) -> ImageRound:
        assert self._process.stdin is not None
        self._process.stdin.write("go\n")
        self._process.stdin.flush()
        data = self._reply()
        self.peak_rss_mb = float(data.pop("peak_rss_mb"))
        return ImageRound(**data)

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=120)


# --- the vest's worker --------------------------------------------------------------------------


async def worker_round(client: LlmClient, system: str, image: bytes) -> ImageRound:
    splitter = SentenceSplitter()
    started = time.monotonic()
    first = sentence = 0.0
    async with client.generate(chat(system), image=image) as generation:
        async for text in generation:
            first = first or time.monotonic() - started
            if not sentence and splitter.feed(text):
                sentence = time.monotonic() - started
    done = generation.done
    assert done is not None and done.image_tokens, "the image did not reach the model"
    total = time.monotonic() - started
    return ImageRound(
        done.image_seconds, first, done.completion_tokens, total, done.prompt_tokens,
        sentence or total,
    )  # fmt: skip


async def run(args: argparse.Namespace) -> tuple[list[ImageRound], list[ImageRound], float, float]:
    settings = LlmSettings(
        model_path=args.model, projector_path=args.projector, threads=args.threads,
        context_tokens=args.context, max_answer_tokens=args.tokens,
        first_token_timeout_s=1800, load_timeout_s=1800,
    )  # fmt: skip
    image = photo_jpeg()
    bare = await asyncio.to_thread(BareChild, args)
    client = LlmClient(settings, Journal(), lambda s, r: None, system_prompt=args.system)
    running = asyncio.create_task(client.run())
    try:
        await asyncio.wait_for(client.ready.wait(), 1800)
        assert client.vision, f"the worker did not load the projector: {client.vision_error}"
        bare_rounds, worker_rounds = [], []
        for number in range(-1, args.rounds):  # round -1 warms both up
            bare_round = await asyncio.to_thread(bare.round)
            mine = await worker_round(client, args.system, image)
            if number >= 0:
                bare_rounds.append(bare_round)
                worker_rounds.append(mine)
        assert client.pid is not None
        return bare_rounds, worker_rounds, bare.peak_rss_mb, peak_rss_mb(client.pid)
    finally:
        await asyncio.to_thread(bare.close)
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


def summary(name: str, rounds: list[ImageRound], rss: float) -> dict[str, float]:
    numbers = {
        "image s": statistics.median(r.image_s for r in rounds),
        "first token s": statistics.median(r.first_token_s for r in rounds),
        "generate tok/s": statistics.median(r.generate_rate for r in rounds),
        "peak RSS MB": rss,
    }
    print(f"{name:7s} " + "   ".join(f"{k} {v:8.2f}" for k, v in numbers.items())
          + f"   ({rounds[0].prompt_tokens} prompt positions, {len(rounds)} rounds)")  # fmt: skip
    return numbers


def main(argv: list[str] | None = None) -> int:
    defaults = LlmSettings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", default="", help="text GGUF; default: the random E2B pair")
    parser.add_argument("--projector", default="", help="its mmproj GGUF")
    parser.add_argument("--threads", type=int, default=defaults.thread_count)
    parser.add_argument("--context", type=int, default=defaults.context_tokens)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=32, help="tokens generated per round")
    parser.add_argument("--system", default=Phrases("en").prompt("system"))
    parser.add_argument("--bare-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare_child:
        bare_child(args)
        return 0
    if not args.model:
        from tests.bench.random_gemma3n_pair import build_vision_pair

        model, projector = build_vision_pair(cache_dir(), "e2b")
        args.model, args.projector = str(model), str(projector)
    print(f"Model {Path(args.model).name} + {Path(args.projector).name}, "
          f"{args.threads} threads, context {args.context}")  # fmt: skip
    bare, worker, bare_rss, worker_rss = asyncio.run(run(args))
    b = summary("bare", bare, bare_rss)
    w = summary("worker", worker, worker_rss)
    print("worker/bare   " + "   ".join(f"{k} {w[k] / b[k]:.3f}" for k in b))
    sentence = statistics.median(r.first_sentence_s for r in worker)
    print(f"worker: first spoken sentence after {sentence:.2f} s (median; random weights may "
          "never end one: then it is the whole answer)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
