//! Checks no compiler makes: module docs, no unsafe, a pure core, no ignored tests.

use std::path::{Path, PathBuf};

use limber_tests::workspace_root;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if !path.ends_with("target") && !path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn all_rust_files() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["crates", "tests", "xtask"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 10, "found the sources");
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_rust_file_starts_with_a_module_doc() {
    for path in all_rust_files() {
        let text = read(&path);
        assert!(text.starts_with("//!"), "{} must start with a `//!` line saying what it owns", path.display());
    }
}

#[test]
fn every_crate_forbids_unsafe_code() {
    let root = workspace_root();
    let mut roots = vec![root.join("xtask/src/main.rs"), root.join("tests/src/lib.rs")];
    for entry in std::fs::read_dir(root.join("crates")).expect("crates dir").flatten() {
        for file in ["src/lib.rs", "src/main.rs"] {
            let path = entry.path().join(file);
            if path.exists() {
                roots.push(path);
            }
        }
    }
    for path in roots {
        assert!(read(&path).contains("#![forbid(unsafe_code)]"), "{} lacks #![forbid(unsafe_code)]", path.display());
    }
}

#[test]
fn the_core_does_no_io_and_reads_no_clock() {
    let mut files = Vec::new();
    rust_files(&workspace_root().join("crates/core/src"), &mut files);
    assert!(files.len() > 5, "found the core's sources: {files:?}");
    let banned = [
        "std::fs",
        "std::net",
        "std::io",
        "Instant::now",
        "SystemTime",
        "thread::sleep",
        "std::thread",
        "tokio",
        "std::env",
        "println!",
        "eprintln!",
    ];
    // Also as a path segment, however it was imported (`use std::{fs, io}` then `fs::read`).
    let modules = ["fs::", "io::", "net::", "env::", "thread::", "process::"];
    for path in files {
        let text = read(&path);
        for word in banned {
            assert!(!text.contains(word), "{} uses `{word}`; limber-core must stay pure", path.display());
        }
        for (at, module) in modules.iter().flat_map(|m| text.match_indices(m)) {
            let segment_starts = text[..at].chars().next_back().is_none_or(|c| !c.is_alphanumeric() && c != '_');
            assert!(!segment_starts, "{} uses `{module}`; limber-core must stay pure", path.display());
        }
    }
    let manifest = read(&workspace_root().join("crates/core/Cargo.toml"));
    let deps = manifest.split("[dependencies]").nth(1).and_then(|s| s.split("\n[").next()).unwrap_or("");
    for dep in deps.lines().filter_map(|l| l.split(['.', ' ', '=']).next()).filter(|d| !d.is_empty()) {
        assert!(["serde", "thiserror"].contains(&dep), "limber-core may not depend on `{dep}`");
    }
}

#[test]
fn no_test_is_ignored() {
    for path in all_rust_files() {
        if path.ends_with("tidy.rs") {
            continue;
        }
        assert!(!read(&path).contains("#[ignore"), "{} ignores a test", path.display());
    }
}
