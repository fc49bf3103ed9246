//! The man page each binary prints: clap's sections, with the environment variables it reads.

use std::io::Write;

use clap_mangen::roff::{Roff, bold, roman};

/// Writes `command`'s man page to `out` with an ENVIRONMENT section before VERSION: every
/// variable one of its options (or a subcommand's) reads, said with that option's help, then
/// `others`, the variables read elsewhere, as (name, what it does).
pub fn write(command: clap::Command, others: &[(&str, &str)], out: &mut dyn Write) -> std::io::Result<()> {
    let mut command = command;
    command.build();
    let mut variables: Vec<(String, String)> = Vec::new();
    read_by_options(&command, &mut variables);
    variables.extend(others.iter().map(|(name, text)| ((*name).to_owned(), (*text).to_owned())));
    let mut page = Vec::new();
    clap_mangen::Man::new(command).render(&mut page)?;
    let page = String::from_utf8_lossy(&page);
    let mut section = Roff::new();
    section.control("SH", ["ENVIRONMENT"]);
    for (name, text) in &variables {
        section.control("TP", []);
        section.text([bold(name.as_str())]);
        section.text([roman(text.as_str())]);
    }
    let at = page.find("\n.SH VERSION").map_or(page.len(), |i| i + 1);
    out.write_all(page[..at].as_bytes())?;
    // (Without the lines that set up apostrophes, which the page has already.)
    let section = section.render();
    out.write_all(&section.as_bytes()[section.find(".SH").unwrap_or(0)..])?;
    out.write_all(page[at..].as_bytes())
}

/// The variables `command`'s options and its subcommands' read, each once, in order.
fn read_by_options(command: &clap::Command, variables: &mut Vec<(String, String)>) {
    for arg in command.get_arguments() {
        let Some(name) = arg.get_env().map(|n| n.to_string_lossy().into_owned()) else { continue };
        if variables.iter().any(|(known, _)| *known == name) {
            continue;
        }
        let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
        let text = match arg.get_long() {
            Some(long) => format!("The same as --{long}: {help}"),
            None => help,
        };
        variables.push((name, text));
    }
    for sub in command.get_subcommands() {
        read_by_options(sub, variables);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_environment_section_names_every_variable_an_option_reads_and_those_given() {
        let command = clap::Command::new("demo")
            .version("1.0")
            .arg(clap::Arg::new("dir").long("dir").env("DEMO_DIR").help("Where it keeps things"))
            .subcommand(clap::Command::new("sub").arg(clap::Arg::new("n").long("n").env("DEMO_N").help("How many")));
        let mut page = Vec::new();
        super::write(command, &[("DEMO_LOG", "What it logs")], &mut page).expect("written");
        let page = String::from_utf8(page).expect("utf-8");
        let environment = page.find(".SH ENVIRONMENT").expect("an ENVIRONMENT section");
        assert!(environment < page.find(".SH VERSION").expect("a VERSION section"), "before VERSION:\n{page}");
        let section = &page[environment..];
        for said in ["DEMO_DIR", "The same as \\-\\-dir: Where it keeps things", "DEMO_N", "DEMO_LOG", "What it logs"] {
            assert!(section.contains(said), "{said}:\n{section}");
        }
    }
}
