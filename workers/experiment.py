#!/usr/bin/env python3
"""Experiment runner: the seed's solo/shared runs, an N-tenant matrix, MPS, live sidecars.

    python3 workers/experiment.py --out runs/h100 [--kts "node dist/src/cli.js"] [--exporter]

Scenarios (--scenarios, comma-separated; default all), each writing <scenario>-<workload>.log:
  solo     solo-fft.log, then solo-gemm.log, each alone on the GPU
  pair     shared-fft.log + shared-gemm.log: the seed's shared pair (FFT with 1 GEMM co-tenant)
  matrix   n2-*.log, n3-*.log: FFT with 2 and 3 GEMM co-tenants (n1 is the pair)
  mps      mps-solo-fft.log, mps-solo-gemm.log, mps-shared-*.log: the same under an MPS
           control daemon (nvidia-cuda-mps-control -d), stopped afterwards
  live     live-fft.log with `kts serve` tailing it (baseline captured from solo-*.log by
           `kts baseline capture`); --live-cotenants GEMM co-tenants (1) join after
           --live-solo-s seconds. /metrics is scraped every 0.25 s into live-metrics.jsonl; the
           sidecar's CPU and RSS go to live-sidecar.json. With N > 1 co-tenants the files are
           named liveN-* instead of live-*
  agent    an LLM-style agent (workers/kts_agent.py: one batch-1 decode step of a 12-layer,
           d_model 2048 bf16 decoder with a KV cache per iteration, replayed as a CUDA graph,
           --agent-rate-hz 20 steps/s; AGENT_CUDA_GRAPH=0 in the environment makes it eager)
           and a training job (workers/kts_trainer.py: an 8 x 8192^2 MLP, forward, backward and
           AdamW back to back) time-sliced on one GPU. First agent-solo.log, the agent alone for
           --agent-solo-s (60) s, and agent-baseline.json from it by `kts baseline capture
           --profile h100`; then agent-live.log, the agent for --agent-live-s (240) s with
           `kts serve --dcgm-url none` following it (/metrics every --agent-scrape-s 0.5 s into
           agent-live-metrics.jsonl, its CPU and RSS in agent-live-sidecar.json). The trainer
           (agent-live-trainer.log) joins --agent-join-s (60) s after the agent's first live
           iteration and gets SIGTERM at --agent-leave-s (150) s; the agent goes on alone. The
           timeline has the join, the trainer's first step, the leave and the trainer's last
           step (epoch ns) under the scenario agent-live. Worker stderr: agent-stderr.txt
In the other scenarios co-tenants run until the FFT they share with ends, then get SIGTERM. timeline.jsonl records
every start and stop (epoch ns). With --exporter, workers/nvml_exporter.py serves DCGM_FI_*
on :9400 (labelling each CUDA process as a pod) and `kts dcgm record` writes dcgm.jsonl for
`kts report --dcgm`. Then `kts report` and docs/results.md come from these logs (see
scripts/gen-results.mjs). Nothing here needs Kubernetes.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from typing import Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "kts_worker.py")
AGENT = os.path.join(HERE, "kts_agent.py")
TRAINER = os.path.join(HERE, "kts_trainer.py")
FOREVER = "1000000000"
SCENARIOS = ("solo", "pair", "matrix", "mps", "live", "agent")


class Runner:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.out = os.path.abspath(args.out)
        os.makedirs(self.out, exist_ok=True)
        self.timeline = open(os.path.join(self.out, "timeline.jsonl"), "a", buffering=1)
        self.kts = shlex.split(args.kts) if args.kts else None
        self.background: List[subprocess.Popen] = []

    def event(self, scenario: str, event: str, **fields: object) -> None:
        rec = {"t_ns": time.time_ns(), "scenario": scenario, "event": event, **fields}
        self.timeline.write(json.dumps(rec) + "\n")
        print(json.dumps(rec), flush=True)

    def worker(self, scenario: str, kind: str, log: str, iterations: str, phase: str, env_extra: Optional[Dict[str, str]] = None) -> subprocess.Popen:
        env = dict(os.environ)
        env.update(
            {
                "ITERATIONS": iterations,
                "MATRIX_SIZE": str(self.args.matrix_size),
                "PHASE": phase,
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(env_extra or {})
        f = open(os.path.join(self.out, log), "w")
        p = subprocess.Popen([sys.executable, WORKER, kind], stdout=f, stderr=subprocess.DEVNULL, env=env)
        f.close()
        self.event(scenario, "start", workload=kind, log=log, pid=p.pid)
        return p

    def stop(self, scenario: str, procs: List[subprocess.Popen]) -> None:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            self.event(scenario, "stop", pid=p.pid, rc=p.returncode)

    def solo(self, prefix: str, phase: str) -> None:
        a = self.args
        for kind, its in (("fft", a.fft_iterations), ("gemm", a.gemm_iterations)):
            scenario = f"{prefix}solo-{kind}"
            p = self.worker(scenario, kind, f"{scenario}.log", str(its), phase)
            p.wait()
            self.event(scenario, "stop", pid=p.pid, rc=p.returncode)

    def shared(self, scenario: str, tenants: int, phase: str, solo_s: float = 0.0, on_tick=None) -> None:
        """FFT with `tenants` GEMM co-tenants; co-tenants start solo_s seconds after the FFT."""
        a = self.args
        fft = self.worker(scenario, "fft", f"{scenario}-fft.log", str(a.live_iterations if solo_s else a.fft_iterations), phase)
        started = time.monotonic()
        cotenants: List[subprocess.Popen] = []
        while fft.poll() is None:
            if len(cotenants) < tenants and time.monotonic() - started >= solo_s:
                for n in range(1, tenants + 1):
                    log = f"{scenario}-gemm.log" if tenants == 1 else f"{scenario}-gemm-{n}.log"
                    cotenants.append(self.worker(scenario, "gemm", log, FOREVER, phase))
            if on_tick is not None:
                on_tick()
            time.sleep(0.25)
        self.event(scenario, "stop", pid=fft.pid, rc=fft.returncode)
        self.stop(scenario, cotenants)

    def mps(self) -> None:
        env = dict(os.environ)
        pipe = "/tmp/kts-mps"
        os.makedirs(pipe, exist_ok=True)
        os.environ["CUDA_MPS_PIPE_DIRECTORY"] = pipe
        os.environ["CUDA_MPS_LOG_DIRECTORY"] = pipe
        rc = subprocess.run(["nvidia-cuda-mps-control", "-d"], env=dict(os.environ)).returncode
        self.event("mps", "daemon-start", rc=rc)
        try:
            self.solo("mps-", "mps-solo")
            q = subprocess.run(["nvidia-cuda-mps-control"], input=b"get_server_list\n", capture_output=True, env=dict(os.environ))
            self.event("mps", "server-list", out=q.stdout.decode().strip(), rc=q.returncode)
            self.shared("mps-shared", 1, "mps-shared")
        finally:
            subprocess.run(["nvidia-cuda-mps-control"], input=b"quit\n", env=dict(os.environ))
            time.sleep(1)
            os.environ.clear()
            os.environ.update(env)
            self.event("mps", "daemon-stop")

    KEEP = ("kts_contention", "kts_degradation_factor", "kts_samples", "kts_latency", "kts_gpu_pods_sharing", "kts_gpu_sm_active", "kts_dcgm_up", "process_cpu_seconds_total", "process_resident_memory_bytes")

    def scraper(self, port: int, path: str, interval_s: float):
        """Returns scrape(force=False): GET /metrics at most every interval_s, one JSON line per
        scrape in path ({"t_ns", "scrape_ms", "lines"}: the lines starting with KEEP)."""
        metrics = open(path, "w", buffering=1)
        last = [0.0]

        def scrape(force: bool = False) -> None:
            now = time.monotonic()
            if not force and now - last[0] < interval_s:
                return
            last[0] = now
            t = time.time_ns()
            try:
                t0 = time.perf_counter()
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
                ms = (time.perf_counter() - t0) * 1000
            except OSError as e:
                metrics.write(json.dumps({"t_ns": t, "error": str(e)}) + "\n")
                return
            lines = [ln for ln in body.splitlines() if ln.startswith(self.KEEP)]
            metrics.write(json.dumps({"t_ns": t, "scrape_ms": round(ms, 3), "lines": lines}) + "\n")

        return scrape

    @staticmethod
    def usage(pid: int) -> Dict[str, object]:
        """A process's CPU seconds (/proc/PID/stat) and VmRSS/VmHWM (/proc/PID/status)."""
        usage: Dict[str, object] = {}
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            tick = os.sysconf("SC_CLK_TCK")
            usage["cpu_user_s"] = int(fields[11]) / tick
            usage["cpu_system_s"] = int(fields[12]) / tick
            with open(f"/proc/{pid}/status") as f:
                for ln in f:
                    if ln.startswith(("VmRSS", "VmHWM")):
                        k, v = ln.split(":")
                        usage[k] = int(v.split()[0]) * 1024
        except OSError as e:
            usage["error"] = str(e)
        return usage

    def sidecar(self, name: str, log: str, baseline: str, port: int, extra: List[str]) -> subprocess.Popen:
        """`kts serve` following log from its beginning; its output goes to <name>-sidecar.log."""
        cmd = self.kts + ["serve", "--source", f"file:{log}", "--from-beginning", "--baseline", baseline, "--listen", f"127.0.0.1:{port}", "--pod-signals", "false", "--log-level", "warn"] + extra
        env = dict(os.environ, NODE_OPTIONS="--max-semi-space-size=1 --max-old-space-size=48")
        sidecar = subprocess.Popen(cmd, env=env, stdout=open(os.path.join(self.out, f"{name}-sidecar.log"), "w"), stderr=subprocess.STDOUT)
        self.event(name, "sidecar-start", pid=sidecar.pid)
        return sidecar

    def live(self) -> None:
        if not self.kts:
            print("live: needs --kts", file=sys.stderr)
            return
        n = self.args.live_cotenants
        name = "live" if n == 1 else f"live{n}"
        baseline = os.path.join(self.out, f"{name}-baseline.json")
        subprocess.run(
            self.kts + ["baseline", "capture", "--from", os.path.join(self.out, "solo-fft.log"), os.path.join(self.out, "solo-gemm.log"), "--profile", "h100-solo", "--out", baseline],
            check=True,
        )
        log = os.path.join(self.out, f"{name}-fft.log")
        open(log, "w").close()
        port = self.args.live_port
        dcgm = ["--dcgm-url", self.args.dcgm_url, "--gpu-index", "0"] if self.args.exporter else ["--dcgm-url", "none"]
        sidecar = self.sidecar(name, log, baseline, port, dcgm)
        scrape = self.scraper(port, os.path.join(self.out, f"{name}-metrics.jsonl"), 0.25)
        time.sleep(1.5)
        self.shared(name, n, name, solo_s=self.args.live_solo_s, on_tick=scrape)
        for _ in range(8):  # let the last lines land
            time.sleep(0.25)
            scrape(force=True)
        usage = self.usage(sidecar.pid)
        self.event(name, "sidecar-usage", **usage)
        with open(os.path.join(self.out, f"{name}-sidecar.json"), "w") as f:
            json.dump(usage, f, indent=2)
        self.stop(name, [sidecar])

    def spawn(self, scenario: str, event: str, workload: str, script: str, argv: List[str], log: str) -> subprocess.Popen:
        """A workers/ script with its stdout in <out>/<log>, its stderr appended to agent-stderr.txt."""
        f = open(os.path.join(self.out, log), "w")
        err = open(os.path.join(self.out, "agent-stderr.txt"), "a")
        p = subprocess.Popen([sys.executable, script] + argv, stdout=f, stderr=err, env=dict(os.environ, PYTHONUNBUFFERED="1"))
        f.close()
        err.close()
        self.event(scenario, event, workload=workload, log=log, pid=p.pid)
        return p

    def agent_argv(self, duration_s: float, phase: str) -> List[str]:
        a = self.args
        return ["--duration-s", str(duration_s), "--rate-hz", str(a.agent_rate_hz), "--layers", str(a.agent_layers), "--d-model", str(a.agent_d_model), "--context", str(a.agent_context), "--phase", phase, "--device", a.device]

    @staticmethod
    def kts_lines(path: str) -> List[List[str]]:
        try:
            with open(path) as f:
                return [ln.rstrip("\n").split(",") for ln in f if ln.startswith("KTS_APP,") and ln.endswith("\n")]
        except OSError:
            return []

    def agent(self) -> None:
        """The agent scenario: a solo agent run, its baseline, then a live run that a trainer joins
        and leaves, with `kts serve` following the agent's log."""
        if not self.kts:
            print("agent: needs --kts", file=sys.stderr)
            return
        a = self.args
        # 1. a separate, earlier solo run of the agent, and the baseline captured from it
        p = self.spawn("agent-solo", "start", "agent", AGENT, self.agent_argv(a.agent_solo_s, "solo"), "agent-solo.log")
        p.wait()
        self.event("agent-solo", "stop", pid=p.pid, rc=p.returncode)
        baseline = os.path.join(self.out, "agent-baseline.json")
        cap = subprocess.run(self.kts + ["baseline", "capture", "--from", os.path.join(self.out, "agent-solo.log"), "--profile", a.agent_profile, "--out", baseline])
        self.event("agent-solo", "baseline-capture", profile=a.agent_profile, rc=cap.returncode)
        if cap.returncode != 0:
            raise RuntimeError(f"kts baseline capture exited {cap.returncode}")

        # 2. the live run: kts serve follows agent-live.log; the trainer joins and leaves
        name = "agent-live"
        log = os.path.join(self.out, "agent-live.log")
        open(log, "w").close()
        sidecar = self.sidecar(name, log, baseline, a.agent_port, ["--dcgm-url", "none"])
        scrape = self.scraper(a.agent_port, os.path.join(self.out, "agent-live-metrics.jsonl"), a.agent_scrape_s)
        time.sleep(1.5)
        agent = self.spawn(name, "start", "agent", AGENT, self.agent_argv(a.agent_live_s, "live"), "agent-live.log")
        trainer_log = os.path.join(self.out, "agent-live-trainer.log")
        trainer: Optional[subprocess.Popen] = None
        first_ns: Optional[int] = None  # epoch_ns_start of the agent's first logged iteration: t = 0
        seen_first_step = left = stopped = smi_done = False
        while agent.poll() is None:
            if first_ns is None:
                rows = self.kts_lines(log)
                if rows:
                    first_ns = int(rows[0][4])
                    self.event(name, "agent-first-iteration", workload="agent", iteration=int(rows[0][3]), epoch_ns_start=first_ns)
            t = (time.time_ns() - first_ns) / 1e9 if first_ns is not None else -1.0
            if trainer is None and t >= a.agent_join_s:
                trainer = self.spawn(name, "join", "trainer", TRAINER, ["--width", str(a.trainer_width), "--depth", str(a.trainer_depth), "--batch", str(a.trainer_batch), "--phase", "live", "--device", a.device], "agent-live-trainer.log")
            if trainer is not None and not seen_first_step:
                rows = self.kts_lines(trainer_log)
                if rows:
                    seen_first_step = True
                    self.event(name, "trainer-first-step", workload="trainer", pid=trainer.pid, epoch_ns_start=int(rows[0][4]), epoch_ns_end=int(rows[0][5]))
            if trainer is not None and not smi_done and t >= a.agent_join_s + 15 and shutil.which("nvidia-smi"):
                smi_done = True
                q = subprocess.run(["nvidia-smi", "--query-compute-apps=pid,process_name,used_memory", "--format=csv,noheader"], capture_output=True, text=True)
                self.event(name, "compute-apps", out=q.stdout.strip(), rc=q.returncode)
            if trainer is not None and not left and t >= a.agent_leave_s:
                left = True
                trainer.send_signal(signal.SIGTERM)
                self.event(name, "leave", workload="trainer", pid=trainer.pid)
            if left and not stopped and trainer is not None and trainer.poll() is not None:
                stopped = True
                rows = self.kts_lines(trainer_log)
                last = {"iteration": int(rows[-1][3]), "epoch_ns_end": int(rows[-1][5])} if rows else {}
                self.event(name, "stop", workload="trainer", pid=trainer.pid, rc=trainer.returncode, last_step=last)
            scrape()
            time.sleep(0.05)
        self.event(name, "stop", workload="agent", pid=agent.pid, rc=agent.returncode)
        if trainer is not None and not stopped:
            self.stop(name, [trainer])
        for _ in range(4):  # let the last lines land
            time.sleep(a.agent_scrape_s)
            scrape(force=True)
        usage = self.usage(sidecar.pid)
        self.event(name, "sidecar-usage", **usage)
        with open(os.path.join(self.out, "agent-live-sidecar.json"), "w") as f:
            json.dump(usage, f, indent=2)
        self.stop(name, [sidecar])

    def start_exporter(self) -> None:
        exp = subprocess.Popen([sys.executable, os.path.join(HERE, "nvml_exporter.py"), "--port", "9400", "--pods-from-processes"], stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.out, "nvml-exporter.log"), "w"))
        self.background.append(exp)
        time.sleep(2)
        if self.kts:
            rec = subprocess.Popen(self.kts + ["dcgm", "record", "--url", self.args.dcgm_url, "--out", os.path.join(self.out, "dcgm.jsonl"), "--interval-ms", "100"], stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.out, "dcgm-record.log"), "w"))
            self.background.append(rec)
        self.event("exporter", "start")

    def run(self) -> int:
        chosen = [s for s in self.args.scenarios.split(",") if s]
        unknown = [s for s in chosen if s not in SCENARIOS]
        if unknown:
            print(f"unknown scenario(s): {','.join(unknown)} (known: {','.join(SCENARIOS)})", file=sys.stderr)
            return 2
        try:
            if self.args.exporter:
                self.start_exporter()
            for s in SCENARIOS:
                if s not in chosen:
                    continue
                t0 = time.monotonic()
                try:
                    if s == "solo":
                        self.solo("", "solo")
                    elif s == "pair":
                        self.shared("shared", 1, "shared")
                    elif s == "matrix":
                        for n in (2, 3):
                            self.shared(f"n{n}", n, f"n{n}")
                    elif s == "mps":
                        self.mps()
                    elif s == "live":
                        self.live()
                    elif s == "agent":
                        self.agent()
                except Exception as e:  # one failed scenario must not lose the others' logs
                    self.event(s, "error", error=repr(e))
                print(f"scenario {s}: {time.monotonic() - t0:.1f} s", flush=True)
        finally:
            self.stop("exporter", list(reversed(self.background)))
        return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--kts", default="", help='command that runs kts, e.g. "node dist/src/cli.js"')
    ap.add_argument("--exporter", action="store_true", help="run the NVML lab exporter and kts dcgm record")
    ap.add_argument("--dcgm-url", default="http://127.0.0.1:9400/metrics")
    ap.add_argument("--fft-iterations", type=int, default=600)
    ap.add_argument("--gemm-iterations", type=int, default=400)
    ap.add_argument("--live-iterations", type=int, default=600)
    ap.add_argument("--live-solo-s", type=float, default=20.0)
    ap.add_argument("--live-cotenants", type=int, default=1)
    ap.add_argument("--live-port", type=int, default=9464)
    ap.add_argument("--matrix-size", type=int, default=4096)
    ap.add_argument("--agent-solo-s", type=float, default=60.0, help="agent: length of the solo run (the baseline)")
    ap.add_argument("--agent-live-s", type=float, default=240.0, help="agent: length of the live run")
    ap.add_argument("--agent-join-s", type=float, default=60.0, help="agent: the trainer joins this long after the first live iteration")
    ap.add_argument("--agent-leave-s", type=float, default=150.0, help="agent: the trainer gets SIGTERM this long after the first live iteration")
    ap.add_argument("--agent-rate-hz", type=float, default=20.0, help="agent: decode steps started per second")
    ap.add_argument("--agent-layers", type=int, default=12)
    ap.add_argument("--agent-d-model", type=int, default=2048)
    ap.add_argument("--agent-context", type=int, default=1024)
    ap.add_argument("--agent-profile", default="h100", help="agent: baseline profile name")
    ap.add_argument("--agent-port", type=int, default=9464)
    ap.add_argument("--agent-scrape-s", type=float, default=0.5, help="agent: /metrics scrape interval")
    ap.add_argument("--trainer-width", type=int, default=8192)
    ap.add_argument("--trainer-depth", type=int, default=8)
    ap.add_argument("--trainer-batch", type=int, default=8192)
    ap.add_argument("--device", default="cuda", help="agent and trainer: torch device (cpu: a smoke test with tiny sizes)")
    return Runner(ap.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
