//! The CLI as a user runs it: real process, real stdin/stdout, exit codes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lora-vram"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `--json` prints exactly DESIGN.md's output shape: these keys, integers in bytes.
#[test]
fn json_output_has_exactly_the_design_keys() {
    let out = run(&["estimate", "--json"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&v),
        [
            "breakdown",
            "cpu_bytes_per_node",
            "gpus",
            "peak_allocated_bytes",
            "range",
            "total_bytes",
            "total_params",
            "trainable_params"
        ]
    );
    assert_eq!(keys(&v["breakdown"]), ["activations", "adapter", "overhead", "weights"]);
    assert_eq!(keys(&v["breakdown"]["adapter"]), ["gradients", "optimizer", "params"]);
    assert_eq!(keys(&v["breakdown"]["overhead"]), ["allocator", "cuda_context"]);
    assert_eq!(
        keys(&v["gpus"][0]),
        ["gpus_needed", "headroom_bytes", "id", "max_batch_size", "max_seq_len", "name", "verdict", "vram_bytes"]
    );
    let b = &v["breakdown"];
    let sum = b["weights"].as_u64().unwrap()
        + b["adapter"]["params"].as_u64().unwrap()
        + b["adapter"]["gradients"].as_u64().unwrap()
        + b["adapter"]["optimizer"].as_u64().unwrap()
        + b["activations"].as_u64().unwrap()
        + b["overhead"]["cuda_context"].as_u64().unwrap()
        + b["overhead"]["allocator"].as_u64().unwrap();
    assert_eq!(sum, v["total_bytes"].as_u64().unwrap(), "the breakdown adds up to the total");
    assert_eq!(keys(&v["range"]), ["high_bytes", "low_bytes"]);
    let (lo, hi) = (v["range"]["low_bytes"].as_u64().unwrap(), v["range"]["high_bytes"].as_u64().unwrap());
    assert!(lo <= v["total_bytes"].as_u64().unwrap() && v["total_bytes"].as_u64().unwrap() <= hi);
    assert_eq!(v["total_params"], 8_030_261_248u64, "Llama-3.1-8B, transformers' count");
}

/// A scenario from stdin, overridden by flags, equals the same scenario written in full.
#[test]
fn flags_override_the_scenario_file() {
    let file = r#"{"model": "Qwen/Qwen2.5-7B", "method": "lora", "seq_len": 1024}"#;
    let a = run(&["estimate", "-", "--json", "--seq-len", "4096"], file);
    let b = run(&["estimate", "--json", "--model", "Qwen/Qwen2.5-7B", "--method", "lora", "--seq-len", "4096"], "");
    assert!(a.status.success() && b.status.success(), "{} {}", text(&a.stderr), text(&b.stderr));
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn readable_output_labels_units_and_lists_gpus() {
    let out = run(
        &["estimate", "--model", "Qwen/Qwen2.5-7B", "--method", "lora", "--seq-len", "4096", "--gpu", "rtx-4090"],
        "",
    );
    let s = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(s.contains("GiB") && s.contains(" GB"), "{s}");
    assert!(s.contains("GeForce RTX 4090"), "{s}");
    assert!(s.contains("least disruptive first"), "advice for a scenario that does not fit: {s}");
}

/// Bad input: a one-line error and a non-zero exit, never a panic.
#[test]
fn bad_input_gets_one_line_errors() {
    let cases: &[(&[&str], &str, &str)] = &[
        (&["estimate", "--model", "nobody/nothing"], "", "unknown model"),
        (&["estimate", "-"], "{not json", "invalid scenario JSON"),
        (&["estimate", "-"], r#"{"model": "meta-llama/Llama-3.1-8B", "sequence": 5}"#, "unknown field"),
        (&["estimate", "--seq-len", "0"], "", "seq_len"),
        (&["estimate", "--batch-size", "99999999"], "", "batch_size"),
        (&["estimate", "--rank", "0"], "", "lora.rank"),
        (&["estimate", "--dropout", "1.5"], "", "lora.dropout"),
        (&["estimate", "--params", "1e30"], "", "model.params"),
        (&["estimate", "--targets", "q_proj,nonsense"], "", "nonsense"),
        (&["estimate", "--method", "full", "--weight-dtype", "nf4"], "", "weight_dtype"),
        (&["estimate", "--gpu", "abacus"], "", "unknown GPU"),
        (&["estimate", "--hf-config", "/nonexistent/config.json"], "", "cannot read"),
        (&["estimate", "-"], r#"{"model": {"hf_config": {"model_type": "bert", "hidden_size": 768}}}"#, "bert"),
    ];
    for (args, stdin, needle) in cases {
        let out = run(args, stdin);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: expected `{needle}` in {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: one line: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // clap's own errors (a negative number for an unsigned flag) exit 2 with usage.
    let out = run(&["estimate", "--seq-len", "-5"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn models_and_gpus_list_the_presets() {
    let m = text(&run(&["models"], "").stdout);
    assert!(m.lines().count() >= 30 && m.contains("meta-llama/Llama-3.1-8B"), "{m}");
    let g = text(&run(&["gpus"], "").stdout);
    assert!(g.lines().count() >= 30 && g.contains("h100-sxm"), "{g}");
}

/// `--gpus 8 --strategy zero3 --offload optimizer` is the scenario's `distributed` block (issue 11).
#[test]
fn distributed_flags_equal_the_json_block() {
    let json = r#"{"model": "meta-llama/Llama-3.1-70B", "method": "lora",
        "distributed": {"strategy": "zero3", "gpus": 16, "gpus_per_node": 8, "offload": "optimizer"}}"#;
    let a = run(&["estimate", "--json", "-"], json);
    let b = run(
        &[
            "estimate",
            "--json",
            "--model",
            "meta-llama/Llama-3.1-70B",
            "--method",
            "lora",
            "--gpus",
            "16",
            "--strategy",
            "zero3",
            "--gpus-per-node",
            "8",
            "--offload",
            "optimizer",
        ],
        "",
    );
    assert!(a.status.success() && b.status.success(), "{} {}", text(&a.stderr), text(&b.stderr));
    assert_eq!(a.stdout, b.stdout);
    let v: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    assert!(v["cpu_bytes_per_node"].as_u64().unwrap() > 0, "offloaded optimizer states on the host");
    let needed: Vec<&serde_json::Value> = v["gpus"].as_array().unwrap().iter().map(|g| &g["gpus_needed"]).collect();
    assert!(needed.iter().all(|n| n.is_null() || n.as_u64().is_some_and(|n| (1..=1024).contains(&n))));
    assert!(needed.iter().any(|n| n.as_u64().is_some_and(|n| n > 1)), "a 70B LoRA needs several small GPUs");
    let one = run(&["estimate", "--json", "--model", "meta-llama/Llama-3.1-70B", "--method", "lora"], "");
    let one: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert!(v["total_bytes"].as_u64() < one["total_bytes"].as_u64(), "per GPU, sharded");
    assert_eq!(one["cpu_bytes_per_node"], 0);
}

/// The readable output says the figures are per GPU, shows NCCL, the host memory, and the GPUs
/// needed; FSDP's sharding flag works.
#[test]
fn distributed_readable_output() {
    let out = run(
        &[
            "estimate",
            "--model",
            "meta-llama/Llama-3.1-8B",
            "--method",
            "full",
            "--strategy",
            "fsdp",
            "--gpus",
            "8",
            "--fsdp-sharding",
            "shard_grad_op",
        ],
        "",
    );
    let s = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for needle in ["FSDP shard_grad_op on 8 GPUs", "per GPU", "NCCL", "host RAM", "GPUs needed"] {
        assert!(s.contains(needle), "`{needle}` in {s}");
    }
    let out = run(&["estimate", "--strategy", "zero3"], "");
    assert!(text(&out.stdout).contains("on one GPU nothing is sharded"), "{}", text(&out.stdout));
    let single = run(&["estimate"], "");
    assert!(!text(&single.stdout).contains("NCCL") && !text(&single.stdout).contains("host RAM"));
}

/// Bad `distributed` combinations: one line naming the field.
#[test]
fn distributed_errors_name_the_field() {
    for (args, needle) in [
        (vec!["--gpus", "4", "--gpus-per-node", "8", "--strategy", "zero3"], "distributed.gpus_per_node"),
        (vec!["--gpus", "8", "--strategy", "zero2", "--offload", "optimizer_and_params"], "distributed.offload"),
        (vec!["--gpus", "8", "--strategy", "ddp", "--offload", "optimizer"], "distributed.offload"),
        (vec!["--gpus", "8", "--strategy", "zero3", "--fsdp-sharding", "full_shard"], "distributed.fsdp_sharding"),
    ] {
        let mut full = vec!["estimate"];
        full.extend(args.iter());
        let out = run(&full, "");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}
