"""Real FSDP on the CPU: 2 and 4 processes over gloo, each rank's live bytes counted (issue 11).

Each case builds a small Llama-style model in fp32 (real tensors, real arithmetic: bf16 is too slow on these CPUs),
wraps it with FSDP2 `fully_shard` exactly as accelerate 1.15's `fsdp2_prepare_model` does (one unit per decoder
layer, the untied input embedding, a tail of the final norm and the head with `reshard_after_forward=False` — the
embedding first in it when tied — and the root), runs two Trainer-like steps (forward with `labels`, backward,
`clip_grad_norm_(1.0)`, foreach AdamW, `zero_grad(set_to_none=True)`), and counts every rank's live storage bytes
with `measure.StorageCounter` (each storage once, rounded to 512 B as CUDA's allocator rounds, freed by its
finalizer), unwrapping DTensors to their local shard. The measured step is the second.

    tools/.venv/bin/python tools/calibrate/fsdp_gloo.py          # ~2 min -> tests/fixtures/measurements/fsdp_gloo.jsonl
    tools/.venv/bin/python tools/calibrate/fsdp_gloo.py --list

Every rank's peak is recorded; the fixture's `measured` is the busiest rank's, as the estimator reports.
What it cannot see: gloo's own buffers (NCCL's on a GPU are modelled apart), CUDA streams (on a GPU an
all-gather may overlap the previous unit's copy-out), the CUDA context and the caching allocator.
"""

import argparse
import contextlib
import datetime
import json
import os
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "tests", "fixtures", "measurements", "fsdp_gloo.jsonl")
sys.path.insert(0, HERE)

BASE = dict(hidden_size=512, intermediate_size=1536, num_hidden_layers=4, num_attention_heads=8,
            num_key_value_heads=4, vocab_size=16000, max_position_embeddings=2048, tie_word_embeddings=False)


def case(id, world, method="full", tied=False, sharding="full_shard", ckpt=True, batch=2, seq=256):
    return dict(id=id, world=world, method=method, tied=tied, sharding=sharding, ckpt=ckpt, batch=batch, seq=seq)


CASES = [
    case("fsdp2-full-w2", 2),
    case("fsdp2-full-w4", 4),
    case("fsdp2-full-w2-ckpt0", 2, ckpt=False),
    case("fsdp2-full-tied-w2", 2, tied=True),
    case("fsdp2-full-grad-op-w2", 2, sharding="shard_grad_op"),
    case("fsdp2-lora-w2", 2, method="lora"),
    case("fsdp2-lora-w4", 4, method="lora"),
    case("fsdp2-full-w1", 1),
]


def config(c):
    from transformers import LlamaConfig
    cfg = LlamaConfig(**{**BASE, "tie_word_embeddings": c["tied"]})
    cfg._attn_implementation = "sdpa"
    return cfg


def scenario(c):
    cfg = config(c).to_dict()
    s = {"model": {"hf_config": cfg}, "method": c["method"], "weight_dtype": "fp32", "mixed_precision": "no",
         "batch_size": c["batch"], "seq_len": c["seq"], "gradient_checkpointing": c["ckpt"], "attention": "sdpa",
         "optimizer": "adamw_torch",
         "distributed": {"strategy": "fsdp", "gpus": c["world"], "fsdp_sharding": c["sharding"]}}
    if c["method"] == "lora":
        s["lora"] = {"rank": 16, "alpha": 32, "targets": "all-linear", "dropout": 0.0, "dtype": "fp32"}
    return s


def wrap(model, c, mesh):
    """accelerate 1.15 `fsdp2_prepare_model`, with the transformer wrap policy."""
    from torch.distributed.fsdp import fully_shard
    kw = dict(mesh=mesh, reshard_after_forward=c["sharding"] == "full_shard")
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    for layer in base.model.layers:
        fully_shard(layer, **kw)
    embed, head = base.get_input_embeddings(), base.get_output_embeddings()
    tied = embed.weight is head.weight
    if not tied:
        fully_shard(embed, **kw)
    tail = [embed, base.model.norm, head] if tied else [base.model.norm, head]
    fully_shard(tail, **{**kw, "reshard_after_forward": False})
    fully_shard(model, mesh=mesh)
    return model


def rank_main(rank, c, port, out_q):
    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=c["world"])
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import DTensor
    from transformers import AutoModelForCausalLM
    from measure import StorageCounter

    class Counter(StorageCounter):
        """Also follows FSDP2's `free_storage`/`alloc_storage`, which resize an unsharded parameter's storage to 0
        and back (`_fsdp_param.py`) instead of freeing it: invisible to a dispatch mode."""

        def __init__(self):
            super().__init__()
            self.size = {}  # storage key -> bytes now, where a resize changed it

        def track(self, t, op="adopt"):
            if isinstance(t, DTensor):
                t = t._local_tensor
            return super().track(t, op)

        def resized(self, t):
            st = t.untyped_storage()
            k = self.key(st)
            if k not in self.live:
                return
            old = self.size.get(k, self.info[self.live[k]]["nbytes"])
            new = st.nbytes()
            rnd = lambda n: -(-n // 512) * 512
            self.size[k] = new
            self.cur += new - old
            self.cur_rounded += rnd(new) - rnd(old)
            self.note_peak()

        def note_peak(self):
            before = self.peak_rounded
            super().note_peak()
            if self.peak_rounded != before or not hasattr(self, "peak_sizes"):
                self.peak_sizes = {self.live[k]: n for k, n in self.size.items() if k in self.live}
            if os.environ.get("FSDP_GLOO_DEBUG") and self.phase == "backward_end" and self.cur_rounded >= getattr(self, "bw_peak", 0):
                self.bw_peak = self.cur_rounded
                self.bw_serials = list(self.live.values())
                self.bw_sizes = {self.live[k]: n for k, n in self.size.items() if k in self.live}

        def _free(self, k, s, n, r):
            if k in self.size and self.live.get(k) == s:
                n = self.size.pop(k)
                r = -(-n // 512) * 512
            super()._free(k, s, n, r)

    import torch.distributed.fsdp._fully_shard._fsdp_param as fsdp_param
    import torch.distributed.fsdp._fully_shard._fsdp_param_group as fsdp_param_group
    alloc, free = fsdp_param.alloc_storage, fsdp_param.free_storage

    def alloc_storage(t):
        alloc(t)
        counter.resized(t)

    def free_storage(t):
        free(t)
        counter.resized(t)

    fsdp_param.alloc_storage = fsdp_param_group.alloc_storage = alloc_storage
    fsdp_param.free_storage = free_storage

    mesh = init_device_mesh("cpu", (c["world"],))
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config(c), dtype=torch.float32)
    model.config.use_cache = False
    if c["ckpt"]:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    if c["method"] == "lora":
        from peft import LoraConfig, get_peft_model
        model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", lora_dropout=0.0))
        if c["ckpt"]:
            model.enable_input_require_grads()
    model = wrap(model, c, mesh)
    if os.environ.get("FSDP_GLOO_DEBUG"):
        base = model.get_base_model() if hasattr(model, "get_base_model") else model
        def late(*_):
            counter.phase = "backward_end"
        base.model.layers[0].register_full_backward_hook(lambda *a: late())
    trainable = [p for p in model.parameters() if p.requires_grad]
    counter = Counter()
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, BASE["vocab_size"], (c["batch"], c["seq"]), generator=g)
    with counter:
        for p in model.parameters():
            counter.track(p, "param")
        for b in model.buffers():
            counter.track(b, "buffer")
        counter.track(ids, "input")
        opt = torch.optim.AdamW(trainable, lr=1e-4, foreach=True)
        for step in range(2):
            if step == 1:
                static = counter.cur_rounded
                counter.reset_peak()
            counter.phase = "forward"
            loss = model(input_ids=ids, labels=ids).loss
            counter.note_peak()
            counter.phase = "backward"
            loss.backward()
            del loss
            counter.phase = "optimizer"
            torch.nn.utils.clip_grad_norm_(trainable, 1.0, foreach=True)
            opt.step()
            counter.phase = "zero_grad"
            opt.zero_grad(set_to_none=True)
            counter.note_peak()
    if os.environ.get("FSDP_GLOO_DEBUG") and rank == 0:
        import collections
        now = lambda sr: counter.bw_sizes.get(sr, counter.info[sr]["nbytes"])
        print(f"backward peak {counter.bw_peak/2**20:.1f}", file=sys.stderr)
        top = sorted(counter.bw_serials, key=lambda sr: -now(sr))[:14]
        for sr in top:
            i = counter.info[sr]
            print(f"  {now(sr)/2**20:8.2f} MiB {i['op']:<28} {i['phase']:<10} {i['dtype']:<8} {i['shape']}", file=sys.stderr)
    out_q.put(dict(rank=rank, peak=counter.peak_rounded, peak_unrounded=counter.peak, peak_phase=counter.peak_phase,
                   static=static, by_phase=dict(counter.phase_peak)))
    dist.barrier()
    dist.destroy_process_group()


def run(c, port):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=rank_main, args=(r, c, port, q)) for r in range(c["world"])]
    for p in procs:
        p.start()
    ranks = [q.get() for _ in procs]
    for p in procs:
        p.join()
        assert p.exitcode == 0, f"{c['id']}: a rank failed"
    ranks.sort(key=lambda r: r["rank"])
    busiest = max(ranks, key=lambda r: r["peak"])
    return {
        "id": c["id"], "kind": "cpu", "date": datetime.date.today().isoformat(),
        "source": "tools/calibrate/fsdp_gloo.py: FSDP2 over gloo, real fp32 tensors, one process per rank",
        "scenario": scenario(c),
        "measured": {"peak_allocated_bytes": busiest["peak"], "peak_live_bytes_unrounded": busiest["peak_unrounded"],
                     "peak_phase": busiest["peak_phase"], "static_bytes": busiest["static"],
                     "per_rank": ranks},
        "run_notes": {"torch": torch.__version__, "world_size": c["world"], "backend": "gloo"},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--out", default=OUT)
    a = ap.parse_args()
    if a.list:
        print("\n".join(c["id"] for c in CASES))
        return
    lines = []
    for i, c in enumerate(CASES):
        if a.only and c["id"] not in a.only:
            continue
        r = run(c, 29600 + i)
        m = r["measured"]
        print(f"{c['id']}: peak {m['peak_allocated_bytes'] / 2**20:.1f} MiB ({m['peak_phase']}), "
              f"static {m['static_bytes'] / 2**20:.1f} MiB", file=sys.stderr)
        lines.append(json.dumps(r))
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
