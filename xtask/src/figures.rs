//! `cargo xtask figures [--out DIR]`: writes every stretch's key poses as SVG files.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use limber_core::drawing;

/// Writes `<stretch>.svg` (its held or last pose) and `<stretch>-<pose>.svg` for every key pose
/// of every built-in stretch into `out`.
pub(crate) fn write(out: &Path) -> anyhow::Result<ExitCode> {
    let library = limber_content::Loader::builtin().build().context("loading the built-in content")?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut written = 0;
    for stretch in &library.stretches {
        let Some(figure) = &stretch.figure else { continue };
        for (i, pose) in figure.poses.iter().enumerate() {
            let title = format!("{}: {}", stretch.name, pose.name);
            let svg = drawing::svg(figure, &figure.key(i, None), &title);
            let slug = pose.name.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "-");
            let path = out.join(format!("{}-{slug}.svg", stretch.id));
            std::fs::write(&path, svg).with_context(|| format!("writing {}", path.display()))?;
            written += 1;
        }
        let last = figure.poses.len().saturating_sub(1);
        let title = format!("{}: {}", stretch.name, figure.poses[last].name);
        let path = out.join(format!("{}.svg", stretch.id));
        std::fs::write(&path, drawing::svg(figure, &figure.key(last, None), &title))
            .with_context(|| format!("writing {}", path.display()))?;
        written += 1;
    }
    println!("wrote {written} figures to {}", out.display());
    Ok(ExitCode::SUCCESS)
}
