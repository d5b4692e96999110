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


def load_config(slug, overrides, raw=None):
    """A fixture config (tests/fixtures/configs/<slug>.json), or `raw` when the case carries its own."""
    if raw is None:
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
              optimizer="adamw_torch", adapter_dtype=None, modules_to_save=None, overrides=None):
    c = {"id": cid, "slug": slug, "rank": rank, "alpha": 2 * rank, "targets": targets, "dropout": dropout,
         "batch_size": b, "seq_len": s, "gradient_checkpointing": ckpt, "attention": attention,
         "method": method, "weight_dtype": weight_dtype, "double_quant": double_quant, "mixed_precision": mp,
         "optimizer": optimizer, "overrides": {}}
    if layers is not None:
        c["overrides"]["num_hidden_layers"] = layers
    if overrides:
        c["overrides"].update(overrides)
    # Only set when given, so that the first 38 cases keep their exact dicts.
    if adapter_dtype is not None:
        c["adapter_dtype"] = adapter_dtype  # "bf16": get_peft_model(..., autocast_adapter_dtype=False)
    if modules_to_save is not None:
        c["modules_to_save"] = list(modules_to_save)
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


def more_cases():
    """The second set (`measure.py --set more`, tests/fixtures/measurements/cpu_fake_more.jsonl): MoE under
    transformers 5 (stacked 3-D experts, PEFT ParamWrapper), DeepSeek-V3's MLA, more families, and training variants
    (full fine-tuning, modules_to_save, bf16 adapters, SGD / Adafactor, batch 4, rank 256)."""
    cs = []
    # --- MoE. PEFT's ParamWrapper (3-D experts, routers) refuses lora_dropout != 0 (peft/tuners/lora/layer.py).
    q3 = "Qwen__Qwen3-30B-A3B"
    for ck in (1, 0):
        cs.append(lora_case(f"qwen3-30b-a3b-l2-lora-r16-drop0-s1024-ckpt{ck}", q3, 2, dropout=0.0, s=1024,
                            ckpt=bool(ck)))
    mx = "mistralai__Mixtral-8x7B-v0.1"
    for ck in (1, 0):
        cs.append(lora_case(f"mixtral-8x7b-l1-lora-r16-attn-s1024-ckpt{ck}", mx, 1, targets="attention", s=1024,
                            ckpt=bool(ck)))
    q15 = "Qwen__Qwen1.5-MoE-A2.7B"
    for ck in (1, 0):
        cs.append(lora_case(f"qwen15-moe-a2.7b-l2-lora-r16-s1024-ckpt{ck}", q15, 2, s=1024, ckpt=bool(ck)))
    # --- DeepSeek-V3: 4 layers = 3 dense (first_k_dense_replace) + 1 MoE; all 256 routed experts kept. The
    # attention of MLA is q_a/q_b/kv_a/kv_b/o ("attention" would name q,k,v,o_proj, of which MLA has only o_proj).
    ds = "deepseek-ai__DeepSeek-V3"
    mla = ["q_a_proj", "q_b_proj", "kv_a_proj_with_mqa", "kv_b_proj", "o_proj"]
    for ck in (1, 0):
        cs.append(lora_case(f"deepseek-v3-l4-lora-r16-mla-attn-s512-ckpt{ck}", ds, 4, targets=mla, s=512,
                            ckpt=bool(ck)))
    # --- Other families.
    for ck in (1, 0):
        cs.append(lora_case(f"phi2-l2-lora-r16-s2048-ckpt{ck}", "microsoft__phi-2", 2, ckpt=bool(ck)))
        cs.append(lora_case(f"pythia-1b-full-depth-lora-r16-s2048-ckpt{ck}", "EleutherAI__pythia-1b", None,
                            ckpt=bool(ck)))
        cs.append(lora_case(f"falcon-7b-l2-lora-r16-s2048-ckpt{ck}", "tiiuae__falcon-7b", 2, ckpt=bool(ck)))
        cs.append(lora_case(f"gemma3-1b-full-depth-lora-r16-s2048-ckpt{ck}", "google__gemma-3-1b-pt", None,
                            ckpt=bool(ck)))
        cs.append(lora_case(f"qwen25-0.5b-full-depth-lora-r16-eager-s2048-ckpt{ck}", "Qwen__Qwen2.5-0.5B", None,
                            attention="eager", ckpt=bool(ck)))
    # --- Training variants on Llama-3.2-1B, full depth.
    L1 = "meta-llama__Llama-3.2-1B"
    cs.append(lora_case("llama32-1b-full-ft-fp32master-autocast-s512-ckpt1", L1, None, s=512, method="full",
                        weight_dtype="fp32"))
    cs.append(lora_case("llama32-1b-full-ft-bf16-s1024-ckpt1", L1, None, s=1024, method="full"))
    for ck in (1, 0):
        cs.append(lora_case(f"llama32-1b-lora-r16-mts-lmhead-s1024-ckpt{ck}", L1, None, s=1024, ckpt=bool(ck),
                            modules_to_save=["lm_head"]))
        cs.append(lora_case(f"llama32-1b-lora-r16-bf16adapter-s1024-ckpt{ck}", L1, None, s=1024, ckpt=bool(ck),
                            adapter_dtype="bf16"))
    cs.append(lora_case("llama32-1b-lora-r16-sgd-s1024-ckpt1", L1, None, s=1024, optimizer="sgd"))
    cs.append(lora_case("llama32-1b-lora-r16-adafactor-s1024-ckpt1", L1, None, s=1024, optimizer="adafactor"))
    for ck in (1, 0):
        cs.append(lora_case(f"llama32-1b-lora-r16-b4-s512-ckpt{ck}", L1, None, b=4, s=512, ckpt=bool(ck)))
    cs.append(lora_case("llama32-1b-lora-r256-s1024-ckpt1", L1, None, rank=256, s=1024))
    return cs


def long_cases():
    """The third set (`measure.py --set long`, tests/fixtures/measurements/cpu_fake_long.jsonl): long contexts, where
    the attention kernel and its s- and s^2-sized tensors (flash logsumexp, eager scores, sliding-window masks) and
    the vocab-sized logits dominate. LoRA r16 all-linear, dropout 0.05, unless noted."""
    L1 = "meta-llama__Llama-3.2-1B"
    cs = []
    # --- Llama-3.2-1B, full depth, batch 1: SDPA (flash, no mask) at 8k and 16k tokens.
    for s in (8192, 16384):
        for ck in (1, 0):
            cs.append(lora_case(f"llama32-1b-full-depth-lora-r16-s{s}-ckpt{ck}", L1, None, s=s, ckpt=bool(ck)))
    # --- The same with eager attention at 4k: transformers' eager_attention_forward materialises b*a*s^2 scores.
    for ck in (1, 0):
        cs.append(lora_case(f"llama32-1b-full-depth-lora-r16-eager-s4096-ckpt{ck}", L1, None, s=4096, ckpt=bool(ck),
                            attention="eager"))
    # --- Qwen2.5-0.5B, full depth, QLoRA nf4 + double quant (qlora_emulation), 8k tokens.
    cs.append(lora_case("qwen25-0.5b-full-depth-qlora-nf4dq-r16-s8192-ckpt1", "Qwen__Qwen2.5-0.5B", None, s=8192,
                        method="qlora", weight_dtype="nf4", double_quant=True))
    # --- Gemma-3-1b, full depth: sliding_window 512 on five of every six layers (a mask, so the efficient kernel),
    # global attention on the sixth (no mask, flash); run_notes.attention_kernels counts them.
    for ck in (1, 0):
        cs.append(lora_case(f"gemma3-1b-full-depth-lora-r16-s4096-ckpt{ck}", "google__gemma-3-1b-pt", None, s=4096,
                            ckpt=bool(ck)))
    # --- Mistral-7B-v0.3, 2 layers, batch 2, 4k tokens.
    cs.append(lora_case("mistral-7b-l2-lora-r16-b2-s4096-ckpt1", "mistralai__Mistral-7B-v0.3", 2, b=2, s=4096))
    return cs


def make_optimizer(name, trainable):
    """The optimizer HF Trainer builds for `TrainingArguments.optim` (transformers/trainer_optimizer.py).

    foreach is passed explicitly: on CUDA it is PyTorch's default (`_default_to_fused_or_foreach`), but the fake
    tensors of measure.py are CPU tensors, for which the default would be the per-tensor loop.
    - adamw_torch: torch.optim.AdamW (foreach); adamw_torch_fused: AdamW(fused=True) (`_get_adamw_torch`).
    - sgd: torch.optim.SGD(lr) with no momentum (`_get_sgd`, no optim_args), foreach as on CUDA.
    - adafactor: transformers.optimization.Adafactor(lr, scale_parameter=False, relative_step=False)
      (`_get_adafactor`); beta1=None, so only the factored second moment is kept.
    """
    import torch

    if name == "adamw_torch_fused":
        return torch.optim.AdamW(trainable, lr=1e-4, fused=True)
    if name == "adamw_torch":
        return torch.optim.AdamW(trainable, lr=1e-4, foreach=True)
    if name == "sgd":
        return torch.optim.SGD(trainable, lr=1e-4, foreach=True)
    if name == "adafactor":
        from transformers.optimization import Adafactor
        return Adafactor(trainable, lr=1e-4, scale_parameter=False, relative_step=False)
    raise ValueError(f"optimizer {name!r} is not measured by this harness")


def t4_cases():
    """The fourth set (`measure.py --set t4`, tests/fixtures/measurements/cpu_fake_t4.jsonl): every distinct
    configuration of the real Tesla T4 rows (tests/fixtures/measurements/gpu_t4.jsonl, from
    tools/calibrate/t4_fixture.py), run the way their harness ran them (source/gpu_t4/README.md): fp16 weights and no
    autocast, nf4 with fp16 compute and no double quantization, LoRA r32/alpha 64 on q,k,v,o with dropout 0, foreach
    AdamW without gradient clipping, checkpointing, and a plain loop that keeps `out` until the step ends. `flash`
    rows: SDPA pinned to the memory-efficient kernel with k/v expanded to the query heads. Comparing this set with
    the GPU rows separates what the CUDA code paths add from what the tensor model misses."""
    path = os.path.join(ROOT, "tests", "fixtures", "measurements", "gpu_t4.jsonl")
    cs, seen = [], set()
    with open(path) as f:
        for line in f:
            row = json.loads(line)
            sc = row["scenario"]
            key = json.dumps(sc, sort_keys=True)
            if row.get("repeat_of") or key in seen:
                continue
            seen.add(key)
            lora = sc["lora"]
            c = lora_case("cpu-" + row["id"].replace("t4-2026-09-15-", "t4-"), None, rank=lora["rank"],
                          targets=lora["targets"], dropout=lora["dropout"], b=sc["batch_size"], s=sc["seq_len"],
                          ckpt=sc["gradient_checkpointing"], attention=sc["attention"], method=sc["method"],
                          weight_dtype=sc["weight_dtype"], double_quant=sc["double_quant"],
                          mp=sc["mixed_precision"], optimizer=sc["optimizer"])
            c["alpha"] = lora["alpha"]
            c["raw_config"] = sc["model"]["hf_config"]
            c["trainer"] = sc["trainer"]
            c["clip_grad_norm"] = False
            if sc.get("sdpa_kernel"):
                c["sdpa_kernel"] = sc["sdpa_kernel"]
            c["gpu_row"] = row["id"]
            c["gpu"] = sc.get("gpu")
            cs.append(c)
    return cs


def saver_case(cid, slug, layers=None, *, loss="standard", chunks=None, offload=False, **kw):
    """A LoRA case (`lora_case`) with a memory saver: torchtune's chunked loss (`loss="chunked"`, `chunks` pieces)
    and/or TRL's activation offloading (tools/calibrate/savers.py)."""
    c = lora_case(cid, slug, layers, **kw)
    c["loss"] = loss
    if loss == "chunked":
        c["loss_chunks"] = chunks
    if offload:
        c["activation_offloading"] = True
    return c


def saver_cases():
    """The fifth set (`measure.py --set savers`, tests/fixtures/measurements/cpu_fake_savers.jsonl): the memory savers
    that are pure PyTorch. LoRA r16 on all-linear, dropout 0.05, unless noted.
    - torchtune's `CEWithChunkedOutputLoss` (8 and 16 chunks, and 16 over a length it does not divide) on Llama-3.2-1B
      (128k vocabulary) and Qwen2.5-0.5B (152k, tied embeddings), with and without checkpointing, batch 1 and 2, and
      QLoRA, whose fp32 head autocast casts to bf16 for every chunk;
    - TRL's activation offloading (with checkpointing, as the estimator requires), with the standard loss and with
      the chunked one, LoRA and QLoRA."""
    L1, Q = "meta-llama__Llama-3.2-1B", "Qwen__Qwen2.5-0.5B"
    cs = []
    # --- Chunked loss.
    for s, n in ((2048, 8), (4096, 16), (8192, 8)):
        cs.append(saver_case(f"llama32-1b-full-depth-lora-r16-chunked{n}-s{s}-ckpt1", L1, s=s, loss="chunked",
                             chunks=n))
    cs.append(saver_case("llama32-1b-full-depth-lora-r16-chunked8-s2048-ckpt0", L1, s=2048, ckpt=False,
                         loss="chunked", chunks=8))
    cs.append(saver_case("llama32-1b-full-depth-lora-r16-chunked16-s1000-ckpt1", L1, s=1000, loss="chunked",
                         chunks=16))
    cs.append(saver_case("llama32-1b-full-depth-lora-r16-chunked8-b2-s2048-ckpt1", L1, b=2, s=2048, loss="chunked",
                         chunks=8))
    cs.append(saver_case("llama32-1b-full-depth-qlora-nf4dq-r16-chunked8-s2048-ckpt1", L1, s=2048, loss="chunked",
                         chunks=8, method="qlora", weight_dtype="nf4", double_quant=True))
    for s, n in ((2048, 8), (4096, 16)):
        cs.append(saver_case(f"qwen25-0.5b-full-depth-lora-r16-chunked{n}-s{s}-ckpt1", Q, s=s, loss="chunked",
                             chunks=n))
    cs.append(saver_case("qwen25-0.5b-full-depth-lora-r16-chunked8-s2048-ckpt0", Q, s=2048, ckpt=False,
                         loss="chunked", chunks=8))
    # --- Activation offloading (TRL 1.16.0), checkpointing on.
    for s in (2048, 8192):
        cs.append(saver_case(f"llama32-1b-full-depth-lora-r16-offload-s{s}-ckpt1", L1, s=s, offload=True))
    cs.append(saver_case("qwen25-0.5b-full-depth-lora-r16-offload-s4096-ckpt1", Q, s=4096, offload=True))
    cs.append(saver_case("llama32-1b-full-depth-lora-r16-offload-chunked8-s4096-ckpt1", L1, s=4096, offload=True,
                         loss="chunked", chunks=8))
    cs.append(saver_case("llama32-1b-full-depth-qlora-nf4dq-r16-offload-s4096-ckpt1", L1, s=4096, offload=True,
                         method="qlora", weight_dtype="nf4", double_quant=True))
    cs.append(saver_case("llama31-8b-l2-lora-r16-offload-b2-s2048-ckpt1", "meta-llama__Llama-3.1-8B", 2, b=2, s=2048,
                         offload=True))
    return cs


CASE_SETS = {"base": all_cases, "more": more_cases, "long": long_cases, "t4": t4_cases, "savers": saver_cases}


def scenario_of(case, raw, attention=None):
    """The Scenario JSON of a case; `attention` is the implementation the model actually used, when known."""
    sc = {"model": {"hf_config": raw}, "method": case["method"], "weight_dtype": case["weight_dtype"],
          "double_quant": bool(case.get("double_quant", False))}
    if case["method"] != "full":
        sc["lora"] = {"rank": case["rank"], "alpha": case["alpha"], "targets": case["targets"],
                      "dropout": case["dropout"], "dtype": case.get("adapter_dtype", "fp32"),
                      "modules_to_save": list(case.get("modules_to_save", []))}
    sc.update({"optimizer": case.get("optimizer", "adamw_torch"), "batch_size": case["batch_size"],
               "seq_len": case["seq_len"], "gradient_checkpointing": case["gradient_checkpointing"],
               "attention": attention or case["attention"], "mixed_precision": case.get("mixed_precision", "bf16")})
    for k in ("trainer", "sdpa_kernel", "gpu"):  # only when set, so the other sets' lines stay as they were
        if case.get(k):
            sc[k] = case[k]
    if "loss" in case:  # the savers set
        sc["loss"] = case["loss"]
        if case.get("loss_chunks"):
            sc["loss_chunks"] = case["loss_chunks"]
    if case.get("activation_offloading"):
        sc["activation_offloading"] = True
    return sc



