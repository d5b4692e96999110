//! The page's entry point: it only renders (see the library for everything else).

fn main() {
    lora_vram_app::start();
}
