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
    assert_eq!(keys(&v["breakdown"]), ["activations", "adapter", "logits", "overhead", "weights"]);
    assert!(v["breakdown"]["logits"].as_u64().unwrap() <= v["breakdown"]["activations"].as_u64().unwrap());
    assert_eq!(v["cpu_bytes_per_node"], 0, "nothing offloaded by default");
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
    assert_eq!(out.status.code(), Some(1), "it does not fit: {}", text(&out.stderr));
    assert!(s.contains("GiB") && s.contains(" GB"), "{s}");
    assert!(s.contains("GeForce RTX 4090"), "{s}");
    assert!(s.contains("least disruptive first"), "advice for a scenario that does not fit: {s}");
}

/// Bad input: a one-line error and exit status 3 (4 for what cannot be read), never a panic.
#[test]
fn bad_input_gets_one_line_errors() {
    let cases: &[(&[&str], &str, &str)] = &[
        // See: issue 10, "It accepts a JSON array `[]` as a scenario; a scenario must be an object."
        (&["estimate", "-"], "[]", "must be a JSON object"),
        (&["estimate", "-"], r#"{"lora": [8]}"#, "`lora` is a JSON array"),
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
        (&["estimate", "-"], r#"{"model": {"hf_config": {"model_type": "bert", "hidden_size": 768}}}"#, "bert"),
        (&["estimate", "--activation-offloading", "--gradient-checkpointing", "false"], "", "activation_offloading"),
        (&["estimate", "--use-liger-kernel", "--loss", "cut_cross_entropy"], "", "`loss`"),
        (&["estimate", "--loss-chunks", "4"], "", "loss_chunks"),
        (&["estimate", "--framework", "unsloth", "--use-liger-kernel"], "", "use_liger_kernel"),
    ];
    for (args, stdin, needle) in cases {
        let out = run(args, stdin);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: expected `{needle}` in {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: one line: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    for args in [&["estimate", "--hf-config", "/nonexistent/config.json"][..], &["estimate", "/nonexistent/run.json"]] {
        let out = run(args, "");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {err}");
        assert!(err.contains("cannot read") && err.trim_end().lines().count() == 1, "{err}");
    }
    // Usage errors, clap's own and the range of --vram-gib, exit 2.
    for args in [
        &["estimate", "--seq-len", "-5"][..],
        &["estimate", "--bogus"],
        &["estimate", "--vram-gib", "abc"],
        &["estimate", "--vram-gib", "0.5"],
        &["estimate", "--vram-gib", "2000"],
        &["estimate", "--export", "yaml"],
        &["estimate", "--export", "python", "--json"],
    ] {
        let out = run(args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(!text(&out.stderr).contains("panicked"));
    }
}

/// The exit status says whether the run fits, for a CI guard:
/// `lora-vram estimate … --gpu rtx-4090 && accelerate launch …` (issue 10).
#[test]
fn exit_status_follows_the_verdict() {
    let fits = run(&["estimate", "--gpu", "h100-sxm"], "");
    assert_eq!(fits.status.code(), Some(0), "{}", text(&fits.stdout));
    assert!(text(&fits.stdout).contains("NVIDIA H100 SXM: fits"));
    let big = ["estimate", "--model", "Qwen/Qwen2.5-7B", "--method", "lora", "--seq-len", "8192", "--gpu", "rtx-4090"];
    let no = run(&big, "");
    assert_eq!(no.status.code(), Some(1), "{}", text(&no.stderr));
    assert!(text(&no.stdout).contains("GeForce RTX 4090: does not fit"), "{}", text(&no.stdout));
    // The same with --json and --export: the status does not depend on the output format.
    for extra in [&["--json"][..], &["--export", "python"]] {
        let out = run(&[&big[..], extra].concat(), "");
        assert_eq!(out.status.code(), Some(1), "{extra:?}");
        assert!(!out.stdout.is_empty());
    }
    // Without --gpu or --vram-gib there is no verdict to report.
    assert_eq!(run(&big[..7], "").status.code(), Some(0));

    // Tight: the estimate fits, the top of its range does not. Exit 1, or 0 with --allow-tight.
    let v: serde_json::Value = serde_json::from_slice(&run(&["estimate", "--json"], "").stdout).unwrap();
    let (total, high) = (v["total_bytes"].as_u64().unwrap(), v["range"]["high_bytes"].as_u64().unwrap());
    let gib = format!("{}", (total + high) as f64 / 2.0 / (1u64 << 30) as f64);
    let tight = run(&["estimate", "--vram-gib", &gib], "");
    assert_eq!(tight.status.code(), Some(1), "{}", text(&tight.stdout));
    assert!(text(&tight.stdout).contains("tight: the estimate fits"), "{}", text(&tight.stdout));
    assert_eq!(run(&["estimate", "--vram-gib", &gib, "--allow-tight"], "").status.code(), Some(0));
    assert_eq!(run(&["estimate", "--vram-gib", "8"], "").status.code(), Some(1));

    let help = text(&run(&["estimate", "--help"], "").stdout);
    for line in ["Exit status:", "0  estimated", "1  with --gpu", "2  usage error", "3  the scenario", "4  an input"] {
        assert!(help.contains(line), "--help lists `{line}`: {help}");
    }
}

/// "My GPU has N GiB": the verdict, longest sequence and largest batch on any memory size.
#[test]
fn vram_gib_evaluates_a_custom_gpu() {
    let out = run(&["estimate", "--vram-gib", "48"], "");
    let s = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{s}");
    assert!(s.contains("your GPU (48.00 GiB): fits"), "{s}");
    assert!(s.contains("longest sequence") && s.contains("largest batch"), "{s}");
    // With --gpu, that card's context: a 48 GB RTX 4090 D.
    let s = text(&run(&["estimate", "--gpu", "rtx-4090-d", "--vram-gib", "48"], "").stdout);
    assert!(s.contains("GeForce RTX 4090 D with 48.00 GiB: fits"), "{s}");
    // --json adds `custom_gpu`, and only then; more memory never makes it worse.
    let json = |gib: &str| -> serde_json::Value {
        serde_json::from_slice(&run(&["estimate", "--json", "--vram-gib", gib], "").stdout).unwrap()
    };
    let (small, large) = (json("16"), json("80"));
    assert_eq!(small["custom_gpu"]["vram_bytes"], 16u64 << 30);
    for key in ["headroom_bytes", "max_seq_len", "max_batch_size"] {
        assert!(large["custom_gpu"][key].as_i64() > small["custom_gpu"][key].as_i64(), "{key}");
    }
    let plain: serde_json::Value = serde_json::from_slice(&run(&["estimate", "--json"], "").stdout).unwrap();
    assert!(plain.get("custom_gpu").is_none());
}

/// `--export` prints the scenario as a ready-to-run setup with the same settings.
#[test]
fn export_prints_each_format() {
    let base = ["estimate", "--model", "Qwen/Qwen2.5-7B", "--rank", "32", "--seq-len", "4096", "--batch-size", "2"];
    let cases: &[(&str, &[&str])] = &[
        ("python", &["MODEL = \"Qwen/Qwen2.5-7B\"", "r=32,", "SEQ_LEN = 4096", "BATCH_SIZE = 2", "load_in_4bit=True"]),
        ("axolotl", &["base_model: Qwen/Qwen2.5-7B", "lora_r: 32", "sequence_len: 4096", "micro_batch_size: 2"]),
        (
            "llamafactory",
            &["model_name_or_path: Qwen/Qwen2.5-7B", "lora_rank: 32", "cutoff_len: 4096", "quantization_bit: 4"],
        ),
    ];
    for (format, needles) in cases {
        let out = run(&[&base[..], &["--export", format]].concat(), "");
        let s = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", text(&out.stderr));
        assert!(s.starts_with("# Generated by lora-vram") && s.contains("# Estimated peak: "), "{s}");
        for n in *needles {
            assert!(s.contains(n), "{format}: `{n}` in\n{s}");
        }
    }
}

#[test]
fn models_and_gpus_list_the_presets() {
    let m = text(&run(&["models"], "").stdout);
    assert!(m.lines().count() >= 30 && m.contains("meta-llama/Llama-3.1-8B"), "{m}");
    let g = text(&run(&["gpus"], "").stdout);
    assert!(g.lines().count() >= 38 && g.contains("h100-sxm") && g.contains("rtx-4090-d"), "{g}");
}

/// The columns line up whatever the names' lengths ("Ada Lovelace", issue 10).
#[test]
fn tables_align_their_columns() {
    let col =
        |line: &str, needle: &str| line.chars().collect::<String>().find(needle).map(|b| line[..b].chars().count());
    let g = text(&run(&["gpus"], "").stdout);
    let first = g.lines().next().unwrap();
    for needle in ["GiB", "bf16:"] {
        for line in g.lines() {
            assert_eq!(col(line, needle), col(first, needle), "`{needle}` column:\n{g}");
        }
    }
    let e = text(&run(&["estimate"], "").stdout);
    let rows: Vec<&str> =
        e.lines().skip_while(|l| !l.trim_start().starts_with("GPU ")).take_while(|l| !l.is_empty()).collect();
    assert!(rows.len() > 38, "{e}");
    // Every row's memory column ends where the header's "VRAM" does.
    let end = col(rows[0], "VRAM").unwrap() + 4;
    for row in &rows[1..] {
        assert_eq!(col(row, "GiB").map(|c| c + 3), Some(end), "{row}\n{e}");
    }
}

/// See: issue 13. Each saver's flag is the scenario's field: flags and JSON give the same estimate.
#[test]
fn saver_flags_equal_the_scenario_fields() {
    let pairs: &[(&[&str], &str)] = &[
        (&["--use-liger-kernel"], r#"{"use_liger_kernel": true}"#),
        (&["--use-liger-kernel", "--loss", "standard"], r#"{"use_liger_kernel": true, "loss": "standard"}"#),
        (&["--loss", "chunked", "--loss-chunks", "8"], r#"{"loss": "chunked", "loss_chunks": 8}"#),
        (&["--loss", "fused_linear"], r#"{"loss": "fused_linear"}"#),
        (&["--loss", "cut_cross_entropy"], r#"{"loss": "cut_cross_entropy"}"#),
        (&["--activation-offloading"], r#"{"activation_offloading": true}"#),
        (
            &["--framework", "unsloth", "--activation-offloading"],
            r#"{"framework": "unsloth", "activation_offloading": true}"#,
        ),
    ];
    let plain = run(&["estimate", "--json"], "");
    for (flags, json) in pairs {
        let mut args = vec!["estimate", "--json", "--seq-len", "8192"];
        args.extend_from_slice(flags);
        let a = run(&args, "");
        let json = json.replacen('{', r#"{"seq_len": 8192, "#, 1);
        let b = run(&["estimate", "--json", "-"], &json);
        assert!(a.status.success() && b.status.success(), "{flags:?}: {} {}", text(&a.stderr), text(&b.stderr));
        assert_eq!(text(&a.stdout), text(&b.stdout), "{flags:?} against {json}");
        assert_ne!(a.stdout, plain.stdout, "{flags:?} changes the estimate");
    }
    let off = run(&["estimate", "--json", "--activation-offloading"], "");
    let v: serde_json::Value = serde_json::from_slice(&off.stdout).unwrap();
    assert!(v["cpu_bytes_per_node"].as_u64().unwrap() > 1 << 30, "32 layer inputs and the loss go to the host");
    let readable = text(&run(&["estimate", "--activation-offloading"], "").stdout);
    assert!(readable.contains("host RAM") && readable.contains("logits/loss"), "{readable}");
}

/// The help names the exact setting a user types in each tool.
#[test]
fn saver_help_names_the_settings_users_type() {
    let help = text(&run(&["estimate", "--help"], "").stdout);
    for setting in [
        "use_liger_kernel=True",
        "CEWithChunkedOutputLoss",
        "num_output_chunks",
        "activation_offloading=True",
        "use_gradient_checkpointing=\"unsloth\"",
        "cut_cross_entropy",
    ] {
        assert!(help.contains(setting), "--help lacks {setting}");
    }
}

/// `--json` prints the report's fields in DESIGN.md's order, the bytes the page's export page
/// prints for the same scenario (its end-to-end test compares them to the byte).
#[test]
fn json_keeps_the_design_order() {
    let out = text(&run(&["estimate", "--json"], "").stdout);
    let pos = |k: &str| out.find(&format!("\"{k}\"")).unwrap_or_else(|| panic!("{k} missing: {out}"));
    let order =
        ["total_bytes", "peak_allocated_bytes", "total_params", "trainable_params", "breakdown", "range", "gpus"];
    for w in order.windows(2) {
        assert!(pos(w[0]) < pos(w[1]), "{} before {}: {out}", w[0], w[1]);
    }
    assert!(pos("weights") < pos("adapter") && pos("adapter") < pos("activations"), "{out}");
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
        assert_eq!(out.status.code(), Some(3), "{args:?}: {err}"); // 3: the scenario cannot be estimated (lora_vram_cli::exit)
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}
