#!/usr/bin/env python3
"""Liger-Kernel's published memory benchmarks, replayed on fake tensors (tools/calibrate/README.md, "Liger's
benchmarks").

`benchmark/data/all_benchmark_data.csv` (linkedin/Liger-Kernel) holds `torch.cuda.max_memory_allocated()` in MiB
(`_test_memory`, benchmark/scripts/utils.py: `reset_peak_memory_stats()`, then the function, then the peak; 10 times,
quantiles of the 10) for one training-style call of each kernel, Liger's and Hugging Face's. Read from the scripts at
the commits that wrote the rows:

- everything alive is counted, not only the kernel: the script's inputs, every module it built (the fused-linear
  script builds both providers' heads, so both weights are there whichever provider runs), and the `.grad` that the
  previous of the 10 calls left on each leaf (no `zero_grad` between them);
- the dtype is the script's own, with no autocast: the cross-entropy script feeds fp32 logits, the others bf16, and
  Hugging Face's loss then runs `log_softmax` in bf16, with no fp32 upcast;
- `full` mode: forward and backward.

This replays each memory function as its script wrote it, on FakeTensorMode tensors with every storage counted as in
measure.py (512-byte rounding), for 3 calls, and reports the third (the steady state the quantiles show). The
Hugging Face providers are plain PyTorch (transformers 5's `LlamaRMSNorm` / `LlamaMLP`, the same code as 2024's
4.44). Liger's providers run Liger's own Python at the commit that wrote the row, with every Triton kernel launch
replaced by nothing: a Triton kernel writes into tensors its Python wrapper allocated and allocates no device memory
itself, so what the wrapper allocates is what the GPU allocated. `Tensor.item()` of a fake tensor answers 1: Liger
reads the count of non-ignored targets with it, which scales the gradients and never sizes a tensor; `torch.equal` of
fake tensors answers True for two scalars: Liger's backward asks whether the incoming gradient is 1.0, as it is for
`y.backward()` of a scalar loss; and a fake tensor is true (`total_n_non_ignore > 0`: every target is a class).

    git -C <Liger-Kernel> archive b5672a15 src | tar -x -C /tmp/liger_b5672a15    # rows of 2024-09-03 (0.2.1)
    git -C <Liger-Kernel> archive 90fb5e4a src | tar -x -C /tmp/liger_90fb5e4a    # rows of 2024-11-22 (0.4.2)
    git -C <Liger-Kernel> archive ead96b6 src | tar -x -C /tmp/liger_ead96b6      # what the estimator models
    tools/.venv/bin/python tools/calibrate/liger_bench.py --csv all_benchmark_data.csv \\
        --liger b5672a15=/tmp/liger_b5672a15/src --liger 90fb5e4a=/tmp/liger_90fb5e4a/src \\
        --modelled ead96b6=/tmp/liger_ead96b6/src
"""
from __future__ import annotations

import argparse
import csv
import importlib
import json
import os
import sys

import torch
from torch import nn
from torch._subclasses.fake_tensor import FakeTensor, FakeTensorMode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402  (StorageCounter)

OUT = os.path.join(measure.ROOT, "tests", "fixtures", "measurements", "source", "liger_benchmark.jsonl")
CSV_COMMIT = "2120862b"  # the newest commit that changed all_benchmark_data.csv at the snapshot read (2026-08-10)
# The commit that wrote each group of rows (git log -S on the CSV), and the Liger version the rows name.
ROW_COMMITS = {"cross_entropy": "b5672a15", "rms_norm": "b5672a15", "swiglu": "b5672a15",
               "fused_linear_cross_entropy": "90fb5e4a"}
SCRIPTS = {"cross_entropy": "benchmark/scripts/benchmark_cross_entropy.py",
           "rms_norm": "benchmark/scripts/benchmark_rms_norm.py",
           "swiglu": "benchmark/scripts/benchmark_swiglu.py",
           "fused_linear_cross_entropy": "benchmark/scripts/benchmark_fused_linear_cross_entropy.py"}
DTYPES = {"torch.bfloat16": torch.bfloat16, "torch.float32": torch.float32}
DEVICE = "cpu"  # the fake device (the scripts say "cuda")


def stub_triton():
    """Every `kernel[grid](...)` launch does nothing (see the module doc)."""
    from triton.runtime.jit import JITFunction

    JITFunction.__getitem__ = lambda self, grid: (lambda *a, **k: None)
    try:
        from triton.runtime.autotuner import Autotuner
        Autotuner.__getitem__ = lambda self, grid: (lambda *a, **k: None)
    except ImportError:
        pass


class BenchCounter(measure.StorageCounter):
    """measure.StorageCounter, answering the data-dependent questions Liger asks of its fake tensors (module doc):
    a scalar read (`.item()`, `> 0`, a tensor `alpha`) is 1, `torch.equal` of two scalars is true."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func is torch.ops.aten._local_scalar_dense.default:
            return 1.0 if args[0].is_floating_point() else 1
        if func is torch.ops.aten.equal.default:
            return args[0].numel() == 1 and args[1].numel() == 1
        if func is torch.ops.aten.is_nonzero.default:
            return True
        return super().__torch_dispatch__(func, types, args, kwargs)


def load_liger(path):
    for name in [m for m in sys.modules if m == "liger_kernel" or m.startswith("liger_kernel.")]:
        del sys.modules[name]
    sys.path.insert(0, path)
    try:
        return {
            "ce": importlib.import_module("liger_kernel.ops.cross_entropy"),
            "flce": importlib.import_module("liger_kernel.ops.fused_linear_cross_entropy"),
            "rms": importlib.import_module("liger_kernel.ops.rms_norm"),
            "swiglu": importlib.import_module("liger_kernel.ops.swiglu"),
        }
    finally:
        sys.path.remove(path)


# ---- the scripts' memory functions, provider by provider -----------------------------------------------------
def cross_entropy(liger, provider, x, cfg):
    """benchmark_cross_entropy.py, bench_memory_cross_entropy (b5672a15)."""
    B, T, V = cfg["B"], cfg["T"], x
    torch_ce = nn.CrossEntropyLoss()
    _input = torch.randn(B * T, V, requires_grad=True, device=DEVICE)
    target = torch.randint(V, (B * T, 1), device=DEVICE).squeeze(1)

    def full():
        if provider == "liger":  # LigerCrossEntropyLoss.forward (liger_kernel/transformers/cross_entropy.py)
            y = liger["ce"].LigerCrossEntropyFunction.apply(_input, target, -100)
        else:
            y = torch_ce(_input, target)
        y.backward()

    return full, (_input, target)


def fused_linear_cross_entropy(liger, provider, x, cfg):
    """benchmark_fused_linear_cross_entropy.py, bench_memory_fused_linear_cross_entropy (90fb5e4a): both heads are
    built, whichever provider runs. `cfg["frozen_head"]` (not in the script): the head needs no gradient, as under
    LoRA."""
    BT, H, V, dtype = x, cfg["H"], cfg["V"], DTYPES[cfg["dtype"]]
    torch_lin = nn.Linear(H, V, bias=False, dtype=dtype, device=DEVICE)  # TorchLMHeadCE.lin
    torch_ce = nn.CrossEntropyLoss(ignore_index=-100, reduction="mean")
    liger_lin = nn.Linear(H, V, bias=False, dtype=dtype, device=DEVICE)  # LigerLMHeadCE.lin
    if cfg.get("frozen_head"):
        torch_lin.weight.requires_grad_(False)
        liger_lin.weight.requires_grad_(False)
    _input = torch.randn(BT, H, requires_grad=True, dtype=dtype, device=DEVICE)
    target = torch.randint(V, (BT, 1), dtype=torch.long, device=DEVICE).squeeze(1)

    def full():
        if provider == "liger":  # LigerFusedLinearCrossEntropyLoss.forward(lin.weight, x, y)
            # the loss's defaults: no bias, ignore_index -100, reduction "mean"
            y = liger["flce"].LigerFusedLinearCrossEntropyFunction.apply(_input, liger_lin.weight, target)
            if isinstance(y, tuple):  # later versions return (loss, z_loss, token_accuracy, ...)
                y = y[0]
        else:
            y = torch_ce(torch_lin(_input), target)
        y.backward()

    return full, (torch_lin, liger_lin, _input, target)


def rms_norm(liger, provider, x, cfg):
    """benchmark_rms_norm.py, bench_memory_rms_norm (b5672a15): both norms are built."""
    from transformers.models.llama.modeling_llama import LlamaRMSNorm
    M, N, eps, dtype = cfg["M"], x, cfg["eps"], DTYPES[cfg["dtype"]]
    # LigerRMSNorm(hidden_size=N, eps=eps) (liger_kernel/transformers/rms_norm.py): an fp32 ones weight, offset 0,
    # casting mode "llama".
    liger_w = nn.Parameter(torch.ones(N, device=DEVICE))
    llama_rms = LlamaRMSNorm(N, eps=eps)  # built on the fake device: `.to("cuda")` moves nothing more
    x_ = torch.randn((M, N), dtype=dtype, device=DEVICE)
    dy = torch.randn_like(x_)
    x_.requires_grad_(True)

    def full():
        if provider == "liger":
            y = liger["rms"].LigerRMSNormFunction.apply(x_, liger_w, eps, 0.0, "llama")
        else:
            y = llama_rms(x_)
        y.backward(dy, retain_graph=True)

    return full, (liger_w, llama_rms, x_, dy)


def swiglu(liger, provider, x, cfg):
    """benchmark_swiglu.py, bench_memory_swiglu (b5672a15): one MLP, of the provider's kind."""
    from transformers import LlamaConfig
    from transformers.models.llama.modeling_llama import LlamaMLP
    dtype = DTYPES[cfg["dtype"]]
    conf = LlamaConfig(hidden_size=cfg["hidden_size"], intermediate_size=cfg["intermediate_size"],
                       hidden_act=cfg["hidden_act"])
    x_ = torch.randn(cfg["B"], x, cfg["hidden_size"], device=DEVICE, dtype=dtype, requires_grad=True)
    # `.to(device).to(dtype)`: built on the fake device directly in the dtype (the counter's weak references stop
    # `_apply` from swapping fake parameters in place; the bytes are the same).
    default = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        layer = LlamaMLP(conf)
    finally:
        torch.set_default_dtype(default)
    if provider == "liger":
        # LigerSwiGLUMLP.forward (liger_kernel/transformers/swiglu.py): the same three Linears,
        # down(LigerSiLUMulFunction(gate(x), up(x))).
        fn = liger["swiglu"].LigerSiLUMulFunction

        def fwd():
            return layer.down_proj(fn.apply(layer.gate_proj(x_), layer.up_proj(x_)))
    else:
        def fwd():
            return layer(x_)

    def full():
        y = fwd()
        y.backward(torch.randn_like(y), retain_graph=True)

    return full, (layer, x_)


FUNCS = {"cross_entropy": cross_entropy, "fused_linear_cross_entropy": fused_linear_cross_entropy,
         "rms_norm": rms_norm, "swiglu": swiglu}


def replay(kernel, provider, x, cfg, liger, calls=3):
    """The peak of the last of `calls` calls, every live storage counted (512-byte blocks)."""
    counter = BenchCounter()
    with FakeTensorMode(allow_non_fake_inputs=False):
        with counter:
            full, keep = FUNCS[kernel](liger, provider, x, cfg)
            peaks = []
            for _ in range(calls):
                counter.reset_peak()
                full()
                peaks.append(counter.peak_rounded)
    del keep, full
    return peaks


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", required=True, help="benchmark/data/all_benchmark_data.csv")
    ap.add_argument("--liger", action="append", default=[], help="COMMIT=PATH to Liger's src/ at that commit")
    ap.add_argument("--modelled", default=None,
                    help="COMMIT=PATH: Liger's src/ at the commit the estimator models; adds replay-only rows of its "
                         "fused linear cross-entropy at the benchmark's shapes, trained and frozen head")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    srcs = dict(a.split("=", 1) for a in args.liger)
    stub_triton()
    rows = []
    with open(args.csv) as f:
        for n, r in enumerate(csv.DictReader(f), start=2):
            if r["kernel_name"] in FUNCS and r["metric_name"] == "memory":
                rows.append((n, r))
    out = []
    libs = {}
    for n, r in rows:
        kernel, provider = r["kernel_name"], r["kernel_provider"]
        commit = ROW_COMMITS[kernel]
        if commit not in libs:
            libs[commit] = load_liger(srcs[commit])
        cfg = json.loads(r["extra_benchmark_config_str"])
        x = int(r["x_value"])
        peaks = replay(kernel, provider, x, cfg, libs[commit])
        published = float(r["y_value_50"])
        replayed = peaks[-1] / 2**20
        line = {"csv": "benchmark/data/all_benchmark_data.csv", "csv_commit": CSV_COMMIT, "csv_row": n,
                "row_commit": commit, "script": SCRIPTS[kernel], "kernel": kernel, "provider": provider,
                "mode": r["kernel_operation_mode"], "x_name": r["x_name"], "x": x, "config": cfg,
                "gpu": r["gpu_name"], "liger_version": r["liger_version"], "published_mib": published,
                "replayed_mib": replayed, "replayed_bytes": peaks[-1], "replayed_calls_mib": [p / 2**20 for p in peaks],
                "replay": "fake tensors, every Triton launch a no-op (tools/calibrate/liger_bench.py)"}
        out.append(line)
        print(f"row {n:4d} {kernel:27s} {provider:12s} {r['x_name']}={x:<7d} published {published:10.2f} MiB  "
              f"replayed {replayed:10.2f} MiB  {100 * (replayed - published) / published:+7.2f}%", flush=True)
    if args.modelled:
        commit, path = args.modelled.split("=", 1)
        lib = load_liger(path)
        for frozen in (False, True):
            for x in (4096, 8192, 16384, 32768):
                cfg = {"H": 4096, "V": 128256, "dtype": "torch.bfloat16", "frozen_head": frozen}
                peaks = replay("fused_linear_cross_entropy", "liger", x, cfg, lib)
                out.append({"kernel": "fused_linear_cross_entropy", "provider": "liger", "row_commit": commit,
                            "script": SCRIPTS["fused_linear_cross_entropy"], "mode": "full", "x_name": "BT", "x": x,
                            "config": cfg, "published_mib": None, "replayed_mib": peaks[-1] / 2**20,
                            "replayed_bytes": peaks[-1], "replayed_calls_mib": [p / 2**20 for p in peaks],
                            "replay": "the modelled version at the benchmark's shapes: no published row"})
                print(f"modelled {commit} BT={x} frozen={frozen}: replayed {peaks[-1] / 2**20:.2f} MiB", flush=True)
    with open(args.out, "w") as f:
        for line in out:
            f.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
