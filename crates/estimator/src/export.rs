//! Export: the scenario as a ready-to-run training setup with the same settings, so that the
//! estimate and the run agree by construction.
//!
//! Three formats ([`Format`]), each written for the versions the estimator models:
//! - **Python**: transformers 5 `AutoModelForCausalLM.from_pretrained` with a bitsandbytes
//!   `BitsAndBytesConfig` (`load_in_4bit`/`load_in_8bit`, `bnb_4bit_quant_type`,
//!   `bnb_4bit_use_double_quant`, `bnb_4bit_compute_dtype`), `dtype` and `attn_implementation`; PEFT
//!   0.21's `prepare_model_for_kbit_training` and `LoraConfig` (`r`, `lora_alpha`, `lora_dropout`,
//!   `target_modules`, `target_parameters` for transformers 5's stacked experts, `modules_to_save`,
//!   `task_type`); then the scenario's loop: `Trainer` with `TrainingArguments`
//!   (`per_device_train_batch_size`, `gradient_checkpointing` and its `use_reentrant=False`, `optim`,
//!   `bf16`/`fp16`), TRL 1.16's `SFTTrainer` with `SFTConfig` (`max_length`, `packing`), or the
//!   plain PyTorch loop of `trainer: custom_loop`. The data are cut into blocks of exactly
//!   `seq_len` tokens with no padding, as the estimate assumes; `sdpa_kernel: efficient` wraps the
//!   training in `torch.nn.attention.sdpa_kernel`. Every setting is expressible in Python.
//! - **axolotl** YAML, key names of axolotl 0.19.0 (`axolotl/utils/schemas/{config,peft,training,model}.py`):
//!   `base_model`, `adapter`, `load_in_4bit`/`load_in_8bit`, `bnb_config_kwargs`, `lora_r`,
//!   `lora_alpha`, `lora_dropout`, `lora_target_linear`/`lora_target_modules`,
//!   `lora_modules_to_save`, `peft_autocast_adapter_dtype`, `sequence_len`, `sample_packing`,
//!   `micro_batch_size`, `gradient_checkpointing(_kwargs)`, `optimizer`, `bf16`/`fp16`/`bfloat16`/`float16`,
//!   `attn_implementation`.
//! - **LLaMA-Factory** YAML, key names of LLaMA-Factory 0.9.5 (`llamafactory/hparams/*.py`):
//!   `model_name_or_path`, `stage`, `finetuning_type`, `lora_rank`, `lora_alpha`, `lora_dropout`,
//!   `lora_target`, `additional_target`, `quantization_bit`, `quantization_method`,
//!   `quantization_type`, `double_quantization`, `flash_attn`, `disable_gradient_checkpointing`,
//!   `use_reentrant_gc`, `cutoff_len`, `packing`, and the `TrainingArguments` it passes through.
//!
//! A setting a format cannot express (a custom loop or TRL's trainer in a YAML recipe, the SDPA
//! kernel, a dtype combination, skipping `prepare_model_for_kbit_training`) is written as a `# NOTE:`
//! comment in the output, never dropped silently. Every output starts with the estimate's total.
//!
//! Size: plain string pieces and integer formatting; the two floats a scenario has (alpha and
//! dropout) go through serde_json's shortest round-trip formatter, which the page already links.

use alloc::string::{String, ToString};
use core::fmt::Write;

use crate::presets::MODELS;
use crate::scenario::{
    AdapterDtype, AttentionImpl, Method, MixedPrecision, ModelSource, Optimizer, Scenario, SdpaKernel, Trainer,
    WeightDtype,
};

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// A Python script: transformers + PEFT (+ bitsandbytes, + TRL), or a plain PyTorch loop.
    Python,
    /// An axolotl config (`axolotl train config.yml`).
    Axolotl,
    /// A LLaMA-Factory config (`llamafactory-cli train config.yaml`).
    LlamaFactory,
}

impl Format {
    /// Every format, for pickers and tests.
    pub const ALL: [Format; 3] = [Format::Python, Format::Axolotl, Format::LlamaFactory];

    /// The name used on the command line (`--export python|axolotl|llamafactory`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Python => "python",
            Format::Axolotl => "axolotl",
            Format::LlamaFactory => "llamafactory",
        }
    }

    /// A file name for the output.
    pub const fn file_name(self) -> &'static str {
        match self {
            Format::Python => "train.py",
            Format::Axolotl => "axolotl.yml",
            Format::LlamaFactory => "llamafactory.yaml",
        }
    }
}

/// A placeholder for a model the scenario does not name (a bare parameter count, or a config.json
/// without its Hub id): `from_pretrained` fails on it with a clear message.
pub const MODEL_PLACEHOLDER: &str = "your-org/your-model";

/// The scenario as a ready-to-run setup in `format`. `model_id` names the Hugging Face model when
/// the scenario's own source does not (a config.json imported from the Hub); a preset's id is used
/// otherwise, and [`MODEL_PLACEHOLDER`] with a comment when there is none.
pub fn render(s: &Scenario, model_id: Option<&str>, format: Format) -> String {
    let mut o = Out(String::with_capacity(2048));
    header(&mut o, s, model_id);
    match format {
        Format::Python => python(&mut o, s, model(s, model_id)),
        Format::Axolotl => axolotl(&mut o, s, model(s, model_id)),
        Format::LlamaFactory => llamafactory(&mut o, s, model(s, model_id)),
    }
    o.0
}

/// The output, with infallible writes (a `String` never fails).
struct Out(String);

impl Out {
    fn s(&mut self, text: &str) -> &mut Self {
        self.0.push_str(text);
        self
    }
    fn n(&mut self, v: u64) -> &mut Self {
        let _ = write!(self.0, "{v}");
        self
    }
    fn note(&mut self, text: &str) -> &mut Self {
        self.s("# NOTE: ").s(text).s("\n")
    }
}

fn model<'a>(s: &Scenario, id: Option<&'a str>) -> &'a str {
    match (id, s.source) {
        (Some(id), _) => id,
        (None, ModelSource::Preset(i)) => MODELS[i].id,
        _ => MODEL_PLACEHOLDER,
    }
}

/// Bytes as GiB with two decimals, by integer arithmetic.
fn gib(o: &mut Out, bytes: u64) {
    let c = (u128::from(bytes) * 100 + (1 << 29)) >> 30;
    let _ = write!(o.0, "{}.{:02} GiB", c / 100, c % 100);
}

/// A float as the shortest text that reads back the same (`0.05`, `32`).
fn float(o: &mut Out, x: f64) {
    // Integral and small: as an integer (`f64::fract` is not in `core`).
    if (-1e15..1e15).contains(&x) && (x as i64) as f64 == x {
        let _ = write!(o.0, "{}", x as i64);
    } else {
        o.s(&serde_json::to_string(&x).unwrap_or_default());
    }
}

fn header(o: &mut Out, s: &Scenario, model_id: Option<&str>) {
    let e = crate::estimate(s);
    let (lo, hi) = e.range();
    o.s("# Generated by lora-vram ").s(env!("CARGO_PKG_VERSION")).s(" from the scenario it estimated.\n");
    o.s("# Estimated peak: ");
    gib(o, e.total());
    o.s(" as nvidia-smi shows it (range ");
    gib(o, lo);
    o.s(" to ");
    gib(o, hi);
    o.s(")");
    if let Some(g) = s.gpu.and_then(|i| crate::gpus::GPUS.get(i)) {
        o.s(" on ").s(g.name);
    }
    o.s(", batch ").n(s.batch_size).s(" x ").n(s.seq_len).s(" tokens.\n");
    o.s("# Modelled: transformers 5, PEFT 0.21, bitsandbytes, PyTorch 2.10+ (TRL 1.16 for SFTTrainer).\n");
    if model_id.is_none() {
        match s.source {
            ModelSource::Inferred { .. } => o.note(
                "the estimate inferred a Llama-3-style shape from a parameter count; put the model you mean in place of your-org/your-model",
            ),
            ModelSource::Config => {
                o.note("the estimate read a config.json; put its model's Hub id in place of your-org/your-model")
            }
            ModelSource::Preset(_) => o,
        };
    }
}

const fn torch_dtype(w: WeightDtype, mp: MixedPrecision) -> &'static str {
    match (w, mp) {
        (WeightDtype::Fp32, _) => "float32",
        (WeightDtype::Fp16, _) | (WeightDtype::Int8 | WeightDtype::Nf4 | WeightDtype::Fp4, MixedPrecision::Fp16) => {
            "float16"
        }
        _ => "bfloat16",
    }
}

const fn adapter_dtype(d: AdapterDtype) -> &'static str {
    match d {
        AdapterDtype::Fp32 => "float32",
        AdapterDtype::Bf16 => "bfloat16",
        AdapterDtype::Fp16 => "float16",
    }
}

const fn is_lora(s: &Scenario) -> bool {
    !matches!(s.method, Method::Full)
}

/// The model's names for the modules `modules_to_save` can name.
fn saved_modules(s: &Scenario) -> [Option<&'static str>; 2] {
    let neox = matches!(s.arch.model_type, crate::arch::ModelType::GptNeox);
    let m = s.lora.modules_to_save;
    [
        m.embed_tokens.then_some(if neox { "embed_in" } else { "embed_tokens" }),
        m.lm_head.then_some(if neox { "embed_out" } else { "lm_head" }),
    ]
}

/// Whether PEFT's `"all-linear"` selects exactly the targeted Linears.
fn is_all_linear(s: &Scenario) -> bool {
    crate::scenario::TargetSpec::Shorthand("all-linear".to_string()).resolve(&s.arch).is_ok_and(|t| t == s.lora.targets)
}

/// Writes `names` as a list: `["a", "b"]` (`quote`) or `[a, b]`.
fn list<'a>(o: &mut Out, names: impl Iterator<Item = &'a str>, quote: bool) {
    o.s("[");
    for (i, n) in names.enumerate() {
        if i > 0 {
            o.s(", ");
        }
        if quote {
            o.s("\"").s(n).s("\"");
        } else {
            o.s(n);
        }
    }
    o.s("]");
}

/// The rank, alpha and dropout, each after its key.
fn rank_alpha_dropout(o: &mut Out, s: &Scenario, keys: [&str; 3]) {
    o.s(keys[0]).n(s.lora.rank).s(keys[1]);
    float(o, s.lora.alpha);
    o.s(keys[2]);
    float(o, s.lora.dropout);
}

fn stacked(n: &&str) -> bool {
    n.starts_with("experts.")
}

// ---------------------------------------------------------------------------------------------
// Python

fn python(o: &mut Out, s: &Scenario, model: &str) {
    let lora = is_lora(s);
    let quant = s.weight_dtype.is_quantized() && lora;
    let trl = s.trainer == Trainer::TrlSft;
    let ckpt = s.gradient_checkpointing;
    o.s("import torch\nfrom datasets import load_dataset\n");
    if lora {
        o.s("from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training\n");
    }
    o.s("from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig, Trainer, TrainingArguments, default_data_collator\n");
    if trl {
        o.s("from trl import SFTConfig, SFTTrainer\n");
    }
    if s.trainer == Trainer::CustomLoop {
        match s.optimizer {
            Optimizer::Adamw8bit | Optimizer::PagedAdamw8bit | Optimizer::PagedAdamw32bit => {
                o.s("import bitsandbytes as bnb\n");
            }
            Optimizer::Adafactor => {
                o.s("from transformers.optimization import Adafactor\n");
            }
            _ => {}
        }
    }
    o.s("\nMODEL = \"").s(model).s("\"\nSEQ_LEN = ").n(s.seq_len).s("\nBATCH_SIZE = ").n(s.batch_size).s("\n\n");
    o.s(
        "tokenizer = AutoTokenizer.from_pretrained(MODEL)\nmodel = AutoModelForCausalLM.from_pretrained(\n    MODEL,\n",
    );
    let dtype = torch_dtype(s.weight_dtype, s.mixed_precision);
    if quant {
        o.s("    quantization_config=BitsAndBytesConfig(\n");
        if s.weight_dtype == WeightDtype::Int8 {
            o.s("        load_in_8bit=True,\n");
        } else {
            o.s("        load_in_4bit=True,\n        bnb_4bit_quant_type=\"").s(s.weight_dtype.as_str());
            o.s("\",\n        bnb_4bit_use_double_quant=").s(py_bool(s.double_quant));
            o.s(",\n        bnb_4bit_compute_dtype=torch.").s(dtype).s(",\n");
        }
        o.s("    ),\n");
    }
    o.s("    dtype=torch.").s(dtype).s(",\n    attn_implementation=\"").s(s.attention.as_str());
    o.s("\",\n    device_map={\"\": 0},\n)\nmodel.config.use_cache = False\n");
    if quant && s.prepare_kbit {
        o.s("# Casts the embeddings, head and norms to fp32; checkpointing is turned on below.\n");
        o.s("model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)\n");
    }
    if lora {
        lora_config(o, s);
        if !trl {
            o.s("model = get_peft_model(model, lora_config)\n");
            if s.lora.dtype != AdapterDtype::Fp32 {
                adapter_cast(o, s.lora.dtype);
            }
        } else if !quant && s.lora.dtype != AdapterDtype::Fp32 {
            o.note("TRL's SFTTrainer keeps PEFT's fp32 adapters on an unquantized model; this estimate has them in 16 bits");
        }
    }
    if ckpt && lora && !trl {
        o.s("model.enable_input_require_grads()\n");
    }
    python_data(o, trl);
    match s.trainer {
        Trainer::CustomLoop => python_loop(o, s),
        _ => python_trainer(o, s, trl),
    }
}

const fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

fn lora_config(o: &mut Out, s: &Scenario) {
    rank_alpha_dropout(o, s, ["lora_config = LoraConfig(\n    r=", ",\n    lora_alpha=", ",\n    lora_dropout="]);
    o.s(",\n    target_modules=");
    if is_all_linear(s) {
        o.s("\"all-linear\"");
    } else {
        list(o, s.lora.targets.names().filter(|n| !stacked(n)), true);
    }
    if s.lora.targets.names().any(|n| stacked(&n)) {
        o.s(",\n    target_parameters=");
        list(o, s.lora.targets.names().filter(stacked), true);
    }
    if s.lora.modules_to_save.embed_tokens || s.lora.modules_to_save.lm_head {
        o.s(",\n    modules_to_save=");
        list(o, saved_modules(s).into_iter().flatten(), true);
    }
    o.s(",\n    task_type=\"CAUSAL_LM\",\n)\n");
}

fn adapter_cast(o: &mut Out, d: AdapterDtype) {
    o.s("# Adapters in ").s(adapter_dtype(d)).s(" (PEFT would upcast them to fp32).\n");
    o.s("for p in model.parameters():\n    if p.requires_grad:\n        p.data = p.data.to(torch.");
    o.s(adapter_dtype(d)).s(")\n");
}

fn python_data(o: &mut Out, trl: bool) {
    o.s("\n# Any dataset with a \"text\" column.\nraw = load_dataset(\"Salesforce/wikitext\", \"wikitext-2-raw-v1\", split=\"train\")\n");
    if trl {
        return;
    }
    o.s("\n\ndef blocks(batch):\n");
    o.s("    # Concatenated and cut into SEQ_LEN-token blocks: no padding, no attention mask (as estimated).\n");
    o.s("    ids = [t for row in tokenizer(batch[\"text\"])[\"input_ids\"] for t in row]\n");
    o.s("    chunks = [ids[i : i + SEQ_LEN] for i in range(0, len(ids) - SEQ_LEN + 1, SEQ_LEN)]\n");
    o.s("    return {\"input_ids\": chunks, \"labels\": [list(c) for c in chunks]}\n\n\n");
    o.s("train = raw.map(blocks, batched=True, remove_columns=raw.column_names)\n");
}

fn sdpa_efficient(s: &Scenario) -> bool {
    s.attention == AttentionImpl::Sdpa && s.sdpa_kernel == SdpaKernel::Efficient
}

fn python_trainer(o: &mut Out, s: &Scenario, trl: bool) {
    o.s(if trl { "\nargs = SFTConfig(\n" } else { "\nargs = TrainingArguments(\n" });
    o.s("    output_dir=\"out\",\n    per_device_train_batch_size=BATCH_SIZE,\n    gradient_accumulation_steps=1,\n");
    if trl {
        o.s("    max_length=SEQ_LEN,\n    packing=True,\n    packing_strategy=\"wrapped\",\n");
    }
    o.s("    gradient_checkpointing=").s(py_bool(s.gradient_checkpointing)).s(",\n");
    if s.gradient_checkpointing {
        o.s("    gradient_checkpointing_kwargs={\"use_reentrant\": False},\n");
    }
    o.s("    optim=\"").s(s.optimizer.as_str()).s("\",\n");
    match s.mixed_precision {
        MixedPrecision::Bf16 => o.s("    bf16=True,\n"),
        MixedPrecision::Fp16 => o.s("    fp16=True,\n"),
        MixedPrecision::No => o,
    };
    o.s("    learning_rate=").s(if is_lora(s) { "2e-4" } else { "2e-5" }).s(",\n");
    o.s("    num_train_epochs=1,\n    logging_steps=10,\n    report_to=\"none\",\n)\n");
    if trl {
        o.s("trainer = SFTTrainer(model=model, args=args, train_dataset=raw, processing_class=tokenizer");
        if is_lora(s) {
            o.s(", peft_config=lora_config");
        }
        o.s(")\n");
    } else {
        o.s("trainer = Trainer(model=model, args=args, train_dataset=train, data_collator=default_data_collator)\n");
    }
    if sdpa_efficient(s) {
        o.s("# The memory-efficient SDPA kernel, the one T4 and V100 run.\n");
        o.s("from torch.nn.attention import SDPBackend, sdpa_kernel\n\n");
        o.s("with sdpa_kernel(SDPBackend.EFFICIENT_ATTENTION):\n    trainer.train()\n");
    } else {
        o.s("trainer.train()\n");
    }
}

fn python_loop(o: &mut Out, s: &Scenario) {
    o.s("\n# A plain loop: `out` keeps the logits alive until the step ends, as estimated.\n");
    if s.gradient_checkpointing {
        o.s("model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={\"use_reentrant\": False})\n");
    }
    o.s("params = [p for p in model.parameters() if p.requires_grad]\noptimizer = ");
    let lr = if is_lora(s) { "2e-4" } else { "2e-5" };
    let (ctor, extra) = match s.optimizer {
        Optimizer::AdamwTorch => ("torch.optim.AdamW", ""),
        Optimizer::AdamwTorchFused => ("torch.optim.AdamW", ", fused=True"),
        Optimizer::Adamw8bit => ("bnb.optim.AdamW8bit", ""),
        Optimizer::PagedAdamw8bit => ("bnb.optim.PagedAdamW8bit", ""),
        Optimizer::PagedAdamw32bit => ("bnb.optim.PagedAdamW32bit", ""),
        Optimizer::Sgd => ("torch.optim.SGD", ""),
        Optimizer::Adafactor => ("Adafactor", ", scale_parameter=False, relative_step=False"),
    };
    o.s(ctor).s("(params, lr=").s(lr).s(extra).s(")\n");
    o.s("loader = torch.utils.data.DataLoader(train, batch_size=BATCH_SIZE, shuffle=True, collate_fn=default_data_collator)\n");
    let fp16 = s.mixed_precision == MixedPrecision::Fp16;
    if fp16 {
        o.s("scaler = torch.amp.GradScaler(\"cuda\")\n");
    }
    if sdpa_efficient(s) {
        o.s("# The memory-efficient SDPA kernel, the one T4 and V100 run.\n");
        o.s("torch.backends.cuda.enable_flash_sdp(False)\ntorch.backends.cuda.enable_cudnn_sdp(False)\n");
    }
    o.s("model.train()\nfor batch in loader:\n    batch = {k: v.to(model.device) for k, v in batch.items()}\n");
    match s.mixed_precision {
        MixedPrecision::No => o.s("    out = model(**batch)\n"),
        mp => o
            .s("    with torch.autocast(\"cuda\", dtype=torch.")
            .s(if mp == MixedPrecision::Fp16 { "float16" } else { "bfloat16" })
            .s("):\n        out = model(**batch)\n"),
    };
    if fp16 {
        o.s("    scaler.scale(out.loss).backward()\n    scaler.step(optimizer)\n    scaler.update()\n");
    } else {
        o.s("    out.loss.backward()\n    optimizer.step()\n");
    }
    o.s("    optimizer.zero_grad(set_to_none=True)\n");
}

// ---------------------------------------------------------------------------------------------
// YAML

/// The note for a scenario whose loop a YAML recipe cannot run.
fn trainer_note(o: &mut Out, s: &Scenario, tool: &str) {
    match s.trainer {
        Trainer::Transformers => {}
        Trainer::TrlSft => {
            o.s(
                "# NOTE: trainer trl_sft (TRL's SFTTrainer: no prepare_model_for_kbit_training, 16-bit adapters on a\n",
            );
            o.s("# quantized model, chunked log-probabilities) is not a setting; ").s(tool);
            o.s(" runs its own Trainer. Use the Python export.\n");
        }
        Trainer::CustomLoop => {
            o.s("# NOTE: trainer custom_loop (a plain loop that keeps the logits until the step ends) is not a\n");
            o.s("# setting; ").s(tool).s(" runs its own Trainer, which frees them earlier. Use the Python export.\n");
        }
    }
}

fn sdpa_note(o: &mut Out, s: &Scenario) {
    if sdpa_efficient(s) {
        o.note("sdpa_kernel efficient is not a setting: PyTorch picks the kernel (memory-efficient on T4/V100).");
    }
}

fn yaml_list<'a>(o: &mut Out, key: &str, names: impl Iterator<Item = &'a str>) {
    o.s(key).s(":\n");
    for n in names {
        o.s("  - ").s(n).s("\n");
    }
}

fn axolotl(o: &mut Out, s: &Scenario, model: &str) {
    trainer_note(o, s, "axolotl");
    sdpa_note(o, s);
    let lora = is_lora(s);
    let quant = s.weight_dtype.is_quantized() && lora;
    o.s("base_model: ").s(model).s("\n");
    if lora {
        o.s("adapter: ").s(if s.weight_dtype.is_4bit() { "qlora" } else { "lora" }).s("\n");
        if quant {
            o.s(if s.weight_dtype == WeightDtype::Int8 { "load_in_8bit: true\n" } else { "load_in_4bit: true\n" });
            if s.weight_dtype.is_4bit() && (s.weight_dtype != WeightDtype::Nf4 || !s.double_quant) {
                o.s("bnb_config_kwargs:\n  bnb_4bit_quant_type: ").s(s.weight_dtype.as_str());
                o.s("\n  bnb_4bit_use_double_quant: ").s(yaml_bool(s.double_quant)).s("\n");
            }
            if !s.prepare_kbit {
                o.note(
                    "prepare_kbit false: axolotl always calls prepare_model_for_kbit_training on a quantized model.",
                );
            }
        }
        rank_alpha_dropout(o, s, ["lora_r: ", "\nlora_alpha: ", "\nlora_dropout: "]);
        o.s("\n");
        if is_all_linear(s) {
            o.s("lora_target_linear: true\n");
        } else {
            if s.lora.targets.names().any(|n| !stacked(&n)) {
                yaml_list(o, "lora_target_modules", s.lora.targets.names().filter(|n| !stacked(n)));
            }
            if s.lora.targets.names().any(|n| stacked(&n)) {
                yaml_list(o, "lora_target_parameters", s.lora.targets.names().filter(stacked));
            }
        }
        if s.lora.modules_to_save.embed_tokens || s.lora.modules_to_save.lm_head {
            yaml_list(o, "lora_modules_to_save", saved_modules(s).into_iter().flatten());
        }
        if s.lora.dtype != AdapterDtype::Fp32 {
            if !quant && adapter_dtype(s.lora.dtype) == torch_dtype(s.weight_dtype, s.mixed_precision) {
                o.s("peft_autocast_adapter_dtype: false\n");
            } else {
                o.note("16-bit adapters on this base are not a setting: PEFT keeps them fp32 here.");
            }
        }
    }
    // axolotl loads the model in bf16 with `bf16`/`bfloat16`, fp16 with `fp16`/`float16`, else fp32
    // (`utils/config/__init__.py`), and `bf16`/`fp16` also turn on autocast.
    let dtype = torch_dtype(s.weight_dtype, s.mixed_precision);
    match (s.mixed_precision, dtype) {
        (MixedPrecision::Bf16, "bfloat16") => o.s("bf16: true\n"),
        (MixedPrecision::Fp16, "float16") => o.s("fp16: true\n"),
        (MixedPrecision::No, "bfloat16") => o.s("bf16: false\nbfloat16: true\n"),
        (MixedPrecision::No, "float16") => o.s("bf16: false\nfloat16: true\n"),
        (MixedPrecision::No, _) => o.s("bf16: false\n"),
        (mp, _) => {
            o.s(if mp == MixedPrecision::Fp16 { "fp16: true\n" } else { "bf16: true\n" });
            o.note("axolotl loads the model in its autocast dtype: these weights' own dtype is not a setting.")
        }
    };
    o.s("attn_implementation: ").s(s.attention.as_str()).s("\n");
    o.s("sequence_len: ").n(s.seq_len).s("\nsample_packing: true\npad_to_sequence_len: true\n");
    if s.attention != AttentionImpl::FlashAttention2 {
        o.note("sample packing masks attention between samples; without flash_attention_2 a mask can change the SDPA kernel.");
    }
    o.s("micro_batch_size: ").n(s.batch_size).s("\ngradient_accumulation_steps: 1\n");
    o.s("gradient_checkpointing: ").s(yaml_bool(s.gradient_checkpointing)).s("\n");
    if s.gradient_checkpointing {
        o.s("gradient_checkpointing_kwargs:\n  use_reentrant: false\n");
    }
    o.s("optimizer: ").s(s.optimizer.as_str()).s("\nlearning_rate: ").s(if lora { "2.0e-4" } else { "2.0e-5" });
    o.s("\nnum_epochs: 1\ndatasets:\n  - path: mhenrichsen/alpaca_2k_test\n    type: alpaca\noutput_dir: ./out\n");
}

const fn yaml_bool(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

fn llamafactory(o: &mut Out, s: &Scenario, model: &str) {
    trainer_note(o, s, "LLaMA-Factory");
    sdpa_note(o, s);
    let lora = is_lora(s);
    let quant = s.weight_dtype.is_quantized() && lora;
    o.s("model_name_or_path: ").s(model).s("\nstage: sft\ndo_train: true\nfinetuning_type: ");
    o.s(if lora { "lora" } else { "full" }).s("\n");
    if lora {
        rank_alpha_dropout(o, s, ["lora_rank: ", "\nlora_alpha: ", "\nlora_dropout: "]);
        o.s("\nlora_target: ");
        if is_all_linear(s) {
            o.s("all");
        } else {
            for (i, n) in s.lora.targets.names().filter(|n| !stacked(n)).enumerate() {
                o.s(if i > 0 { "," } else { "" }).s(n);
            }
        }
        o.s("\n");
        if !is_all_linear(s) && s.lora.targets.names().any(|n| stacked(&n)) {
            o.note("LLaMA-Factory has no target_parameters: transformers 5's stacked experts cannot be targeted.");
        }
        if s.lora.modules_to_save.embed_tokens || s.lora.modules_to_save.lm_head {
            o.s("additional_target: ");
            for (i, n) in saved_modules(s).into_iter().flatten().enumerate() {
                o.s(if i > 0 { "," } else { "" }).s(n);
            }
            o.s("\n");
        }
        if s.lora.dtype != AdapterDtype::Fp32 {
            o.note("16-bit adapters are not a setting: LLaMA-Factory casts trainable parameters to fp32.");
        }
    } else if s.weight_dtype != WeightDtype::Fp32 {
        o.note("LLaMA-Factory casts a full fine-tune's parameters to fp32 (unless pure_bf16); this estimate keeps them 16-bit.");
    }
    if quant {
        o.s("quantization_bit: ").s(if s.weight_dtype == WeightDtype::Int8 { "8" } else { "4" });
        o.s("\nquantization_method: bnb\n");
        if s.weight_dtype.is_4bit() {
            o.s("quantization_type: ").s(s.weight_dtype.as_str());
            o.s("\ndouble_quantization: ").s(yaml_bool(s.double_quant)).s("\n");
        }
        if s.prepare_kbit {
            o.s("upcast_layernorm: true\n");
            o.s("# NOTE: LLaMA-Factory does not call prepare_model_for_kbit_training: its embeddings and head stay\n");
            o.s("# 16-bit (upcast_layernorm upcasts the norms), below this estimate; `prepare_kbit: false` estimates that.\n");
        }
    }
    let fa = match s.attention {
        AttentionImpl::Eager => "disabled",
        AttentionImpl::Sdpa => "sdpa",
        AttentionImpl::FlashAttention2 => "fa2",
    };
    o.s("flash_attn: ").s(fa).s("\n");
    if s.gradient_checkpointing {
        o.s("use_reentrant_gc: false\n");
    } else {
        o.s("disable_gradient_checkpointing: true\n");
    }
    o.s("dataset: alpaca_en_demo\ntemplate: default\ncutoff_len: ").n(s.seq_len).s("\npacking: true\n");
    o.s("per_device_train_batch_size: ").n(s.batch_size).s("\ngradient_accumulation_steps: 1\n");
    o.s("optim: ").s(s.optimizer.as_str()).s("\nlearning_rate: ").s(if lora { "2.0e-4" } else { "2.0e-5" });
    o.s("\nnum_train_epochs: 1.0\n");
    match s.mixed_precision {
        MixedPrecision::Bf16 => o.s("bf16: true\n"),
        MixedPrecision::Fp16 => o.s("fp16: true\n"),
        MixedPrecision::No => o.note("no autocast is not a setting: LLaMA-Factory trains in bf16 or fp16 autocast."),
    };
    let expected = match s.mixed_precision {
        MixedPrecision::Fp16 => "float16",
        _ => "bfloat16",
    };
    if !quant && torch_dtype(s.weight_dtype, s.mixed_precision) != expected && lora {
        o.note("LLaMA-Factory loads the model in its autocast dtype: these weights' own dtype is not a setting.");
    }
    o.s("output_dir: out\noverwrite_output_dir: true\nreport_to: none\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::ScenarioInput;

    fn scenario(json: &str) -> Scenario {
        Scenario::try_from(&ScenarioInput::from_json(json).unwrap()).unwrap()
    }

    #[test]
    fn qlora_python_has_the_scenarios_settings() {
        let s =
            scenario(r#"{"model": "meta-llama/Llama-3.1-8B", "seq_len": 4096, "batch_size": 2, "gpu": "rtx-4090"}"#);
        let py = render(&s, None, Format::Python);
        for needle in [
            "MODEL = \"meta-llama/Llama-3.1-8B\"",
            "SEQ_LEN = 4096",
            "BATCH_SIZE = 2",
            "load_in_4bit=True",
            "bnb_4bit_quant_type=\"nf4\"",
            "bnb_4bit_use_double_quant=True",
            "bnb_4bit_compute_dtype=torch.bfloat16",
            "dtype=torch.bfloat16",
            "attn_implementation=\"sdpa\"",
            "prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)",
            "r=16,",
            "lora_alpha=32,",
            "lora_dropout=0.05,",
            "target_modules=\"all-linear\"",
            "task_type=\"CAUSAL_LM\"",
            "gradient_checkpointing=True",
            "gradient_checkpointing_kwargs={\"use_reentrant\": False}",
            "optim=\"adamw_torch\"",
            "bf16=True",
            "on GeForce RTX 4090",
        ] {
            assert!(py.contains(needle), "missing `{needle}` in\n{py}");
        }
        let e = crate::estimate(&s);
        let mut total = Out(String::new());
        gib(&mut total, e.total());
        assert!(py.contains(&alloc::format!("# Estimated peak: {}", total.0)), "{py}");
        assert!(!py.contains("NOTE"), "everything is expressible in Python: {py}");
    }

    #[test]
    fn gib_rounds_to_two_decimals() {
        for (bytes, text) in
            [(0, "0.00 GiB"), (1 << 30, "1.00 GiB"), ((3 << 30) / 2, "1.50 GiB"), (15_105_000_000, "14.07 GiB")]
        {
            let mut o = Out(String::new());
            gib(&mut o, bytes);
            assert_eq!(o.0, text);
        }
    }

    /// Scenarios that cover every branch of the three formats.
    const SCENARIOS: &[&str] = &[
        r#"{}"#,
        r#"{"model": "Qwen/Qwen2.5-7B", "method": "lora", "seq_len": 4096, "batch_size": 4, "attention": "flash_attention_2"}"#,
        r#"{"model": "Qwen/Qwen2.5-0.5B", "method": "full", "weight_dtype": "fp32", "optimizer": "adamw_8bit"}"#,
        r#"{"method": "lora", "weight_dtype": "int8", "mixed_precision": "fp16", "optimizer": "paged_adamw_8bit"}"#,
        r#"{"weight_dtype": "fp4", "double_quant": false, "trainer": "trl_sft", "gradient_checkpointing": false}"#,
        r#"{"method": "lora", "trainer": "custom_loop", "optimizer": "adafactor", "mixed_precision": "fp16", "sdpa_kernel": "efficient"}"#,
        r#"{"method": "lora", "lora": {"dtype": "bf16", "targets": "attention", "modules_to_save": ["embed_tokens", "lm_head"]}, "prepare_kbit": false}"#,
        r#"{"model": "Qwen/Qwen3-30B-A3B", "lora": {"dropout": 0, "targets": ["q_proj", "experts.gate_up_proj"]}, "trainer": "custom_loop", "optimizer": "sgd"}"#,
        r#"{"model": {"params": 3e9}, "method": "lora", "mixed_precision": "no", "attention": "eager"}"#,
        r#"{"model": "EleutherAI/pythia-1b", "method": "lora", "lora": {"modules_to_save": ["embed_in"]}, "optimizer": "adamw_torch_fused"}"#,
    ];

    fn yaml(text: &str) -> serde_yaml::Mapping {
        match serde_yaml::from_str::<serde_yaml::Value>(text) {
            Ok(serde_yaml::Value::Mapping(m)) => m,
            other => panic!("not a YAML mapping ({other:?}):\n{text}"),
        }
    }

    fn get<'a>(m: &'a serde_yaml::Mapping, key: &str) -> &'a serde_yaml::Value {
        m.get(key).unwrap_or_else(|| panic!("no `{key}` in {m:?}"))
    }

    /// Both YAML formats parse, with the scenario's values under the tools' own key names.
    #[test]
    fn yaml_exports_parse_and_carry_the_settings() {
        for json in SCENARIOS {
            let s = scenario(json);
            let lora = s.method != Method::Full;
            let ax = yaml(&render(&s, None, Format::Axolotl));
            assert_eq!(get(&ax, "sequence_len").as_u64(), Some(s.seq_len), "{json}");
            assert_eq!(get(&ax, "micro_batch_size").as_u64(), Some(s.batch_size), "{json}");
            assert_eq!(get(&ax, "gradient_checkpointing").as_bool(), Some(s.gradient_checkpointing), "{json}");
            assert_eq!(get(&ax, "optimizer").as_str(), Some(s.optimizer.as_str()), "{json}");
            assert_eq!(get(&ax, "attn_implementation").as_str(), Some(s.attention.as_str()), "{json}");
            assert_eq!(
                get(&ax, "learning_rate").as_f64(),
                Some(if lora { 2e-4 } else { 2e-5 }),
                "a float, not a string"
            );
            let lf = yaml(&render(&s, None, Format::LlamaFactory));
            assert_eq!(get(&lf, "cutoff_len").as_u64(), Some(s.seq_len), "{json}");
            assert_eq!(get(&lf, "per_device_train_batch_size").as_u64(), Some(s.batch_size), "{json}");
            assert_eq!(get(&lf, "optim").as_str(), Some(s.optimizer.as_str()), "{json}");
            assert_eq!(get(&lf, "finetuning_type").as_str(), Some(if lora { "lora" } else { "full" }), "{json}");
            assert_eq!(lf.get("disable_gradient_checkpointing").is_some(), !s.gradient_checkpointing, "{json}");
            assert_eq!(
                get(&lf, "learning_rate").as_f64(),
                Some(if lora { 2e-4 } else { 2e-5 }),
                "a float, not a string"
            );
            if lora {
                for (m, r, a, d) in
                    [(&ax, "lora_r", "lora_alpha", "lora_dropout"), (&lf, "lora_rank", "lora_alpha", "lora_dropout")]
                {
                    assert_eq!(get(m, r).as_u64(), Some(s.lora.rank), "{json}");
                    assert_eq!(get(m, a).as_f64(), Some(s.lora.alpha), "{json}");
                    assert_eq!(get(m, d).as_f64(), Some(s.lora.dropout), "{json}");
                }
                let quant = s.weight_dtype.is_quantized();
                assert_eq!(ax.get("load_in_4bit").is_some(), s.weight_dtype.is_4bit(), "{json}");
                assert_eq!(ax.get("load_in_8bit").is_some(), s.weight_dtype == WeightDtype::Int8, "{json}");
                assert_eq!(lf.get("quantization_bit").is_some(), quant, "{json}");
                if s.weight_dtype.is_4bit() {
                    assert_eq!(get(&lf, "quantization_type").as_str(), Some(s.weight_dtype.as_str()));
                    assert_eq!(get(&lf, "double_quantization").as_bool(), Some(s.double_quant));
                }
            }
        }
    }

    /// A setting a format cannot express is named in a NOTE, never dropped silently.
    #[test]
    fn inexpressible_settings_are_noted() {
        let cases: &[(&str, Format, &str)] = &[
            (r#"{"trainer": "custom_loop"}"#, Format::Axolotl, "trainer custom_loop"),
            (r#"{"trainer": "custom_loop"}"#, Format::LlamaFactory, "trainer custom_loop"),
            (r#"{"trainer": "trl_sft"}"#, Format::Axolotl, "trainer trl_sft"),
            (r#"{"sdpa_kernel": "efficient"}"#, Format::LlamaFactory, "sdpa_kernel efficient"),
            (r#"{"sdpa_kernel": "efficient"}"#, Format::Axolotl, "sdpa_kernel efficient"),
            (r#"{"prepare_kbit": false}"#, Format::Axolotl, "prepare_kbit false"),
            (r#"{}"#, Format::LlamaFactory, "does not call prepare_model_for_kbit_training"),
            (r#"{"lora": {"dtype": "bf16"}}"#, Format::LlamaFactory, "16-bit adapters"),
            (r#"{"method": "lora", "weight_dtype": "fp32"}"#, Format::Axolotl, "weights' own dtype"),
            (r#"{"method": "lora", "mixed_precision": "no"}"#, Format::LlamaFactory, "no autocast"),
            (r#"{"model": {"params": 7e9}}"#, Format::Python, "your-org/your-model"),
        ];
        for (json, format, needle) in cases {
            let out = render(&scenario(json), None, *format);
            let notes: String = out.lines().filter(|l| l.starts_with('#')).collect();
            assert!(notes.contains(needle), "{json} as {}: no note with `{needle}`:\n{out}", format.as_str());
        }
        // And no note where the format expresses everything.
        let plain = render(&scenario(r#"{"method": "lora", "attention": "flash_attention_2"}"#), None, Format::Axolotl);
        assert!(!plain.contains("NOTE"), "{plain}");
    }

    /// The Python export for each loop: the objects that carry the settings.
    #[test]
    fn python_follows_the_loop_and_method() {
        let full = render(&scenario(SCENARIOS[2]), None, Format::Python);
        for needle in ["dtype=torch.float32", "optim=\"adamw_8bit\"", "learning_rate=2e-5", "bf16=True"] {
            assert!(full.contains(needle), "`{needle}`:\n{full}");
        }
        for absent in ["LoraConfig(", "BitsAndBytesConfig(\n", "prepare_model_for_kbit_training(model"] {
            assert!(!full.contains(absent), "`{absent}` in a full fine-tune:\n{full}");
        }
        let trl = render(&scenario(SCENARIOS[4]), None, Format::Python);
        for needle in [
            "SFTConfig(",
            "max_length=SEQ_LEN",
            "packing=True",
            "peft_config=lora_config",
            "bnb_4bit_quant_type=\"fp4\"",
            "bnb_4bit_use_double_quant=False",
            "gradient_checkpointing=False",
        ] {
            assert!(trl.contains(needle), "`{needle}`:\n{trl}");
        }
        assert!(
            !trl.contains("get_peft_model(model") && !trl.contains("prepare_model_for_kbit_training(model"),
            "{trl}"
        );
        let lp = render(&scenario(SCENARIOS[5]), None, Format::Python);
        for needle in [
            "out = model(**batch)",
            "out.loss",
            "Adafactor(params",
            "scale_parameter=False",
            "GradScaler",
            "dtype=torch.float16):",
            "enable_flash_sdp(False)",
            "zero_grad(set_to_none=True)",
        ] {
            assert!(lp.contains(needle), "`{needle}`:\n{lp}");
        }
        assert!(!lp.contains("Trainer(model"), "{lp}");
        let bf16 = render(&scenario(SCENARIOS[6]), None, Format::Python);
        for needle in [
            "target_modules=[\"q_proj\", \"k_proj\", \"v_proj\", \"o_proj\"]",
            "modules_to_save=[\"embed_tokens\", \"lm_head\"]",
            "p.data.to(torch.bfloat16)",
        ] {
            assert!(bf16.contains(needle), "`{needle}`:\n{bf16}");
        }
        assert!(!bf16.contains("prepare_model_for_kbit_training(model"), "prepare_kbit false: {bf16}");
        let moe = render(&scenario(SCENARIOS[7]), None, Format::Python);
        assert!(
            moe.contains("target_modules=[\"q_proj\"]") && moe.contains("target_parameters=[\"experts.gate_up_proj\"]"),
            "{moe}"
        );
        let neox = render(&scenario(SCENARIOS[9]), None, Format::Python);
        assert!(
            neox.contains("modules_to_save=[\"embed_in\"]") && neox.contains("optim=\"adamw_torch_fused\""),
            "{neox}"
        );
        let hub = render(&scenario(SCENARIOS[8]), Some("acme/model-3b"), Format::Python);
        assert!(hub.contains("MODEL = \"acme/model-3b\"") && !hub.contains("your-org"), "{hub}");
    }

    /// Every preset and scenario renders in every format, and the Python is valid Python when a
    /// `python3` is there to parse it (CI has one; the test says so and passes where there is none).
    #[cfg(feature = "std")]
    #[test]
    fn every_export_renders_and_python_parses() {
        let mut inputs: alloc::vec::Vec<String> = SCENARIOS.iter().map(|s| String::from(*s)).collect();
        for m in MODELS {
            inputs.push(alloc::format!(r#"{{"model": "{}", "lora": {{"dropout": 0}}}}"#, m.id));
        }
        let mut python = alloc::vec::Vec::new();
        for json in &inputs {
            let s = scenario(json);
            for f in Format::ALL {
                let out = render(&s, None, f);
                assert!(out.starts_with("# Generated by lora-vram"), "{out}");
                if f == Format::Python {
                    python.push(out);
                } else {
                    yaml(&out);
                }
            }
        }
        let check = "import ast, json, sys\nfor i, src in enumerate(json.load(sys.stdin)):\n    try:\n        ast.parse(src)\n    except SyntaxError as e:\n        sys.exit(f'{i}: {e}\\n{src}')\nprint('ok')\n";
        let child = std::process::Command::new("python3")
            .args(["-c", check])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn();
        let Ok(mut child) = child else {
            std::eprintln!("python3 not found: the Python exports were not parsed");
            return;
        };
        use std::io::Write as _;
        child.stdin.take().unwrap().write_all(serde_json::to_string(&python).unwrap().as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}
