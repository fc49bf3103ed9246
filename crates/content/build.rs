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
    let mut docs = Vec::new();
    for name in FILES {
        let path = root.join(format!("{name}.ron"));
        println!("cargo::rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
        let doc: document::Document = ron::from_str(&text)
            .unwrap_or_else(|e| fail(&format!("content/{name}.ron:{e} (run `cargo xtask content check`)")));
        docs.push(doc);
    }
    let mut source = None;
    let mut warm_up = None;
    let mut advice = None;
    let mut library = Library {
        source: limber_core::SourceCredit {
            title: String::new(),
            subtitle: None,
            author: String::new(),
            note: String::new(),
            also: Vec::new(),
        },
        background: Vec::new(),
        warm_up: limber_core::WarmUp {
            minutes: limber_core::DoseRange::new(1, 1).unwrap_or_else(|e| fail(&e.to_string())),
            activities: Vec::new(),
            why: String::new(),
        },
        advice: limber_core::Advice {
            emergency: String::new(),
            see_clinician: String::new(),
            sharp_pain: String::new(),
            too_much: String::new(),
            discomfort: String::new(),
            breathe: String::new(),
        },
        precautions: Vec::new(),
        tips: Vec::new(),
        faq: Vec::new(),
        screening: Vec::new(),
        stretches: Vec::new(),
        routines: Vec::new(),
    };
    for doc in docs {
        source = doc.source.or(source);
        warm_up = doc.warm_up.or(warm_up);
        advice = doc.advice.or(advice);
        library.background.extend(doc.background);
        library.precautions.extend(doc.precautions);
        library.tips.extend(doc.tips);
        library.faq.extend(doc.faq);
        library.screening.extend(doc.screening);
        library.stretches.extend(doc.stretches);
        library.routines.extend(doc.routines);
    }
    library.source = source.unwrap_or_else(|| fail("no built-in file defines `source`"));
    library.warm_up = warm_up.unwrap_or_else(|| fail("no built-in file defines `warm_up`"));
    library.advice = advice.unwrap_or_else(|| fail("no built-in file defines `advice`"));
    library.screening.sort_by_key(|q| q.level);
    let bytes = postcard::to_allocvec(&library).unwrap_or_else(|e| fail(&e.to_string()));
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|e| fail(&e.to_string()))).join("builtin.postcard");
    std::fs::write(&out, bytes).unwrap_or_else(|e| fail(&e.to_string()));
}

fn fail(message: &str) -> ! {
    eprintln!("error: the built-in content does not build: {message}");
    std::process::exit(1);
}
