"""KTS_APP v1 emitter for your own Python GPU workloads (interfaces.md section 1).

One line per iteration, flushed, on stdout (and optionally appended to a file for the
sidecar's file: source). The wall clock is the host span around the iteration; the device
clock is CUDA events around the GPU work, read after a synchronize.

    from kts_emit import KtsEmitter

    emit = KtsEmitter("resnet-infer", phase="serving")
    for batch in loader:
        with emit.iteration():
            logits = model(batch.cuda(non_blocking=True))
        # logits are ready here: iteration() synchronized the stream

Without torch (or with cuda=False) only the wall clock is measured and device_ms is written
as the wall span, so the line stays valid; say so in your dashboards.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import time
from typing import IO, Iterator, Optional

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class KtsEmitter:
    """Writes KTS_APP v1 lines for one workload. Not thread-safe: one per loop."""

    def __init__(
        self,
        workload: str,
        phase: str = "",
        stream: Optional[IO[str]] = None,
        log_file: Optional[str] = None,
        cuda: bool = True,
    ) -> None:
        if not _NAME.match(workload):
            raise ValueError(f"workload must match [A-Za-z0-9_.-]{{1,64}}: {workload!r}")
        if "," in phase or "\n" in phase:
            raise ValueError(f"phase must not contain ',' or a newline: {phase!r}")
        self.workload = workload
        self.phase = phase
        self.stream = stream if stream is not None else sys.stdout
        path = log_file if log_file is not None else os.environ.get("KTS_LOG_FILE")
        self._sink = open(path, "a", buffering=1) if path else None
        self.next_iteration = 0
        self._torch = None
        if cuda:
            try:
                import torch

                if torch.cuda.is_available():
                    self._torch = torch
                    self._start = torch.cuda.Event(enable_timing=True)
                    self._end = torch.cuda.Event(enable_timing=True)
            except ImportError:
                pass

    def emit(self, start_ns: int, end_ns: int, device_ms: float, phase: Optional[str] = None) -> str:
        """Write one line for an iteration you timed yourself; returns the line."""
        p = self.phase if phase is None else phase
        line = f"KTS_APP,v1,{self.workload},{self.next_iteration},{start_ns},{end_ns},{device_ms:.6f},{p}"
        self.next_iteration += 1
        print(line, file=self.stream, flush=True)
        if self._sink is not None:
            self._sink.write(line + "\n")
        return line

    @contextlib.contextmanager
    def iteration(self, phase: Optional[str] = None) -> Iterator[None]:
        """Times the block: CUDA events on the current stream around it, then synchronize."""
        torch = self._torch
        t0 = time.time_ns()
        if torch is not None:
            self._start.record()
        yield
        if torch is not None:
            self._end.record()
            torch.cuda.synchronize()
        t1 = time.time_ns()
        device_ms = self._start.elapsed_time(self._end) if torch is not None else (t1 - t0) / 1e6
        self.emit(t0, t1, device_ms, phase)

    def close(self) -> None:
        if self._sink is not None:
            self._sink.close()
            self._sink = None
