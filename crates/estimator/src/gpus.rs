//! GPUs and the memory a training process can use on them.
//!
//! # Capacity convention
//! `vram_bytes` is the total that `nvidia-smi` reports (`memory.total`, in MiB, times 2^20), which
//! is also what `torch.cuda.mem_get_info()` calls total: the ceiling that the CUDA context plus
//! PyTorch's reserved memory must fit under, and the number people compare against when a run dies
//! with an out-of-memory error. It is slightly below the marketing figure on most cards:
//! - GeForce and workstation cards sold as "24 GB" are 24 GiB of GDDR; `nvidia-smi` shows 24576 MiB
//!   on some (RTX 3090, TITAN RTX) and 24564 MiB on others (RTX 3090 Ti, RTX 4090), the driver
//!   keeping a few MiB.
//! - Data-center cards with ECC enabled (the default on T4, A10, A10G, L4, A40, L40S) lose about
//!   1/16 of their memory to ECC: an A10 is 24 GiB but shows 23028 MiB.
//! - HBM cards report less than the stated capacity (H100 80 GB: 81559 MiB; H200 141 GB:
//!   143771 MiB; B200: 183359 MiB).
//!
//! Each row's comment says which figure it uses and where it could not be confirmed from an
//! `nvidia-smi` (or, for the MI300X, `rocm-smi`) output, in which case it is the marketing
//! capacity in GiB. [`GPU_SOURCES`] gives each vendor's specification page.
//!
//! # Compute capability and SMs
//! From NVIDIA's CUDA GPU list (<https://developer.nvidia.com/cuda-gpus>) and each architecture's
//! whitepaper; they size the CUDA context and the cuBLAS workspace ([`crate::overhead`]).
//!
//! # Kernel support
//! `bf16` needs Ampere (sm80) or newer on NVIDIA; Turing and Volta run bf16 only through slow
//! emulation, so fp16 is their training dtype. `flash_attn2` is FlashAttention-2's support list:
//! Ampere, Ada, Hopper and Blackwell NVIDIA GPUs (sm80+), and the MI300X through ROCm's
//! Composable-Kernel build of the `flash_attn` package; Turing and Volta fall back to SDPA's
//! memory-efficient kernel, which also keeps only a logsumexp.

/// GPU generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GpuArch {
    /// NVIDIA Turing (sm75).
    Turing,
    /// NVIDIA Volta (sm70).
    Volta,
    /// NVIDIA Ampere (sm80, sm86).
    Ampere,
    /// NVIDIA Ada Lovelace (sm89).
    Ada,
    /// NVIDIA Hopper (sm90).
    Hopper,
    /// NVIDIA Blackwell (sm100, sm120).
    Blackwell,
    /// AMD CDNA 3 (gfx942).
    Cdna3,
}

impl GpuArch {
    /// A display name.
    pub const fn as_str(self) -> &'static str {
        match self {
            GpuArch::Turing => "Turing",
            GpuArch::Volta => "Volta",
            GpuArch::Ampere => "Ampere",
            GpuArch::Ada => "Ada Lovelace",
            GpuArch::Hopper => "Hopper",
            GpuArch::Blackwell => "Blackwell",
            GpuArch::Cdna3 => "CDNA 3",
        }
    }
}

/// One GPU model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gpu {
    /// A kebab-case id, e.g. `"rtx-4090"`.
    pub id: &'static str,
    /// The vendor's name, e.g. `"GeForce RTX 4090"`.
    pub name: &'static str,
    /// Usable memory in bytes, as `nvidia-smi` reports it (see the module documentation).
    pub vram_bytes: u64,
    /// CUDA compute capability `(major, minor)` (for the MI300X, its gfx942 target as `(9, 4)`).
    pub compute_capability: (u8, u8),
    /// Streaming multiprocessors (compute units on AMD).
    pub sms: u16,
    /// Generation.
    pub arch: GpuArch,
    /// Native bf16 support.
    pub bf16: bool,
    /// FlashAttention-2 runs on it.
    pub flash_attn2: bool,
    /// A data-center part.
    pub datacenter: bool,
    /// Shown by default in the compact widget.
    pub popular: bool,
}

/// One MiB.
const MIB: u64 = 1 << 20;

/// The GPU table, consumer cards first, then by memory.
pub const GPUS: &[Gpu] = &[
    // 11 GB GDDR6; 11264 MiB = 11 GiB assumed (nvidia-smi total not confirmed here).
    Gpu {
        id: "rtx-2080-ti",
        name: "GeForce RTX 2080 Ti",
        vram_bytes: 11264 * MIB,
        compute_capability: (7, 5),
        sms: 68,
        arch: GpuArch::Turing,
        bf16: false,
        flash_attn2: false,
        datacenter: false,
        popular: false,
    },
    // 24 GB GDDR6; nvidia-smi 24576 MiB (older drivers: 24186 MiB).
    Gpu {
        id: "titan-rtx",
        name: "NVIDIA TITAN RTX",
        vram_bytes: 24576 * MIB,
        compute_capability: (7, 5),
        sms: 72,
        arch: GpuArch::Turing,
        bf16: false,
        flash_attn2: false,
        datacenter: false,
        popular: false,
    },
    // 12 GB GDDR6; nvidia-smi 12288 MiB.
    Gpu {
        id: "rtx-3060-12gb",
        name: "GeForce RTX 3060 12GB",
        vram_bytes: 12288 * MIB,
        compute_capability: (8, 6),
        sms: 28,
        arch: GpuArch::Ampere,
        bf16: true,
        flash_attn2: true,
        datacenter: false,
        popular: false,
    },
    // 10 GB GDDR6X; nvidia-smi 10240 MiB on current drivers (older drivers: 10018 MiB).
    Gpu {
        id: "rtx-3080-10gb",
        name: "GeForce RTX 3080 10GB",
        vram_bytes: 10240 * MIB,
        compute_capability: (8, 6),
        sms: 68,
        arch: GpuArch::Ampere,
        bf16: true,
        flash_attn2: true,
        datacenter: false,
        popular: false,
    },
    // 12 GB GDDR6X; 12288 MiB = 12 GiB assumed (nvidia-smi total not confirmed here).
    Gpu {
        id: "rtx-3080-ti",
        name: "GeForce RTX 3080 Ti",
        vram_bytes: 12288 * MIB,
        compute_capability: (8, 6),
        sms: 80,
        arch: GpuArch::Ampere,
        bf16: true,
        flash_attn2: true,
        datacenter: false,
        popular: false,
    },
    // 24 GB GDDR6X; nvidia-smi 24576 MiB (older drivers: 24268 MiB).
    Gpu {
        id: "rtx-3090",
        name: "GeForce RTX 3090",
        vram_bytes: 24576 * MIB,
        compute_capability: (8, 6),
        sms: 82,
        arch: GpuArch::Ampere,
        bf16: true,
        flash_attn2: true,
        datacenter: false,
        popular: true,
    },
    // 24 GB GDDR6X; nvidia-smi 24564 MiB.
    Gpu {
        id: "rtx-3090-ti",
        name: "GeForce RTX 3090 Ti",
        vram_bytes: 24564 * MIB,
        compute_capability: (8, 6),
        sms: 84,
        arch: GpuArch::Ampere,
        bf16: true,
        flash_attn2: true,
        datacenter: false,
        popular: false,
    },
    // 16 GB GDDR6; nvidia-smi 16380 MiB.
    Gpu {
        id: "rtx-4060-ti-16gb",
        name: "GeForce RTX 4060 Ti 16GB",
        vram_bytes: 16380 * MIB,
        compute_capability: (8, 9),
        sms: 34,
        arch: GpuArch::Ada,
        bf16: true,
        flash_attn2: true,
        datacenter: false,
        popular: false,
    },
    // 16 GB GDDR6X; nvidia-smi 16376 MiB.
    Gpu {
        id: "rtx-4070-ti-super",
        name: "GeForce RTX 4070 Ti SUPER",
        vram_bytes: 16376 * MIB,
        compute_capability: (8, 9),
        sms: 66,
        arch: GpuArch::Ada,
        bf16: true,
        flash_attn2: true,
        datacenter: false,
        popular: false,
    },
    // 16 GB GDDR6X; nvidia-smi 16376 MiB.
    Gpu {
        id: "rtx-4080",
        name: "GeForce RTX 4080",
        vram_bytes: 16376 * MIB,
        compute_capability: (8, 9),
        sms: 76,
        arch: GpuArch::Ada,
        bf16: true,
        flash_attn2: true,
        datacenter: false,
        popular: false,
    },
    // 16 GB GDDR6X; 16376 MiB as the RTX 4080 (same AD103 board memory; not confirmed here).
    Gpu {
        id: "rtx-4080-super",
        name: "GeForce RTX 4080 SUPER",
        vram_bytes: 16376 * MIB,
        compute_capability: (8, 9),
        sms: 80,
        arch: GpuArch::Ada,
        bf16: true,
        flash_attn2: true,
        datacenter: false,
        popular: false,
    },
    // 24 GB GDDR6X; nvidia-smi 24564 MiB.
    Gpu {
        id: "rtx-4090",
        name: "GeForce RTX 4090",
        vram_bytes: 24564 * MIB,
        compute_capability: (8, 9),
        sms: 128,
        arch: GpuArch::Ada,
        bf16: true,
        flash_attn2: true,
        datacenter: false,
        popular: true,
    },
    // 24 GB GDDR6X, China's RTX 4090 (AD102-250, 114 of the 4090's 128 SMs); nvidia-smi 24564 MiB
    // ("NVIDIA GeForce RTX 4090 D", ECC off, the default; 23028 MiB with ECC on). 48 GB boards are
    // third-party rebuilds: use `--vram-gib 48 --gpu rtx-4090-d`.
    Gpu {
        id: "rtx-4090-d",
        name: "GeForce RTX 4090 D",
        vram_bytes: 24564 * MIB,
        compute_capability: (8, 9),
        sms: 114,
        arch: GpuArch::Ada,
        bf16: true,
        flash_attn2: true,
        datacenter: false,
        popular: false,
    },
    // 16 GB GDDR7; nvidia-smi 16303 MiB.
    Gpu {
        id: "rtx-5070-ti",
        name: "GeForce RTX 5070 Ti",
        vram_bytes: 16303 * MIB,
        compute_capability: (12, 0),
        sms: 70,
        arch: GpuArch::Blackwell,
        bf16: true,
        flash_attn2: true,
        datacenter: false,
        popular: false,
    },
    // 16 GB GDDR7; nvidia-smi 16303 MiB.
    Gpu {
        id: "rtx-5080",
        name: "GeForce RTX 5080",
        vram_bytes: 16303 * MIB,
        compute_capability: (12, 0),
        sms: 84,
        arch: GpuArch::Blackwell,
        bf16: true,
        flash_attn2: true,
        datacenter: false,
        popular: false,
    },
    // 32 GB GDDR7; nvidia-smi 32607 MiB.
    Gpu {
        id: "rtx-5090",
        name: "GeForce RTX 5090",
        vram_bytes: 32607 * MIB,
        compute_capability: (12, 0),
        sms: 170,
        arch: GpuArch::Blackwell,
        bf16: true,
        flash_attn2: true,
        datacenter: false,
        popular: true,
    },
    // 16 GB GDDR6; nvidia-smi 15360 MiB with ECC on (the cloud default).
    Gpu {
        id: "t4",
        name: "NVIDIA T4",
        vram_bytes: 15360 * MIB,
        compute_capability: (7, 5),
        sms: 40,
        arch: GpuArch::Turing,
        bf16: false,
        flash_attn2: false,
        datacenter: true,
        popular: true,
    },
    // 16 GB HBM2; nvidia-smi 16160 MiB (SXM2 and PCIe).
    Gpu {
        id: "v100-16gb",
        name: "NVIDIA V100 16GB",
        vram_bytes: 16160 * MIB,
        compute_capability: (7, 0),
        sms: 80,
        arch: GpuArch::Volta,
        bf16: false,
        flash_attn2: false,
        datacenter: true,
        popular: false,
    },
    // 32 GB HBM2; nvidia-smi 32510 MiB (SXM2 and PCIe).
    Gpu {
        id: "v100-32gb",
        name: "NVIDIA V100 32GB",
        vram_bytes: 32510 * MIB,
        compute_capability: (7, 0),
        sms: 80,
        arch: GpuArch::Volta,
        bf16: false,
        flash_attn2: false,
        datacenter: true,
        popular: false,
    },
    // 24 GB GDDR6; nvidia-smi 23028 MiB with ECC on (24564 MiB with ECC off).
    Gpu {
        id: "a10",
        name: "NVIDIA A10",
        vram_bytes: 23028 * MIB,
        compute_capability: (8, 6),
        sms: 72,
        arch: GpuArch::Ampere,
        bf16: true,
        flash_attn2: true,
        datacenter: true,
        popular: false,
    },
    // 24 GB GDDR6; nvidia-smi 23028 MiB on AWS G5 (ECC on).
    Gpu {
        id: "a10g",
        name: "NVIDIA A10G (AWS G5)",
        vram_bytes: 23028 * MIB,
        compute_capability: (8, 6),
        sms: 80,
        arch: GpuArch::Ampere,
        bf16: true,
        flash_attn2: true,
        datacenter: true,
        popular: false,
    },
    // 24 GB GDDR6; nvidia-smi 23034 MiB with ECC on.
    Gpu {
        id: "l4",
        name: "NVIDIA L4",
        vram_bytes: 23034 * MIB,
        compute_capability: (8, 9),
        sms: 58,
        arch: GpuArch::Ada,
        bf16: true,
        flash_attn2: true,
        datacenter: true,
        popular: false,
    },
    // 48 GB GDDR6; nvidia-smi 46068 MiB with ECC on.
    Gpu {
        id: "a40",
        name: "NVIDIA A40",
        vram_bytes: 46068 * MIB,
        compute_capability: (8, 6),
        sms: 84,
        arch: GpuArch::Ampere,
        bf16: true,
        flash_attn2: true,
        datacenter: true,
        popular: false,
    },
    // 48 GB GDDR6; nvidia-smi 49140 MiB with ECC off (its default).
    Gpu {
        id: "rtx-a6000",
        name: "NVIDIA RTX A6000",
        vram_bytes: 49140 * MIB,
        compute_capability: (8, 6),
        sms: 84,
        arch: GpuArch::Ampere,
        bf16: true,
        flash_attn2: true,
        datacenter: false,
        popular: false,
    },
    // 48 GB GDDR6; nvidia-smi 49140 MiB with ECC off (its default).
    Gpu {
        id: "rtx-6000-ada",
        name: "NVIDIA RTX 6000 Ada Generation",
        vram_bytes: 49140 * MIB,
        compute_capability: (8, 9),
        sms: 142,
        arch: GpuArch::Ada,
        bf16: true,
        flash_attn2: true,
        datacenter: false,
        popular: false,
    },
    // 48 GB GDDR6; nvidia-smi 46068 MiB with ECC on.
    Gpu {
        id: "l40s",
        name: "NVIDIA L40S",
        vram_bytes: 46068 * MIB,
        compute_capability: (8, 9),
        sms: 142,
        arch: GpuArch::Ada,
        bf16: true,
        flash_attn2: true,
        datacenter: true,
        popular: false,
    },
    // 48 GB GDDR6, China's data-center Ada (AD102, 92 SMs); nvidia-smi 46068 MiB with ECC on (its default).
    Gpu {
        id: "l20",
        name: "NVIDIA L20",
        vram_bytes: 46068 * MIB,
        compute_capability: (8, 9),
        sms: 92,
        arch: GpuArch::Ada,
        bf16: true,
        flash_attn2: true,
        datacenter: true,
        popular: false,
    },
    // 40 GB HBM2; nvidia-smi 40960 MiB (SXM4 and PCIe).
    Gpu {
        id: "a100-40gb",
        name: "NVIDIA A100 40GB",
        vram_bytes: 40960 * MIB,
        compute_capability: (8, 0),
        sms: 108,
        arch: GpuArch::Ampere,
        bf16: true,
        flash_attn2: true,
        datacenter: true,
        popular: false,
    },
    // 40 GB HBM2, the A100 for China (GA100, 108 SMs, NVLink cut to 400 GB/s): the 2022 PCIe card and
    // the 2023 "A800 40GB Active"; nvidia-smi 40960 MiB ("NVIDIA A800 40GB Active").
    Gpu {
        id: "a800-40gb",
        name: "NVIDIA A800 40GB",
        vram_bytes: 40960 * MIB,
        compute_capability: (8, 0),
        sms: 108,
        arch: GpuArch::Ampere,
        bf16: true,
        flash_attn2: true,
        datacenter: true,
        popular: false,
    },
    // 80 GB HBM2e; nvidia-smi 81920 MiB (SXM4 and PCIe).
    Gpu {
        id: "a100-80gb",
        name: "NVIDIA A100 80GB",
        vram_bytes: 81920 * MIB,
        compute_capability: (8, 0),
        sms: 108,
        arch: GpuArch::Ampere,
        bf16: true,
        flash_attn2: true,
        datacenter: true,
        popular: true,
    },
    // 80 GB HBM2e (SXM4 and PCIe); nvidia-smi 81920 MiB ("NVIDIA A800-SXM4-80GB", "NVIDIA A800 80GB PCIe").
    Gpu {
        id: "a800-80gb",
        name: "NVIDIA A800 80GB",
        vram_bytes: 81920 * MIB,
        compute_capability: (8, 0),
        sms: 108,
        arch: GpuArch::Ampere,
        bf16: true,
        flash_attn2: true,
        datacenter: true,
        popular: false,
    },
    // 80 GB HBM2e; nvidia-smi 81559 MiB.
    Gpu {
        id: "h100-pcie",
        name: "NVIDIA H100 PCIe",
        vram_bytes: 81559 * MIB,
        compute_capability: (9, 0),
        sms: 114,
        arch: GpuArch::Hopper,
        bf16: true,
        flash_attn2: true,
        datacenter: true,
        popular: false,
    },
    // 80 GB HBM3; nvidia-smi 81559 MiB ("H100 80GB HBM3").
    Gpu {
        id: "h100-sxm",
        name: "NVIDIA H100 SXM",
        vram_bytes: 81559 * MIB,
        compute_capability: (9, 0),
        sms: 132,
        arch: GpuArch::Hopper,
        bf16: true,
        flash_attn2: true,
        datacenter: true,
        popular: true,
    },
    // 80 GB HBM3, the H100 SXM for China (132 SMs, NVLink 400 GB/s); nvidia-smi 81559 MiB ("NVIDIA H800").
    // The H800 PCIe has 114 SMs: its modelled context is 36 MiB below this row's.
    Gpu {
        id: "h800",
        name: "NVIDIA H800",
        vram_bytes: 81559 * MIB,
        compute_capability: (9, 0),
        sms: 132,
        arch: GpuArch::Hopper,
        bf16: true,
        flash_attn2: true,
        datacenter: true,
        popular: false,
    },
    // 94 GB HBM3; nvidia-smi 95830 MiB.
    Gpu {
        id: "h100-nvl",
        name: "NVIDIA H100 NVL",
        vram_bytes: 95830 * MIB,
        compute_capability: (9, 0),
        sms: 132,
        arch: GpuArch::Hopper,
        bf16: true,
        flash_attn2: true,
        datacenter: true,
        popular: false,
    },
    // 96 GB HBM3, China's 2024 Hopper (78 SMs, about 15% of the H100's tensor throughput); nvidia-smi
    // 97871 MiB ("NVIDIA H20"). The 141 GB H20 is not listed.
    Gpu {
        id: "h20",
        name: "NVIDIA H20",
        vram_bytes: 97871 * MIB,
        compute_capability: (9, 0),
        sms: 78,
        arch: GpuArch::Hopper,
        bf16: true,
        flash_attn2: true,
        datacenter: true,
        popular: false,
    },
    // 141 GB HBM3e; nvidia-smi 143771 MiB.
    Gpu {
        id: "h200",
        name: "NVIDIA H200",
        vram_bytes: 143771 * MIB,
        compute_capability: (9, 0),
        sms: 132,
        arch: GpuArch::Hopper,
        bf16: true,
        flash_attn2: true,
        datacenter: true,
        popular: false,
    },
    // 180 GB HBM3e usable (192 GB physical); nvidia-smi 183359 MiB.
    Gpu {
        id: "b200",
        name: "NVIDIA B200",
        vram_bytes: 183359 * MIB,
        compute_capability: (10, 0),
        sms: 148,
        arch: GpuArch::Blackwell,
        bf16: true,
        flash_attn2: true,
        datacenter: true,
        popular: false,
    },
    // 192 GB HBM3; rocm-smi `VRAM Total Memory (B): 206141652992` (192 GiB less 16 MiB). FlashAttention-2 through ROCm's CK backend.
    Gpu {
        id: "mi300x",
        name: "AMD Instinct MI300X",
        vram_bytes: 206_141_652_992,
        compute_capability: (9, 4),
        sms: 304,
        arch: GpuArch::Cdna3,
        bf16: true,
        flash_attn2: true,
        datacenter: true,
        popular: false,
    },
];

/// Each GPU's specification page, as `(id, url)` in [`GPUS`] order: the vendor's, or, for the parts
/// NVIDIA sold only in China and no longer documents in English (A800 80GB, H800, H20, L20),
/// TechPowerUp's GPU database. The `nvidia-smi` totals in [`GPUS`]' comments are from `nvidia-smi`
/// outputs users posted (e.g. github.com/dexmal/dexbotic/issues/41 for the A800-SXM4-80GB).
///
/// A table of its own rather than a field of [`Gpu`], so that a program that never shows the
/// sources (the web page) does not link them; the tests check that it lines up with [`GPUS`].
pub const GPU_SOURCES: &[(&str, &str)] = &[
    ("rtx-2080-ti", "https://www.nvidia.com/en-us/geforce/graphics-cards/rtx-2080-ti/"),
    ("titan-rtx", "https://www.nvidia.com/en-us/deep-learning-ai/products/titan-rtx/"),
    ("rtx-3060-12gb", "https://www.nvidia.com/en-us/geforce/graphics-cards/30-series/rtx-3060-3060ti/"),
    ("rtx-3080-10gb", "https://www.nvidia.com/en-us/geforce/graphics-cards/30-series/rtx-3080-3080ti/"),
    ("rtx-3080-ti", "https://www.nvidia.com/en-us/geforce/graphics-cards/30-series/rtx-3080-3080ti/"),
    ("rtx-3090", "https://www.nvidia.com/en-us/geforce/graphics-cards/30-series/rtx-3090-3090ti/"),
    ("rtx-3090-ti", "https://www.nvidia.com/en-us/geforce/graphics-cards/30-series/rtx-3090-3090ti/"),
    ("rtx-4060-ti-16gb", "https://www.nvidia.com/en-us/geforce/graphics-cards/40-series/rtx-4060-4060ti/"),
    ("rtx-4070-ti-super", "https://www.nvidia.com/en-us/geforce/graphics-cards/40-series/rtx-4070-family/"),
    ("rtx-4080", "https://www.nvidia.com/en-us/geforce/graphics-cards/40-series/rtx-4080-family/"),
    ("rtx-4080-super", "https://www.nvidia.com/en-us/geforce/graphics-cards/40-series/rtx-4080-family/"),
    ("rtx-4090", "https://www.nvidia.com/en-us/geforce/graphics-cards/40-series/rtx-4090/"),
    ("rtx-4090-d", "https://www.nvidia.cn/geforce/graphics-cards/40-series/rtx-4090-d/"),
    ("rtx-5070-ti", "https://www.nvidia.com/en-us/geforce/graphics-cards/50-series/rtx-5070-family/"),
    ("rtx-5080", "https://www.nvidia.com/en-us/geforce/graphics-cards/50-series/rtx-5080/"),
    ("rtx-5090", "https://www.nvidia.com/en-us/geforce/graphics-cards/50-series/rtx-5090/"),
    ("t4", "https://www.nvidia.com/en-us/data-center/tesla-t4/"),
    ("v100-16gb", "https://www.nvidia.com/en-us/data-center/v100/"),
    ("v100-32gb", "https://www.nvidia.com/en-us/data-center/v100/"),
    ("a10", "https://www.nvidia.com/en-us/data-center/products/a10-gpu/"),
    ("a10g", "https://aws.amazon.com/ec2/instance-types/g5/"),
    ("l4", "https://www.nvidia.com/en-us/data-center/l4/"),
    ("a40", "https://www.nvidia.com/en-us/data-center/a40/"),
    ("rtx-a6000", "https://www.nvidia.com/en-us/design-visualization/rtx-a6000/"),
    ("rtx-6000-ada", "https://www.nvidia.com/en-us/design-visualization/rtx-6000/"),
    ("l40s", "https://www.nvidia.com/en-us/data-center/l40s/"),
    ("l20", "https://www.techpowerup.com/gpu-specs/l20.c4206"),
    ("a100-40gb", "https://www.nvidia.com/en-us/data-center/a100/"),
    ("a800-40gb", "https://www.nvidia.com/en-us/design-visualization/a800/"),
    ("a100-80gb", "https://www.nvidia.com/en-us/data-center/a100/"),
    ("a800-80gb", "https://www.techpowerup.com/gpu-specs/a800-pcie-80-gb.c3965"),
    ("h100-pcie", "https://www.nvidia.com/en-us/data-center/h100/"),
    ("h100-sxm", "https://www.nvidia.com/en-us/data-center/h100/"),
    ("h800", "https://www.techpowerup.com/gpu-specs/h800-sxm5.c3975"),
    ("h100-nvl", "https://www.nvidia.com/en-us/data-center/h100/"),
    ("h20", "https://www.techpowerup.com/gpu-specs/h20.c4420"),
    ("h200", "https://www.nvidia.com/en-us/data-center/h200/"),
    ("b200", "https://www.nvidia.com/en-us/data-center/dgx-b200/"),
    ("mi300x", "https://www.amd.com/en/products/accelerators/instinct/mi300/mi300x.html"),
];

/// The index in [`GPUS`] of the GPU with this id: an exact match first, then one that differs
/// only in ASCII case.
pub fn find_gpu(id: &str) -> Option<usize> {
    GPUS.iter().position(|g| g.id == id).or_else(|| GPUS.iter().position(|g| g.id.eq_ignore_ascii_case(id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sane() {
        assert!(GPUS.len() >= 38);
        assert_eq!(GPU_SOURCES.len(), GPUS.len());
        for (i, g) in GPUS.iter().enumerate() {
            assert_eq!(find_gpu(g.id), Some(i), "duplicate id {}", g.id);
            assert!(g.vram_bytes >= 8 << 30 && g.vram_bytes <= 256 << 30, "{}: {}", g.id, g.vram_bytes);
            assert_eq!(GPU_SOURCES[i].0, g.id, "GPU_SOURCES is out of step with GPUS");
            assert!(GPU_SOURCES[i].1.starts_with("https://"), "{}", g.id);
            assert!(g.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{}", g.id);
            let modern = !matches!(g.arch, GpuArch::Turing | GpuArch::Volta);
            assert_eq!(g.bf16, modern, "{}", g.id);
            assert_eq!(g.flash_attn2, modern, "{}", g.id);
        }
        let popular: alloc::vec::Vec<&str> = GPUS.iter().filter(|g| g.popular).map(|g| g.id).collect();
        assert_eq!(popular, ["rtx-3090", "rtx-4090", "rtx-5090", "t4", "a100-80gb", "h100-sxm"]);
        assert_eq!(find_gpu("RTX-4090"), find_gpu("rtx-4090"));
        // GPUs that users in China rent and buy (issue 10): listed, with their nvidia-smi totals.
        for (id, mib, sms) in [
            ("a800-40gb", 40960, 108),
            ("a800-80gb", 81920, 108),
            ("h800", 81559, 132),
            ("h20", 97871, 78),
            ("l20", 46068, 92),
            ("rtx-4090-d", 24564, 114),
        ] {
            let g = GPUS[find_gpu(id).unwrap_or_else(|| panic!("{id} is not listed"))];
            assert_eq!((g.vram_bytes, g.sms), (mib * MIB, sms), "{id}");
        }
        assert_eq!(find_gpu("nope"), None);
    }
}
