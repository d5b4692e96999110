#!/usr/bin/env python3
"""Measure the same cases as measure.py on a real CUDA GPU: real kernels, real bitsandbytes, real SDPA.

Random weights, no downloads: LoRA/full cases build the model with ``from_config`` directly on the GPU in bf16;
QLoRA cases save that random bf16 model to a temporary folder once per architecture and load it back with
``from_pretrained(quantization_config=BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
bnb_4bit_use_double_quant=..., bnb_4bit_compute_dtype=torch.bfloat16), dtype=torch.bfloat16)`` (the QLoRA
recipe), then ``peft.prepare_model_for_kbit_training`` and ``get_peft_model``.

Each step is what HF Trainer does with ``bf16=True``: forward + loss under ``torch.autocast("cuda", bf16)``,
``loss.backward()``, ``clip_grad_norm_(1.0)``, ``optimizer.step()`` (torch AdamW, foreach or fused),
``zero_grad(set_to_none=True)``. Two steps; the numbers are for the second one.

Recorded per case (JSONL, one line per case, to ``$OUT/gpu.jsonl`` or ``--out``):
- ``peak_allocated_bytes``: ``torch.cuda.max_memory_allocated()`` over step 2 (and per phase);
- ``peak_reserved_bytes``: ``torch.cuda.max_memory_reserved()`` over step 2 (the caching allocator's pools);
- ``static_bytes``: ``torch.cuda.memory_allocated()`` before step 2;
- ``non_allocator_bytes``: device memory in use (``cudaMemGetInfo``) minus what the caching allocator has
  reserved, after step 2, minus what other processes used before this one started (the CUDA context, kernel
  images, cuBLAS/cuDNN handles and whatever else lives outside PyTorch's allocator);
- ``nvidia_smi_estimate_bytes`` = peak reserved + non-allocator bytes: what nvidia-smi shows at the peak.

    python tools/calibrate/gpu_measure.py                       # all cases -> $OUT/gpu.jsonl
    python tools/calibrate/gpu_measure.py --only llama31-8b-l2  # a subset (substring match on ids)
    python tools/calibrate/gpu_measure.py --isolate             # one fresh process per case (cleaner reserved)
    python tools/calibrate/gpu_measure.py --dry-run             # CPU, tiny shapes: checks that the code runs
    python tools/calibrate/gpu_measure.py --set more --isolate  # the second case set (cases.more_cases)
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402
import transformers  # noqa: E402
import peft  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402
from peft import LoraConfig, get_peft_model  # noqa: E402

from cases import CASE_SETS, load_config, lora_targets, make_optimizer, scenario_of  # noqa: E402

TINY = {"hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "num_key_value_heads": 2,
        "head_dim": 16, "vocab_size": 512, "num_hidden_layers": 2, "pad_token_id": 0}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def smi_used_bytes():
    """Device-wide used memory from nvidia-smi (None if unavailable)."""
    try:
        dev = os.environ.get("CUDA_VISIBLE_DEVICES", "0").split(",")[0] or "0"
        out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits", "-i", dev],
                             capture_output=True, text=True, timeout=30).stdout.strip().splitlines()
        return int(out[0]) * 2**20
    except Exception:
        return None


def build(case, device, dry, qlora_cache):
    raw, cfg = load_config(case["slug"], {**case.get("overrides", {}), **(TINY if dry else {})})
    cfg.use_cache = False
    if case["method"] == "qlora":
        from transformers import BitsAndBytesConfig
        key = json.dumps(raw, sort_keys=True)
        if key not in qlora_cache:
            d = tempfile.mkdtemp(prefix="lora-vram-qlora-")
            with torch.device("cpu"):
                m = AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16)
            m.save_pretrained(d)
            del m
            qlora_cache[key] = d
        bnb = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                 bnb_4bit_use_double_quant=bool(case.get("double_quant")),
                                 bnb_4bit_compute_dtype=torch.bfloat16)
        model = AutoModelForCausalLM.from_pretrained(qlora_cache[key], quantization_config=bnb,
                                                     dtype=torch.bfloat16, device_map={"": device},
                                                     attn_implementation=case["attention"])
        model.config.use_cache = False
        from peft import prepare_model_for_kbit_training
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    else:
        dtype = torch.float32 if case["weight_dtype"] == "fp32" else torch.bfloat16
        with torch.device(device):
            model = AutoModelForCausalLM.from_config(cfg, dtype=dtype, attn_implementation=case["attention"])
    if case["method"] in ("lora", "qlora"):
        extra = {"modules_to_save": list(case["modules_to_save"])} if case.get("modules_to_save") else {}
        lc = LoraConfig(r=case["rank"], lora_alpha=case["alpha"], target_modules=lora_targets(case["targets"]),
                        lora_dropout=case["dropout"], task_type="CAUSAL_LM", **extra)
        model = get_peft_model(model, lc,
                               autocast_adapter_dtype=case.get("adapter_dtype", "fp32") == "fp32")
    return raw, cfg, model


def run(case, device, dry, qlora_cache, baseline_used):
    t0 = time.time()
    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    raw, cfg, model = build(case, device, dry, qlora_cache)
    model.train()
    if case["gradient_checkpointing"]:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if case["method"] != "full":
            model.enable_input_require_grads()
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = make_optimizer(case.get("optimizer", "adamw_torch"), trainable)
    b, s = case["batch_size"], (32 if dry else case["seq_len"])
    input_ids = torch.randint(0, cfg.vocab_size, (b, s), device=device)
    dev_type = "cuda" if cuda else "cpu"
    mp = case.get("mixed_precision", "bf16")
    phase_peaks, phase_reserved = {}, {}

    def mark(phase):
        if cuda:
            torch.cuda.synchronize()
            phase_peaks[phase] = torch.cuda.max_memory_allocated()
            phase_reserved[phase] = torch.cuda.max_memory_reserved()
            torch.cuda.reset_peak_memory_stats()

    static = None
    for step in range(2):
        if step == 1:
            if cuda:
                torch.cuda.synchronize()
                static = torch.cuda.memory_allocated()
                torch.cuda.reset_peak_memory_stats()
                reserved_before = torch.cuda.memory_reserved()
        ac = torch.autocast(dev_type, dtype=torch.bfloat16) if mp == "bf16" else contextlib.nullcontext()
        with ac:
            loss = model(input_ids=input_ids, labels=input_ids).loss
        if step == 1:
            mark("forward")
        loss.backward()
        del loss
        if step == 1:
            mark("backward")
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        if step == 1:
            mark("optimizer")
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    res = {"seconds": round(time.time() - t0, 1),
           "attn_implementation": getattr(base.config, "_attn_implementation", None)}
    if cuda:
        # reset_peak_memory_stats() resets the allocated and the reserved peaks: both are taken per phase
        peak_phase = max(phase_peaks, key=phase_peaks.get)
        free, total = torch.cuda.mem_get_info()
        reserved_now = torch.cuda.memory_reserved()
        used = total - free
        non_alloc = used - reserved_now - (baseline_used or 0)
        res.update({
            "peak_allocated_bytes": max(phase_peaks.values()),
            "peak_by_phase": phase_peaks,
            "peak_phase": peak_phase,
            "static_bytes": static,
            "reserved_before_step2_bytes": reserved_before,
            "peak_reserved_bytes": max(phase_reserved.values()),
            "peak_reserved_by_phase": phase_reserved,
            "non_allocator_bytes": non_alloc,
            "nvidia_smi_estimate_bytes": max(phase_reserved.values()) + non_alloc,
            "device_used_bytes_after": used,
        })
    del model, opt, trainable
    return raw, res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--set", default="base", choices=sorted(CASE_SETS), help="case set (see cases.py)")
    ap.add_argument("--out", default=os.path.join(os.environ.get("OUT", "."), "gpu.jsonl"))
    ap.add_argument("--dry-run", action="store_true", help="CPU, tiny configs, 32 tokens; QLoRA skipped without bnb")
    ap.add_argument("--isolate", action="store_true", help="run each case in a fresh process")
    ap.add_argument("--baseline-used", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    cases = CASE_SETS[args.set]()
    if args.only:
        cases = [c for c in cases if any(o in c["id"] for o in args.only)]
    device = "cpu" if args.dry_run else "cuda:0"
    if args.dry_run:
        try:
            import bitsandbytes  # noqa: F401
        except Exception:
            cases = [c for c in cases if c["method"] != "qlora"]
            log("dry run: bitsandbytes not importable, QLoRA cases skipped")

    if args.isolate and not args.dry_run:
        baseline = smi_used_bytes()
        for c in cases:
            cmd = [sys.executable, os.path.abspath(__file__), "--set", args.set, "--only", c["id"], "--out", args.out]
            if baseline is not None:
                cmd += ["--baseline-used", str(baseline)]
            subprocess.run(cmd, check=False)
        return

    # CUDA context: device memory used before this process touches CUDA, and right after a trivial allocation
    ctx = {}
    baseline_used = args.baseline_used
    if not args.dry_run:
        before = smi_used_bytes() if baseline_used is None else baseline_used
        torch.cuda.init()
        x = torch.ones(1, device=device)
        torch.cuda.synchronize()
        free, total = torch.cuda.mem_get_info()
        ctx = {"device_used_before_init_bytes": before, "device_used_after_init_bytes": total - free,
               "reserved_after_init_bytes": torch.cuda.memory_reserved(), "total_bytes": total,
               "device_name": torch.cuda.get_device_name(0)}
        if before is not None:
            ctx["cuda_context_bytes"] = total - free - before - torch.cuda.memory_reserved()
        baseline_used = before
        del x
    bnb_version = None
    try:
        import bitsandbytes
        bnb_version = bitsandbytes.__version__
    except Exception:
        pass
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    qlora_cache = {}
    try:
        for i, c in enumerate(cases):
            log(f"[{i + 1}/{len(cases)}] {c['id']}")
            try:
                raw, res = run(c, device, args.dry_run, qlora_cache, baseline_used)
            except Exception as e:  # keep going (e.g. out of memory), record the failure
                import traceback
                traceback.print_exc()
                raw, res = load_config(c["slug"], c.get("overrides", {}))[0], {"error": f"{type(e).__name__}: {e}"}
                if device.startswith("cuda"):
                    torch.cuda.empty_cache()
            line = {
                "id": c["id"], "scenario": scenario_of(c, raw, attention=res.get("attn_implementation")),
                "measured": res,
                "device": "dry-run cpu (tiny shapes)" if args.dry_run else torch.cuda.get_device_name(0),
                "cuda_context": ctx,
                "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                             "peft": peft.__version__, "bitsandbytes": bnb_version,
                             "cuda": torch.version.cuda, "python": platform.python_version()},
                "date": datetime.date.today().isoformat(),
            }
            if args.dry_run:
                line["scenario"]["model"]["hf_config"].update(TINY)
                line["scenario"]["seq_len"] = 32
            with open(args.out, "a") as f:
                f.write(json.dumps(line) + "\n")
            log(f"  {json.dumps(res)[:300]}")
    finally:
        for d in qlora_cache.values():
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
