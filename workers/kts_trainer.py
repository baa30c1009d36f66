#!/usr/bin/env python3
"""A training job that keeps the GPU busy: the co-tenant of the `agent` scenario.

    python3 workers/kts_trainer.py > trainer.log      # runs until SIGTERM/SIGINT

An MLP of --depth Linear(--width, --width) layers with GELU between them (8 x 8192^2 by
default, bf16, plain torch.nn, random weights) trains on one fixed random batch of --batch rows
against a random target: forward, MSE loss, backward and an AdamW step, back to back with no
pause (about 3 x 2 x depth x batch x width^2 FLOP a step: 26 TFLOP at the defaults). Each
step is one KTS_APP line (workload `trainer`, CUDA events around the whole step plus the host
wall span, workers/kts_emit.py), every step from the first, so the first line's epoch_ns_start
says when the GPU started being shared. SIGTERM/SIGINT end the loop after the step in flight.

Every flag has an environment variable (TRAINER_<FLAG>, e.g. TRAINER_WIDTH=8192); PHASE,
KTS_WORKLOAD and KTS_LOG_FILE are read as by workers/kts_worker.py. --steps N stops after N
steps (0: until a signal). --device cpu (float32) runs a tiny model without a GPU, for a smoke
test.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kts_emit import KtsEmitter  # noqa: E402


def env(name: str, default: object) -> object:
    return os.environ.get(f"TRAINER_{name}", default)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--width", type=int, default=int(env("WIDTH", 8192)))
    ap.add_argument("--depth", type=int, default=int(env("DEPTH", 8)))
    ap.add_argument("--batch", type=int, default=int(env("BATCH", 8192)))
    ap.add_argument("--steps", type=int, default=int(env("STEPS", 0)), help="stop after N steps (0: until SIGTERM)")
    ap.add_argument("--lr", type=float, default=float(env("LR", 1e-4)))
    ap.add_argument("--device", default=str(env("DEVICE", "cuda")))
    ap.add_argument("--dtype", default=str(env("DTYPE", "")), help="bfloat16 (default on cuda) or float32 (default on cpu)")
    ap.add_argument("--seed", type=int, default=int(env("SEED", 1)))
    ap.add_argument("--phase", default=os.environ.get("PHASE", ""))
    ap.add_argument("--workload", default=os.environ.get("KTS_WORKLOAD", "trainer"))
    a = ap.parse_args()

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
        layers = []
        for i in range(a.depth):
            layers.append(nn.Linear(a.width, a.width, bias=False))
            if i < a.depth - 1:
                layers.append(nn.GELU(approximate="tanh"))
        model = nn.Sequential(*layers).to(dtype)
        x = torch.randn(a.batch, a.width, dtype=dtype)
        y = torch.randn(a.batch, a.width, dtype=dtype)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, foreach=True)
    params = sum(p.numel() for p in model.parameters())
    print(
        f"# kts_trainer: {a.depth} x Linear({a.width}, {a.width}), batch {a.batch}, {params / 1e6:.1f} M params, "
        f"{3 * 2 * a.depth * a.batch * a.width**2 / 1e12:.1f} TFLOP/step, {dtype}, {device}",
        file=sys.stderr,
        flush=True,
    )

    emit = KtsEmitter(a.workload, phase=a.phase, cuda=cuda)
    t_start = time.monotonic()
    n = 0
    while not stop[0] and not (a.steps and n >= a.steps):
        with emit.iteration():
            opt.zero_grad(set_to_none=True)
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
        n += 1
    emit.close()
    print(f"# kts_trainer: {n} steps in {time.monotonic() - t_start:.1f} s, last loss {loss.item():.4f}" if n else "# kts_trainer: 0 steps", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
