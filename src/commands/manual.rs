//! `ecr-pathcheck completions SHELL` and `ecr-pathcheck man`: generated from the clap
//! definitions, so they cannot drift from the parser.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;
use clap_mangen::Man;

use crate::cli::Cli;
use crate::output;

const BIN: &str = "ecr-pathcheck";

pub fn completions(shell: Shell) -> anyhow::Result<ExitCode> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut script);
    output::print(&String::from_utf8_lossy(&script)).context("cannot write the completions")?;
    Ok(ExitCode::SUCCESS)
}

/// Without a directory, the main page on standard output; with one, the main page and one page
/// per command (`ecr-pathcheck-diagnose.1`, ...), their paths on standard error.
pub fn man(out_dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let Some(dir) = out_dir else {
        output::print(&page(&command)).context("cannot write the manual page")?;
        return Ok(ExitCode::SUCCESS);
    };
    let mut commands = vec![command.clone()];
    commands.extend(
        command
            .get_subcommands()
            .filter(|c| !c.is_hide_set())
            .cloned(),
    );
    for command in &commands {
        let path = dir.join(Man::new(command.clone()).get_filename());
        let mut file = std::fs::File::create(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        file.write_all(page(command).as_bytes())
            .and_then(|()| file.flush())
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// clap_mangen's page (title in capitals, as man pages have it), with the `--help` epilogue as
/// sections of its own (`Examples:` as EXAMPLES, `Exit codes:` as EXIT STATUS) before VERSION,
/// kept preformatted: clap_mangen would fill the example lines into one paragraph.
fn page(command: &clap::Command) -> String {
    let name = command
        .get_display_name()
        .unwrap_or_else(|| command.get_name())
        .to_uppercase();
    let epilogue = command
        .get_after_long_help()
        .or_else(|| command.get_after_help())
        .map(|text| epilogue_sections(&text.to_string()))
        .unwrap_or_default();
    let bare = command
        .clone()
        .after_help(None::<&str>)
        .after_long_help(None::<&str>);
    let mut out = Vec::new();
    Man::new(bare)
        .title(name)
        .render(&mut out)
        .expect("writing to memory");
    let mut text = String::from_utf8(out).expect("roff is UTF-8");
    let at = text.find("\n.SH VERSION").map_or(text.len(), |at| at + 1);
    text.insert_str(at, &epilogue);
    text
}

fn epilogue_sections(epilogue: &str) -> String {
    let mut out = String::new();
    for block in epilogue.split("\n\n") {
        let mut lines = block.lines();
        let Some(first) = lines.next() else { continue };
        let (heading, body): (String, Vec<&str>) = match first.strip_suffix(':') {
            Some("Exit codes") => ("EXIT STATUS".into(), lines.collect()),
            Some(title) => (title.to_uppercase(), lines.collect()),
            None => ("NOTES".into(), block.lines().collect()),
        };
        out.push_str(&format!(".SH \"{}\"\n.nf\n", roff_escape(&heading)));
        for line in body {
            out.push_str(&roff_escape(line));
            out.push('\n');
        }
        out.push_str(".fi\n");
    }
    out
}

/// Text as roff shows it literally: backslashes and hyphens escaped, no line read as a request.
fn roff_escape(line: &str) -> String {
    let escaped = line.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_epilogue_becomes_preformatted_sections() {
        let text = epilogue_sections("Examples:\n  a --b\n  .c\n\nExit codes:\n  0  ok");
        assert_eq!(
            text,
            ".SH \"EXAMPLES\"\n.nf\n  a \\-\\-b\n  .c\n.fi\n.SH \"EXIT STATUS\"\n.nf\n  0  ok\n.fi\n"
        );
        assert_eq!(roff_escape(".x 'y' a\\b"), "\\&.x 'y' a\\eb");
    }

    #[test]
    fn every_command_has_a_page() {
        let mut command = Cli::command().disable_help_subcommand(true);
        command.build();
        let main = page(&command);
        assert!(main.contains("\n.TH ECR-PATHCHECK 1"), "{main}");
        let examples = main.find(".SH \"EXAMPLES\"").unwrap();
        assert!(examples < main.find(".SH \"EXIT STATUS\"").unwrap());
        assert!(main.find(".SH VERSION").unwrap() > examples);
        for sub in command.get_subcommands() {
            let text = page(sub);
            assert!(text.contains(".SH NAME"), "{}", sub.get_name());
            assert!(text.contains(".SH \"EXAMPLES\""), "{}", sub.get_name());
        }
    }
}
