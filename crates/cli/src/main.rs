//! `lora-vram`: maps `lora_vram_cli::run` to an exit code.
fn main() {
    let args = std::env::args().collect();
    let code = lora_vram_cli::run(args, &mut std::io::stdin(), &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
