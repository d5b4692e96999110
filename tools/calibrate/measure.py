#!/usr/bin/env python3
"""Measure the memory of real LoRA / QLoRA / full fine-tuning steps without a GPU.

This runs the real stack (transformers ``from_config`` + PEFT LoRA + ``torch.optim.AdamW``) for two training
steps, with every parameter, buffer and activation a ``FakeTensorMode`` tensor: shapes, dtypes, strides and
storage lifetimes are real, the bytes are never allocated and nothing is computed. A ``TorchDispatchMode``
adds up storage bytes as they are created and subtracts them when the storage is freed, which gives the exact
peak of live tensor bytes (what ``torch.cuda.max_memory_allocated()`` counts, less allocator effects).

See tools/calibrate/README.md for the method, its validation and its blind spots.

Run from the repository root:

    tools/.venv/bin/python tools/calibrate/measure.py                 # all cases -> tests/fixtures/measurements/cpu_fake.jsonl
    tools/.venv/bin/python tools/calibrate/measure.py --only llama31-8b-l2-lora-r16-s2048-ckpt0
    tools/.venv/bin/python tools/calibrate/measure.py --list
    tools/.venv/bin/python tools/calibrate/measure.py --validate      # fake vs real fp32 CPU run of a tiny model
    tools/.venv/bin/python tools/calibrate/measure.py --set more      # the second set -> .../cpu_fake_more.jsonl
    tools/.venv/bin/python tools/calibrate/measure.py --set long      # long contexts -> .../cpu_fake_long.jsonl
    tools/.venv/bin/python tools/calibrate/measure.py --set savers    # chunked loss, offloading -> .../cpu_fake_savers.jsonl
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import sys
import time
import weakref

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

import transformers
import peft
from transformers import AutoModelForCausalLM
from peft import LoraConfig, get_peft_model

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import savers  # noqa: E402
from cases import (CASE_SETS, CONFIGS, DATE, all_cases, load_config, lora_case, lora_targets,  # noqa: E402
                   make_optimizer, scenario_of)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT_DEFAULT = os.path.join(ROOT, "tests", "fixtures", "measurements", "cpu_fake.jsonl")
OUT_DEFAULTS = {"base": OUT_DEFAULT,
                "more": os.path.join(ROOT, "tests", "fixtures", "measurements", "cpu_fake_more.jsonl"),
                "long": os.path.join(ROOT, "tests", "fixtures", "measurements", "cpu_fake_long.jsonl"),
                "t4": os.path.join(ROOT, "tests", "fixtures", "measurements", "cpu_fake_t4.jsonl"),
                "savers": os.path.join(ROOT, "tests", "fixtures", "measurements", "cpu_fake_savers.jsonl")}

# The CUDA caching allocator hands out blocks in multiples of 512 bytes (c10/cuda/CUDACachingAllocator.cpp,
# kMinBlockSize = 512, round_size()). max_memory_allocated() sums those rounded block sizes.
CUDA_ROUND = 512


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------------------
# Byte counting
# --------------------------------------------------------------------------------------------------------------
class StorageCounter(TorchDispatchMode):
    """Counts live storage bytes: each storage once, from the op that creates it to its finalizer.

    Sits on top of FakeTensorMode (or on real tensors, for validation). Only storages it has seen are counted:
    call ``adopt`` for tensors that exist before it is entered (parameters, buffers, inputs).
    """

    def __init__(self):
        super().__init__()
        self.live = {}  # storage key -> serial
        self.info = {}  # serial -> dict(nbytes, rounded, op, phase, module)
        self.serial = 0
        self.cur = 0
        self.cur_rounded = 0
        self.phase = "setup"
        self.module_stack = []
        self.reset_peak()
        self.autocast_divergence = collections.Counter()
        self.ops = collections.Counter()
        self.autocast_on = False
        self.hook = None  # optional callable(func, args, kwargs, out) for extra accounting
        self.trace = None  # a list to record ("a", serial, nbytes) / ("f", serial) / ("mark", name) into
        # Activation offloading (savers.py): pinned host buffers are made on savers.HOST_DEVICE and counted apart.
        self.host_device = None
        self.host_live = {}  # storage key -> serial, host buffers only
        self.host_cur = 0
        self.host_cur_pinned = 0
        self.host_allocs = 0

    def reset_peak(self):
        self.peak = getattr(self, "cur", 0)
        self.peak_rounded = getattr(self, "cur_rounded", 0)
        self.peak_phase = getattr(self, "phase", "setup")
        self.peak_serials = list(getattr(self, "live", {}).values())
        self.phase_peak = collections.defaultdict(int)
        self.host_peak = getattr(self, "host_cur", 0)
        self.host_peak_pinned = getattr(self, "host_cur_pinned", 0)

    @staticmethod
    def key(st):
        return st._cdata

    def track(self, t, op="adopt"):
        if not isinstance(t, torch.Tensor):
            return None
        st = t.untyped_storage()
        k = self.key(st)
        if k in self.live:
            return self.live[k]
        if k in self.host_live:
            return self.host_live[k]
        n = st.nbytes()
        if self.host_device is not None and t.device == self.host_device:
            return self._track_host(st, k, n)
        r = 0 if n == 0 else -(-n // CUDA_ROUND) * CUDA_ROUND
        self.serial += 1
        s = self.serial
        self.live[k] = s
        self.info[s] = {
            "nbytes": n,
            "op": op,
            "phase": self.phase,
            "module": self.module_stack[-1] if self.module_stack else "",
            "dtype": str(t.dtype).replace("torch.", ""),
            "shape": list(t.shape),
        }
        self.cur += n
        self.cur_rounded += r
        if self.trace is not None and n > 0:
            self.trace.append(("a", s, n))
        weakref.finalize(st, self._free, k, s, n, r)
        return s

    def _track_host(self, st, k, n):
        """A pinned host buffer: its bytes, and the power-of-two block PyTorch's CachingHostAllocator hands out
        (`c10::llvm::PowerOf2Ceil` in `CachingHostAllocatorImpl::allocate`)."""
        p = 0 if n == 0 else 1 << (n - 1).bit_length()
        self.serial += 1
        self.host_live[k] = self.serial
        self.host_cur += n
        self.host_cur_pinned += p
        self.host_allocs += 1
        self.host_peak = max(self.host_peak, self.host_cur)
        self.host_peak_pinned = max(self.host_peak_pinned, self.host_cur_pinned)
        weakref.finalize(st, self._free_host, k, self.serial, n, p)
        return self.serial

    def _free_host(self, k, s, n, p):
        if self.host_live.get(k) == s:
            del self.host_live[k]
        self.host_cur -= n
        self.host_cur_pinned -= p

    def _free(self, k, s, n, r):
        if self.trace is not None and n > 0:
            self.trace.append(("f", s))
        if self.live.get(k) == s:
            del self.live[k]
        self.cur -= n
        self.cur_rounded -= r

    def serial_of(self, t):
        return self.live.get(self.key(t.untyped_storage()))

    def note_peak(self):
        if self.cur_rounded > self.phase_peak[self.phase]:
            self.phase_peak[self.phase] = self.cur_rounded
        if self.cur_rounded > self.peak_rounded:
            self.peak_rounded = self.cur_rounded
            self.peak = self.cur
            self.peak_phase = self.phase
            self.peak_serials = list(self.live.values())

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        self.ops[func.overloadpacket.__name__] += 1
        # torch.is_autocast_enabled() reads False below the Autocast dispatch key; run_case sets this flag
        if self.autocast_on:
            check_autocast_divergence(self, func, args, kwargs)
        if self.host_device is not None and kwargs.get("pin_memory"):
            # The offloader's pinned host buffer (savers.py): made on the host stand-in device.
            kwargs = dict(kwargs, pin_memory=False, device=self.host_device)
        out = func(*args, **kwargs)
        for t in tree_leaves(out):
            if isinstance(t, torch.Tensor):
                self.track(t, func.overloadpacket.__name__)
        # A structured CUDA kernel gets its output allocated first, then allocates its scratch.
        scratch = cuda_kernel_scratch(func, args)
        for t in scratch:
            self.track(t, "cuda_scratch")
        if self.hook is not None:
            self.hook(self, func, args, kwargs, out)
        self.note_peak()
        del scratch
        return out


# --------------------------------------------------------------------------------------------------------------
# CUDA kernels that allocate differently from their CPU counterparts (found by comparing this harness with the real
# Tesla T4 rows, tests/fixtures/measurements/gpu_t4.jsonl; see tools/calibrate/README.md, "The fourth set")
# --------------------------------------------------------------------------------------------------------------
def cuda_kernel_scratch(func, args):
    """Temporaries a CUDA kernel allocates inside the op, alive beside its inputs and output.

    - `_softmax_backward_data`: `softmax_backward_cuda_out` (aten/src/ATen/native/cuda/SoftMax.cu) computes
      `Tensor tmp = grad * output;` before the reduction kernel: one more tensor of the gradient's shape and dtype.
      The CPU kernel (aten/src/ATen/native/SoftMax.cpp, `softmax_backward_cpu_out`) works in place.
    """
    if func is torch.ops.aten._softmax_backward_data.default:
        grad = args[0]
        return [torch.empty_like(grad)]
    return []


_orig_softmax = torch.nn.functional.softmax
_orig_tensor_softmax = torch.Tensor.softmax


def _cuda_softmax(orig):
    """`softmax(x, dim, dtype=torch.float32)` of an fp16 `x` as CUDA runs it.

    aten/src/ATen/native/SoftMax.cpp, `softmax(input, dim, dtype)`: on CUDA, Half input with a Float dtype calls
    `_softmax(input, dim, half_to_float=True)`, one kernel that writes fp32 from fp16; every other case (bf16, and
    every CPU tensor) converts first (`input.toType(dtype)`, a full fp32 copy) and then calls `_softmax`. The fake
    tensors are CPU tensors, so without this they would take the copy.
    """
    def softmax(input, dim=None, _stacklevel=3, dtype=None):
        if (dtype == torch.float32 and isinstance(input, torch.Tensor) and input.dtype == torch.float16
                and dim is not None):
            return torch._softmax(input, dim, True)
        if orig is _orig_tensor_softmax:
            return orig(input, dim, dtype=dtype) if dtype is not None else orig(input, dim)
        return orig(input, dim, _stacklevel=_stacklevel, dtype=dtype)

    softmax.__doc__ = orig.__doc__
    return softmax


torch.nn.functional.softmax = _cuda_softmax(_orig_softmax)
torch.Tensor.softmax = _cuda_softmax(_orig_tensor_softmax)


# Ops that CUDA autocast runs in fp32 (or lower precision) but CPU autocast leaves alone. The fake tensors are
# CPU tensors, so torch.autocast("cpu") is what applies; if one of these ops sees a bf16 (resp. fp32) input under
# autocast, the CPU run differs from a CUDA run, and the case records it. Lists from
# aten/src/ATen/autocast_mode.cpp (TORCH_LIBRARY_IMPL(aten, AutocastCUDA / AutocastCPU, m)).
CUDA_ONLY_FP32 = {
    "acos", "asin", "cosh", "erfinv", "exp", "expm1", "log", "log10", "log2", "log1p", "reciprocal", "rsqrt",
    "sinh", "tan", "pow", "softplus", "layer_norm", "native_layer_norm", "group_norm", "frobenius_norm",
    "nuclear_norm", "cosine_similarity", "poisson_nll_loss", "cosine_embedding_loss", "hinge_embedding_loss",
    "kl_div", "l1_loss", "smooth_l1_loss", "huber_loss", "margin_ranking_loss", "soft_margin_loss",
    "triplet_margin_loss", "multi_margin_loss", "binary_cross_entropy_with_logits", "dist", "pdist", "renorm",
    "logsumexp", "_softmax", "_log_softmax", "cumsum", "cumprod", "sum", "prod",
}
CUDA_ONLY_LOWER = {"addmv", "addr", "mv", "chain_matmul", "linalg_multi_dot", "_scaled_dot_product_flash_attention",
                   "_scaled_dot_product_efficient_attention"}


def check_autocast_divergence(counter, func, args, kwargs):
    name = func.overloadpacket.__name__
    if name not in CUDA_ONLY_FP32 and name not in CUDA_ONLY_LOWER:
        return
    dts = {t.dtype for t in tree_leaves((args, kwargs)) if isinstance(t, torch.Tensor) and t.is_floating_point()}
    if name in CUDA_ONLY_FP32 and (torch.bfloat16 in dts or torch.float16 in dts):
        if name in ("sum", "cumsum", "prod", "cumprod") and kwargs.get("dtype") is not None:
            # CUDA autocasts these only when no dtype= is given (fp32_set_opt_dtype): with one, both agree.
            return
        counter.autocast_divergence[f"{name}:bf16-in"] += 1
    if name in CUDA_ONLY_LOWER and torch.float32 in dts:
        counter.autocast_divergence[f"{name}:fp32-in"] += 1


# --------------------------------------------------------------------------------------------------------------
# Attention routing: what the CUDA SDPA dispatcher does, with kernels that have meta implementations
# --------------------------------------------------------------------------------------------------------------
_orig_sdpa = torch.nn.functional.scaled_dot_product_attention
ATTN_ROUTE = {"mode": "off", "calls": collections.Counter()}


def cuda_sdpa_emulation(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                        enable_gqa=False):
    """Stand-in for F.scaled_dot_product_attention with the CUDA backend choice for bf16 training.

    - no mask: the flash kernel (aten._scaled_dot_product_flash_attention), which takes GQA k/v unrepeated and
      saves q, k, v, out and a (b, heads, s) fp32 logsumexp (derivatives.yaml);
    - a mask: flash cannot take one, so the memory-efficient kernel (aten._scaled_dot_product_efficient_attention)
      with the boolean mask turned into an additive float mask of the query dtype, as
      aten/src/ATen/native/transformers/attention.cpp (convert_boolean_attn_mask) does; it saves the bias too.
    Without this, meta/fake tensors take the math path, which materialises b*a*s^2 scores.
    """
    if ATTN_ROUTE["mode"] == "cuda" and torch.is_autocast_enabled("cpu"):
        # scaled_dot_product_attention is on the lower-precision list of both CUDA and CPU autocast
        # (aten/src/ATen/autocast_mode.cpp); calling the private kernels directly would skip that cast.
        dt = torch.get_autocast_dtype("cpu")
        query, key, value = (t.to(dt) if t.dtype == torch.float32 else t for t in (query, key, value))
        if attn_mask is not None and attn_mask.is_floating_point() and attn_mask.dtype == torch.float32:
            attn_mask = attn_mask.to(dt)
    if ATTN_ROUTE["mode"] == "cpu_flash":  # validation only: the same CPU kernel for the fake and the real run
        ATTN_ROUTE["calls"]["cpu_flash"] += 1
        if key.size(1) != query.size(1):
            rep = query.size(1) // key.size(1)
            key = key.repeat_interleave(rep, dim=1)
            value = value.repeat_interleave(rep, dim=1)
        return torch.ops.aten._scaled_dot_product_flash_attention_for_cpu(
            query, key, value, dropout_p, is_causal, attn_mask=attn_mask, scale=scale)[0]
    if ATTN_ROUTE["mode"] == "efficient":
        # The T4 rows: SDPA pinned to EFFICIENT_ATTENTION, which has no GQA support, with k/v expanded to the query
        # heads first (transformers' repeat_kv: expand + reshape, a new tensor).
        ATTN_ROUTE["calls"]["efficient"] += 1
        if key.size(1) != query.size(1):
            rep = query.size(1) // key.size(1)
            key = key.repeat_interleave(rep, dim=1)
            value = value.repeat_interleave(rep, dim=1)
        bias = None
        if attn_mask is not None:
            if attn_mask.dtype == torch.bool:
                attn_mask = torch.where(attn_mask, 0.0, float("-inf")).to(query.dtype)
            bias = attn_mask.expand(query.size(0), query.size(1), query.size(2), key.size(2))
        out = torch.ops.aten._scaled_dot_product_efficient_attention(query, key, value, bias, True, dropout_p,
                                                                     is_causal, scale=scale)
        return out[0]
    if ATTN_ROUTE["mode"] != "cuda":
        return _orig_sdpa(query, key, value, attn_mask=attn_mask, dropout_p=dropout_p, is_causal=is_causal,
                          scale=scale, enable_gqa=enable_gqa)
    if attn_mask is None:
        ATTN_ROUTE["calls"]["flash"] += 1
        out = torch.ops.aten._scaled_dot_product_flash_attention(query, key, value, dropout_p, is_causal, False,
                                                                 scale=scale)
        return out[0]
    ATTN_ROUTE["calls"]["efficient"] += 1
    if enable_gqa and key.size(1) != query.size(1):
        rep = query.size(1) // key.size(1)
        key = key.repeat_interleave(rep, dim=1)
        value = value.repeat_interleave(rep, dim=1)
    if attn_mask.dtype == torch.bool:
        attn_mask = torch.where(attn_mask, 0.0, float("-inf")).to(query.dtype)
    bias = attn_mask.expand(query.size(0), query.size(1), query.size(2), key.size(2))
    out = torch.ops.aten._scaled_dot_product_efficient_attention(query, key, value, bias, True, dropout_p,
                                                                 is_causal, scale=scale)
    return out[0]


torch.nn.functional.scaled_dot_product_attention = cuda_sdpa_emulation

_orig_dropout = torch.nn.functional.dropout


def cuda_dropout(input, p=0.5, training=True, inplace=False):
    """F.dropout as it runs on CUDA: the fused aten.native_dropout, whose backward keeps a bool mask.

    aten/src/ATen/native/Dropout.cpp: dropout() calls native_dropout only when is_fused_kernel_acceptable(), i.e.
    for CUDA/XPU tensors with 0 < p < 1; on the CPU it takes _dropout_impl, which builds a float noise tensor of
    the input's dtype and saves that instead (4 bytes per element for an fp32 input instead of 1). p == 0 or
    eval mode returns the input itself on both.
    """
    if training and 0.0 < p < 1.0 and input.numel() > 0 and not inplace:
        return torch.ops.aten.native_dropout(input, p, True)[0]
    return _orig_dropout(input, p, training, inplace)


torch.nn.functional.dropout = cuda_dropout

# CUDA autocast runs some ops in fp32 that CPU autocast leaves alone (aten/src/ATen/autocast_mode.cpp: the
# KERNEL_CUDA(..., fp32) and fp32_set_opt_dtype lists are longer than the CPU ones). On the fake (CPU) tensors a
# 16-bit input would stay 16-bit there, so the entry points below apply CUDA's policy at the Python level whenever CPU
# autocast is on (the forward pass, and the forward that checkpointing recomputes during backward):
# - fp32 ops (layer_norm, pow, exp, rsqrt, ...): every 16-bit floating tensor argument is cast to fp32, as
#   `cached_cast(at::kFloat, ...)` does; the output is fp32. The cast is an ordinary _to_copy in autograd.
# - fp32_set_opt_dtype ops (sum, prod, cumsum, cumprod, softmax, log_softmax): with no dtype given, dtype=torch.float32
#   is passed, so the output is fp32 (the reduction upcasts; no fp32 copy of the input is materialised).
# Where it fires: LayerNorm models (phi-2, pythia, falcon) with a bf16 residual stream (F.layer_norm), Phi-2's gelu_new
# (torch.pow(x, 3.0)), and transformers 5's grouped_mm experts path, which ends with
# `weighted_out.view(tokens, top_k, h).sum(dim=1)` on bf16 (integrations/moe.py, grouped_mm_experts_forward). None
# of the first 38 cases reaches such an op with a 16-bit input (their autocast_divergence_vs_cuda is empty), so they
# are unaffected. The aten-level detector (check_autocast_divergence) still reports anything this misses.
# (A TorchFunctionMode would be neater, but the forward recomputed by non-reentrant checkpointing runs inside the
# autograd engine without it, and the recomputed dtypes then differ from the forward's: CheckpointError.)
CUDA_FP32_PY = (
    "pow", "__pow__", "__rpow__", "layer_norm", "group_norm", "exp", "expm1", "log", "log10", "log2", "log1p",
    "rsqrt", "reciprocal", "softplus", "acos", "asin", "cosh", "sinh", "tan", "erfinv", "logsumexp",
    "cosine_similarity", "dist", "pdist", "renorm", "kl_div", "l1_loss", "smooth_l1_loss", "huber_loss",
    "binary_cross_entropy_with_logits", "poisson_nll_loss", "cosine_embedding_loss", "hinge_embedding_loss",
    "margin_ranking_loss", "soft_margin_loss", "triplet_margin_loss", "multi_margin_loss",
)
CUDA_FP32_SET_OPT_DTYPE_PY = ("sum", "prod", "cumsum", "cumprod", "softmax", "log_softmax")
LOW_PRECISION = (torch.bfloat16, torch.float16)
CUDA_AUTOCAST_CALLS = collections.Counter()


def _low(x):
    return isinstance(x, torch.Tensor) and x.dtype in LOW_PRECISION


def _cuda_autocast_wrapper(orig, name, set_opt_dtype):
    def wrapper(*args, **kwargs):
        if torch.is_autocast_enabled("cpu") and any(_low(t) for t in tree_leaves((args, kwargs))):
            if not set_opt_dtype:
                CUDA_AUTOCAST_CALLS[name] += 1
                args = tuple(a.float() if _low(a) else a for a in args)
                kwargs = {k: (v.float() if _low(v) else v) for k, v in kwargs.items()}
            elif kwargs.get("dtype") is None and not any(isinstance(a, torch.dtype) for a in args):
                CUDA_AUTOCAST_CALLS[name] += 1
                kwargs = dict(kwargs, dtype=torch.float32)
        return orig(*args, **kwargs)

    wrapper.__name__ = getattr(orig, "__name__", name)
    wrapper.__doc__ = getattr(orig, "__doc__", None)
    return wrapper


for _ns in (torch, torch.Tensor, torch.nn.functional):
    for _names, _opt in ((CUDA_FP32_PY, False), (CUDA_FP32_SET_OPT_DTYPE_PY, True)):
        for _n in _names:
            _orig = getattr(_ns, _n, None)
            if _orig is not None and callable(_orig):
                setattr(_ns, _n, _cuda_autocast_wrapper(_orig, _n, _opt))


# transformers looks for packed sequences in position_ids (masking_utils.find_packed_sequence_indices). On fake
# tensors it cannot read the values, assumes packing, and builds a full mask, so SDPA could not use flash. Our
# inputs are single unpadded sequences (position_ids = arange), for which the real function returns None.
import transformers.masking_utils as _mu  # noqa: E402

_mu.find_packed_sequence_indices = lambda position_ids: None


# --------------------------------------------------------------------------------------------------------------
# Model building
# --------------------------------------------------------------------------------------------------------------
def build_model(case):
    """The model on the meta device, with adapters injected (PEFT on meta), in the case's dtypes."""
    raw, cfg = load_config(case["slug"], case.get("overrides", {}), case.get("raw_config"))
    cfg.use_cache = False  # Trainer sets config.use_cache = args.use_cache (False) (trainer.py, "Finalize")
    # The load dtype: bf16, or fp16 for the fp16 cases (the T4 rows load every model in fp16, nf4 ones too).
    fp16 = case["weight_dtype"] == "fp16" or case.get("mixed_precision") == "fp16" or (
        case.get("mixed_precision") == "no" and case["weight_dtype"] in ("nf4", "fp4"))
    load16 = torch.float16 if fp16 else torch.bfloat16
    weight_dtype = load16 if case["weight_dtype"] in ("bf16", "fp16", "nf4", "fp4") else torch.float32
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(cfg, dtype=weight_dtype, attn_implementation=case["attention"])
    if case["method"] == "qlora":
        # from_pretrained(load_in_4bit) -> prepare_model_for_kbit_training -> get_peft_model, the QLoRA recipe
        from qlora_emulation import quantize_linears_meta, prepare_model_for_kbit_training_meta, set_dtypes
        set_dtypes(load16, load16)
        quantize_linears_meta(model, double_quant=case.get("double_quant", True))
        prepare_model_for_kbit_training_meta(model)
    if case["method"] in ("lora", "qlora"):
        extra = {}
        if case.get("modules_to_save"):
            extra["modules_to_save"] = list(case["modules_to_save"])
        lc = LoraConfig(r=case["rank"], lora_alpha=case.get("alpha", 2 * case["rank"]),
                        target_modules=lora_targets(case["targets"]), lora_dropout=case["dropout"],
                        task_type="CAUSAL_LM", **extra)
        # adapter dtype "bf16": PEFT keeps the adapters in the base weights' dtype instead of upcasting them
        # (peft/tuners/tuners_utils.py, _cast_adapter_dtype, called unless autocast_adapter_dtype=False)
        autocast_adapter = case.get("adapter_dtype", "fp32") == "fp32"
        with torch.device("meta"):
            model = get_peft_model(model, lc, autocast_adapter_dtype=autocast_adapter)
        if not autocast_adapter:
            cast_adapters_to_base_dtype(model)
    if case["method"] == "qlora":
        from qlora_emulation import patch_lora_wrappers
        assert patch_lora_wrappers(model) > 0
    if case["method"] == "full":
        for p in model.parameters():
            p.requires_grad_(True)
    return raw, cfg, model


def cast_adapters_to_base_dtype(model):
    """What PEFT does to adapters on a real device, which it skips on meta.

    `BaseTunerLayer._move_adapter_to_device_of_base_layer` (peft/tuners/tuners_utils.py; ParamWrapper's override in
    peft/tuners/lora/layer.py) moves each new adapter to the base layer's device *and floating dtype* (bf16 here), but
    it `continue`s when the adapter parameters are on meta, so a model built on meta keeps fp32 adapters. With
    `autocast_adapter_dtype=True` (the default) `cast_adapter_dtype` then upcasts 16-bit adapters to fp32 anyway, so
    only `autocast_adapter_dtype=False` needs this: the adapters end up in the base weight's dtype.
    """
    from peft.tuners.lora import LoraLayer
    from peft.tuners.lora.layer import ParamWrapper
    n = 0
    for mod in model.modules():
        if not isinstance(mod, LoraLayer):
            continue
        if isinstance(mod, ParamWrapper):
            dtype = mod.get_param().dtype
        else:
            dtype = mod.get_base_layer().weight.dtype
        if not dtype.is_floating_point:
            continue
        for name in mod.adapter_layer_names:
            layer = getattr(mod, name, None)
            if isinstance(layer, nn.ModuleDict):
                for k in list(layer.keys()):
                    layer[k] = layer[k].to(dtype=dtype)
                    n += 1
            elif isinstance(layer, nn.ParameterDict):
                for k in list(layer.keys()):
                    layer[k] = nn.Parameter(layer[k].to(dtype=dtype), requires_grad=layer[k].requires_grad)
                    n += 1
    assert n > 0
    return n


def to_fake(model, fake_mode, device):
    """Replace every meta parameter/buffer (and stray meta tensor attribute) with a fake tensor on `device`."""
    memo = {}

    def conv(t):
        if id(t) in memo:
            return memo[id(t)][1]
        with fake_mode:
            n = torch.empty_strided(t.shape, t.stride(), dtype=t.dtype, device=device)
        memo[id(t)] = (t, n)  # keep t alive so its id is not reused
        return n

    for mod in model.modules():
        for name, p in list(mod._parameters.items()):
            if p is None:
                continue
            if id(p) in memo:  # tied parameters
                mod._parameters[name] = memo[id(p)][1]
                continue
            np_ = nn.Parameter(conv(p), requires_grad=p.requires_grad) if type(p) is nn.Parameter \
                else p.__class__.__new__(p.__class__, conv(p), requires_grad=p.requires_grad)
            for attr, val in p.__dict__.items():
                setattr(np_, attr, val)
            memo[id(p)] = (p, np_)
            mod._parameters[name] = np_
        for name, b in list(mod._buffers.items()):
            if b is not None:
                mod._buffers[name] = conv(b)
        for name, v in list(vars(mod).items()):
            if isinstance(v, torch.Tensor) and not isinstance(v, nn.Parameter) and v.device.type == "meta":
                setattr(mod, name, conv(v))
    return model


# --------------------------------------------------------------------------------------------------------------
# Saved-tensor attribution
# --------------------------------------------------------------------------------------------------------------
class ModuleStack:
    def __init__(self, model, counter):
        self.counter = counter
        self.names = {id(m): n for n, m in model.named_modules()}
        self.handles = [
            nn.modules.module.register_module_forward_pre_hook(self.pre),
            nn.modules.module.register_module_forward_hook(self.post, always_call=True),
        ]

    def pre(self, mod, args):
        self.counter.module_stack.append(self.names.get(id(mod), type(mod).__name__))

    def post(self, mod, args, out):
        if self.counter.module_stack:
            self.counter.module_stack.pop()

    def remove(self):
        for h in self.handles:
            h.remove()


def part_of(module_path):
    """'base_model.model.model.layers.3.self_attn.q_proj.lora_A.default' -> ('layer', 'self_attn.q_proj.lora_A')."""
    parts = module_path.split(".")
    parts = [p for p in parts if p != "default"]
    for i, p in enumerate(parts):
        if p == "layers" and i + 1 < len(parts) and parts[i + 1].isdigit():
            rest = parts[i + 2:]
            return "layer" + parts[i + 1], ".".join(rest) if rest else "(block)"
    # outside the blocks
    tail = [p for p in parts if p not in ("base_model", "model")]
    # ops run by the *ForCausalLM module itself: logits upcast, shift, cross-entropy
    return "outside", ".".join(tail) if tail else "causal_lm(logits.float+loss)"


class SavedRecorder:
    """saved_tensors_hooks that records each saved tensor's storage once, with the module active when saved."""

    def __init__(self, counter, static_serials):
        self.counter = counter
        self.static = static_serials
        self.seen = set()
        self.rows = []

    def pack(self, t):
        c = self.counter
        s = c.serial_of(t)
        if s is None:
            s = c.track(t, "untracked")
        if s not in self.seen:
            self.seen.add(s)
            info = c.info[s]
            where, part = part_of(c.module_stack[-1] if c.module_stack else "")
            self.rows.append({
                "serial": s, "static": s in self.static, "where": where, "part": part,
                "nbytes": info["nbytes"], "dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
                "op": info["op"], "layer_module": c.module_stack[-1] if c.module_stack else "",
            })
        return t

    def unpack(self, t):
        return t


def aggregate_saved(rows, n_layers, tokens):
    by_part = collections.defaultdict(lambda: {"bytes": 0, "tensors": 0, "detail": collections.Counter()})
    total = 0
    for r in rows:
        if r["static"]:
            continue  # parameters/buffers saved by reference: no new memory
        key = ("layers.*." + r["part"]) if r["where"].startswith("layer") else r["part"]
        e = by_part[key]
        e["bytes"] += r["nbytes"]
        e["tensors"] += 1
        e["detail"][f'{r["op"]}:{r["dtype"]}'] += r["nbytes"]
        total += r["nbytes"]
    out = {}
    for k in sorted(by_part, key=lambda k: -by_part[k]["bytes"]):
        e = by_part[k]
        per_layer = k.startswith("layers.*.")
        norm = tokens * (n_layers if per_layer else 1)
        out[k] = {
            "bytes": e["bytes"],
            "bytes_per_token" + ("_per_layer" if per_layer else ""): round(e["bytes"] / norm, 3),
            "tensors": e["tensors"],
            "by_op_dtype": dict(e["detail"].most_common()),
        }
    # The last block alone: in the first block the hidden state entering it does not require grad (frozen
    # embeddings, checkpointing off), so it saves less; the last block is the steady-state one.
    last = f"layer{n_layers - 1}"
    lp = collections.defaultdict(lambda: collections.Counter())
    for r in rows:
        if not r["static"] and r["where"] == last:
            lp[r["part"]][f'{r["op"]}:{r["dtype"]}'] += r["nbytes"]
    last_out = {k: {"bytes_per_token": round(sum(v.values()) / tokens, 3), "by_op_dtype": dict(v)}
                for k, v in sorted(lp.items(), key=lambda kv: -sum(kv[1].values()))}
    return total, out, last_out


def describe_model(model):
    """What transformers and PEFT actually built: attention and experts implementations, adapted modules."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    cfg = base.config
    d = {"attn_implementation": getattr(cfg, "_attn_implementation", None)}
    ei = getattr(cfg, "_experts_implementation", None)
    # use_experts_implementation (transformers/integrations/moe.py) marks the stacked-experts modules with has_gate
    if ei is not None and any(hasattr(m, "has_gate") and hasattr(m, "is_transposed") for m in base.modules()):
        d["experts_implementation"] = ei
    if hasattr(model, "peft_config"):
        from peft.tuners.lora.layer import ParamWrapper
        from peft.tuners.lora import LoraLayer
        kinds = collections.Counter()
        leaves = collections.Counter()
        for name, mod in model.named_modules():
            if isinstance(mod, LoraLayer):
                kind = type(mod).__name__
                if isinstance(mod, ParamWrapper):
                    leaf = name.split(".")[-1] + "." + mod.parameter_name
                    leaf = leaf.replace("experts.experts.", "experts.")
                else:
                    leaf = name.split(".")[-1]
                kinds[kind] += 1
                leaves[f"{kind}:{leaf}"] += 1
        d["lora_layers"] = dict(sorted(leaves.items()))
        pc = model.peft_config["default"]
        d["peft_target_parameters"] = sorted(pc.target_parameters or [])
        d["peft_rank_pattern"] = dict(pc.rank_pattern or {})
    return d


# --------------------------------------------------------------------------------------------------------------
# One measured run
# --------------------------------------------------------------------------------------------------------------
def run_case(case, *, real=False, device="cpu", steps=2, record_saved=True, attn_route=None, prepare_real=None,
             profile_second_step=None, trace=None):
    """Build, run `steps` training steps, return the measurement dict.

    real=False: FakeTensorMode tensors on the CPU device (no compute); real=True: materialised CPU tensors
    (for validation only; small models).
    """
    t0 = time.time()
    raw, cfg, model = build_model(case)
    built = describe_model(model)
    n_layers = cfg.num_hidden_layers
    fake_mode = None
    if real:
        model = model.to_empty(device="cpu")
        base = model.get_base_model() if hasattr(model, "get_base_model") else model
        if getattr(base.config, "tie_word_embeddings", False):
            base.tie_weights()  # to_empty() materialises tied parameters twice
        with torch.no_grad():
            for n, p in model.named_parameters():
                if p.dtype.is_floating_point:
                    p.normal_(0, 0.02)
        if prepare_real is not None:
            prepare_real(model)
    else:
        from torch._subclasses.fake_tensor import FakeTensorMode
        fake_mode = FakeTensorMode(allow_non_fake_inputs=False)
        to_fake(model, fake_mode, device)

    model.train()
    if case.get("loss", "standard") == "chunked":
        savers.install_chunked_loss(model, case["loss_chunks"])
    elif case.get("loss", "standard") != "standard":
        raise ValueError(f"loss {case['loss']!r} is not measured by this harness")
    offload = savers.offload_context(model) if case.get("activation_offloading") else None
    if offload is not None:
        # The offloader is a saved_tensors_hooks, and only the innermost one runs: the saved-tensor recorder
        # would switch it off.
        record_saved = False
    ckpt = case["gradient_checkpointing"]
    if ckpt:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if case["method"] != "full":
            model.enable_input_require_grads()
    trainable = [p for p in model.parameters() if p.requires_grad]
    mp = case.get("mixed_precision", "bf16")
    opt_name = case.get("optimizer", "adamw_torch")
    used_attn = built["attn_implementation"] or case["attention"]
    ATTN_ROUTE["mode"] = attn_route or (case.get("sdpa_kernel", "cuda") if used_attn == "sdpa" else "off")
    if ATTN_ROUTE["mode"] == "flash":
        ATTN_ROUTE["mode"] = "cuda"
    keep_outputs = case.get("trainer") == "custom_loop"
    clip = case.get("clip_grad_norm", True)
    ATTN_ROUTE["calls"].clear()
    CUDA_AUTOCAST_CALLS.clear()

    counter = StorageCounter()
    if offload is not None:
        counter.host_device = savers.HOST_DEVICE
    ms = ModuleStack(model, counter)
    b, s = case["batch_size"], case["seq_len"]
    mode_ctx = fake_mode if fake_mode is not None else contextlib.nullcontext()
    params = {id(p) for p in model.parameters()}
    result = {}
    with mode_ctx:
        opt = make_optimizer(opt_name, trainable)
        input_ids = torch.zeros((b, s), dtype=torch.long, device=device)
        if real:
            input_ids = torch.randint(0, cfg.vocab_size, (b, s))
        with counter:
            for p in model.parameters():
                counter.track(p, "param")
            for bu in model.buffers():
                counter.track(bu, "buffer")
            counter.track(input_ids, "input")
            rec = None
            state = {}

            def one_step(hooks_ctx):
                if keep_outputs:
                    # The plain loop of the T4 rows: zero_grad first, and `out` lives until the step returns.
                    counter.phase = "zero_grad"
                    opt.zero_grad(set_to_none=True)
                counter.phase = "forward"
                if counter.trace is not None:
                    counter.trace.append(("mark", "forward"))
                ac = torch.autocast("cpu", dtype=torch.bfloat16) if mp == "bf16" else contextlib.nullcontext()
                # TRL's SFTTrainer.training_step: the offloader spans the forward, the loss and the backward.
                step_ctx = offload() if offload is not None else contextlib.nullcontext()
                with step_ctx:
                    with hooks_ctx:
                        with ac:
                            counter.autocast_on = mp == "bf16"
                            out = model(input_ids=input_ids, labels=input_ids)
                            loss = out.loss
                            counter.autocast_on = False
                    if not keep_outputs:
                        del out  # Trainer.compute_loss returns only the loss
                    counter.note_peak()
                    state["after_forward"] = counter.cur_rounded
                    counter.phase = "backward"
                    if counter.trace is not None:
                        counter.trace.append(("mark", "backward"))
                    loss.backward()
                    del loss
                counter.phase = "optimizer"
                if clip:
                    # HF Trainer: max_grad_norm=1.0 -> clip_grad_norm_ (foreach) before optimizer.step()
                    torch.nn.utils.clip_grad_norm_(trainable, 1.0, foreach=True)
                opt.step()
                if keep_outputs:
                    del out
                    counter.note_peak()
                    return
                counter.phase = "zero_grad"
                opt.zero_grad(set_to_none=True)
                counter.note_peak()

            # The allocation trace for tools/calibrate/reserved.py: everything after the parameters, buffers and
            # input exist (their allocation order on a GPU depends on how the model was loaded; reserved.py
            # emulates that part itself).
            counter.trace = trace
            for step in range(steps):
                last = step == steps - 1
                hooks = contextlib.nullcontext()
                if last:
                    if counter.trace is not None:
                        counter.trace.append(("mark", "measured_step"))
                    static = counter.cur_rounded
                    static_raw = counter.cur
                    static_serials = set(counter.live.values())
                    host_allocs_before = counter.host_allocs
                    counter.reset_peak()
                    if record_saved:
                        rec = SavedRecorder(counter, static_serials)
                        hooks = torch.autograd.graph.saved_tensors_hooks(rec.pack, rec.unpack)
                if last and profile_second_step is not None:
                    prof = profile_second_step(lambda: one_step(hooks))
                    result["profiler_peak_bytes"] = static_raw + prof[0]
                    result["profiler_end_delta_bytes"] = prof[1]
                else:
                    one_step(hooks)
            after_forward = state["after_forward"]
            end_bytes = counter.cur_rounded
            # categorise the peak
            grads_at_peak = 0
            cats = collections.Counter()
            param_serials = {counter.serial_of(p) for p in model.parameters()}
            trainable_serials = {counter.serial_of(p) for p in trainable}
            buffer_serials = {counter.serial_of(x) for x in model.buffers()}
            state_serials = set()
            for st in opt.state.values():
                for v in st.values():
                    if isinstance(v, torch.Tensor) and v.numel() > 1:
                        state_serials.add(counter.serial_of(v))
            for sr in counter.peak_serials:
                info = counter.info[sr]
                r = -(-info["nbytes"] // CUDA_ROUND) * CUDA_ROUND if info["nbytes"] else 0
                if sr in trainable_serials:
                    cats["trainable_params"] += r
                elif sr in param_serials or sr in buffer_serials:
                    cats["frozen_params_and_buffers"] += r
                elif sr in state_serials:
                    cats["optimizer_state"] += r
                elif info["op"] == "quant_state":
                    cats["frozen_params_and_buffers"] += r
                else:
                    cats[f"other[{info['phase']}]"] += r
    counter.trace = None
    ms.remove()
    ATTN_ROUTE["mode"] = "off"
    tokens = b * s
    n_total = sum(p.numel() for p in model.parameters())
    n_train = sum(p.numel() for p in trainable)
    result.update({
        "peak_allocated_bytes": counter.peak_rounded,
        "peak_live_bytes_unrounded": counter.peak,
        "static_bytes": static,
        "static_bytes_unrounded": static_raw,
        "peak_phase": counter.peak_phase,
        "peak_by_phase": dict(counter.phase_peak),
        "bytes_after_forward": after_forward,
        "bytes_after_step": end_bytes,
        "peak_composition": dict(sorted(cats.items())),
        "total_params": n_total,
        "trainable_params": n_train,
    })
    if offload is not None:
        result.update({
            # Pinned host memory of the 2nd step: the peak of live host buffers, as allocated and in the
            # power-of-two blocks of PyTorch's CachingHostAllocator; how many buffers the step made.
            "host_peak_bytes": counter.host_peak,
            "host_peak_pinned_bytes": counter.host_peak_pinned,
            "host_buffers": counter.host_allocs - host_allocs_before,
        })
    if rec is not None:
        total, parts, last = aggregate_saved(rec.rows, n_layers, tokens)
        result["saved_bytes_total"] = total
        result["saved_by_part"] = parts
        result["saved_by_part_last_layer"] = last
    notes = {"built": built, "attention_kernels": dict(ATTN_ROUTE["calls"]),
             "cuda_autocast_emulated_fp32": dict(CUDA_AUTOCAST_CALLS),
             "autocast_divergence_vs_cuda": dict(counter.autocast_divergence),
             "seconds": round(time.time() - t0, 1)}
    return result, notes, raw


METHOD_NOTES = (
    "2 training steps of transformers from_config + PEFT LoRA + torch.optim.AdamW, peak over the 2nd step "
    "(forward, backward, clip_grad_norm_(1.0, foreach), optimizer.step, zero_grad(set_to_none=True)); every tensor a "
    "FakeTensorMode tensor on device cpu (no compute, no allocation); a TorchDispatchMode adds each storage's bytes "
    "once, rounded up to 512 B as CUDA's caching allocator does, and subtracts them in the storage's finalizer. "
    "Forward+loss under torch.autocast('cpu', bf16) (the fake tensors are CPU tensors, so CPU autocast applies; ops "
    "where the CPU and CUDA autocast lists differ are reported in autocast_divergence_vs_cuda). config.use_cache=False "
    "as Trainer sets it. sdpa: F.scaled_dot_product_attention routed to aten._scaled_dot_product_flash_attention "
    "(no mask; GQA k/v unrepeated, enable_gqa) or _scaled_dot_product_efficient_attention (with mask), as CUDA "
    "dispatches; eager: transformers' own eager path. Not counted: CUDA context, cuBLAS workspace, allocator "
    "fragmentation/caching (reserved), kernel-internal workspaces."
)


def versions(case):
    v = {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
         "bitsandbytes": "emulated" if case["method"] == "qlora" else None}
    if case.get("loss") == "chunked":
        v["torchtune"] = savers.TORCHTUNE_COMMIT + " (CEWithChunkedOutputLoss and chunked_output, copied)"
    if case.get("activation_offloading"):
        import trl
        v["trl"] = trl.__version__
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", help="case ids (substring match)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--set", default="base", choices=sorted(CASE_SETS),
                    help="case set: base (the first 38, cpu_fake.jsonl), more (cpu_fake_more.jsonl), long "
                         "(long contexts, cpu_fake_long.jsonl), t4 (cpu_fake_t4.jsonl) or savers (the chunked loss "
                         "and activation offloading, cpu_fake_savers.jsonl)")
    ap.add_argument("--out", default=None, help="default: the set's fixture file")
    ap.add_argument("--append", action="store_true", help="merge into --out instead of rewriting it")
    ap.add_argument("--validate", action="store_true", help="fake vs real CPU run of a tiny model")
    args = ap.parse_args()
    sys.path.insert(0, HERE)
    torch.manual_seed(0)
    if args.validate:
        import validate
        validate.main()
        return
    cases = CASE_SETS[args.set]()
    if args.out is None:
        args.out = OUT_DEFAULTS[args.set]
    if args.list:
        for c in cases:
            print(c["id"])
        return
    if args.only:
        cases = [c for c in cases if any(o in c["id"] for o in args.only)]
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    existing = collections.OrderedDict()
    if args.append and os.path.exists(args.out):
        with open(args.out) as f:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    existing[d["id"]] = d
    if not args.append:
        existing.clear()
    for i, case in enumerate(cases):
        log(f"[{i + 1}/{len(cases)}] {case['id']} ...")
        try:
            res, notes, raw = run_case(case)
        except Exception as e:  # keep going; the failure is logged
            import traceback
            traceback.print_exc()
            log(f"  FAILED: {type(e).__name__}: {e}")
            continue
        line = {
            "id": case["id"],
            **({"gpu_row": case["gpu_row"]} if case.get("gpu_row") else {}),
            "scenario": scenario_of(case, raw, attention=notes["built"]["attn_implementation"]),
            "measured": res,
            "device": "cpu (FakeTensorMode, no compute)",
            "method_notes": METHOD_NOTES,
            "run_notes": notes,
            "versions": versions(case),
            "date": DATE,
        }
        if case["method"] == "qlora":
            line["emulated"] = "bnb Linear4bit"
        saver_notes = {k: savers.NOTES[k] for k, on in (("chunked", case.get("loss") == "chunked"),
                                                         ("offload", case.get("activation_offloading"))) if on}
        if saver_notes:
            line["saver_notes"] = saver_notes
        existing[case["id"]] = line
        with open(args.out, "w") as f:
            for d in existing.values():
                f.write(json.dumps(d) + "\n")
        log(f"  peak {res['peak_allocated_bytes'] / 2**30:.3f} GiB ({res['peak_phase']}), "
            f"static {res['static_bytes'] / 2**30:.3f} GiB, {notes['seconds']} s, "
            f"attn {notes['attention_kernels']}, divergence {notes['autocast_divergence_vs_cuda']}")


if __name__ == "__main__":
    main()
