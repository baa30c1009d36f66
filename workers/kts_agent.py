#!/usr/bin/env python3
"""An LLM-style agent: one decode step of a small decoder-only transformer per iteration.

    python3 workers/kts_agent.py --duration-s 60 --phase solo > agent-solo.log

A pre-LayerNorm decoder (--layers 12, --d-model 2048, --heads 16, MLP 4x, vocabulary 32000,
bf16, plain torch.nn, random weights: nothing is downloaded) decodes greedily at batch 1 with a
KV cache over a fixed-length context: the prompt (--context 1024 random tokens) is prefilled
once, then every step writes its key and value into a ring of --context slots and attends over
all of them, so each step costs the same however long the agent runs. The step runs on the GPU
alone (the next token and the ring slot stay there), so it is captured once and replayed as a
CUDA graph, as LLM servers do for decode (--cuda-graph 0: eager, one launch per op, the host's
Python then dominating both clocks).

Each iteration is one decode step timed by workers/kts_emit.py (CUDA events around the step for
device_ms, the host span for the wall clock) and printed as one KTS_APP line (workload `agent`).
Steps are paced like an agent polling a model: an iteration starts every 1/--rate-hz seconds
(20/s by default) and sleeps the rest; a late step starts the next one at once, without
catching up. The run ends after --duration-s seconds or --iterations steps, or on SIGTERM/SIGINT
after the step in flight.

Every flag has an environment variable (AGENT_<FLAG>, e.g. AGENT_RATE_HZ=20); PHASE,
KTS_WORKLOAD and KTS_LOG_FILE are read as by workers/kts_worker.py. --device cpu (float32) runs
a tiny model without a GPU, for a smoke test: device_ms is then the wall span.
"""
from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import time
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kts_emit import KtsEmitter  # noqa: E402


class Block(nn.Module):
    def __init__(self, d: int, heads: int, context: int, dtype: torch.dtype) -> None:
        super().__init__()
        self.heads = heads
        self.hd = d // heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.proj = nn.Linear(d, d, bias=False)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, 4 * d, bias=False)
        self.fc2 = nn.Linear(4 * d, d, bias=False)
        # the KV cache: [2, batch 1, heads, context slots, head dim]
        self.register_buffer("kv", torch.zeros(2, 1, heads, context, self.hd, dtype=dtype), persistent=False)

    def forward(self, x: torch.Tensor, slot: Optional[torch.Tensor] = None) -> torch.Tensor:
        """x: [1, T, d]. slot None: the prefill (T tokens into slots 0..T-1, causal attention);
        else one decode step (T == 1) that writes KV slot `slot` (a [1] tensor on the device)
        and attends over every slot."""
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, self.heads, self.hd).permute(2, 0, 3, 1, 4)
        if slot is None:
            self.kv[0, :, :, :t] = k
            self.kv[1, :, :, :t] = v
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            self.kv[0].index_copy_(2, slot, k)
            self.kv[1].index_copy_(2, slot, v)
            a = F.scaled_dot_product_attention(q, self.kv[0], self.kv[1])
        x = x + self.proj(a.transpose(1, 2).reshape(b, t, d))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))


class Decoder(nn.Module):
    def __init__(self, layers: int, d: int, heads: int, context: int, vocab: int, dtype: torch.dtype) -> None:
        super().__init__()
        self.context = context
        self.embed = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(context, d)
        self.blocks = nn.ModuleList(Block(d, heads, context, dtype) for _ in range(layers))
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def prefill(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens: [1, T <= context]; fills KV slots 0..T-1 and returns the next token, [1, 1]."""
        x = self.embed(tokens) + self.pos(torch.arange(tokens.shape[1], device=tokens.device))
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.ln(x[:, -1:])).argmax(dim=-1)

    def step(self, token: torch.Tensor, slot: torch.Tensor) -> None:
        """One decode step, in place and without the host: reads token ([1, 1]) and slot ([1]),
        writes the next token into token and moves slot on by one (mod context), so that the
        step can be replayed as a CUDA graph."""
        x = self.embed(token) + self.pos(slot)
        for blk in self.blocks:
            x = blk(x, slot)
        token.copy_(self.head(self.ln(x)).argmax(dim=-1))
        slot.add_(1).remainder_(self.context)


def env(name: str, default: object) -> object:
    return os.environ.get(f"AGENT_{name}", default)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--layers", type=int, default=int(env("LAYERS", 12)))
    ap.add_argument("--d-model", type=int, default=int(env("D_MODEL", 2048)))
    ap.add_argument("--heads", type=int, default=int(env("HEADS", 16)))
    ap.add_argument("--context", type=int, default=int(env("CONTEXT", 1024)), help="KV cache slots (the fixed context length)")
    ap.add_argument("--vocab", type=int, default=int(env("VOCAB", 32000)))
    ap.add_argument("--rate-hz", type=float, default=float(env("RATE_HZ", 20.0)), help="decode steps started per second (0: no pacing)")
    ap.add_argument("--duration-s", type=float, default=float(env("DURATION_S", 0.0)), help="stop after this long (0: no limit)")
    ap.add_argument("--iterations", type=int, default=int(env("ITERATIONS", 0)), help="stop after this many logged steps (0: no limit)")
    ap.add_argument("--warmup", type=int, default=int(env("WARMUP", 10)), help="unlogged decode steps after the prefill")
    ap.add_argument("--device", default=str(env("DEVICE", "cuda")))
    ap.add_argument("--dtype", default=str(env("DTYPE", "")), help="bfloat16 (default on cuda), float16 or float32 (default on cpu)")
    ap.add_argument(
        "--cuda-graph",
        type=int,
        choices=(0, 1),
        default=int(env("CUDA_GRAPH", 1)),
        help="1 (default): capture the decode step once and replay it as a CUDA graph, as LLM servers do; 0: eager",
    )
    ap.add_argument("--seed", type=int, default=int(env("SEED", 0)))
    ap.add_argument("--phase", default=os.environ.get("PHASE", ""))
    ap.add_argument("--workload", default=os.environ.get("KTS_WORKLOAD", "agent"))
    a = ap.parse_args()
    if a.duration_s <= 0 and a.iterations <= 0:
        a.duration_s = 60.0

    stop = [False]

    def on_signal(signum: int, _frame: object) -> None:
        stop[0] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    device = torch.device(a.device)
    cuda = device.type == "cuda"
    dtype = getattr(torch, a.dtype) if a.dtype else (torch.bfloat16 if cuda else torch.float32)
    torch.manual_seed(a.seed)
    with torch.device(device):
        model = Decoder(a.layers, a.d_model, a.heads, a.context, a.vocab, dtype).to(dtype).eval()
    params = sum(p.numel() for p in model.parameters())
    print(
        f"# kts_agent: {a.layers} layers, d_model {a.d_model}, {a.heads} heads, context {a.context}, "
        f"vocab {a.vocab}, {params / 1e6:.1f} M params, {dtype}, {device}, {a.rate_hz} steps/s",
        file=sys.stderr,
        flush=True,
    )

    with torch.inference_mode():
        prompt = torch.randint(0, a.vocab, (1, a.context), device=device)
        token = model.prefill(prompt).clone()  # fills every KV slot
        slot = torch.zeros(1, dtype=torch.long, device=device)  # the next step overwrites the oldest slot
        graph = cuda and a.cuda_graph
        if graph:
            # warm up on a side stream, then capture one step; every iteration replays it
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for _ in range(3):
                    model.step(token, slot)
            torch.cuda.current_stream().wait_stream(side)
            g = torch.cuda.CUDAGraph()
            with torch.cuda.graph(g):
                model.step(token, slot)
            step = g.replay
        else:
            step = lambda: model.step(token, slot)  # noqa: E731
        for _ in range(a.warmup):
            step()
        if cuda:
            torch.cuda.synchronize()
        gc.collect()
        gc.freeze()  # as serving loops do: no collector pass over the model's objects mid-run
        print(f"# kts_agent: decode step {'as one CUDA graph' if graph else 'eager'}", file=sys.stderr, flush=True)

        emit = KtsEmitter(a.workload, phase=a.phase, cuda=cuda)
        period = 1.0 / a.rate_hz if a.rate_hz > 0 else 0.0
        t_start = time.monotonic()
        next_start = t_start
        n = 0
        while not stop[0]:
            if a.iterations and n >= a.iterations:
                break
            if a.duration_s and time.monotonic() - t_start >= a.duration_s:
                break
            with emit.iteration():
                step()
            n += 1
            next_start += period
            delay = next_start - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                next_start = time.monotonic()  # late: start now, no catch-up burst
        emit.close()
    print(f"# kts_agent: {n} steps in {time.monotonic() - t_start:.1f} s", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
