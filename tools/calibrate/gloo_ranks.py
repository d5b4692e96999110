"""Real data-parallel engines on the CPU: FSDP2 and DeepSpeed ZeRO in 1-4 processes over gloo, each rank's live
bytes counted (issue 11).

Each case builds a small Llama-style model in fp32 (real tensors, real arithmetic: bf16 is too slow on these CPUs)
and trains two Trainer-like steps (forward with `labels`, backward, gradient clipping at 1.0, foreach AdamW,
`zero_grad(set_to_none=True)`), in one process per rank:

- FSDP2 (`fully_shard`), wrapped exactly as accelerate 1.15's `fsdp2_prepare_model` does: a unit per decoder layer,
  the untied input embedding, a tail of the final norm and the head with `reshard_after_forward=False` (the embedding
  first in it when tied), and the root;
- DeepSpeed 0.19.8 ZeRO-1/2/3 through `deepspeed.initialize`, with the Trainer's optimizer (torch AdamW, a "client
  optimizer") and the configuration the estimator assumes (`zero.rs`): the "auto" bucket sizes the Trainer fills
  from `hidden_size`, `overlap_comm`, `contiguous_gradients`, `gradient_clipping` 1.0; ZeRO-3 builds the model under
  `deepspeed.zero.Init` as `from_pretrained` does.

`measure.StorageCounter` counts each rank's live storages (each once, rounded to 512 B as CUDA's allocator rounds,
freed by its finalizer); DTensors count their local shard, and FSDP2's storage resizes (`free_storage` /
`alloc_storage`, invisible to a dispatch mode) are followed. For DeepSpeed every tensor alive when counting starts
is adopted (`gc`), since its engine builds its flat buffers before. The measured step is the second.

    tools/.venv/bin/python tools/calibrate/gloo_ranks.py          # ~6 min -> tests/fixtures/measurements/gloo_ranks.jsonl
    tools/.venv/bin/python tools/calibrate/gloo_ranks.py --list
    GLOO_RANKS_DEBUG=1 tools/.venv/bin/python tools/calibrate/gloo_ranks.py --only fsdp2-full-w2 --out /tmp/x.jsonl

DeepSpeed on the CPU JIT-builds its shared-memory collective (`deepspeed_shm_comm`): g++ and the venv's ninja on
PATH (the script adds the venv's bin). Every rank's peak is recorded; `measured` is the busiest rank's, as the
estimator reports. What it cannot see: gloo's own buffers (NCCL's on a GPU are modelled apart), CUDA streams (on a
GPU a collective's buffers live until it finishes on its stream), the CUDA context and the caching allocator.
"""

import argparse
import datetime
import gc
import json
import os
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "tests", "fixtures", "measurements", "gloo_ranks.jsonl")
sys.path.insert(0, HERE)
DEBUG = bool(os.environ.get("GLOO_RANKS_DEBUG"))

BASE = dict(hidden_size=512, intermediate_size=1536, num_hidden_layers=4, num_attention_heads=8,
            num_key_value_heads=4, vocab_size=16000, max_position_embeddings=2048, tie_word_embeddings=False)
H = BASE["hidden_size"]


def case(id, world, engine="fsdp", method="full", tied=False, sharding="full_shard", ckpt=True, batch=2, seq=256):
    return dict(id=id, world=world, engine=engine, method=method, tied=tied, sharding=sharding, ckpt=ckpt,
                batch=batch, seq=seq)


CASES = [
    case("fsdp2-full-w2", 2),
    case("fsdp2-full-w4", 4),
    case("fsdp2-full-w2-ckpt0", 2, ckpt=False),
    case("fsdp2-full-tied-w2", 2, tied=True),
    case("fsdp2-full-grad-op-w2", 2, sharding="shard_grad_op"),
    case("fsdp2-lora-w2", 2, method="lora"),
    case("fsdp2-lora-w4", 4, method="lora"),
    case("fsdp2-full-w1", 1),
    case("zero1-full-w2", 2, engine="zero1"),
    case("zero2-full-w2", 2, engine="zero2"),
    case("zero2-full-w4", 4, engine="zero2"),
    case("zero2-lora-w2", 2, engine="zero2", method="lora"),
    case("zero3-full-w2", 2, engine="zero3"),
    case("zero3-full-w4", 4, engine="zero3"),
    case("zero3-full-w2-ckpt0", 2, engine="zero3", ckpt=False),
    case("zero3-lora-w2", 2, engine="zero3", method="lora"),
]


def config(c):
    from transformers import LlamaConfig
    cfg = LlamaConfig(**{**BASE, "tie_word_embeddings": c["tied"]})
    cfg._attn_implementation = "sdpa"
    return cfg


def scenario(c):
    d = {"strategy": c["engine"], "gpus": c["world"]}
    if c["engine"] == "fsdp":
        d["fsdp_sharding"] = c["sharding"]
    s = {"model": {"hf_config": config(c).to_dict()}, "method": c["method"], "weight_dtype": "fp32",
         "mixed_precision": "no", "batch_size": c["batch"], "seq_len": c["seq"], "gradient_checkpointing": c["ckpt"],
         "attention": "sdpa", "optimizer": "adamw_torch", "distributed": d}
    if c["method"] == "lora":
        s["lora"] = {"rank": 16, "alpha": 32, "targets": "all-linear", "dropout": 0.0, "dtype": "fp32"}
    return s


def ds_config(c):
    """What the Trainer hands DeepSpeed: "auto" filled from hidden_size (integrations/deepspeed.py)."""
    return {"train_micro_batch_size_per_gpu": c["batch"], "gradient_accumulation_steps": 1, "gradient_clipping": 1.0,
            "bf16": {"enabled": False}, "fp16": {"enabled": False}, "zero_allow_untested_optimizer": True,
            "zero_optimization": {"stage": int(c["engine"][-1]), "overlap_comm": True, "contiguous_gradients": True,
                                  "reduce_bucket_size": H * H, "stage3_prefetch_bucket_size": int(0.9 * H * H),
                                  "stage3_param_persistence_threshold": 10 * H, "stage3_max_live_parameters": 1e9,
                                  "stage3_max_reuse_distance": 1e9, "sub_group_size": 1e9}}


def make_counter():
    from torch.distributed.tensor import DTensor
    from measure import StorageCounter

    class Counter(StorageCounter):
        """Counts DTensors by their shard, and follows storages resized in place."""

        def __init__(self):
            super().__init__()
            self.size = {}  # storage key -> bytes now, where a resize changed it

        def track(self, t, op="adopt"):
            if isinstance(t, DTensor):
                t = t._local_tensor
            if isinstance(t, torch.Tensor) and t.device.type == "meta":
                return None  # DeepSpeed keeps meta copies of the parameters' shapes: no memory
            return super().track(t, op)

        def resized(self, t):
            st = t.untyped_storage()
            k = self.key(st)
            if k not in self.live:
                return
            old = self.size.get(k, self.info[self.live[k]]["nbytes"])
            new = st.nbytes()
            self.size[k] = new
            self.cur += new - old
            self.cur_rounded += -(-new // 512) * 512 - -(-old // 512) * 512
            self.note_peak()

        def note_peak(self):
            super().note_peak()
            if DEBUG and self.cur_rounded >= getattr(self, "debug_peak", 0):
                self.debug_peak = self.cur_rounded
                self.debug_live = [(self.size.get(k, self.info[s]["nbytes"]), s) for k, s in self.live.items()]

        def _free(self, k, s, n, r):
            if k in self.size and self.live.get(k) == s:
                n = self.size.pop(k)
                r = -(-n // 512) * 512
            super()._free(k, s, n, r)

    return Counter()


def follow_fsdp2_resizes(counter):
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


def fsdp2_wrap(model, c):
    """accelerate 1.15 `fsdp2_prepare_model`, with the transformer wrap policy."""
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard
    mesh = init_device_mesh("cpu", (c["world"],))
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


def build(c):
    from transformers import AutoModelForCausalLM
    torch.manual_seed(0)
    if c["engine"] == "zero3":
        import deepspeed
        with deepspeed.zero.Init(config_dict_or_path=ds_config(c)):
            model = AutoModelForCausalLM.from_config(config(c), dtype=torch.float32)
    else:
        model = AutoModelForCausalLM.from_config(config(c), dtype=torch.float32)
    model.config.use_cache = False
    if c["ckpt"]:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    if c["method"] == "lora":
        from peft import LoraConfig, get_peft_model
        model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", lora_dropout=0.0))
        if c["ckpt"]:
            model.enable_input_require_grads()
    return model


def rank_main(rank, c, port, out_q):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(c["world"]),
                      LOCAL_RANK=str(rank), LOCAL_SIZE=str(c["world"]))
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]
    torch.set_num_threads(1)
    zero = c["engine"].startswith("zero")
    if zero:
        import deepspeed
        deepspeed.init_distributed(dist_backend="gloo")
    else:
        dist.init_process_group("gloo", rank=rank, world_size=c["world"])
    counter = make_counter()
    model = build(c)
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, BASE["vocab_size"], (c["batch"], c["seq"]), generator=g)
    if zero:
        import deepspeed
        opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4, foreach=True)
        engine, _, _, _ = deepspeed.initialize(model=model, optimizer=opt, config=ds_config(c))

        def step():
            counter.phase = "forward"
            loss = engine(input_ids=ids, labels=ids).loss
            counter.note_peak()
            counter.phase = "backward"
            engine.backward(loss)
            del loss
            counter.phase = "optimizer"
            engine.step()
            counter.note_peak()
    else:
        follow_fsdp2_resizes(counter)
        model = fsdp2_wrap(model, c)
        # After wrapping: fully_shard replaces each parameter with its DTensor.
        trainable = [p for p in model.parameters() if p.requires_grad]
        opt = None

        def step():
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

    with counter:
        if zero:
            # The engine's flat buffers, partitions and optimizer state exist already: adopt every live tensor
            # (after collecting the cycles that still hold the parameters' storages from before flattening).
            gc.collect()
            for o in gc.get_objects():
                if isinstance(o, torch.Tensor):
                    counter.track(o, "adopt")
        else:
            for p in model.parameters():
                counter.track(p, "param")
            for b in model.buffers():
                counter.track(b, "buffer")
            opt = torch.optim.AdamW(trainable, lr=1e-4, foreach=True)
        counter.track(ids, "input")
        for i in range(2):
            if i == 1:
                static, static_unrounded = counter.cur_rounded, counter.cur
                counter.reset_peak()
                if DEBUG and rank == 0:
                    print(f"{c['id']}: largest live tensors before the measured step", file=sys.stderr)
                    for s in sorted(counter.live.values(), key=lambda s: -counter.info[s]["nbytes"])[:12]:
                        i_ = counter.info[s]
                        print(f"  {i_['nbytes'] / 2**20:8.2f} MiB {i_['op']:<20} {i_['phase']:<10} {i_['shape']}",
                              file=sys.stderr)
            step()
    if DEBUG and rank == 0:
        print(f"{c['id']}: largest live tensors at the peak ({counter.debug_peak / 2**20:.1f} MiB)",
              file=sys.stderr)
        for n, s in sorted(counter.debug_live, key=lambda x: -x[0])[:16]:
            i = counter.info[s]
            print(f"  {n / 2**20:8.2f} MiB {i['op']:<28} {i['phase']:<10} {i['dtype']:<8} {i['shape']}", file=sys.stderr)
    out_q.put(dict(rank=rank, peak=counter.peak_rounded, peak_unrounded=counter.peak, peak_phase=counter.peak_phase,
                   static=static, static_unrounded=static_unrounded, by_phase=dict(counter.phase_peak)))
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
    engine = "FSDP2" if c["engine"] == "fsdp" else "DeepSpeed " + c["engine"].upper()
    import transformers
    notes = {"torch": torch.__version__, "transformers": transformers.__version__, "world_size": c["world"],
             "backend": "gloo"}
    if c["engine"] != "fsdp":
        import deepspeed
        notes["deepspeed"] = deepspeed.__version__
    return {
        "id": c["id"], "kind": "cpu", "date": datetime.date.today().isoformat(),
        "source": f"tools/calibrate/gloo_ranks.py: {engine} over gloo, real fp32 tensors, one process per rank",
        "scenario": scenario(c),
        "measured": {"peak_allocated_bytes": busiest["peak"], "peak_live_bytes_unrounded": busiest["peak_unrounded"],
                     "peak_phase": busiest["peak_phase"], "static_bytes": busiest["static"],
                     "static_bytes_unrounded": busiest["static_unrounded"], "per_rank": ranks},
        "run_notes": notes,
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
