"""DeepSpeed's own ZeRO memory estimators, run, as a fixture for the Rust parity test (issue 11).

DeepSpeed ships `estimate_zero2_model_states_mem_needs*` (runtime/zero/stage_1_and_2.py) and
`estimate_zero3_model_states_mem_needs*` (runtime/zero/stage3.py). This script calls every variant
over a grid of models x GPUs per node x nodes x offload options and writes what they return:

- `estimate_zero2_model_states_mem_needs` / `estimate_zero3_model_states_mem_needs`: the integer
  bytes `(cpu, gpu)` for each option;
- `..._all_cold`: the table it prints, for `total_params` and `largest_layer_params` counted on
  the model built on the meta device (what `model_to_params` counts: each shared parameter once,
  and the largest module's own parameters);
- `..._all_live`: the table it prints for a real model (small ones, built in bf16 on the CPU), whose
  counts DeepSpeed's `model_to_params` takes itself (recorded too).

    DS_BUILD_OPS=0 tools/.venv/bin/pip install deepspeed==0.19.8
    tools/.venv/bin/python tools/calibrate/deepspeed_parity.py      # ~2 min -> tests/fixtures/deepspeed/model_states.jsonl

`crates/estimator/tests/deepspeed_parity.rs` checks the fixture: the Rust `zero::model_states`
against the integers, the printed tables line by line, and the model counts against the presets.
"""

import contextlib
import io
import json
import pathlib
import sys

import torch
import deepspeed
from deepspeed.runtime.zero import stage3, stage_1_and_2
from transformers import AutoConfig, AutoModelForCausalLM

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "tests" / "fixtures" / "configs"
OUT = ROOT / "tests" / "fixtures" / "deepspeed" / "model_states.jsonl"

# Dense and MoE, tied and untied embeddings, biases and LayerNorm, 0.5B to 405B.
COLD = [
    "meta-llama/Llama-3.1-8B",
    "meta-llama/Llama-3.1-70B",
    "meta-llama/Llama-3.1-405B",
    "Qwen/Qwen2.5-0.5B",
    "Qwen/Qwen2.5-7B",
    "mistralai/Mixtral-8x7B-v0.1",
    "Qwen/Qwen3-30B-A3B",
    "google/gemma-2-2b",
    "microsoft/phi-2",
]
# Small enough to build for real on a laptop CPU.
LIVE = ["Qwen/Qwen2.5-0.5B", "meta-llama/Llama-3.2-1B", "EleutherAI/pythia-1b"]
LAYOUTS = [(g, n) for n in (1, 2) for g in (1, 2, 4, 8)]  # 1 to 16 GPUs


def config(model_id):
    return AutoConfig.for_model(**json.loads((CONFIGS / (model_id.replace("/", "__") + ".json")).read_text()))


def counts(model):
    """`model_to_params` without `data_ptr()` (which is 0 for every meta tensor): `parameters()`
    yields each shared parameter once, and the largest module counts its own parameters."""
    total = sum(p.numel() for p in model.parameters())
    largest = max(sum(p.numel() for p in m.parameters(recurse=False)) for m in model.modules())
    return total, largest


def printed(fn, *args, **kwargs):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        fn(*args, **kwargs)
    return [line for line in buf.getvalue().splitlines() if "GB |" in line]


def raw_rows(model_id, total, largest):
    for g, n in LAYOUTS:
        for off in (True, False):
            cpu, gpu = stage_1_and_2.estimate_zero2_model_states_mem_needs(total, g, n, off)
            yield dict(model=model_id, variant="estimate_zero2_model_states_mem_needs", stage=2,
                       total_params=total, largest_layer_params=largest, gpus_per_node=g, nodes=n,
                       cpu_offload=off, cpu_offload_params=False, zero_init=True, cpu_bytes=cpu, gpu_bytes=gpu)
        for off, off_params in ((True, True), (True, False), (False, False)):
            for zero_init in (True, False):
                cpu, gpu, _ = stage3.estimate_zero3_model_states_mem_needs(
                    total, largest, g, n, off, off_params, zero_init)
                yield dict(model=model_id, variant="estimate_zero3_model_states_mem_needs", stage=3,
                           total_params=total, largest_layer_params=largest, gpus_per_node=g, nodes=n,
                           cpu_offload=off, cpu_offload_params=off_params, zero_init=zero_init,
                           cpu_bytes=cpu, gpu_bytes=gpu)


def table_rows(model_id, total, largest, kind, model=None):
    for g, n in LAYOUTS:
        for stage in (2, 3):
            if kind == "all_live":
                mod = stage_1_and_2 if stage == 2 else stage3
                lines = printed(getattr(mod, f"estimate_zero{stage}_model_states_mem_needs_all_live"), model, g, n)
            elif stage == 2:
                lines = printed(stage_1_and_2.estimate_zero2_model_states_mem_needs_all_cold, total, g, n)
            else:
                lines = printed(stage3.estimate_zero3_model_states_mem_needs_all_cold, total, largest, g, n)
            yield dict(model=model_id, variant=f"estimate_zero{stage}_model_states_mem_needs_{kind}", stage=stage,
                       total_params=total, largest_layer_params=largest, gpus_per_node=g, nodes=n, printed=lines)


def main():
    rows = []
    for model_id in COLD:
        with torch.device("meta"):
            model = AutoModelForCausalLM.from_config(config(model_id))
        total, largest = counts(model)
        rows += raw_rows(model_id, total, largest)
        rows += table_rows(model_id, total, largest, "all_cold")
        print(f"{model_id}: {total} params, largest module {largest}", file=sys.stderr)
    for model_id in LIVE:
        torch.manual_seed(0)
        model = AutoModelForCausalLM.from_config(config(model_id), dtype=torch.bfloat16)
        total, largest = stage3.model_to_params(model)
        assert stage_1_and_2.model_to_params(model) == total
        rows += table_rows(model_id, total, largest, "all_live", model)
        print(f"{model_id} (live): {total} params, largest module {largest}", file=sys.stderr)
        del model
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w") as f:
        f.write(json.dumps(dict(deepspeed=deepspeed.__version__, torch=torch.__version__, rows=len(rows))) + "\n")
        for r in rows:
            f.write(json.dumps(r) + "\n")
    print(f"wrote {len(rows)} rows to {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
