//! Data-parallel training on several GPUs: what each GPU holds under DDP, FSDP and DeepSpeed ZeRO,
//! and what each node's host memory holds.
//!
//! # Method
//! Every engine here is data parallel: each GPU (rank) runs the whole model on its own micro-batch,
//! so the activations, the CUDA context, the cuBLAS workspaces and the caching allocator's slack are
//! per rank and exactly as on one GPU. The engines differ in what they keep of the model states
//! (parameters, gradients, optimizer state), in the buffers they add, and in what they move to the
//! host. Each engine has its own module, which cites the source it models:
//!
//! | strategy | parameters | gradients | optimizer state | module |
//! |---|---|---|---|---|
//! | `ddp` | replica | replica + buckets | replica | [`ddp`] |
//! | `zero1` | replica (16-bit) | replica (16-bit) | partitioned (fp32 master + moments) | [`zero`] |
//! | `zero2` | replica (16-bit) | partitioned + reduce buckets | partitioned | [`zero`] |
//! | `zero3` | partitioned, fetched per module | partitioned + reduce bucket | partitioned | [`zero`] |
//! | `fsdp` | sharded, all-gathered per unit | sharded | sharded | [`fsdp`] |
//!
//! The estimate is for the busiest rank: every rank holds the same shard sizes, rounded up.
//!
//! # The parameter table
//! The engines shard and gather tensor by tensor, so [`Plan`] lists the model's parameters as
//! tensors with their shape, dtype and where they live (a decoder layer, the embedding, the head).
//! The list is exact: it is built from the same walk of the architecture that
//! [`crate::weights`] and [`crate::adapter`] use, and its totals equal theirs (tested).
//!
//! # Compute dtypes
//! FSDP's mixed-precision policy (accelerate sets `param_dtype` to the autocast dtype) and
//! DeepSpeed's engine (which casts every floating-point parameter to bf16/fp16,
//! `DeepSpeedEngine._cast_module_mixed_precision`, deepspeed 0.19.8 `runtime/engine.py`) both run
//! the forward on 16-bit parameters, adapters included. PEFT then casts each LoRA input to the
//! adapter's (16-bit) dtype, so the activations are those of the same scenario with 16-bit adapters
//! and no fp32 upcast of the norms ([`compute_scenario`]). DDP changes no dtype.
//!
//! # NCCL
//! NCCL allocates its communication buffers with `cudaMalloc`/`cuMem`, outside PyTorch's allocator
//! (NCCL 2.2x `src/transport/p2p.cc`, `src/include/device.h`). Each peer connection of each channel
//! holds one FIFO per protocol: Simple `NCCL_BUFFSIZE` (4 MiB), LL128 (`NCCL_LL128_ELEMS_PER_THREAD
//! 120 × NCCL_LL128_MAX_NTHREADS 640 × NCCL_STEPS 8 × 8` = 4,915,200 B) and LL (`NCCL_LL_LINES_PER_THREAD
//! 8 × NCCL_LL_MAX_NTHREADS 512 × NCCL_STEPS 8 × 16` = 524,288 B): 9.19 MiB, rounded to the 2 MiB
//! granularity of `cuMem` allocations, [`NCCL_CONNECTION_BYTES`] (NVIDIA/nccl#1685 shows these 10 MiB
//! and 2 MiB allocations). A rank receives from one ring neighbour and one tree neighbour per
//! channel ([`NCCL_CONNECTIONS`]); the channel count depends on the interconnect: NCCL uses 2 on PCIe
//! and up to 32 on NVLink (NVIDIA/nccl#1685: 32 channels on 8×H100). [`nccl_bytes`] takes 2 on
//! consumer cards and 16 on data-center ones, and the range spans half to twice that.
//!
//! Known error: not measured. NCCL's real footprint depends on the topology, the NCCL version, NVLS
//! (NVLink SHARP, H100/H200/B200 with NVSwitch, which adds its own buffers) and how many
//! communicators the run creates (NVIDIA/nccl#864: about 1.6 GB for one communicator on 8 GPUs with
//! all-to-all). Set `NCCL_BUFFSIZE` or `NCCL_MAX_NCHANNELS` lower to shrink it.
//!
//! # Host memory per node
//! The largest of what loading the model and what training keeps on the host:
//! - loading: without ZeRO-3's `zero.Init`, each rank builds the whole model on the CPU before
//!   the engine moves it (transformers `from_pretrained` without a `device_map`): ranks per node ×
//!   the checkpoint's bytes. Quantized models are loaded straight onto the GPU (`device_map`), and
//!   ZeRO-3 partitions each parameter as it is created (`deepspeed.zero.Init`): 0;
//! - training: offloaded states and the pinned buffers they live in, per rank × ranks per node
//!   (each engine's module says which).
//!
//! # Assumptions
//! - The Trainer's defaults and the configurations the Hugging Face documentation gives (each engine
//!   module lists them); micro-batch `batch_size` on every GPU.
//! - `gpus_per_node` GPUs on each node, and every rank alike: the estimate is per GPU.

pub mod ddp;
pub mod fsdp;
pub mod zero;

use crate::adapter::{for_each_trainable_in, Location};
use crate::arch::LayerKind;
use crate::estimate::{single_gpu_profile, Profile, Rank};
use crate::gpus::Gpu;
use crate::scenario::{AdapterDtype, Method, MixedPrecision, Scenario, WeightDtype};
use crate::Error;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

/// The data-parallel engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize), serde(rename_all = "snake_case"))]
pub enum Strategy {
    /// PyTorch `DistributedDataParallel`: a full replica on every GPU.
    #[default]
    Ddp,
    /// PyTorch FSDP through accelerate: parameters, gradients and optimizer state sharded.
    Fsdp,
    /// DeepSpeed ZeRO stage 1: optimizer state partitioned.
    Zero1,
    /// DeepSpeed ZeRO stage 2: optimizer state and gradients partitioned.
    Zero2,
    /// DeepSpeed ZeRO stage 3: optimizer state, gradients and parameters partitioned.
    Zero3,
}

impl Strategy {
    /// Every strategy, for pickers and tests.
    pub const ALL: [Strategy; 5] = [Strategy::Ddp, Strategy::Fsdp, Strategy::Zero1, Strategy::Zero2, Strategy::Zero3];

    /// The JSON spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Strategy::Ddp => "ddp",
            Strategy::Fsdp => "fsdp",
            Strategy::Zero1 => "zero1",
            Strategy::Zero2 => "zero2",
            Strategy::Zero3 => "zero3",
        }
    }

    /// ZeRO's stage (0 for DDP and FSDP).
    pub const fn zero_stage(self) -> u8 {
        match self {
            Strategy::Zero1 => 1,
            Strategy::Zero2 => 2,
            Strategy::Zero3 => 3,
            Strategy::Ddp | Strategy::Fsdp => 0,
        }
    }
}

/// FSDP's sharding strategy, in FSDP1's `ShardingStrategy` spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize), serde(rename_all = "snake_case"))]
pub enum FsdpSharding {
    /// Parameters resharded after each unit's forward (FSDP2 `reshard_after_forward=True`).
    #[default]
    FullShard,
    /// Parameters kept unsharded from forward to backward (FSDP2 `reshard_after_forward=False`).
    ShardGradOp,
    /// Full sharding within each node, replicas across nodes (FSDP1 only in the Trainer).
    HybridShard,
}

impl FsdpSharding {
    /// Every sharding, for pickers.
    pub const ALL: [FsdpSharding; 3] = [FsdpSharding::FullShard, FsdpSharding::ShardGradOp, FsdpSharding::HybridShard];

    /// The JSON spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            FsdpSharding::FullShard => "full_shard",
            FsdpSharding::ShardGradOp => "shard_grad_op",
            FsdpSharding::HybridShard => "hybrid_shard",
        }
    }
}

/// What is moved to the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize), serde(rename_all = "snake_case"))]
pub enum Offload {
    /// Nothing.
    #[default]
    None,
    /// The optimizer state (and its fp32 gradients): ZeRO's `offload_optimizer`.
    Optimizer,
    /// The optimizer and the parameters: ZeRO-3's `offload_param` too, or FSDP's `cpu_offload`.
    OptimizerAndParams,
}

impl Offload {
    /// Every offload, for pickers.
    pub const ALL: [Offload; 3] = [Offload::None, Offload::Optimizer, Offload::OptimizerAndParams];

    /// The JSON spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Offload::None => "none",
            Offload::Optimizer => "optimizer",
            Offload::OptimizerAndParams => "optimizer_and_params",
        }
    }

    /// The optimizer state is on the host.
    pub const fn optimizer(self) -> bool {
        !matches!(self, Offload::None)
    }

    /// The parameters are on the host.
    pub const fn params(self) -> bool {
        matches!(self, Offload::OptimizerAndParams)
    }
}

/// Most GPUs a run may have (and that `gpus_needed` searches).
pub const MAX_GPUS: u64 = 1024;

/// A validated `distributed` block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Distributed {
    /// The engine.
    pub strategy: Strategy,
    /// The data-parallel world size: all GPUs together.
    pub gpus: u64,
    /// GPUs on each node; `gpus` is a multiple of it.
    pub gpus_per_node: u64,
    /// FSDP's sharding (ignored by the other strategies).
    pub fsdp_sharding: FsdpSharding,
    /// What is moved to the host.
    pub offload: Offload,
}

/// Something about a valid `distributed` block that a person should know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Notice {
    /// A sharding strategy on one GPU: nothing is sharded.
    OneGpuShardsNothing,
    /// DDP on one GPU: nothing to synchronize, only the buckets.
    OneGpuDdp,
    /// `hybrid_shard` on one node is `full_shard`.
    HybridOnOneNode,
}

impl Notice {
    /// English text.
    pub const fn as_str(self) -> &'static str {
        match self {
            Notice::OneGpuShardsNothing => {
                "on one GPU nothing is sharded: every state stays on this GPU, and the engine saves memory only \
                 through offload (ZeRO-3 with offload on one GPU is the classic way to fit a model that is too large)"
            }
            Notice::OneGpuDdp => "DDP on one GPU shares nothing; it only adds its gradient buckets",
            Notice::HybridOnOneNode => "hybrid_shard on one node shards exactly as full_shard",
        }
    }
}

impl Distributed {
    /// One GPU, no engine options: what the contract's defaults give.
    pub const fn new(strategy: Strategy, gpus: u64) -> Distributed {
        Distributed {
            strategy,
            gpus,
            gpus_per_node: gpus,
            fsdp_sharding: FsdpSharding::FullShard,
            offload: Offload::None,
        }
    }

    /// Nodes: `gpus / gpus_per_node`.
    pub const fn nodes(&self) -> u64 {
        self.gpus / self.gpus_per_node
    }

    /// The same run on `gpus` GPUs: one node while they fit on one, else whole nodes of
    /// `gpus_per_node` (what `gpus_needed` searches over; see [`candidate_gpus`]).
    pub const fn with_gpus(self, gpus: u64) -> Distributed {
        let per_node = if gpus < self.gpus_per_node { gpus } else { self.gpus_per_node };
        Distributed { gpus, gpus_per_node: per_node, ..self }
    }

    /// Checks the block against itself and the scenario it is part of.
    pub fn validate(&self, method: Method, weight_dtype: WeightDtype) -> Result<(), Error> {
        use Error::Invalid;
        if self.gpus == 0 || self.gpus > MAX_GPUS {
            return Err(Invalid { field: "distributed.gpus", reason: "must be between 1 and 1024" });
        }
        if self.gpus_per_node == 0 {
            return Err(Invalid { field: "distributed.gpus_per_node", reason: "must be at least 1" });
        }
        if self.gpus_per_node > self.gpus {
            return Err(Invalid {
                field: "distributed.gpus_per_node",
                reason: "is more than `distributed.gpus`: a node cannot hold more GPUs than the whole run; \
                         set it to at most the number of GPUs",
            });
        }
        if !self.gpus.is_multiple_of(self.gpus_per_node) {
            return Err(Invalid {
                field: "distributed.gpus",
                reason: "must be a multiple of `gpus_per_node`: every node runs the same number of GPUs",
            });
        }
        match (self.strategy, self.offload) {
            (Strategy::Ddp, Offload::Optimizer | Offload::OptimizerAndParams) => Err(Invalid {
                field: "distributed.offload",
                reason: "needs a sharding engine: DDP keeps everything on the GPU; use fsdp or zero1/zero2/zero3",
            }),
            (Strategy::Zero1 | Strategy::Zero2, Offload::OptimizerAndParams) => Err(Invalid {
                field: "distributed.offload",
                reason: "cannot offload parameters with ZeRO-1/2 (offload_param is a ZeRO-3 feature): use \
                         \"optimizer\", or strategy zero3",
            }),
            (Strategy::Fsdp, Offload::Optimizer) => Err(Invalid {
                field: "distributed.offload",
                reason: "cannot be \"optimizer\" alone with FSDP: its cpu_offload moves parameters, gradients and \
                         the optimizer together; use \"optimizer_and_params\"",
            }),
            _ => Ok(()),
        }?;
        let shards_params = matches!(self.strategy, Strategy::Fsdp | Strategy::Zero3);
        if shards_params && weight_dtype == WeightDtype::Int8 && method != Method::Full {
            return Err(Invalid {
                field: "weight_dtype",
                reason: "cannot be int8 with fsdp or zero3: bitsandbytes' 8-bit weights cannot be sharded; use \
                         nf4 (with bnb_4bit_quant_storage=bfloat16) or strategy ddp/zero1/zero2",
            });
        }
        Ok(())
    }

    /// What a person should know about this block, if anything.
    pub const fn notice(&self) -> Option<Notice> {
        if self.gpus == 1 {
            return Some(match self.strategy {
                Strategy::Ddp => Notice::OneGpuDdp,
                _ => Notice::OneGpuShardsNothing,
            });
        }
        if matches!(self.strategy, Strategy::Fsdp)
            && matches!(self.fsdp_sharding, FsdpSharding::HybridShard)
            && self.gpus == self.gpus_per_node
        {
            return Some(Notice::HybridOnOneNode);
        }
        None
    }
}

/// The GPU counts `gpus_needed` tries, in increasing order: `1..=per_node`, then whole nodes of
/// `per_node` up to [`MAX_GPUS`]. `index` counts from 0; `None` past the last.
pub const fn candidate_gpus(per_node: u64, index: u64) -> Option<u64> {
    let n = if index < per_node { index + 1 } else { (index - per_node + 2) * per_node };
    if n <= MAX_GPUS {
        Some(n)
    } else {
        None
    }
}

/// Bytes of one NCCL peer connection's buffers (module doc): 9.19 MiB of FIFOs, rounded to 10 MiB.
pub const NCCL_CONNECTION_BYTES: u64 = 10 << 20;
/// Connections whose receive buffers a rank holds per channel: its ring neighbour and its tree
/// neighbour.
pub const NCCL_CONNECTIONS: u64 = 2;
/// Channels NCCL opens over PCIe.
pub const NCCL_CHANNELS_PCIE: u64 = 2;
/// Channels NCCL opens over NVLink / Infinity Fabric (up to 32; 16 is the middle of the range).
pub const NCCL_CHANNELS_NVLINK: u64 = 16;

/// NCCL's buffers on `gpu` (`None`: a data-center GPU, the larger) for `connections` peer
/// connections per channel.
pub const fn nccl_bytes(connections: u64, gpu: Option<&Gpu>) -> u64 {
    let channels = match gpu {
        Some(g) if !g.datacenter => NCCL_CHANNELS_PCIE,
        _ => NCCL_CHANNELS_NVLINK,
    };
    connections * channels * NCCL_CONNECTION_BYTES
}

/// The range of NCCL's buffers around the point estimate: half to twice it (module doc).
pub const fn nccl_range(point: u64) -> (u64, u64) {
    (point / 2, point.saturating_mul(2))
}

/// The scenario whose activations a rank computes with: under FSDP's mixed precision and
/// DeepSpeed's cast, every floating-point parameter reaches the forward in the 16-bit autocast
/// dtype (module doc).
pub fn compute_scenario(s: &Scenario, strategy: Strategy) -> Scenario {
    let half = match s.mixed_precision {
        MixedPrecision::Bf16 => (WeightDtype::Bf16, AdapterDtype::Bf16),
        MixedPrecision::Fp16 => (WeightDtype::Fp16, AdapterDtype::Fp16),
        MixedPrecision::No => return *s,
    };
    if strategy == Strategy::Ddp {
        return *s;
    }
    let mut c = *s;
    if !c.weight_dtype.is_quantized() {
        c.weight_dtype = half.0;
    }
    c.lora.dtype = half.1;
    c.prepare_kbit = false;
    c.distributed = None;
    c
}

/// One group of identical parameter tensors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param {
    /// Size of dimension 0, the one FSDP2 shards (`Shard(0)`).
    pub rows: u64,
    /// Elements per row.
    pub cols: u64,
    /// How many such tensors the model has.
    pub times: u64,
    /// Bytes per element as the model holds it before the engine (after PEFT and
    /// `prepare_model_for_kbit_training`).
    pub bytes: u64,
    /// A floating-point tensor the engines may cast; bitsandbytes' packed storage is not.
    pub float: bool,
    /// Bytes per tensor no engine shards: bitsandbytes' quantization state, kept on every rank.
    pub replicated: u64,
    /// Trained.
    pub trainable: bool,
    /// Where it lives.
    pub at: Location,
}

impl Param {
    /// Elements of one tensor.
    pub const fn numel(&self) -> u64 {
        self.rows * self.cols
    }
}

/// Most parameter groups a model has (13 Linears × weight and bias × two layer kinds, their LoRA
/// pairs, norms, embedding, head).
pub const MAX_PARAMS: usize = 128;

/// Fixed-capacity list of parameter groups; no allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    items: [Param; MAX_PARAMS],
    len: usize,
}

impl Params {
    fn push(&mut self, p: Param) {
        if p.times > 0 && p.rows > 0 && self.len < MAX_PARAMS {
            self.items[self.len] = p;
            self.len += 1;
        }
    }

    /// The groups.
    pub fn as_slice(&self) -> &[Param] {
        &self.items[..self.len]
    }
}

/// Every parameter of the scenario's model, with the bytes it has before any engine touches it.
pub fn params(s: &Scenario) -> Params {
    const EMPTY: Param = Param {
        rows: 0,
        cols: 0,
        times: 0,
        bytes: 0,
        float: true,
        replicated: 0,
        trainable: false,
        at: Location::Head,
    };
    let mut out = Params { items: [EMPTY; MAX_PARAMS], len: 0 };
    for_each_trainable_in(s, |t, at| {
        let cols = if t.cols == 0 { 1 } else { t.cols };
        out.push(Param { rows: t.rows, cols, times: t.times, bytes: t.elem_bytes, trainable: true, at, ..EMPTY });
    });
    if s.method == Method::Full {
        return out;
    }
    let a = &s.arch;
    let p = a.params();
    let other = crate::weights::unquantized_bytes(s);
    let (dense, moe) = a.layer_split();
    let mut wrapped = 0;
    for (kind, layers) in [(LayerKind::Dense, dense), (LayerKind::Moe, moe)] {
        if layers == 0 {
            continue;
        }
        let at = Location::Layer(kind);
        for l in a.linears(kind).as_slice() {
            if l.param_wrapper {
                // transformers 5's stacked experts `[E, out, in]` (dim 0: the experts) and the router.
                wrapped += layers * l.params();
                let (rows, cols) = if l.count > 1 { (l.count, l.weight_numel()) } else { (l.d_out, l.d_in) };
                out.push(Param { rows, cols, times: layers, bytes: other, at, ..EMPTY });
                continue;
            }
            let times = layers * l.count;
            let n = l.weight_numel();
            let q = s.weight_dtype;
            if q.is_4bit() {
                // Params4bit with bnb_4bit_quant_storage=bfloat16: the packed nibbles as bf16 elements.
                let packed = n.div_ceil(2);
                let state = crate::weights::quantized_tensor_bytes(q, n, l.d_out, s.double_quant) - packed;
                let rows = packed.div_ceil(2);
                out.push(Param { rows, cols: 1, times, bytes: 2, float: false, replicated: state, at, ..EMPTY });
            } else if q == WeightDtype::Int8 {
                out.push(Param {
                    rows: l.d_out,
                    cols: l.d_in,
                    times,
                    bytes: 1,
                    float: false,
                    replicated: 4 * l.d_out,
                    at,
                    ..EMPTY
                });
            } else {
                let bytes = crate::weights::quantized_tensor_bytes(q, 1, 0, false);
                out.push(Param { rows: l.d_out, cols: l.d_in, times, bytes, at, ..EMPTY });
            }
            if l.bias {
                out.push(Param { rows: l.d_out, cols: 1, times, bytes: other, at, ..EMPTY });
            }
        }
    }
    let final_norm = final_norm_params(s);
    let layer_norms = p.norms - final_norm;
    for (kind, layers) in [(LayerKind::Dense, dense), (LayerKind::Moe, moe)] {
        let rows = layer_norms / a.layers;
        out.push(Param { rows, cols: 1, times: layers, bytes: other, at: Location::Layer(kind), ..EMPTY });
    }
    if moe > 0 && p.other > wrapped {
        // DeepSeek-V3's router bias (`e_score_correction_bias`).
        let rows = (p.other - wrapped) / moe;
        out.push(Param { rows, cols: 1, times: moe, bytes: other, at: Location::Layer(LayerKind::Moe), ..EMPTY });
    }
    out.push(Param { rows: final_norm, cols: 1, times: 1, bytes: other, at: Location::Head, ..EMPTY });
    out.push(Param { rows: a.vocab, cols: a.hidden, times: 1, bytes: other, at: Location::Embedding, ..EMPTY });
    if !a.tied_embeddings {
        out.push(Param { rows: a.vocab, cols: a.hidden, times: 1, bytes: other, at: Location::Head, ..EMPTY });
    }
    if a.lm_head_bias {
        out.push(Param { rows: a.vocab, cols: 1, times: 1, bytes: other, at: Location::Head, ..EMPTY });
    }
    out
}

/// Elements of the final norm: a weight, and a bias for LayerNorm.
fn final_norm_params(s: &Scenario) -> u64 {
    match s.arch.norm {
        crate::arch::Norm::Rms => s.arch.hidden,
        crate::arch::Norm::LayerNorm => 2 * s.arch.hidden,
    }
}

/// Parameters of the largest module, counting its own parameters only (`recurse=False`), as
/// DeepSpeed's `model_to_params` (deepspeed 0.19.8 `runtime/zero/stage3.py`) does: the embedding
/// or head (`V·h`), the largest Linear with its bias, or a stacked-experts module (both of its
/// tensors).
pub fn largest_module_params(s: &Scenario) -> u64 {
    let a = &s.arch;
    let head = a.vocab * a.hidden + if a.lm_head_bias { a.vocab } else { 0 };
    let mut largest = head;
    let (dense, moe) = a.layer_split();
    for (kind, layers) in [(LayerKind::Dense, dense), (LayerKind::Moe, moe)] {
        if layers == 0 {
            continue;
        }
        let mut experts = 0;
        for l in a.linears(kind).as_slice() {
            if l.param_wrapper && l.count > 1 {
                experts += l.params();
            } else {
                largest = largest.max(l.weight_numel() + if l.bias { l.d_out } else { 0 });
            }
        }
        largest = largest.max(experts);
    }
    largest
}

/// What the engines need of a scenario, computed once; [`Plan::profile`] then gives the per-GPU
/// profile for any GPU count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The `distributed` block.
    pub d: Distributed,
    /// The one-GPU profile of [`compute_scenario`]: activations, overhead, and for DDP everything.
    pub base: Profile,
    /// The parameter table.
    pub params: Params,
    /// Decoder layers of each kind `(dense, moe)`.
    pub layers: (u64, u64),
    /// `hidden_size` (ZeRO's "auto" bucket sizes).
    pub hidden: u64,
    /// The optimizer.
    pub optimizer: crate::scenario::Optimizer,
    /// Bytes per element of floating-point parameters in the forward: 2 under autocast.
    pub compute_bytes: u64,
    /// Mixed precision is on.
    pub mixed: bool,
    /// Full fine-tuning.
    pub full: bool,
    /// Checkpointing is on.
    pub checkpointing: bool,
    /// The base model's weights are bitsandbytes-quantized.
    pub quantized: bool,
    /// The head shares the embedding's weight.
    pub tied: bool,
    /// The model's parameter count.
    pub total_params: u64,
    /// Bytes of the checkpoint as a rank loads it on the CPU (0 when it loads onto the GPU).
    pub load_bytes: u64,
    /// The GPU the scenario names, for NCCL's channels.
    pub gpu: Option<usize>,
}

impl Plan {
    /// The plan of a scenario with a `distributed` block (a scenario without one plans as DDP on one
    /// GPU, which is never used for its estimate).
    pub fn new(s: &Scenario) -> Plan {
        let d = s.distributed.unwrap_or(Distributed::new(Strategy::Ddp, 1));
        let compute = compute_scenario(s, d.strategy);
        let mixed = s.mixed_precision != MixedPrecision::No;
        let quantized = s.weight_dtype.is_quantized() && s.method != Method::Full;
        let total_params = s.arch.params().total();
        let checkpoint_bytes = if s.weight_dtype == WeightDtype::Fp32 { 4 } else { 2 };
        Plan {
            d,
            base: single_gpu_profile(&Scenario { distributed: None, ..compute }),
            params: params(s),
            layers: s.arch.layer_split(),
            hidden: s.arch.hidden,
            optimizer: s.optimizer,
            compute_bytes: if mixed { 2 } else { crate::weights::unquantized_bytes(s) },
            mixed,
            full: s.method == Method::Full,
            checkpointing: s.gradient_checkpointing,
            quantized,
            tied: s.arch.tied_embeddings,
            total_params,
            load_bytes: if quantized { 0 } else { total_params * checkpoint_bytes },
            gpu: s.gpu,
        }
    }

    /// The per-GPU profile on `gpus` GPUs.
    pub fn profile(&self, gpus: u64) -> Profile {
        let d = self.d.with_gpus(gpus);
        let rank = match d.strategy {
            Strategy::Ddp => ddp::rank(self, &d),
            Strategy::Fsdp => fsdp::rank(self, &d),
            Strategy::Zero1 | Strategy::Zero2 | Strategy::Zero3 => zero::rank(self, &d),
        };
        let gpu = self.gpu.map(|i| &crate::gpus::GPUS[i]);
        let mut rank = rank;
        rank.engine.nccl = nccl_bytes(rank.engine.nccl_connections, gpu);
        self.base.with_rank(&rank)
    }

    /// Bytes of a floating-point parameter element in the forward (its storage bytes for the rest).
    pub const fn compute(&self, p: &Param) -> u64 {
        if p.float {
            self.compute_bytes
        } else {
            p.bytes
        }
    }

    /// Layers of a kind.
    pub const fn layers_of(&self, kind: LayerKind) -> u64 {
        match kind {
            LayerKind::Dense => self.layers.0,
            LayerKind::Moe => self.layers.1,
        }
    }

    /// Sum of `f(param)` over one decoder layer of each kind, the larger: `f` gets a group and
    /// returns bytes for all `times` of it, which is divided by the layers of its kind.
    pub fn largest_layer(&self, f: impl Fn(&Param) -> u64) -> u64 {
        let mut per_kind = [0u64; 2];
        for p in self.params.as_slice() {
            if let Location::Layer(kind) = p.at {
                let layers = self.layers_of(kind).max(1);
                per_kind[kind as usize] = per_kind[kind as usize].saturating_add(f(p) / layers);
            }
        }
        per_kind[0].max(per_kind[1])
    }

    /// Sum of `f(param)` over the groups that `keep` selects.
    pub fn sum(&self, keep: impl Fn(&Param) -> bool, f: impl Fn(&Param) -> u64) -> u64 {
        self.params.as_slice().iter().filter(|p| keep(p)).fold(0u64, |acc, p| acc.saturating_add(f(p)))
    }

    /// Ranks on one node.
    pub const fn ranks_per_node(d: &Distributed) -> u64 {
        d.gpus_per_node
    }

    /// The optimizer's state bytes for `elements` elements of `bytes` each, as one flat tensor
    /// (ZeRO's partitions) or, with `rows`/`cols`, as a matrix (FSDP's shards).
    pub fn state_bytes(&self, rows: u64, cols: u64, times: u64, bytes: u64) -> u64 {
        let t = crate::adapter::Tensor { rows, cols, times, elem_bytes: bytes };
        crate::optimizer::tensor_state_bytes(self.optimizer, &t)
    }
}

/// Host memory per node: the larger of loading and training (module doc).
pub const fn host_per_node(loading: u64, training: u64) -> u64 {
    if loading > training {
        loading
    } else {
        training
    }
}

/// A rank with the one-GPU resident memory of `base` (DDP, and ZeRO's replicated parts).
pub(crate) fn replica(base: &Profile) -> Rank {
    base.as_rank()
}
