#!/usr/bin/env python3
"""Instrumenting a real PyTorch inference loop with kts_emit (README "Instrument your workload").

A torchvision ResNet-18 (random weights: nothing is downloaded) serves batches of images in
eval mode under torch.inference_mode(). Each request is one KTS_APP iteration: the wall clock
covers the host-to-device copy, the forward pass and the synchronize, the device clock the
GPU work between the CUDA events. Run it beside `kts serve --source stdin`:

    python3 workers/examples/pytorch_inference.py | kts serve --source stdin

Environment: ITERATIONS (200), BATCH (8), SLEEP_MS (20, the gap between requests),
PHASE (label), KTS_WORKLOAD (name, default resnet18-infer), KTS_LOG_FILE.
"""
import os
import sys
import time

import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kts_emit import KtsEmitter  # noqa: E402


def main() -> int:
    iterations = int(os.environ.get("ITERATIONS", 200))
    batch = int(os.environ.get("BATCH", 8))
    sleep_s = int(os.environ.get("SLEEP_MS", 20)) / 1000.0
    model = torchvision.models.resnet18(weights=None).cuda().half().eval()
    # requests arrive on the host, as they would from a queue
    requests = [torch.randn(batch, 3, 224, 224).half().pin_memory() for _ in range(4)]
    with torch.inference_mode():
        for r in requests:  # warm up cuDNN autotuning; not emitted
            model(r.cuda(non_blocking=True))
        torch.cuda.synchronize()
        emit = KtsEmitter(os.environ.get("KTS_WORKLOAD", "resnet18-infer"), phase=os.environ.get("PHASE", ""))
        for i in range(iterations):
            with emit.iteration():
                logits = model(requests[i % len(requests)].cuda(non_blocking=True))
            _ = logits.argmax(dim=1)  # the result is ready after iteration() synchronized
            time.sleep(sleep_s)
        emit.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
