"""The measured cases, shared by measure.py (fake tensors, CPU) and gpu_measure.py (a real GPU).

Each case is a dict; ``scenario_of`` turns it into the Scenario JSON of DESIGN.md ("The scenario contract").
"""
from __future__ import annotations

import json
import os

from transformers import AutoConfig

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CONFIGS = os.path.join(ROOT, "tests", "fixtures", "configs")
DATE = "2026-11-28"
DROP_KEYS = ("auto_map", "quantization_config")


def load_config(slug, overrides):
    with open(os.path.join(CONFIGS, slug + ".json")) as f:
        raw = json.load(f)
    raw = {k: v for k, v in raw.items() if k not in DROP_KEYS}
    raw.update(overrides)
    d = dict(raw)
    model_type = d.pop("model_type")
    return raw, AutoConfig.for_model(model_type, **d)


def lora_targets(targets):
    if targets == "qv":
        return ["q_proj", "v_proj"]
    if targets == "attention":
        return ["q_proj", "k_proj", "v_proj", "o_proj"]
    return targets  # "all-linear" or a list


# --------------------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------------------
def lora_case(cid, slug, layers=None, *, rank=16, targets="all-linear", dropout=0.05, b=1, s=2048, ckpt=True,
              attention="sdpa", method="lora", weight_dtype="bf16", double_quant=False, mp="bf16",
              optimizer="adamw_torch"):
    c = {"id": cid, "slug": slug, "rank": rank, "alpha": 2 * rank, "targets": targets, "dropout": dropout,
         "batch_size": b, "seq_len": s, "gradient_checkpointing": ckpt, "attention": attention,
         "method": method, "weight_dtype": weight_dtype, "double_quant": double_quant, "mixed_precision": mp,
         "optimizer": optimizer, "overrides": {}}
    if layers is not None:
        c["overrides"]["num_hidden_layers"] = layers
    return c


def all_cases():
    L8 = "meta-llama__Llama-3.1-8B"
    cs = []
    for ck in (1, 0):
        cs.append(lora_case(f"llama31-8b-l2-lora-r16-s2048-ckpt{ck}", L8, 2, ckpt=bool(ck)))
    for ck in (1, 0):
        cs.append(lora_case(f"llama31-8b-l2-lora-r16-drop0-s2048-ckpt{ck}", L8, 2, dropout=0.0, ckpt=bool(ck)))
    cs.append(lora_case("llama31-8b-l2-lora-r64-s2048-ckpt1", L8, 2, rank=64))
    cs.append(lora_case("llama31-8b-l2-lora-r16-qv-s2048-ckpt1", L8, 2, targets="qv"))
    cs.append(lora_case("llama31-8b-l2-lora-r16-qv-s2048-ckpt0", L8, 2, targets="qv", ckpt=False))
    cs.append(lora_case("llama31-8b-l2-lora-r16-b2-s2048-ckpt1", L8, 2, b=2))
    cs.append(lora_case("llama31-8b-l2-lora-r16-b2-s2048-ckpt0", L8, 2, b=2, ckpt=False))
    for s in (512, 4096):
        for ck in (1, 0):
            cs.append(lora_case(f"llama31-8b-l2-lora-r16-s{s}-ckpt{ck}", L8, 2, s=s, ckpt=bool(ck)))
    for att in ("sdpa", "eager"):
        cs.append(lora_case(f"llama31-8b-l2-lora-r16-{att}-s1024-ckpt0", L8, 2, s=1024, ckpt=False, attention=att))
    cs.append(lora_case("llama31-8b-l2-lora-r16-s2048-ckpt0-fp32noautocast", L8, 2, ckpt=False, mp="no"))
    cs.append(lora_case("llama31-8b-l2-lora-r16-s2048-ckpt1-fusedadamw", L8, 2, optimizer="adamw_torch_fused"))
    for ck in (1, 0):
        cs.append(lora_case(f"llama31-8b-l2-qlora-nf4dq-r16-s2048-ckpt{ck}", L8, 2, ckpt=bool(ck), method="qlora",
                            weight_dtype="nf4", double_quant=True))
    cs.append(lora_case("llama31-8b-l2-qlora-nf4-r16-s2048-ckpt1", L8, 2, method="qlora", weight_dtype="nf4",
                        double_quant=False))
    for ck in (1, 0):
        c = lora_case(f"llama31-8b-l2-full-bf16-s512-ckpt{ck}", L8, 2, s=512, ckpt=bool(ck), method="full")
        cs.append(c)
    for slug, short in (("Qwen__Qwen2.5-7B", "qwen25-7b"), ("google__gemma-2-2b", "gemma2-2b"),
                        ("microsoft__Phi-3-mini-4k-instruct", "phi3-mini"), ("Qwen__Qwen3-8B", "qwen3-8b"),
                        ("mistralai__Mistral-7B-v0.3", "mistral-7b")):
        att = "eager" if slug.startswith("google__gemma-2") else "sdpa"
        for ck in (1, 0):
            cs.append(lora_case(f"{short}-l2-lora-r16-s2048-ckpt{ck}", slug, 2, ckpt=bool(ck), attention=att))
    for slug, short in (("Qwen__Qwen2.5-0.5B", "qwen25-0.5b"), ("meta-llama__Llama-3.2-1B", "llama32-1b")):
        for ck in (1, 0):
            cs.append(lora_case(f"{short}-full-depth-lora-r16-s1024-ckpt{ck}", slug, None, s=1024, ckpt=bool(ck)))
    for ck in (1, 0):
        cs.append(lora_case(f"llama32-1b-full-depth-qlora-nf4dq-r16-s1024-ckpt{ck}", "meta-llama__Llama-3.2-1B",
                            None, s=1024, ckpt=bool(ck), method="qlora", weight_dtype="nf4", double_quant=True))
    return cs


def scenario_of(case, raw):
    sc = {"model": {"hf_config": raw}, "method": case["method"], "weight_dtype": case["weight_dtype"],
          "double_quant": bool(case.get("double_quant", False))}
    if case["method"] != "full":
        sc["lora"] = {"rank": case["rank"], "alpha": case["alpha"], "targets": case["targets"],
                      "dropout": case["dropout"], "dtype": "fp32", "modules_to_save": []}
    sc.update({"optimizer": case.get("optimizer", "adamw_torch"), "batch_size": case["batch_size"],
               "seq_len": case["seq_len"], "gradient_checkpointing": case["gradient_checkpointing"],
               "attention": case["attention"], "mixed_precision": case.get("mixed_precision", "bf16")})
    return sc



