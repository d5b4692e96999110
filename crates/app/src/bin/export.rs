//! The export page's entry point (`export/`, built from `export.html`): it only renders.

fn main() {
    lora_vram_app::start_export();
}
