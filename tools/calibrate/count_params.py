#!/usr/bin/env python3
"""Ground-truth parameter and LoRA counts for the config fixtures.

For every ``tests/fixtures/configs/<slug>.json`` (an HF config.json), this builds the
model with ``AutoModelForCausalLM.from_config`` under ``torch.device("meta")`` (no
memory, no weights), counts its parameters by role, then wraps it with
``peft.get_peft_model(LoraConfig(r=16, lora_alpha=32, ...))`` for several target sets
and records PEFT's own trainable-parameter count. Results go to
``tests/fixtures/configs/expected.json``.

Run from the repository root:

    tools/.venv/bin/python tools/calibrate/count_params.py            # all fixtures
    tools/.venv/bin/python tools/calibrate/count_params.py --only Qwen__Qwen3-8B

Method notes (also recorded in expected.json["_provenance"]):
- ``auto_map`` and ``quantization_config`` are dropped from the dict before building:
  the native transformers class is used (no remote code), and the FP8 quantization
  config of DeepSeek-V3 only matters for ``from_pretrained``.
- Multimodal configs (``gemma3``, ``mistral3``): only the language model is counted,
  built from ``cfg.text_config`` with ``AutoModelForCausalLM`` (Gemma3ForCausalLM,
  MistralForCausalLM), i.e. decoder + lm_head. The full ``*ForConditionalGeneration``
  model is also built, and its totals (and PEFT "all-linear" on it, which also hits the
  vision tower and projector) are recorded under ``multimodal``.
- MoE experts in transformers 5.x are fused 3D ``nn.Parameter`` tensors, not
  ``nn.Linear`` modules, so PEFT's "all-linear" does not reach them. For MoE models an
  extra ``experts_target_parameters`` entry records what PEFT's ``target_parameters``
  (ParamWrapper LoRA on the 3D tensors, which requires lora_dropout=0) adds on top.
"""
from __future__ import annotations

import argparse
import collections
import datetime
import glob
import json
import os
import platform
import re
import sys
import time

import torch
from torch import nn

import transformers
import peft
from transformers import AutoConfig, AutoModelForCausalLM
from peft import LoraConfig, get_peft_model
from peft.tuners.lora import LoraLayer
from peft.tuners.lora.layer import ParamWrapper

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "configs")
EXPECTED = os.path.join(FIXTURES, "expected.json")

R, ALPHA = 16, 32
MULTIMODAL = {"gemma3", "mistral3"}
DROP_KEYS = ("auto_map", "quantization_config")

# Module-name target sets per model family, in PEFT's vocabulary. "qv" and
# "attention" are the shorthands of the Scenario contract; where a family has no such
# modules (fused qkv, MLA) the entry is null and the reason is given in notes.
QV = ["q_proj", "v_proj"]
ATTN = ["q_proj", "k_proj", "v_proj", "o_proj"]
TARGETS = {
    "phi3": {"qv": None, "attention": ["qkv_proj", "o_proj"]},
    "gpt_neox": {"qv": None, "attention": ["query_key_value", "dense"]},
    "falcon": {"qv": None, "attention": ["query_key_value", "dense"]},
    "phi": {"qv": QV, "attention": ["q_proj", "k_proj", "v_proj", "dense"]},
    "deepseek_v3": {"qv": None, "attention": ["q_a_proj", "q_b_proj", "kv_a_proj_with_mqa", "kv_b_proj", "o_proj"]},
}
DEFAULT_TARGETS = {"qv": QV, "attention": ATTN}

SOURCE = "https://huggingface.co/{hf_id}/blob/main/config.json"


def load_config(path: str):
    with open(path) as f:
        raw = json.load(f)
    d = {k: v for k, v in raw.items() if k not in DROP_KEYS}
    model_type = d.pop("model_type")
    return raw, AutoConfig.for_model(model_type, **d)


def build_meta(cfg) -> nn.Module:
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(cfg)
    return model


def find_layers(model: nn.Module, n_layers: int) -> tuple[str, nn.ModuleList]:
    """The decoder-layer ModuleList: the ModuleList with num_hidden_layers entries."""
    best = None
    for name, mod in model.named_modules():
        if isinstance(mod, nn.ModuleList) and len(mod) == n_layers:
            if best is None or len(name) < len(best[0]):
                best = (name, mod)
    if best is None:
        raise RuntimeError("no decoder layer list found")
    return best


def is_norm(mod: nn.Module) -> bool:
    return isinstance(mod, (nn.LayerNorm, nn.RMSNorm)) or "norm" in type(mod).__name__.lower()


def count(model: nn.Module, n_layers: int) -> dict:
    # Unique parameters (named_parameters() drops duplicates, so tied weights count once).
    params = dict(model.named_parameters())
    total = sum(p.numel() for p in params.values())
    ids = {id(p): n for n, p in params.items()}

    owner = {}  # param name -> (module name, module)
    for mname, mod in model.named_modules():
        for pname, p in mod.named_parameters(recurse=False):
            full = f"{mname}.{pname}" if mname else pname
            if id(p) in ids and ids[id(p)] == full:
                owner[full] = (mname, mod)

    layers_name, layers = find_layers(model, n_layers)
    emb = model.get_input_embeddings()
    out = model.get_output_embeddings()
    emb_ids = {id(p) for p in emb.parameters()}
    out_ids = {id(p) for p in out.parameters()} if out is not None else set()
    tied = bool(out is not None and out.weight is emb.weight)

    cats = collections.Counter()
    other_layer = collections.Counter()
    other_outside = collections.Counter()
    for full, p in params.items():
        mname, mod = owner[full]
        n = p.numel()
        if id(p) in emb_ids:
            cats["embedding_params"] += n
        elif id(p) in out_ids:
            cats["lm_head_params"] += n
        elif is_norm(mod):
            cats["norm_params"] += n
        elif mname.startswith(layers_name + "."):
            if isinstance(mod, nn.Linear):
                cats["linear_params_in_layers"] += n
            else:
                cats["other_layer_params"] += n
                leaf = full[len(layers_name) + 1:].split(".", 1)[1]
                other_layer[leaf] += n
        else:
            cats["other_params"] += n
            other_outside[full] += n
    res = {
        "total_params": total,
        "hf_num_parameters": model.num_parameters(),
        "embedding_params": cats["embedding_params"],
        "lm_head_params": cats["lm_head_params"],
        "tied_word_embeddings": tied,
        "norm_params": cats["norm_params"],
        "linear_params_in_layers": cats["linear_params_in_layers"],
        "other_layer_params": cats["other_layer_params"],
        "other_params": cats["other_params"],
    }
    assert sum(v for k, v in cats.items()) == total, (cats, total)
    assert res["hf_num_parameters"] == total, (res["hf_num_parameters"], total)
    if other_layer:
        res["other_layer_params_by_name"] = dict(sorted(other_layer.items()))
    if other_outside:
        res["other_params_by_name"] = dict(sorted(other_outside.items()))
    return res, layers_name, layers


def layer_structure(layer: nn.Module) -> dict:
    """Parameter names -> [shape, owning module class] for one decoder layer."""
    out = {}
    for mname, mod in layer.named_modules():
        for pname, p in mod.named_parameters(recurse=False):
            full = f"{mname}.{pname}" if mname else pname
            out[full] = {"shape": list(p.shape), "module": type(mod).__name__}
    return out


def lora_summary(build, **lora_kwargs) -> dict:
    """get_peft_model on a freshly built meta model (so target sets never see each other's adapters)."""
    cfg = LoraConfig(r=R, lora_alpha=ALPHA, **lora_kwargs)
    model = build()
    with torch.device("meta"):
        pm = get_peft_model(model, cfg)
    trainable, all_params = pm.get_nb_trainable_parameters()
    per = collections.OrderedDict()
    n_mod = 0
    for name, mod in pm.named_modules():
        if not (isinstance(mod, LoraLayer) and mod.lora_A):
            continue
        n_mod += 1
        if isinstance(mod, ParamWrapper):
            # LoRA on an nn.Parameter (PEFT target_parameters). Nested wrappers show up as ".base_layer";
            # label them by the owning module and the parameter, e.g. "experts.gate_up_proj", "gate.weight".
            container = name
            while container.endswith(".base_layer"):
                container = container[: -len(".base_layer")]
            label = container.rsplit(".", 1)[-1] + "." + mod.parameter_name
        else:
            label = name.rsplit(".", 1)[-1]
        # only this layer's own adapter tensors (a nested wrapper's are counted on the inner layer)
        own = sum(p.numel() for attr in mod.adapter_layer_names for p in getattr(mod, attr).parameters()
                  if p.requires_grad)
        e = per.setdefault(label, {"count": 0, "trainable": 0, "r": mod.r["default"], "class": type(mod).__name__})
        e["count"] += 1
        e["trainable"] += own
        if isinstance(mod, ParamWrapper):
            e["num_experts"] = mod.num_experts
            e["in_features"], e["out_features"] = mod.in_features, mod.out_features
    assert sum(e["trainable"] for e in per.values()) == trainable, (per, trainable)
    # plain nn.Linear modules left without an adapter (lm_head, and anything a target set / PEFT's shim skipped)
    wrapped = [n for n, m in pm.named_modules() if isinstance(m, LoraLayer)]
    untargeted = collections.Counter()
    for name, mod in pm.named_modules():
        if type(mod) is nn.Linear and not any(name == w or name.startswith(w + ".") for w in wrapped):
            short = name.replace("base_model.model.", "", 1)
            untargeted[re.sub(r"\.\d+\.", ".*.", short)] += 1
    res = {"trainable": trainable, "modules": sorted(per), "count": n_mod,
           "per_module": dict(sorted(per.items())), "untargeted_linear": dict(sorted(untargeted.items())),
           "peft_all_params": all_params}
    conv = {k: getattr(pm.peft_config["default"], k) for k in ("target_parameters", "rank_pattern", "alpha_pattern")}
    if conv["target_parameters"]:
        res["peft_config_after_v5_conversion"] = {
            "target_modules": sorted(pm.peft_config["default"].target_modules or []),
            "target_parameters": sorted(conv["target_parameters"]),
            "rank_pattern": dict(conv["rank_pattern"]), "alpha_pattern": dict(conv["alpha_pattern"])}
    del pm, model
    return res


def existing_leaf_names(model: nn.Module) -> set[str]:
    return {n.rsplit(".", 1)[-1] for n, m in model.named_modules() if isinstance(m, nn.Linear)}


def moe_expert_params(layer_struct: dict) -> list[str]:
    return sorted(k for k, v in layer_struct.items() if len(v["shape"]) == 3)


def process(path: str) -> dict:
    slug = os.path.basename(path)[:-5]
    hf_id = slug.replace("__", "/", 1)
    raw, cfg = load_config(path)
    notes = []
    entry = {"hf_id": hf_id, "model_type": raw["model_type"], "source": SOURCE.format(hf_id=hf_id)}
    dropped = [k for k in DROP_KEYS if k in raw]
    if dropped:
        notes.append(f"dropped {dropped} from the dict before building (native transformers class, no quantization)")

    full_model = None
    if raw["model_type"] in MULTIMODAL:
        text_cfg = cfg.text_config
        build = lambda: build_meta(text_cfg)  # noqa: E731
        model = build()

        def build_full():
            with torch.device("meta"):
                return transformers.AutoModelForImageTextToText.from_config(cfg)
        full_model = build_full()
        notes.append(
            f"multimodal {raw['model_type']}: counted the language model only, built as "
            f"{type(model).__name__} from cfg.text_config ({text_cfg.model_type}); vision tower and projector "
            f"are excluded (see 'multimodal' for the full {type(full_model).__name__})")
        arch_cfg = text_cfg
    else:
        build = lambda: build_meta(cfg)  # noqa: E731
        model = build()
        arch_cfg = cfg
    entry["built_class"] = type(model).__name__
    n_layers = arch_cfg.num_hidden_layers

    counts, layers_name, layers = count(model, n_layers)
    entry.update(counts)

    # resolved architecture (defaults filled in by transformers)
    keys = ["hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
            "head_dim", "vocab_size", "tie_word_embeddings", "attention_bias", "mlp_bias",
            "num_local_experts", "num_experts", "n_routed_experts", "n_shared_experts", "num_experts_per_tok",
            "moe_intermediate_size", "shared_expert_intermediate_size", "first_k_dense_replace",
            "q_lora_rank", "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim",
            "multi_query", "parallel_attn", "new_decoder_architecture", "bias", "partial_rotary_factor",
            "rotary_pct", "use_parallel_residual", "qk_layernorm", "decoder_sparse_step", "mlp_only_layers"]
    entry["resolved_config"] = {k: getattr(arch_cfg, k) for k in keys if hasattr(arch_cfg, k)}

    # one layer's structure (and the first MoE layer's when it differs)
    structs = {"0": layer_structure(layers[0])}
    for i, layer in enumerate(layers):
        s = layer_structure(layer)
        if set(s) != set(structs["0"]):
            structs[str(i)] = s
            break
    entry["layer_param_shapes"] = structs
    entry["per_layer_params"] = {i: sum(torch.Size(v["shape"]).numel() for v in s.values())
                                 for i, s in structs.items()}
    expert_params = sorted({p for s in structs.values() for p in moe_expert_params(s)})

    # LoRA
    fam = TARGETS.get(raw["model_type"], DEFAULT_TARGETS)
    names = existing_leaf_names(model)
    lora = {"all-linear": lora_summary(build, target_modules="all-linear")}
    for key in ("qv", "attention"):
        tm = fam[key]
        if tm is not None and not set(tm) <= names:
            notes.append(f"{key}: {sorted(set(tm) - names)} not present; skipped")
            tm = None
        if tm is None:
            lora[key] = None
            if key == "qv":
                notes.append("qv: no separate q_proj/v_proj modules in this architecture (fused qkv or MLA); null")
        else:
            lora[key] = lora_summary(build, target_modules=list(tm))
            lora[key]["target_modules"] = list(tm)
    if expert_params:
        # PEFT's LoRA on parameters (ParamWrapper) rejects lora_dropout != 0; check what a typical config does.
        try:
            d = lora_summary(build, target_modules="all-linear", lora_dropout=0.05)
            lora["all-linear_dropout_0.05"] = {"trainable": d["trainable"], "modules": d["modules"], "count": d["count"]}
        except Exception as exc:
            lora["all-linear_dropout_0.05"] = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
        al = lora["all-linear"]
        hit = sorted(k for k, v in al["per_module"].items() if v["class"] == "ParamWrapper")
        layer_linear_untargeted = {k: v for k, v in al["untargeted_linear"].items() if k != "lm_head"}
        if hit:
            msg = (f"MoE: experts are fused 3D nn.Parameters {expert_params} (not nn.Linear). PEFT {peft.__version__}'s "
                   "transformers-v5 shim (peft.utils.transformers_weight_conversion) rewrites 'all-linear' into "
                   f"target_parameters, so these are adapted via ParamWrapper: {hit} (gate_up_proj at r=2*16, "
                   "alpha=2*32); see lora_r16['all-linear'].peft_config_after_v5_conversion")
        else:
            msg = (f"MoE: experts are fused 3D nn.Parameters {expert_params} (not nn.Linear) and the router is not "
                   f"nn.Linear; PEFT {peft.__version__}'s transformers-v5 shim has no entry for model_type "
                   f"'{raw['model_type']}', so 'all-linear' adapts NEITHER the routed experts NOR the router")
        if layer_linear_untargeted:
            msg += (f". nn.Linear layers inside the blocks left WITHOUT adapters by 'all-linear': "
                    f"{layer_linear_untargeted} (the shim maps the names gate_proj/up_proj/down_proj/gate to the "
                    "fused expert parameters and drops them from target_modules)")
        notes.append(msg)
    entry["lora_r16"] = lora

    if full_model is not None:
        fm_total = sum(p.numel() for p in full_model.parameters())
        mm = {"class": type(full_model).__name__, "total_params": fm_total,
              "non_language_model_params": fm_total - entry["total_params"]}
        try:
            mm["all-linear"] = {k: v for k, v in lora_summary(build_full, target_modules="all-linear").items()
                                if k in ("trainable", "modules", "count")}
        except Exception as exc:  # pragma: no cover
            mm["all-linear"] = {"error": f"{type(exc).__name__}: {exc}"}
        fm_tied = full_model.get_output_embeddings().weight is full_model.get_input_embeddings().weight
        mm["lm_head_tied"] = fm_tied
        if fm_tied and not entry["tied_word_embeddings"]:
            notes.append(
                f"the full {type(full_model).__name__} built from this config TIES lm_head to the embeddings "
                f"(top-level {type(cfg).__name__}.tie_word_embeddings defaults to {cfg.tie_word_embeddings} in "
                f"transformers {transformers.__version__}, the config.json does not set it) while text_config says "
                "untied; the language-model count here keeps lm_head separate, as the released checkpoint has it")
        entry["multimodal"] = mm
    entry["notes"] = "; ".join(notes)
    return slug, entry


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", help="slugs to (re)compute; others are kept from expected.json")
    ap.add_argument("--out", default=EXPECTED)
    args = ap.parse_args()
    torch.set_num_threads(1)

    paths = sorted(p for p in glob.glob(os.path.join(FIXTURES, "*.json")) if not p.endswith("expected.json"))
    existing = {}
    if args.only and os.path.exists(args.out):
        with open(args.out) as f:
            existing = json.load(f)
    results = {k: v for k, v in existing.items() if k != "_provenance"}
    for p in paths:
        slug = os.path.basename(p)[:-5]
        if args.only and slug not in args.only:
            continue
        t0 = time.time()
        slug, entry = process(p)
        results[slug] = entry
        al = entry["lora_r16"]["all-linear"]
        print(f"{slug:48s} total={entry['total_params']:>16,d} all-linear={al['trainable']:>13,d} "
              f"{al['modules']} ({time.time() - t0:.1f}s)", flush=True)

    prov = {
        "command": " ".join([os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(ROOT)
                             else sys.executable, os.path.relpath(__file__, ROOT)] + sys.argv[1:]),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "method": ("AutoConfig.for_model(model_type, **config_json minus auto_map/quantization_config); "
                   "AutoModelForCausalLM.from_config(cfg) under torch.device('meta') (for gemma3/mistral3: "
                   "from cfg.text_config); counts from model.named_parameters() (tied weights once), checked "
                   "against model.num_parameters(); LoRA counts from peft.get_peft_model(model, "
                   f"LoraConfig(r={R}, lora_alpha={ALPHA}, target_modules=...)).get_nb_trainable_parameters()[0] "
                   "on the meta model (lora_dropout default 0.0, bias='none')"),
        "categories": ("total_params = embedding_params + lm_head_params + norm_params + linear_params_in_layers "
                       "+ other_layer_params + other_params. norm_params includes norms inside the layers "
                       "(incl. qk-norms). linear_params_in_layers are nn.Linear weights+biases inside the "
                       "decoder-layer ModuleList; other_layer_params is everything else there (fused 3D MoE "
                       "expert tensors, non-Linear router weights, expert-bias parameters)."),
    }
    out = {"_provenance": prov}
    out.update(dict(sorted(results.items())))
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {args.out} ({len(results)} models)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
