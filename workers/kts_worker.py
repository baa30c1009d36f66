#!/usr/bin/env python3
"""Reference GPU workers that emit KTS_APP v1 lines (interfaces.md section 1).

    python3 workers/kts_worker.py fft    # fft2 of a MATRIX_SIZE^2 complex64 tensor
    python3 workers/kts_worker.py gemm   # MATRIX_SIZE^2 fp32 matmul (TF32 off)

Environment: ITERATIONS (600), MATRIX_SIZE (4096), SLEEP_MS (100 for fft, 150 for gemm),
WARMUP (5 unlogged iterations), PHASE (label written on every line, e.g. solo/shared),
KTS_LOG_FILE (also append the lines to this file, for the sidecar's file: source),
KTS_WORKLOAD (the workload name written, default FFT or GEMM).

Each iteration: CUDA events around the op, then synchronize; the host wall span covers launch,
queueing, kernel and synchronize. device_ms is the event time; wall = end - start.
"""
import os
import sys
import time

import torch

from kts_emit import KtsEmitter


def main() -> int:
    kind = (sys.argv[1] if len(sys.argv) > 1 else os.environ.get("WORKLOAD", "fft")).lower()
    if kind not in ("fft", "gemm"):
        print(f"usage: {sys.argv[0]} fft|gemm", file=sys.stderr)
        return 2
    iterations = int(os.environ.get("ITERATIONS", 600))
    size = int(os.environ.get("MATRIX_SIZE", 4096))
    sleep_s = int(os.environ.get("SLEEP_MS", 100 if kind == "fft" else 150)) / 1000.0
    warmup = int(os.environ.get("WARMUP", 5))
    phase = os.environ.get("PHASE", "")

    device = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = False
    if kind == "fft":
        data = torch.randn(size, size, device=device, dtype=torch.complex64)
        op = lambda: torch.fft.fft2(data)  # noqa: E731
        name = "FFT"
    else:
        a = torch.randn(size, size, device=device)
        b = torch.randn(size, size, device=device)
        op = lambda: a @ b  # noqa: E731
        name = "GEMM"
    for _ in range(warmup):
        op()
    torch.cuda.synchronize()

    emitter = KtsEmitter(os.environ.get("KTS_WORKLOAD", name), phase=phase)
    for _ in range(iterations):
        with emitter.iteration():
            op()
        time.sleep(sleep_s)
    emitter.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
