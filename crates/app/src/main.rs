//! The page's entry point: it only renders (see the library for everything else).

// talc instead of the standard library's dlmalloc: 1 KiB less of the page's download (gzipped),
// and as fast on the page's small, short-lived allocations (docs/performance.md, "Size").
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };

fn main() {
    lora_vram_app::start();
}
