//! `--hf-id` against a local stand-in for the Hub ($HF_ENDPOINT), never the real one (issue 6).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;

/// Serves fixed routes over HTTP/1.1 on 127.0.0.1, one response per connection.
fn serve(routes: Vec<(&'static str, u16, String)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            // Drain the headers.
            let mut h = String::new();
            while reader.read_line(&mut h).map(|n| n > 2).unwrap_or(false) {
                h.clear();
            }
            let (status, body) = routes
                .iter()
                .find(|(p, _, _)| *p == path)
                .map(|(_, s, b)| (*s, b.clone()))
                .unwrap_or((404, "{}".into()));
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}")
}

fn fixture(slug: &str) -> String {
    std::fs::read_to_string(format!("{}/../../tests/fixtures/configs/{slug}.json", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn cli(endpoint: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lora-vram"))
        .args(args)
        .env("HF_ENDPOINT", endpoint)
        .env_remove("HF_TOKEN")
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn hf_id_fetches_the_config_and_handles_every_failure() {
    let endpoint = serve(vec![
        ("/Qwen/Qwen2.5-7B/resolve/main/config.json", 200, fixture("Qwen__Qwen2.5-7B")),
        ("/gated/model/resolve/main/config.json", 401, "{}".into()),
        ("/private/model/resolve/main/config.json", 403, "{}".into()),
        ("/broken/model/resolve/main/config.json", 200, "{\"model_type\": ".into()),
        ("/weird/arch/resolve/main/config.json", 200, r#"{"model_type": "mamba2", "hidden_size": 2560}"#.into()),
        (
            "/api/models/weird/arch",
            200,
            r#"{"safetensors": {"parameters": {"BF16": 2700000000}, "total": 2700000000}}"#.into(),
        ),
        ("/nocount/arch/resolve/main/config.json", 200, r#"{"model_type": "mamba2"}"#.into()),
    ]);

    // Success: the same estimate as the preset of the same model.
    let (code, fetched, err) = cli(&endpoint, &["estimate", "--json", "--hf-id", "Qwen/Qwen2.5-7B"]);
    assert_eq!(code, Some(0), "{err}");
    let (_, preset, _) = cli(&endpoint, &["estimate", "--json", "--model", "Qwen/Qwen2.5-7B"]);
    assert_eq!(fetched, preset, "fetched config and preset agree to the byte");

    // Exit 3: the id or its config is wrong; 4: it could not be read (gated, private).
    let failures: &[(&str, &str, i32)] = &[
        ("nobody/nothing", "404", 3),
        ("gated/model", "gated or private", 4),
        ("private/model", "HF_TOKEN", 4),
        ("broken/model", "not valid JSON", 3),
        ("nocount/arch", "mamba2", 3),
        ("https://evil.example/x", "owner/name", 3),
        ("../etc/passwd", "owner/name", 3),
    ];
    for (id, needle, status) in failures {
        let (code, _, err) = cli(&endpoint, &["estimate", "--hf-id", id]);
        assert_eq!(code, Some(*status), "{id}: {err}");
        assert!(err.contains(needle), "{id}: expected `{needle}` in {err}");
    }

    // An unknown architecture falls back to the Hub's exact parameter count, and says so.
    let (code, out, err) = cli(&endpoint, &["estimate", "--hf-id", "weird/arch"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("mamba2") && err.contains("2700000000"), "{err}");
    assert!(out.contains("inferred"), "{out}");
}

#[test]
fn hf_id_offline_says_so() {
    // A port with nothing listening: bind, read the port, drop the listener.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (code, _, err) = cli(&format!("http://127.0.0.1:{port}"), &["estimate", "--hf-id", "a/b"]);
    assert_eq!(code, Some(4), "unreadable, not invalid");
    assert!(err.contains("cannot reach") && err.contains("--hf-config"), "{err}");
}
