"""Validation of the fake-tensor method against real computation (run through ``measure.py --validate``).

The same small model (Qwen2.5-0.5B's config cut to 2 layers, LoRA r16 all-linear, batch 1, 128 tokens, fp32
weights, no autocast) is trained for two steps twice:

1. with FakeTensorMode tensors (no compute), bytes counted by measure.StorageCounter;
2. with real, materialised CPU tensors and real arithmetic, bytes counted by the same StorageCounter, and,
   independently, by PyTorch's own CPU allocator events (``torch.profiler`` with ``profile_memory=True``:
   every allocation and free the c10 CPU allocator makes, including kernel-internal scratch buffers).

The fake and real counter peaks must agree exactly; the allocator peak shows what a kernel allocates beyond its
output tensors (on the CPU; CUDA kernels differ). Results go to tests/fixtures/measurements/validation.json.
"""
from __future__ import annotations

import json
import os
import sys
import time

import torch

import measure as M

OUT = os.path.join(M.ROOT, "tests", "fixtures", "measurements", "validation.json")


def fix_rotary(model):
    """to_empty() leaves garbage in the rotary inv_freq buffers: rebuild them from the config."""
    for mod in model.modules():
        if hasattr(mod, "inv_freq") and hasattr(mod, "config"):
            fresh = type(mod)(mod.config)
            mod.inv_freq = fresh.inv_freq
            if hasattr(mod, "original_inv_freq"):
                mod.original_inv_freq = fresh.original_inv_freq


def profiler_peak(fn):
    """Run fn() under the profiler; return (peak of the running sum of CPU allocator events, n events)."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    evs = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
    evs.sort(key=lambda e: e.start_ns())
    cur = peak = 0
    for e in evs:
        cur += e.nbytes()
        peak = max(peak, cur)
    return peak, cur, len(evs)


def main():
    results = []
    for attention in ("eager", "sdpa"):
        case = M.lora_case(f"validate-qwen25-0.5b-l2-{attention}", "Qwen__Qwen2.5-0.5B", 2, s=128, ckpt=False,
                           attention=attention, weight_dtype="fp32", mp="no")
        # sdpa: the real CPU kernel for fp32 is the CPU flash kernel; route the fake run to the same op
        route = "cpu_flash" if attention == "sdpa" else None
        row = {"case": M.scenario_of(case, M.load_config(case["slug"], case["overrides"])[0]), "id": case["id"]}
        for ckpt in (False, True):
            case["gradient_checkpointing"] = ckpt
            t0 = time.time()
            fake, _, _ = M.run_case(case, attn_route=route)
            t1 = time.time()
            real, _, _ = M.run_case(case, real=True, attn_route=route, prepare_real=fix_rotary,
                                    profile_second_step=profiler_peak)
            t2 = time.time()
            keys = ("peak_allocated_bytes", "peak_live_bytes_unrounded", "static_bytes", "peak_phase",
                    "saved_bytes_total", "bytes_after_forward")
            entry = {
                "gradient_checkpointing": ckpt,
                "fake": {k: fake[k] for k in keys},
                "real": {k: real[k] for k in keys},
                "real_cpu_allocator_peak_bytes": real.get("profiler_peak_bytes"),
                "agree": all(fake[k] == real[k] for k in keys),
                "seconds": {"fake": round(t1 - t0, 1), "real": round(t2 - t1, 1)},
            }
            row[f"ckpt{int(ckpt)}"] = entry
            M.log(json.dumps(entry))
        results.append(row)
    out = {
        "what": "fake-tensor byte count vs the same count on real CPU tensors with real arithmetic, and vs the "
                "CPU allocator's own events (torch.profiler profile_memory) for the second training step",
        "versions": {"torch": torch.__version__, "transformers": M.transformers.__version__,
                     "peft": M.peft.__version__},
        "date": M.DATE,
        "results": results,
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
    M.log(f"wrote {OUT}")
