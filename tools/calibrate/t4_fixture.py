#!/usr/bin/env python3
"""Turn the 50 real Tesla T4 training steps into the GPU fixture ``tests/fixtures/measurements/gpu_t4.jsonl``.

Source: the fitcheck-llm 0.3.1 source distribution (MIT licence, copyright 2026 Anas Bouzid), files
``data/measurements/t4-sweep-2026-09-15.json`` and ``data/measurements/t4-qlora-2026-09-01.json``, copied unchanged
into ``tests/fixtures/measurements/source/gpu_t4/`` with the README that says how every row was measured.

Each output line holds the scenario in the contract of DESIGN.md (what the harness ran: fp16 weights, no autocast,
LoRA r / alpha 2r on q,k,v,o, dropout 0, fp32 adapters, foreach AdamW, checkpointing, a plain PyTorch loop that
keeps ``out`` alive, and ``sdpa_kernel: efficient`` for the rows the source calls ``flash``: SDPA pinned to
EFFICIENT_ATTENTION with k/v expanded to the query heads), the measured peaks in bytes (MiB = 2^20 B, as the source
gives them), per phase where the row has them, the software versions, and the source file and row.

Only the measured half of each row is used; the source's ``predicted`` half is another tool's estimate.

Run from the repository root (plain Python, no third-party packages):

    python3 tools/calibrate/t4_fixture.py
"""
from __future__ import annotations

import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SOURCE = os.path.join(ROOT, "tests", "fixtures", "measurements", "source", "gpu_t4")
OUT = os.path.join(ROOT, "tests", "fixtures", "measurements", "gpu_t4.jsonl")
CONFIGS = os.path.join(ROOT, "tests", "fixtures", "configs")
MIB = 1 << 20

FILES = {
    "t4-sweep-2026-09-15.json": {
        "date": "2026-09-15",
        "versions": {"torch": "2.14.0+cu130", "transformers": "5.17.0", "peft": "0.20.0",
                     "bitsandbytes": "not recorded"},
    },
    "t4-qlora-2026-09-01.json": {
        "date": "2026-09-01",
        "versions": {"torch": "2.10.0+cu128", "transformers": "5.0.0", "peft": "0.19.1",
                     "bitsandbytes": "not recorded"},
    },
}


def llama_config(hidden, inter, layers, heads, kv, vocab, tied, rope_theta, max_pos, init=0.02, bos=1, eos=2):
    """A LlamaForCausalLM config.json with the published values of the model."""
    return {
        "architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
        "bos_token_id": bos, "eos_token_id": eos, "hidden_act": "silu", "hidden_size": hidden,
        "initializer_range": init, "intermediate_size": inter, "max_position_embeddings": max_pos,
        "mlp_bias": False, "model_type": "llama", "num_attention_heads": heads, "num_hidden_layers": layers,
        "num_key_value_heads": kv, "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": None,
        "rope_theta": rope_theta, "tie_word_embeddings": tied, "torch_dtype": "bfloat16", "use_cache": True,
        "vocab_size": vocab,
    }


def qwen25_15b():
    with open(os.path.join(CONFIGS, "Qwen__Qwen2.5-1.5B.json")) as f:
        return json.load(f)  # Qwen2.5-1.5B-Instruct has the base model's architecture


# config.json of each model the rows name (https://huggingface.co/<id>/blob/main/config.json). The architecture
# fields are checked below against the `model_config` the sweep rows carry and against their measured
# `total_params` (by the Rust accuracy test, which counts the parameters of each config).
CONFIG_OF = {
    "HuggingFaceTB/SmolLM2-135M": lambda: llama_config(576, 1536, 30, 9, 3, 49152, True, 100000, 8192,
                                                       init=0.041666666666666664, bos=0, eos=0),
    "HuggingFaceTB/SmolLM2-360M": lambda: llama_config(960, 2560, 32, 15, 5, 49152, True, 100000, 8192,
                                                       bos=0, eos=0),
    "HuggingFaceTB/SmolLM2-1.7B": lambda: llama_config(2048, 8192, 24, 32, 32, 49152, True, 130000, 8192,
                                                       bos=0, eos=0),
    "TinyLlama/TinyLlama-1.1B-Chat-v1.0": lambda: llama_config(2048, 5632, 22, 32, 4, 32000, False, 10000.0, 2048),
    "Qwen/Qwen2.5-1.5B-Instruct": qwen25_15b,
}


def check_config(model_id, cfg, mc):
    """The config agrees with the row's own `model_config` (sweep rows only)."""
    pairs = [("hidden_size", "hidden_size"), ("num_hidden_layers", "num_layers"),
             ("num_attention_heads", "num_attention_heads"), ("num_key_value_heads", "num_kv_heads"),
             ("intermediate_size", "intermediate_size"), ("vocab_size", "vocab_size"),
             ("tie_word_embeddings", "tie_word_embeddings")]
    for ck, mk in pairs:
        assert cfg[ck] == mc[mk], f"{model_id}: {ck} {cfg[ck]} != model_config {mk} {mc[mk]}"
    assert cfg["hidden_size"] // cfg["num_attention_heads"] == mc["head_dim"], model_id


def scenario(run, cfg):
    nf4 = run["quantization"] == "nf4"
    assert run["quantization"] in ("nf4", "none"), run
    assert run["precision"] == "fp16" and run["optimizer"] == "adamw" and run["grad_checkpoint"], run
    r = run["lora_rank"]
    sc = {
        "model": {"hf_config": cfg},
        "method": "qlora" if nf4 else "lora",
        "weight_dtype": "nf4" if nf4 else "fp16",
        "double_quant": bool(run["double_quant"]),
        "lora": {"rank": r, "alpha": 2 * r, "targets": list(run["lora_targets"]), "dropout": 0.0, "dtype": "fp32",
                 "modules_to_save": []},
        "optimizer": "adamw_torch",
        "batch_size": run["batch_size"],
        "seq_len": run["seq_len"],
        "gradient_checkpointing": True,
        "mixed_precision": "no",
        "trainer": "custom_loop",
        "gpu": "t4",
    }
    if run["kernel"] == "eager":
        sc["attention"] = "eager"
    else:
        assert run["kernel"] == "flash" and run["attn_impl"] == "sdpa", run
        sc["attention"] = "sdpa"
        sc["sdpa_kernel"] = "efficient"
    return sc


def slug(s):
    return re.sub(r"[^a-z0-9.]+", "-", s.lower()).strip("-")


def main():
    lines = []
    seen = {}  # scenario + date -> (first id, times seen)
    for fname, meta in FILES.items():
        with open(os.path.join(SOURCE, fname)) as f:
            data = json.load(f)
        for i, row in enumerate(data["runs"]):
            run, m = row["run"], row["measured"]
            cfg = CONFIG_OF[row["model_id"]]()
            if "model_config" in row:
                check_config(row["model_id"], cfg, row["model_config"])
            sc = scenario(run, cfg)
            key = json.dumps(sc, sort_keys=True) + meta["date"]
            name = row["model_id"].split("/")[1]
            cid = (f"t4-{meta['date']}-{slug(name)}-{run['quantization']}-{run['kernel']}"
                   f"-b{run['batch_size']}-s{run['seq_len']}")
            first, times = seen.get(key, (cid, 0))
            seen[key] = (first, times + 1)
            repeat_of = first if times else None
            if repeat_of is not None:
                cid += f"-repeat{times + 1}"
            b = lambda k: round(m[k] * MIB) if m.get(k) is not None else None  # noqa: E731
            measured = {
                "peak_allocated_bytes": b("peak_allocated_mib"),
                "peak_reserved_bytes": b("peak_reserved_mib"),
                "cuda_context_bytes": b("cuda_context_mib"),
            }
            for k in ("cuda_context_init_mib", "after_load_allocated_mib"):
                if m.get(k) is not None:
                    measured[k.replace("_mib", "_bytes")] = b(k)
            if m.get("peak_forward_mib") is not None:
                measured["peak_by_phase"] = {"forward": b("peak_forward_mib"), "backward": b("peak_backward_mib"),
                                             "optimizer": b("peak_optimizer_mib")}
            if m.get("trainable_params") is not None:
                measured["trainable_params"] = m["trainable_params"]
            if m.get("sdpa_backend"):
                measured["sdpa_backend"] = m["sdpa_backend"]
            line = {
                "id": cid,
                "kind": "gpu",
                "scenario": sc,
                "measured": measured,
                "gpu": {"name": "Tesla T4", "id": "t4", "sm": "7.5", "vram_mib": 14912, "ecc": True},
                "versions": meta["versions"],
                "date": meta["date"],
                "source": {"archive": "fitcheck-llm 0.3.1 sdist (MIT, (c) 2026 Anas Bouzid)",
                           "file": f"data/measurements/{fname}", "row": i, "model_id": row["model_id"],
                           "config": row.get("config")},
            }
            if repeat_of is not None:
                line["repeat_of"] = repeat_of
            lines.append(line)
    with open(OUT, "w") as f:
        for line in lines:
            f.write(json.dumps(line, separators=(",", ":")) + "\n")
    print(f"wrote {len(lines)} lines to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
