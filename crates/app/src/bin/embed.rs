//! The embed card's entry point (`embed/`, built from `embed.html`): it only renders.

fn main() {
    lora_vram_app::start_embed();
}
