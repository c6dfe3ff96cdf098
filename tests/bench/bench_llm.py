"""`make bench-llm`: the worker's speed against bare llama_cpp, same model, threads and prompts.

For the configured model (``--model``; default: the small development model) this loads both
- bare: a child process that loads `llama_cpp.Llama` directly and streams completions;
- worker: the vest's `LlmClient` and worker process, through the message protocol;
and alternates their requests (never at the same time), so a drift in the machine's speed
(other load, heat) hits both alike. Each does a warm-up request, then `--rounds` requests of a
~300-token prompt (every round starts with a different word, so only the turn marker is reused
from the cache). Printed: prompt tokens/s, generated tokens/s, time to first token and the
process's peak resident memory; then the worker/bare ratios
(targets: >= 0.97 on tokens/s, time to first token within 5 %).

Last, the realistic request: the vest's system prompt (warm in the worker, as on the vest),
256 stand-in image tokens (a model without a projector gets text of the same length: the
language model's prefill costs the same per token; the vision encoder's own time is not
included) and a question, timed to the first sentence the vest would speak. A model whose
output has no sentence end (random weights) gives the splitter's forced cut, and says so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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
from vestsight.llm.model_files import resolve_model_path
from vestsight.llm.prompt_format import GEMMA
from vestsight.phrases import Phrases
from vestsight.settings import LlmSettings
from vestsight.speech.sentences import SentenceSplitter

FILLER = "the quick brown fox jumps over a lazy dog near the river bank "
IMAGE_TOKENS = 256
QUESTION = "Describe what is in front of me in two short sentences."


@dataclass
class Round:
    prompt_tokens: int
    completion_tokens: int
    first_token_s: float
    total_s: float

    @property
    def prompt_rate(self) -> float:
        return self.prompt_tokens / self.first_token_s

    @property
    def generate_rate(self) -> float:
        return (self.completion_tokens - 1) / max(self.total_s - self.first_token_s, 1e-9)


def round_chat(number: int, filler_words: int) -> list[dict[str, str]]:
    words = (FILLER * (filler_words // len(FILLER.split()) + 1)).split()[:filler_words]
    opener = ["Apple", "Bread", "Cloud", "Delta", "Eagle", "Frost", "Grape", "Honey"][number % 8]
    return [{"role": "user", "content": f"{opener}. {' '.join(words)}. {QUESTION}"}]


# --- bare llama_cpp (a child process serving rounds on stdin) ---------------------------------


def bare_child(args: argparse.Namespace) -> None:
    """Load the model, then answer each round number read from stdin with a JSON line."""
    from llama_cpp import Llama

    llm = Llama(
        model_path=args.model,
        n_ctx=args.context,
        n_batch=args.batch,
        n_threads=args.threads,
        n_threads_batch=args.threads,
        verbose=False,
    )
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        text = GEMMA.prompt(round_chat(int(line), args.filler))
        tokens = llm.tokenize(text.encode(), add_bos=True, special=True)
        started = time.monotonic()
        first = 0.0
        count = 0
        for chunk in llm.create_completion(
            prompt=tokens, max_tokens=args.tokens, temperature=0.4, seed=7, stream=True
        ):
            if chunk["choices"][0]["text"]:  # as the worker counts: pieces of text, not the end
                count += 1
                first = first or time.monotonic() - started
        result = asdict(Round(len(tokens), count, first, time.monotonic() - started))
        print(json.dumps(result | {"peak_rss_mb": peak_rss_mb(os.getpid())}), flush=True)


class BareChild:
    def __init__(self, args: argparse.Namespace) -> None:
        command = [sys.executable, "-m", "tests.bench.bench_llm", "--bare-child",
                   "--model", args.model, "--threads", str(args.threads),
                   "--context", str(args.context), "--batch", str(args.batch),
                   "--tokens", str(args.tokens),
                   "--filler", str(args.filler)]  # fmt: skip
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.peak_rss_mb = 0.0
        self._reply()  # loaded

    def _reply(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the bare llama_cpp process ended early")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def round(self, number: int) -> Round:
        assert self._process.stdin is not None
        self._process.stdin.write(f"{number}\n")
        self._process.stdin.flush()
        data = self._reply()
        self.peak_rss_mb = float(data.pop("peak_rss_mb"))
        return Round(**data)

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=60)


# --- the vest's worker, through the protocol, alternating with bare -----------------------------


@dataclass
class Results:
    bare: list[Round]
    worker: list[Round]
    bare_rss: float
    worker_rss: float
    sentence: str


async def run_rounds(args: argparse.Namespace, system: str) -> Results:
    """Bare and worker rounds alternate, so a drift in the machine's speed hits both alike."""
    settings = LlmSettings(
        model_path=args.model,
        threads=args.threads,
        context_tokens=args.context,
        batch_tokens=args.batch,
        max_answer_tokens=args.tokens,
        first_token_timeout_s=1800,
        load_timeout_s=1800,
    )
    bare = await asyncio.to_thread(BareChild, args)
    client = LlmClient(settings, Journal(), lambda state, reason: None, system_prompt=system)
    running = asyncio.create_task(client.run())
    try:
        await asyncio.wait_for(client.ready.wait(), 1800)
        bare_rounds: list[Round] = []
        worker_rounds: list[Round] = []
        for number in range(-1, args.rounds):  # round -1 warms both up
            bare_round = await asyncio.to_thread(bare.round, number)
            worker_round = await timed(client, round_chat(number, args.filler))
            if number >= 0:
                bare_rounds.append(bare_round)
                worker_rounds.append(worker_round)
        sentence = await first_sentence(client, system)
        assert client.pid is not None
        return Results(
            bare_rounds, worker_rounds, bare.peak_rss_mb, peak_rss_mb(client.pid), sentence
        )
    finally:
        await asyncio.to_thread(bare.close)
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def timed(client: LlmClient, chat: list[dict[str, str]]) -> Round:
    started = time.monotonic()
    first = 0.0
    async with client.generate(chat) as generation:
        async for _text in generation:
            first = first or time.monotonic() - started
    assert generation.done is not None
    done = generation.done
    return Round(done.prompt_tokens, done.completion_tokens, first, time.monotonic() - started)


async def first_sentence(client: LlmClient, system: str) -> str:
    image = " ".join(["image"] * IMAGE_TOKENS)  # one token each for Gemma's tokenizer
    user = f"<start_of_image>{image}<end_of_image>\n{QUESTION}"
    chat = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    splitter = SentenceSplitter()
    started = time.monotonic()
    async with client.generate(chat, max_tokens=160) as generation:
        async for text in generation:
            if splitter.feed(text):
                took = time.monotonic() - started
                return f"{took:.2f} s (a sentence ended)"
    took = time.monotonic() - started
    return f"{took:.2f} s (no sentence ended: the whole answer, {len(splitter.flush())} piece)"


# --- report -------------------------------------------------------------------------------------


def summary(name: str, rounds: list[Round], rss: float) -> dict[str, float]:
    numbers = {
        "prompt tok/s": statistics.median(r.prompt_rate for r in rounds),
        "generate tok/s": statistics.median(r.generate_rate for r in rounds),
        "first token s": statistics.median(r.first_token_s for r in rounds),
        "peak RSS MB": rss,
    }
    prompt = rounds[0].prompt_tokens
    made = statistics.median(r.completion_tokens for r in rounds)
    print(f"{name:7s} " + "   ".join(f"{k} {v:8.2f}" for k, v in numbers.items())
          + f"   ({prompt} prompt tokens, {made:.0f} generated, {len(rounds)} rounds)")  # fmt: skip
    return numbers


def paired_ratios(bare: list[Round], worker: list[Round]) -> None:
    """Worker/bare per pair of neighbouring rounds, with a 95 % confidence interval of the mean
    (Student's t): the machine's drift hits both rounds of a pair alike."""
    from scipy import stats

    measures = {
        "prompt tok/s": lambda r: r.prompt_rate,
        "generate tok/s": lambda r: r.generate_rate,
        "first token s": lambda r: r.first_token_s,
    }
    for name, value in measures.items():
        ratios = [value(w) / value(b) for b, w in zip(bare, worker, strict=True)]
        mean = statistics.fmean(ratios)
        if len(ratios) < 2:
            print(f"  {name}: worker/bare {mean:.3f} (one round: no interval)")
            continue
        half = stats.t.ppf(0.975, len(ratios) - 1) * statistics.stdev(ratios) / len(ratios) ** 0.5
        print(f"  {name}: worker/bare {mean:.3f}, 95 % interval {mean - half:.3f}-{mean + half:.3f}"
              f" ({len(ratios)} paired rounds)")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    defaults = LlmSettings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="", help="GGUF file; default: the small dev model")
    parser.add_argument("--threads", type=int, default=defaults.thread_count)
    parser.add_argument("--context", type=int, default=defaults.context_tokens)
    parser.add_argument("--batch", type=int, default=defaults.batch_tokens, help="n_batch, both")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=48, help="tokens generated per round")
    parser.add_argument("--filler", type=int, default=260, help="words of filler per prompt")
    parser.add_argument("--bare-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.model = str(resolve_model_path(args.model))
    if args.bare_child:
        bare_child(args)
        return 0
    print(f"Model {Path(args.model).name}, {args.threads} threads, context {args.context}")
    results = asyncio.run(run_rounds(args, Phrases("en").prompt("system")))
    b = summary("bare", results.bare, results.bare_rss)
    w = summary("worker", results.worker, results.worker_rss)
    print("worker/bare   " + "   ".join(f"{k} {w[k] / b[k]:.3f}" for k in b))
    paired_ratios(results.bare, results.worker)
    print(f"Realistic request (system + {IMAGE_TOKENS} image tokens + question), "
          f"to the first sentence: {results.sentence}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
