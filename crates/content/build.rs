//! Compiles the built-in RON content into a binary snapshot, so binaries start without parsing RON.
//!
//! The snapshot is the built-in files merged in order; `Loader::builtin()` still parses and
//! validates the same files (used by `cargo xtask content check` and to layer user content), and
//! a test checks that both give the same library.

#[path = "src/document.rs"]
#[allow(dead_code, unreachable_pub)]
mod document;

use std::path::Path;

use limber_core::Library;

const FILES: &[&str] = &["guidance", "screening", "stretches", "alternatives", "routines"];

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    let mut merged = document::Document::default();
    for name in FILES {
        let path = root.join(format!("{name}.ron"));
        println!("cargo::rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
        let doc: document::Document = document::options()
            .from_str(&text)
            .unwrap_or_else(|e| fail(&format!("content/{name}.ron:{e} (run `cargo xtask content check`)")));
        merged.source = doc.source.or(merged.source);
        merged.warm_up = doc.warm_up.or(merged.warm_up);
        merged.advice = doc.advice.or(merged.advice);
        merged.background.extend(doc.background);
        merged.precautions.extend(doc.precautions);
        merged.tips.extend(doc.tips);
        merged.faq.extend(doc.faq);
        merged.screening.extend(doc.screening);
        merged.stretches.extend(doc.stretches);
        merged.routines.extend(doc.routines);
    }
    merged.screening.sort_by_key(|q| q.level);
    let library = Library {
        source: merged.source.unwrap_or_else(|| fail("no built-in file defines `source`")),
        background: merged.background,
        warm_up: merged.warm_up.unwrap_or_else(|| fail("no built-in file defines `warm_up`")),
        advice: merged.advice.unwrap_or_else(|| fail("no built-in file defines `advice`")).into(),
        precautions: merged.precautions,
        tips: merged.tips,
        faq: merged.faq,
        screening: merged.screening.into(),
        stretches: merged.stretches.into_iter().map(std::sync::Arc::new).collect(),
        routines: merged.routines,
    };
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|e| fail(&e.to_string()))).to_owned();
    let bytes = postcard::to_allocvec(&library).unwrap_or_else(|e| fail(&e.to_string()));
    std::fs::write(out.join("builtin.postcard"), bytes).unwrap_or_else(|e| fail(&e.to_string()));
    // The stretches alone, as a list shows them: `limber list` reads these, not the library.
    let bytes = postcard::to_allocvec(&library.entries()).unwrap_or_else(|e| fail(&e.to_string()));
    std::fs::write(out.join("builtin-entries.postcard"), bytes).unwrap_or_else(|e| fail(&e.to_string()));
}

fn fail(message: &str) -> ! {
    eprintln!("error: the built-in content does not build: {message}");
    std::process::exit(1);
}
