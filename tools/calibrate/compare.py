#!/usr/bin/env python3
"""Compare measured peaks (a measurements .jsonl) with the estimator CLI (`lora-vram estimate --json -`).

    cargo build -p lora-vram-cli
    tools/.venv/bin/python tools/calibrate/compare.py tests/fixtures/measurements/cpu_fake_more.jsonl [--parts]
"""
import json
import re
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BIN = os.path.join(ROOT, "target", "debug", "lora-vram")
GiB = 2 ** 30


def estimate(sc):
    p = subprocess.run([BIN, "estimate", "--json", "-"], input=json.dumps(sc), capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip() or p.stdout.strip()
    out = json.loads(p.stdout)
    # the readable output names the phase: "allocated ... (torch.cuda.max_memory_allocated, at <phase>)"
    t = subprocess.run([BIN, "estimate", "-"], input=json.dumps(sc), capture_output=True, text=True).stdout
    m = re.search(r"max_memory_allocated, at ([^)]*)\)", t)
    out["phase"] = m.group(1) if m else "?"
    return out, None


def main():
    path = sys.argv[1]
    parts = "--parts" in sys.argv
    rows = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            m = d["measured"]
            est, err = estimate(d["scenario"])
            meas = m["peak_allocated_bytes"]
            if est is None:
                print(f"{d['id']:58s} meas {meas / GiB:8.3f} GiB  ESTIMATOR ERROR: {err}")
                continue
            e = est["peak_allocated_bytes"]
            pct = 100 * (e - meas) / meas
            print(f"{d['id']:58s} meas {meas / GiB:8.3f}  est {e / GiB:8.3f} GiB  {pct:+7.2f}%  "
                  f"meas-phase {m['peak_phase']:9s} est-phase {est.get('phase', '?')}")
            if parts and abs(pct) > 3:
                print("   static meas %.3f GiB; est weights %.3f adapter %s act %.3f" % (
                    m["static_bytes"] / GiB, est["breakdown"]["weights"] / GiB,
                    {k: round(v / GiB, 4) for k, v in est["breakdown"]["adapter"].items()},
                    est["breakdown"]["activations"] / GiB))
                print("   composition", {k: round(v / GiB, 4) for k, v in m["peak_composition"].items()})
                for k, v in m.get("saved_by_part_last_layer", {}).items():
                    print(f"     {k:40s} {v['bytes_per_token']:10.1f}  {v['by_op_dtype']}")
            # the measured total counts the adapters (and modules_to_save copies) too; the estimate, the base model
            base_total = m["total_params"] - (m["trainable_params"] if d["scenario"]["method"] != "full" else 0)
            if est["trainable_params"] != m["trainable_params"] or est["total_params"] != base_total:
                print(f"   params: trainable est {est['trainable_params']} meas {m['trainable_params']}; "
                      f"total (base) est {est['total_params']} meas {base_total}")
            rows.append((d["id"], meas, e, pct))
    return rows


if __name__ == "__main__":
    main()
