#!/usr/bin/env python3
"""Reserved memory of the real Tesla T4 steps, simulated: the harness's allocation trace through the caching allocator.

For each distinct configuration of tests/fixtures/measurements/gpu_t4.jsonl (cases.t4_cases), this

1. emulates how that harness put the model on the GPU (source/gpu_t4/README.md), tensor by tensor, in
   `model.named_parameters()` order:
   - `none` (fp16 LoRA): `model.to("cuda")`, one allocation per parameter, then PEFT's adapters (fp32);
   - `nf4`: `from_pretrained(..., quantization_config=..., device_map={"": 0})`: every quantized weight arrives in
     fp16 and is quantized on the GPU (bitsandbytes `Params4bit._quantize` → `quantize_4bit`: the fp16 copy,
     the fp32 absmax, the packed uint8 weight, the 16-entry code; the fp16 copy is then freed); the other
     parameters arrive in fp16, and `prepare_model_for_kbit_training` replaces each with an fp32 copy
     (`param.data = param.data.to(torch.float32)`); then the adapters;
2. replays the harness's trace of the two training steps (measure.run_case(trace=...)) on fake tensors, with the
   two cuBLAS workspaces PyTorch allocates through the caching allocator (one per thread that runs matmuls: the
   forward's and autograd's device thread, `CublasHandlePool.cpp`, 8,519,680 B each before sm90);
3. runs it all through allocator_sim.CachingAllocator and writes, per case, the simulated peak reserved and
   allocated bytes, beside what the GPU measured, to tests/fixtures/measurements/reserved_sim_t4.json.

    tools/.venv/bin/python tools/calibrate/reserved.py [--only SUBSTRING...]
"""
from __future__ import annotations

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import measure as M  # noqa: E402
from allocator_sim import CachingAllocator  # noqa: E402
from cases import t4_cases  # noqa: E402

OUT = os.path.join(M.ROOT, "tests", "fixtures", "measurements", "reserved_sim_t4.json")
GPU = os.path.join(M.ROOT, "tests", "fixtures", "measurements", "gpu_t4.jsonl")
STEPS = int(os.environ.get("SIM_STEPS", "3"))  # warm-up, the measured step, the per-phase step
CUBLAS_WORKSPACE = 4096 * 1024 * 2 + 16 * 1024 * 8  # parseChosenWorkspaceSize(), compute capability < 9


def load_events(model, case):
    """The allocations and frees of loading `model` onto the GPU as the T4 harness did (module doc)."""
    from qlora_emulation import FakeLinear4bit
    ev, n = [], [0]

    def key(tag):
        n[0] += 1
        return f"load{n[0]}:{tag}"

    owner = {}
    for mod in model.modules():
        for pname, p in mod.named_parameters(recurse=False):
            owner[id(p)] = (mod, pname)
    nf4 = case["method"] == "qlora"
    upcast = []
    lora = []
    for name, p in model.named_parameters():
        if "lora_" in name:
            lora.append(p)
            continue
        mod, pname = owner[id(p)]
        if nf4 and isinstance(mod, FakeLinear4bit) and pname == "weight":
            numel = mod.in_features * mod.out_features
            tmp = key("fp16")
            ev.append(("a", tmp, 2 * numel))
            ev.append(("a", key("absmax"), 4 * mod.n_blocks))
            ev.append(("a", key("packed"), p.numel()))
            ev.append(("a", key("code"), 64))
            ev.append(("f", tmp))
        elif nf4:
            k = key("fp16")
            ev.append(("a", k, 2 * p.numel()))
            upcast.append((k, p))
        else:
            ev.append(("a", key("param"), p.numel() * p.element_size()))
    for b in model.buffers():
        ev.append(("a", key("buffer"), b.numel() * b.element_size()))
    for k, p in upcast:  # prepare_model_for_kbit_training
        ev.append(("a", key("fp32"), 4 * p.numel()))
        ev.append(("f", k))
    for p in lora:  # get_peft_model: adapters created on the base layer's device, cast to fp32
        ev.append(("a", key("lora"), p.numel() * p.element_size()))
    return ev


def simulate(case):
    trace = []
    res, notes, _ = M.run_case(case, record_saved=False, trace=trace, steps=STEPS)
    _, _, model = M.build_model(case)
    events = load_events(model, case)
    b, s = case["batch_size"], case["seq_len"]
    events.append(("a", "input_ids", 8 * b * s))
    seen = set()
    for e in trace:
        events.append(e)
        if e[0] == "mark" and e[1] in ("forward", "backward") and e[1] not in seen:
            seen.add(e[1])  # the first matmul of each thread allocates its cuBLAS workspace
            events.append(("a", "cublas:" + e[1], CUBLAS_WORKSPACE))
    alloc = CachingAllocator()
    marks = {}
    for e in events:
        if e[0] == "a":
            alloc.malloc(e[1], e[2])
        elif e[0] == "f":
            if e[1] in alloc.live:
                alloc.free(e[1])
        else:
            if e[1] == "measured_step":
                alloc.reset_peaks()
            marks[e[1]] = alloc.reserved
    return {"simulated_peak_reserved_bytes": alloc.peak_reserved,
            "simulated_peak_allocated_bytes": alloc.peak_allocated,
            "harness_peak_allocated_bytes": res["peak_allocated_bytes"],
            "segments": alloc.segments}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args()
    gpu = {}
    with open(GPU) as f:
        for line in f:
            d = json.loads(line)
            gpu[d["id"]] = d
    out = {}
    if os.path.exists(OUT) and args.only:
        with open(OUT) as f:
            out = json.load(f)["cases"]
    for case in t4_cases():
        if args.only and not any(o in case["id"] for o in args.only):
            continue
        r = simulate(case)
        m = gpu[case["gpu_row"]]["measured"]
        r["measured_peak_reserved_bytes"] = m["peak_reserved_bytes"]
        r["measured_peak_allocated_bytes"] = m["peak_allocated_bytes"]
        err = (r["simulated_peak_reserved_bytes"] / m["peak_reserved_bytes"] - 1) * 100
        r["reserved_error_percent"] = round(err, 2)
        out[case["gpu_row"]] = r
        M.log(f"{case['gpu_row']}: reserved sim {r['simulated_peak_reserved_bytes'] / 2**20:.0f} MiB, measured "
              f"{m['peak_reserved_bytes'] / 2**20:.0f} MiB ({err:+.1f}%); allocated sim "
              f"{r['simulated_peak_allocated_bytes'] / 2**20:.0f}, measured {m['peak_allocated_bytes'] / 2**20:.0f}")
    with open(OUT, "w") as f:
        json.dump({"what": __doc__.split("\n\n")[0], "tool": "tools/calibrate/reserved.py",
                   "allocator": "tools/calibrate/allocator_sim.py", "cases": out}, f, indent=1)


if __name__ == "__main__":
    main()
