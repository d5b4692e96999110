//! The page state: an [`Action`] enum and a pure reducer.
//!
//! Persistence (the URL query, localStorage) lives in effects in [`crate::app`]; the reducer only
//! computes the next state. It keeps the scenario consistent as the user edits it (a method change
//! drops a weight precision the new method cannot use; a model change drops LoRA targets the new
//! model lacks), so that the estimator rarely has to reject anything.

use std::rc::Rc;

use lora_vram::advice::{Advice, Change};
use lora_vram::gpus::{find_gpu, GPUS};
use lora_vram::input::{resolve_model, ModelInput, ScenarioInput};
use lora_vram::scenario::{
    AdapterDtype, AttentionImpl, Method, MixedPrecision, Optimizer, SdpaKernel, TargetSpec, Trainer, WeightDtype,
};
use yew::Reducible;

use crate::format::Unit;
use crate::hub::{clean_id, is_valid, ImportError, ImportStatus, Imported};
use crate::i18n::Lang;
use crate::query::Notice;

/// Light, dark, or following `prefers-color-scheme`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Theme {
    /// Follow the system.
    #[default]
    Auto,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

impl Theme {
    /// URL spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// Parses [`Theme::as_str`].
    pub fn parse(s: &str) -> Option<Theme> {
        match s {
            "auto" => Some(Theme::Auto),
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }
}

/// Which GPUs the table lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum GpuFilter {
    /// Every GPU.
    #[default]
    All,
    /// GeForce and workstation cards.
    Consumer,
    /// Data-center parts.
    Datacenter,
}

impl GpuFilter {
    /// URL spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            GpuFilter::All => "all",
            GpuFilter::Consumer => "consumer",
            GpuFilter::Datacenter => "datacenter",
        }
    }

    /// Parses [`GpuFilter::as_str`].
    pub fn parse(s: &str) -> Option<GpuFilter> {
        [GpuFilter::All, GpuFilter::Consumer, GpuFilter::Datacenter].into_iter().find(|f| f.as_str() == s)
    }
}

/// A sortable column of the GPU table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Table order (vendor, then generation).
    #[default]
    Name,
    /// Memory.
    Vram,
    /// Verdict, then headroom.
    Verdict,
    /// Headroom.
    Headroom,
    /// Longest sequence that fits.
    MaxSeq,
    /// Largest batch that fits.
    MaxBatch,
    /// GPUs needed (multi-GPU scenarios).
    Needed,
}

impl SortKey {
    /// Every key.
    pub const ALL: [SortKey; 7] = [
        SortKey::Name,
        SortKey::Vram,
        SortKey::Verdict,
        SortKey::Headroom,
        SortKey::MaxSeq,
        SortKey::MaxBatch,
        SortKey::Needed,
    ];

    /// URL spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Vram => "vram",
            SortKey::Verdict => "verdict",
            SortKey::Headroom => "headroom",
            SortKey::MaxSeq => "max-seq",
            SortKey::MaxBatch => "max-batch",
            SortKey::Needed => "gpus-needed",
        }
    }

    /// Parses [`SortKey::as_str`].
    pub fn parse(s: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The GPU the page opens with selected.
pub const DEFAULT_GPU: &str = "rtx-4090";

/// Everything the page shows that the user chose.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// The scenario as the user wrote it.
    pub input: ScenarioInput,
    /// GB or GiB.
    pub unit: Unit,
    /// Language.
    pub lang: Lang,
    /// Colour scheme.
    pub theme: Theme,
    /// The GPU whose verdict and advice are shown, by index into [`GPUS`].
    pub gpu: usize,
    /// GPU table filter.
    pub filter: GpuFilter,
    /// GPU table sort column and direction (true: ascending).
    pub sort: (SortKey, bool),
    /// What was ignored when the URL was read.
    pub notices: Vec<Notice>,
    /// The Hub model in use, when the model came from the Hugging Face import box.
    pub hub: Option<HubModel>,
    /// The import box: idle, loading an id, or the last import's error.
    pub import: ImportStatus,
    /// Fields whose typed text is not a valid value, with that text: the field keeps showing it
    /// (nothing typed is lost) and says why, and the result is marked as not matching the form.
    pub drafts: Vec<(&'static str, String)>,
    /// The last write to localStorage failed: a reload would lose this scenario.
    pub save_failed: bool,
    /// A GPU memory the user typed ("my GPU has N GiB"), in bytes.
    pub custom_vram: Option<u64>,
    /// A pinned scenario, shown beside the current one.
    pub pinned: Option<ScenarioInput>,
}

/// A model imported from the Hub: its id, and the exact parameter count the Hub gave, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubModel {
    /// `owner/name`.
    pub id: String,
    /// `safetensors.total` of the Hub's model info.
    pub params: Option<u64>,
}

impl Default for State {
    fn default() -> Self {
        State {
            input: ScenarioInput::default(),
            unit: Unit::default(),
            lang: Lang::En,
            theme: Theme::Auto,
            gpu: default_gpu(),
            filter: GpuFilter::All,
            sort: (SortKey::Name, true),
            notices: Vec::new(),
            hub: None,
            import: ImportStatus::Idle,
            drafts: Vec::new(),
            save_failed: false,
            custom_vram: None,
            pinned: None,
        }
    }
}

impl State {
    /// The invalid text typed in a field, if any.
    pub fn draft(&self, field: &str) -> Option<&str> {
        self.drafts.iter().find(|(f, _)| *f == field).map(|(_, t)| t.as_str())
    }
}

/// The index of [`DEFAULT_GPU`].
pub fn default_gpu() -> usize {
    find_gpu(DEFAULT_GPU).unwrap_or(0)
}

/// One thing the user did.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Pick a model: preset, parameter count or config.json.
    SetModel(ModelInput),
    /// LoRA, QLoRA or full.
    SetMethod(Method),
    /// Base weight precision.
    SetWeightDtype(WeightDtype),
    /// Bits per weight from the precision slider (32, 16, 8, 4): the dtype of that width, keeping
    /// the current one when it already has it (bf16 or fp16, nf4 or fp4).
    SetBits(u32),
    /// "My GPU has N bytes": judge the fit on that much memory (None: the chosen card's own).
    SetCustomVram(Option<u64>),
    /// Pin the current estimate for comparison (or unpin).
    Pin(bool),
    /// Double quantization.
    SetDoubleQuant(bool),
    /// Adapter dtype.
    SetAdapterDtype(AdapterDtype),
    /// LoRA rank.
    SetRank(u64),
    /// LoRA alpha.
    SetAlpha(f64),
    /// LoRA targets.
    SetTargets(TargetSpec),
    /// LoRA dropout.
    SetDropout(f64),
    /// `modules_to_save`.
    SetModulesToSave(Vec<String>),
    /// Optimizer.
    SetOptimizer(Optimizer),
    /// Micro-batch size.
    SetBatchSize(u64),
    /// Sequence length.
    SetSeqLen(u64),
    /// Gradient checkpointing.
    SetCheckpointing(bool),
    /// Attention kernel.
    SetAttention(AttentionImpl),
    /// Autocast.
    SetMixedPrecision(MixedPrecision),
    /// SDPA kernel.
    SetSdpaKernel(SdpaKernel),
    /// Training loop.
    SetTrainer(Trainer),
    /// CUDA context override (None: the estimator's default).
    SetCudaContext(Option<u64>),
    /// `prepare_model_for_kbit_training` (None: the default for the method and loop).
    SetPrepareKbit(Option<bool>),
    /// `use_liger_kernel`.
    SetLiger(bool),
    /// The loss (None: the default, Liger's fused loss with Liger).
    SetLoss(Option<lora_vram::scenario::Loss>),
    /// Chunks of the chunked loss.
    SetLossChunks(u64),
    /// Activation offloading.
    SetActivationOffloading(bool),
    /// transformers or Unsloth.
    SetFramework(lora_vram::scenario::Framework),
    /// Several GPUs and how they share the work (None: one GPU).
    SetDistributed(Option<lora_vram::input::DistributedInput>),
    /// The number of GPUs of a multi-GPU run.
    SetGpuCount(u64),
    /// Make exactly the changes a piece of advice lists.
    Apply(Box<Advice>),
    /// Back to the default scenario.
    Reset,
    /// GB or GiB.
    SetUnit(Unit),
    /// Language.
    SetLang(Lang),
    /// Colour scheme.
    SetTheme(Theme),
    /// Show verdict and advice for this GPU.
    SelectGpu(usize),
    /// Filter the GPU table.
    SetFilter(GpuFilter),
    /// Sort the GPU table by a column; the same column again flips the direction.
    SortBy(SortKey),
    /// Hide the URL notices.
    DismissNotices,
    /// Import a model by the Hugging Face id typed in the import box (an effect fetches it).
    Import(String),
    /// An import finished: use its model, unless another import or model replaced it meanwhile.
    Imported(Box<Imported>),
    /// An import of this id failed: show why, keep the model.
    ImportFailed(String, ImportError),
    /// The text typed in a field (by its element id) is not a valid value (`Some`), or is again
    /// (`None`).
    Draft(&'static str, Option<String>),
    /// Whether localStorage took the last write.
    Saved(bool),
}

impl Action {
    /// The form field an edit sets, by element id: a valid value there clears its draft.
    fn field(&self) -> Option<&'static str> {
        Some(match self {
            Action::SetModel(_) => "model",
            Action::SetRank(_) => "c-lora-rank-num",
            Action::SetAlpha(_) => "c-lora-alpha",
            Action::SetDropout(_) => "c-lora-dropout",
            Action::SetBatchSize(_) => "c-batch-size",
            Action::SetSeqLen(_) => "c-seq-len-num",
            Action::SetCudaContext(_) => "c-cuda-context",
            Action::SetLossChunks(_) => "c-loss-chunks",
            Action::SetCustomVram(_) => "gpu-vram",
            Action::SetGpuCount(_) => "c-dist-gpus",
            _ => return None,
        })
    }
}

/// Weight precisions a method can use, in picker order.
pub fn weight_dtypes(m: Method) -> &'static [WeightDtype] {
    use WeightDtype::*;
    match m {
        Method::Qlora => &[Nf4, Fp4],
        Method::Lora => &[Bf16, Fp16, Fp32, Int8, Nf4, Fp4],
        Method::Full => &[Bf16, Fp16, Fp32],
    }
}

/// The input with exactly the changes of a piece of advice made: what its label says.
pub fn apply_advice(mut i: ScenarioInput, a: &Advice) -> ScenarioInput {
    for c in a.changes.iter() {
        match *c {
            Change::GradientCheckpointing => i.gradient_checkpointing = true,
            Change::BatchOneWithAccumulation { .. } => i.batch_size = 1,
            Change::Attention(att) => i.attention = att,
            Change::Optimizer(o) => i.optimizer = o,
            Change::Qlora => {
                i.method = Method::Qlora;
                i.weight_dtype = None;
                i.double_quant = true;
                i.prepare_kbit = None;
            }
            Change::Liger => {
                i.use_liger_kernel = true;
                i.loss = None;
                i.loss_chunks = None;
            }
            Change::ActivationOffloading => i.activation_offloading = true,
            Change::CutCrossEntropy => {
                i.loss = Some(lora_vram::scenario::Loss::CutCrossEntropy);
                i.loss_chunks = None;
            }
            Change::Rank(r) => i.lora.rank = r,
            Change::AttentionTargets => {
                let names: Vec<String> = a.scenario.lora.targets.names().map(str::to_string).collect();
                let attention = TargetSpec::Shorthand("attention".into());
                i.lora.targets = match attention.resolve(&a.scenario.arch) {
                    Ok(t) if t == a.scenario.lora.targets => attention,
                    _ => TargetSpec::Modules(names),
                };
            }
            Change::SeqLen(n) => i.seq_len = n,
            Change::OffloadOptimizer | Change::Shard { .. } => {
                i.distributed = a.scenario.distributed.map(|d| lora_vram::input::DistributedInput {
                    strategy: d.strategy,
                    gpus: d.gpus,
                    gpus_per_node: (d.gpus_per_node != d.gpus).then_some(d.gpus_per_node),
                    fsdp_sharding: (d.strategy == lora_vram::distributed::Strategy::Fsdp).then_some(d.fsdp_sharding),
                    offload: d.offload,
                })
            }
        }
    }
    i
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        if let Some(f) = action.field() {
            s.drafts.retain(|(k, _)| *k != f);
            if f == "model" {
                s.drafts.retain(|(k, _)| !k.starts_with("model"));
            }
        }
        // Only a change of model, method or targets can make PEFT wrap MoE experts.
        let moe_check = matches!(action, Action::SetModel(_) | Action::SetMethod(_) | Action::SetTargets(_));
        let moe_before = moe_check && crate::query::wraps_experts(&s.input);
        let i = &mut s.input;
        match action {
            Action::SetModel(m) => {
                // A model picked by hand replaces an imported one, and cancels an import in flight.
                s.hub = None;
                s.import = ImportStatus::Idle;
                i.model = m;
                // Module names that the new model lacks would make the scenario invalid.
                if let (TargetSpec::Modules(_), Ok((arch, _))) = (&i.lora.targets, resolve_model(&i.model)) {
                    if i.lora.targets.resolve(&arch).is_err() {
                        i.lora.targets = TargetSpec::default();
                    }
                }
            }
            Action::SetMethod(m) => {
                i.method = m;
                if let Some(w) = i.weight_dtype {
                    if !weight_dtypes(m).contains(&w) || (m == Method::Lora && w.is_4bit()) {
                        i.weight_dtype = None;
                    }
                }
                i.prepare_kbit = None;
            }
            Action::SetWeightDtype(w) => {
                i.weight_dtype = Some(w);
                if w.is_4bit() && i.method == Method::Lora {
                    // A 4-bit base with LoRA on top is what QLoRA means.
                    i.method = Method::Qlora;
                }
            }
            Action::SetBits(bits) => {
                let w = i.effective_weight_dtype();
                let keep = crate::components::form::bits_of(w) == bits;
                let next = match bits {
                    _ if keep => w,
                    32 => WeightDtype::Fp32,
                    16 => WeightDtype::Bf16,
                    8 => WeightDtype::Int8,
                    _ => WeightDtype::Nf4,
                };
                // Full fine-tuning trains 16- or 32-bit weights; below that it is LoRA on a
                // quantized base.
                if i.method == Method::Full && next.is_quantized() {
                    i.method = Method::Lora;
                }
                if i.method == Method::Qlora && !next.is_4bit() {
                    i.method = Method::Lora;
                }
                return Rc::new(s).reduce(Action::SetWeightDtype(next));
            }
            Action::SetCustomVram(v) => s.custom_vram = v,
            Action::Pin(on) => s.pinned = on.then(|| s.input.clone()),
            Action::SetDoubleQuant(b) => i.double_quant = b,
            Action::SetAdapterDtype(d) => i.lora.dtype = d,
            Action::SetRank(r) => i.lora.rank = r.clamp(1, lora_vram::scenario::MAX_RANK),
            Action::SetAlpha(a) => i.lora.alpha = a,
            Action::SetTargets(t) => i.lora.targets = t,
            Action::SetDropout(d) => i.lora.dropout = d,
            Action::SetModulesToSave(m) => i.lora.modules_to_save = m,
            Action::SetOptimizer(o) => i.optimizer = o,
            Action::SetBatchSize(b) => i.batch_size = b.clamp(1, lora_vram::scenario::MAX_BATCH),
            Action::SetSeqLen(n) => i.seq_len = n.clamp(1, lora_vram::scenario::MAX_SEQ),
            Action::SetCheckpointing(b) => i.gradient_checkpointing = b,
            Action::SetAttention(a) => i.attention = a,
            Action::SetMixedPrecision(m) => i.mixed_precision = m,
            Action::SetSdpaKernel(k) => i.sdpa_kernel = k,
            Action::SetTrainer(t) => i.trainer = t,
            Action::SetCudaContext(c) => i.cuda_context_bytes = c,
            Action::SetPrepareKbit(p) => i.prepare_kbit = p,
            Action::SetLiger(b) => {
                i.use_liger_kernel = b;
                // Liger brings its own loss; an explicit one it cannot run goes back to the default.
                if b && matches!(
                    i.loss,
                    Some(lora_vram::scenario::Loss::Chunked | lora_vram::scenario::Loss::CutCrossEntropy)
                ) {
                    i.loss = None;
                    i.loss_chunks = None;
                }
            }
            Action::SetLoss(l) => {
                i.loss = l;
                if l != Some(lora_vram::scenario::Loss::Chunked) {
                    i.loss_chunks = None;
                }
            }
            Action::SetLossChunks(n) => i.loss_chunks = Some(n),
            Action::SetActivationOffloading(b) => {
                i.activation_offloading = b;
                // Offloading moves the checkpointed layer inputs: it needs checkpointing.
                if b {
                    i.gradient_checkpointing = true;
                }
            }
            Action::SetFramework(f) => {
                i.framework = f;
                if f == lora_vram::scenario::Framework::Unsloth {
                    i.use_liger_kernel = false;
                    i.loss = None;
                    i.loss_chunks = None;
                }
            }
            Action::SetDistributed(d) => i.distributed = d,
            Action::SetGpuCount(n) => {
                i.distributed.get_or_insert_with(Default::default).gpus = n.clamp(1, lora_vram::distributed::MAX_GPUS);
            }
            Action::Apply(a) => s.input = apply_advice(s.input.clone(), &a),
            Action::Reset => {
                s.input = ScenarioInput::default();
                s.notices.clear();
                s.hub = None;
                s.import = ImportStatus::Idle;
            }
            Action::SetUnit(u) => s.unit = u,
            Action::SetLang(l) => s.lang = l,
            Action::SetTheme(t) => s.theme = t,
            Action::SelectGpu(g) => s.gpu = g.min(GPUS.len() - 1),
            Action::SetFilter(f) => s.filter = f,
            Action::SortBy(k) => {
                s.sort = if s.sort.0 == k { (k, !s.sort.1) } else { (k, matches!(k, SortKey::Name | SortKey::Needed)) }
            }
            Action::DismissNotices => s.notices.clear(),
            Action::Import(typed) => {
                let id = clean_id(&typed);
                // A preset needs no network: its exact architecture is built in.
                if let Some(p) = lora_vram::presets::find_model(&id) {
                    let id = lora_vram::presets::MODELS[p].id.to_string();
                    return Rc::new(s).reduce(Action::SetModel(ModelInput::Id(id)));
                }
                s.import = if is_valid(&id) {
                    ImportStatus::Loading(id)
                } else {
                    ImportStatus::Failed(id, ImportError::InvalidId)
                };
            }
            Action::Imported(m) => {
                if s.import.loading() != Some(m.id.as_str()) {
                    return self; // stale: a later import or a hand-picked model won
                }
                let Imported { id, config, params } = *m;
                let mut s = (*Rc::new(s).reduce(Action::SetModel(ModelInput::HfConfig { hf_config: config }))).clone();
                s.hub = Some(HubModel { id, params });
                return Rc::new(s);
            }
            Action::ImportFailed(id, e) => {
                if s.import.loading() != Some(id.as_str()) {
                    return self;
                }
                s.import = ImportStatus::Failed(id, e);
            }
            Action::Saved(ok) => {
                if s.save_failed != ok {
                    return self;
                }
                s.save_failed = !ok;
            }
            Action::Draft(field, text) => {
                s.drafts.retain(|(k, _)| *k != field);
                if let Some(t) = text {
                    s.drafts.push((field, t));
                }
            }
        }
        // A model (or targets) whose MoE experts PEFT wraps: dropout must be 0, and the page says why
        // (issue 10, item 2). Said once, when it starts to apply.
        if moe_check && crate::query::zero_moe_dropout(&mut s.input) && !moe_before {
            s.notices.retain(|n| n.reason != crate::query::Reason::MoeDropout);
            s.notices
                .push(crate::query::Notice { param: "lora-dropout".into(), reason: crate::query::Reason::MoeDropout });
        }
        Rc::new(s)
    }
}

#[cfg(test)]
#[allow(clippy::field_reassign_with_default)]
mod tests {
    use super::*;
    use lora_vram::scenario::Scenario;

    fn run(actions: impl IntoIterator<Item = Action>) -> State {
        let mut s = Rc::new(State::default());
        for a in actions {
            s = s.reduce(a);
        }
        (*s).clone()
    }

    #[test]
    fn method_change_keeps_the_scenario_valid() {
        let s = run([Action::SetMethod(Method::Full)]);
        assert!(Scenario::try_from(&s.input).is_ok());
        let s = run([
            Action::SetMethod(Method::Lora),
            Action::SetWeightDtype(WeightDtype::Int8),
            Action::SetMethod(Method::Qlora),
        ]);
        assert_eq!(s.input.weight_dtype, None);
        assert!(Scenario::try_from(&s.input).is_ok());
        let s = run([Action::SetMethod(Method::Lora), Action::SetWeightDtype(WeightDtype::Nf4)]);
        assert_eq!(s.input.method, Method::Qlora);
    }

    #[test]
    fn model_change_drops_missing_targets() {
        let s = run([
            Action::SetTargets(TargetSpec::Modules(vec!["q_proj".into(), "gate_proj".into()])),
            Action::SetModel(ModelInput::Id("EleutherAI/pythia-1b".into())),
        ]);
        assert_eq!(s.input.lora.targets, TargetSpec::default());
    }

    fn imported(id: &str) -> Imported {
        let c = include_str!("../../../tests/fixtures/configs/Qwen__Qwen2.5-7B.json");
        crate::hub::resolve(id, crate::hub::Fetched::Body(c.into()), crate::hub::Fetched::Offline).unwrap()
    }

    // See: issue 6 (model import by Hugging Face id).
    #[test]
    fn import_loads_then_uses_the_model() {
        let s = run([Action::Import(" acme/qwen-7b-custom ".into())]);
        assert_eq!(s.import, ImportStatus::Loading("acme/qwen-7b-custom".into()));
        assert_eq!(s.input.model, ScenarioInput::default().model, "the model stays until the config arrives");
        let s = run([
            Action::Import("acme/qwen-7b-custom".into()),
            Action::Imported(Box::new(imported("acme/qwen-7b-custom"))),
        ]);
        assert_eq!(s.import, ImportStatus::Idle);
        assert_eq!(s.hub, Some(HubModel { id: "acme/qwen-7b-custom".into(), params: None }));
        assert!(matches!(s.input.model, ModelInput::HfConfig { .. }));
        assert!(Scenario::try_from(&s.input).is_ok());
    }

    // See: issue 10, friction ("Hub box: it fetches from the network even for ids that are presets").
    #[test]
    fn importing_a_preset_id_uses_the_preset() {
        let s = run([Action::Import("https://huggingface.co/Qwen/Qwen2.5-7B".into())]);
        assert_eq!(s.import, ImportStatus::Idle, "nothing to fetch");
        assert_eq!(s.input.model, ModelInput::Id("Qwen/Qwen2.5-7B".into()));
    }

    #[test]
    fn import_failures_keep_the_model() {
        let s = run([Action::Import("not an id".into())]);
        assert_eq!(s.import, ImportStatus::Failed("not an id".into(), ImportError::InvalidId));
        let s = run([
            Action::SetModel(ModelInput::Id("Qwen/Qwen2.5-7B".into())),
            Action::Import("a/b".into()),
            Action::ImportFailed("a/b".into(), ImportError::NotFound),
        ]);
        assert_eq!(s.import, ImportStatus::Failed("a/b".into(), ImportError::NotFound));
        assert_eq!(s.input.model, ModelInput::Id("Qwen/Qwen2.5-7B".into()));
        // Switching to the parameter count the error offers clears it.
        let s = (*Rc::new(s).reduce(Action::SetModel(ModelInput::Params { params: 7e9 }))).clone();
        assert_eq!(s.import, ImportStatus::Idle);
    }

    #[test]
    fn stale_imports_are_ignored() {
        // A second import, or a model picked by hand, wins over a response still in flight.
        let s = run([
            Action::Import("acme/qwen-7b-custom".into()),
            Action::Import("a/b".into()),
            Action::Imported(Box::new(imported("acme/qwen-7b-custom"))),
        ]);
        assert_eq!((s.hub, s.import), (None, ImportStatus::Loading("a/b".into())));
        let s = run([
            Action::Import("acme/qwen-7b-custom".into()),
            Action::SetModel(ModelInput::Params { params: 1e9 }),
            Action::Imported(Box::new(imported("acme/qwen-7b-custom"))),
            Action::ImportFailed("acme/qwen-7b-custom".into(), ImportError::Network),
        ]);
        assert_eq!((s.hub, s.import), (None, ImportStatus::Idle));
        assert_eq!(s.input.model, ModelInput::Params { params: 1e9 });
    }

    #[test]
    fn sort_toggles_direction() {
        let s = run([Action::SortBy(SortKey::Vram)]);
        assert_eq!(s.sort, (SortKey::Vram, false));
        let s = run([Action::SortBy(SortKey::Vram), Action::SortBy(SortKey::Vram)]);
        assert_eq!(s.sort, (SortKey::Vram, true));
    }

    // See: issue 10, item 3 ("Apply sets something other than what its label says").
    #[test]
    fn applying_advice_makes_exactly_its_changes() {
        let mut i = ScenarioInput::default();
        i.method = Method::Lora;
        i.seq_len = 8192;
        i.lora.rank = 256;
        let sc = Scenario::try_from(&i).unwrap();
        let g = &GPUS[find_gpu("rtx-4090").unwrap()];
        let advice = lora_vram::advice::advise(&sc, g.vram_bytes, g.flash_attn2);
        assert!(advice.len() > 2, "{advice:?}");
        for a in advice.iter() {
            let out = apply_advice(i.clone(), a);
            assert_eq!(Scenario::try_from(&out).unwrap(), a.scenario, "{:?}", a.changes);
        }
    }
}
