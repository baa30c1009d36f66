#!/usr/bin/env python3
"""Lab stand-in for dcgm-exporter, for machines where dcgm-exporter cannot be installed.

Serves the DCGM_FI_* metric names and labels dcgm-exporter uses (gpu, UUID, pci_bus_id,
device, modelName, Hostname) for the fields NVML can read, so `kts serve --dcgm-url` and
`kts dcgm record` work unchanged in the lab. It is NOT a replacement for dcgm-exporter:
NVML has no profiling counters, so DCGM_FI_PROF_SM_ACTIVE / GR_ENGINE_ACTIVE / DRAM_ACTIVE
are approximated from NVML's utilisation rates and marked as such in their HELP text, and
there is no Kubernetes pod mapping (pass --pods to label who shares a GPU in experiments, or
--pods-from-processes to label each CUDA process on a GPU as a pod `lab/pid-<pid>`, the way
dcgm-exporter writes one series per pod sharing a time-sliced GPU).

Usage: python3 workers/nvml_exporter.py [--port 9400] [--pods ns/pod,ns/pod | --pods-from-processes]
Needs pynvml and prometheus_client.
"""
import argparse
import socket
import time

import pynvml
from prometheus_client import start_http_server
from prometheus_client.core import REGISTRY, GaugeMetricFamily

LABELS = ["gpu", "UUID", "pci_bus_id", "device", "modelName", "Hostname"]


def _s(v):
    return v.decode() if isinstance(v, bytes) else str(v)


class NvmlCollector:
    def __init__(self, pods, from_processes=False):
        self.pods = pods
        self.from_processes = from_processes
        self.host = socket.gethostname()

    def _gpus(self):
        for i in range(pynvml.nvmlDeviceGetCount()):
            h = pynvml.nvmlDeviceGetHandleByIndex(i)
            labels = [
                str(i),
                _s(pynvml.nvmlDeviceGetUUID(h)),
                _s(pynvml.nvmlDeviceGetPciInfo(h).busId),
                f"nvidia{i}",
                _s(pynvml.nvmlDeviceGetName(h)),
                self.host,
            ]
            yield h, labels

    def collect(self):
        label_names = LABELS + (["namespace", "pod"] if self.pods or self.from_processes else [])
        fams = {
            "DCGM_FI_DEV_GPU_UTIL": GaugeMetricFamily("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", labels=label_names),
            "DCGM_FI_DEV_MEM_COPY_UTIL": GaugeMetricFamily("DCGM_FI_DEV_MEM_COPY_UTIL", "Memory utilization (in %).", labels=label_names),
            "DCGM_FI_DEV_FB_USED": GaugeMetricFamily("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", labels=label_names),
            "DCGM_FI_DEV_FB_FREE": GaugeMetricFamily("DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", labels=label_names),
            "DCGM_FI_DEV_POWER_USAGE": GaugeMetricFamily("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", labels=label_names),
            "DCGM_FI_DEV_SM_CLOCK": GaugeMetricFamily("DCGM_FI_DEV_SM_CLOCK", "SM clock frequency (in MHz).", labels=label_names),
            "DCGM_FI_DEV_GPU_TEMP": GaugeMetricFamily("DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", labels=label_names),
            "DCGM_FI_PROF_SM_ACTIVE": GaugeMetricFamily(
                "DCGM_FI_PROF_SM_ACTIVE", "NVML lab stand-in: GPU utilization / 100, NOT the DCGM profiling counter.", labels=label_names
            ),
            "DCGM_FI_PROF_GR_ENGINE_ACTIVE": GaugeMetricFamily(
                "DCGM_FI_PROF_GR_ENGINE_ACTIVE", "NVML lab stand-in: GPU utilization / 100, NOT the DCGM profiling counter.", labels=label_names
            ),
            "DCGM_FI_PROF_DRAM_ACTIVE": GaugeMetricFamily(
                "DCGM_FI_PROF_DRAM_ACTIVE", "NVML lab stand-in: memory utilization / 100, NOT the DCGM profiling counter.", labels=label_names
            ),
        }
        for h, labels in self._gpus():
            util = pynvml.nvmlDeviceGetUtilizationRates(h)
            mem = pynvml.nvmlDeviceGetMemoryInfo(h)
            values = {
                "DCGM_FI_DEV_GPU_UTIL": util.gpu,
                "DCGM_FI_DEV_MEM_COPY_UTIL": util.memory,
                "DCGM_FI_DEV_FB_USED": mem.used / 2**20,
                "DCGM_FI_DEV_FB_FREE": mem.free / 2**20,
                "DCGM_FI_DEV_POWER_USAGE": pynvml.nvmlDeviceGetPowerUsage(h) / 1000.0,
                "DCGM_FI_DEV_SM_CLOCK": pynvml.nvmlDeviceGetClockInfo(h, pynvml.NVML_CLOCK_SM),
                "DCGM_FI_DEV_GPU_TEMP": pynvml.nvmlDeviceGetTemperature(h, pynvml.NVML_TEMPERATURE_GPU),
                "DCGM_FI_PROF_SM_ACTIVE": util.gpu / 100.0,
                "DCGM_FI_PROF_GR_ENGINE_ACTIVE": util.gpu / 100.0,
                "DCGM_FI_PROF_DRAM_ACTIVE": util.memory / 100.0,
            }
            # Like dcgm-exporter's pod mapping: one series per pod sharing the GPU.
            owners = [p.split("/", 1) for p in self.pods] or self._process_owners(h) or [None]
            for name, value in values.items():
                for owner in owners:
                    fams[name].add_metric(labels + (owner if owner else []), float(value))
        yield from fams.values()

    def _process_owners(self, h):
        if not self.from_processes:
            return []
        try:
            procs = pynvml.nvmlDeviceGetComputeRunningProcesses(h)
        except pynvml.NVMLError:
            return []
        # an idle GPU keeps its series (with empty pod labels, as dcgm-exporter writes them)
        return [["lab", f"pid-{p.pid}"] for p in procs] or [["", ""]]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=9400)
    ap.add_argument("--pods", default="", help="namespace/pod,... to label as sharing every GPU (experiments)")
    ap.add_argument("--pods-from-processes", action="store_true", help="label each CUDA process as pod lab/pid-<pid>")
    args = ap.parse_args()
    pynvml.nvmlInit()
    pods = [p for p in args.pods.split(",") if p]
    REGISTRY.register(NvmlCollector(pods, args.pods_from_processes))
    start_http_server(args.port)
    print(f"nvml_exporter (lab stand-in for dcgm-exporter) on :{args.port}", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
