"""`make bench-llm`: the worker's speed against bare llama_cpp, same model, threads and prompts.

For the configured model (``--model``; default: the small development model) this runs, one
after the other so they never share the CPU:
- bare: a child process that loads `llama_cpp.Llama` directly and streams completions;
- worker: the vest's `LlmClient` and worker process, through the message protocol.
Each does `--rounds` requests of a ~300-token prompt from an empty cache (every round starts
with a different word, so no prefix is reused) and prints prompt tokens/s, generated tokens/s,
time to first token and the process's peak resident memory; then the worker/bare ratios
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
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from vestsight.journal import Journal
from vestsight.llm.client import LlmClient
from vestsight.llm.model_files import resolve_model_path
from vestsight.llm.prompt_format import gemma_prompt, gemma_turns
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


# --- bare llama_cpp (run in a child process) --------------------------------------------------


def bare_rounds(args: argparse.Namespace) -> dict[str, object]:
    from llama_cpp import Llama

    llm = Llama(
        model_path=args.model,
        n_ctx=args.context,
        n_threads=args.threads,
        n_threads_batch=args.threads,
        verbose=False,
    )
    rounds = []
    for number in range(args.rounds):
        text = gemma_prompt(gemma_turns(round_chat(number, args.filler)))
        tokens = llm.tokenize(text.encode(), add_bos=True, special=True)
        started = time.monotonic()
        first = 0.0
        count = 0
        for _chunk in llm.create_completion(
            prompt=tokens, max_tokens=args.tokens, temperature=0.4, seed=7, stream=True
        ):
            count += 1
            first = first or time.monotonic() - started
        rounds.append(asdict(Round(len(tokens), count, first, time.monotonic() - started)))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rounds": rounds, "peak_rss_mb": peak_kb / 1024}


def run_bare(args: argparse.Namespace) -> tuple[list[Round], float]:
    command = [sys.executable, "-m", "tests.bench.bench_llm", "--bare-child", "--model", args.model,
               "--threads", str(args.threads), "--context", str(args.context),
               "--rounds", str(args.rounds), "--tokens", str(args.tokens),
               "--filler", str(args.filler)]  # fmt: skip
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return [Round(**r) for r in data["rounds"]], float(data["peak_rss_mb"])


# --- the vest's worker, through the protocol ---------------------------------------------------


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def worker_rounds(args: argparse.Namespace, system: str) -> tuple[list[Round], float, str]:
    settings = LlmSettings(
        model_path=args.model,
        threads=args.threads,
        context_tokens=args.context,
        max_answer_tokens=args.tokens,
        first_token_timeout_s=1800,
        load_timeout_s=1800,
    )
    client = LlmClient(settings, Journal(), lambda state, reason: None, system_prompt=system)
    running = asyncio.create_task(client.run())
    try:
        await asyncio.wait_for(client.ready.wait(), 1800)
        rounds = [await timed(client, round_chat(n, args.filler)) for n in range(args.rounds)]
        sentence = await first_sentence(client, system)
        assert client.pid is not None
        return rounds, peak_rss_mb(client.pid), sentence
    finally:
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


def main(argv: list[str] | None = None) -> int:
    defaults = LlmSettings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="", help="GGUF file; default: the small dev model")
    parser.add_argument("--threads", type=int, default=defaults.threads)
    parser.add_argument("--context", type=int, default=defaults.context_tokens)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=48, help="tokens generated per round")
    parser.add_argument("--filler", type=int, default=260, help="words of filler per prompt")
    parser.add_argument("--bare-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.model = str(resolve_model_path(args.model))
    if args.bare_child:
        print(json.dumps(bare_rounds(args)))
        return 0
    print(f"Model {Path(args.model).name}, {args.threads} threads, context {args.context}")
    bare, bare_rss = run_bare(args)
    system = Phrases("en").prompt("system")
    worker, worker_rss, sentence = asyncio.run(worker_rounds(args, system))
    b = summary("bare", bare, bare_rss)
    w = summary("worker", worker, worker_rss)
    print("worker/bare   " + "   ".join(f"{k} {w[k] / b[k]:.3f}" for k in b))
    print(f"Realistic request (system + {IMAGE_TOKENS} image tokens + question), "
          f"to the first sentence: {sentence}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
