//! The engine crate's modules form layers that read one way, lowest first:
//!
//! `arn, net, policy, text → snapshot → flows, reason → finding, catalog → facts → report → rules →
//! engine → plan`
//!
//! A module may name modules of its own layer or below, never above: so no rule reads the
//! engine, and no two modules import each other across layers. Test code (`#[cfg(test)]` items
//! at the end of a file, `test_support.rs`) may reach up: the rules' tests run the engine.

use std::path::{Path, PathBuf};

const LAYERS: &[&[&str]] = &[
    &["arn", "net", "policy", "text"],
    &["snapshot"],
    &["flows", "reason"],
    &["finding", "catalog"],
    &["facts"],
    &["report"],
    &["rules"],
    &["engine"],
    &["plan"],
];

/// What `lib.rs` re-exports at the crate root, and the module each comes from.
const ROOT_REEXPORTS: &[(&str, &str)] = &[
    ("diagnose", "engine"),
    ("Finding", "finding"),
    ("Fix", "finding"),
    ("Severity", "finding"),
    ("Report", "report"),
    ("Snapshot", "snapshot"),
];

fn layer_of(module: &str) -> Option<usize> {
    let module = ROOT_REEXPORTS
        .iter()
        .find(|(name, _)| *name == module)
        .map_or(module, |(_, home)| home);
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its test module (by convention the last item of a file).
fn production_code(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests") {
        Some(start) => &text[..start],
        None => text,
    }
}

/// The top-level modules a piece of code names through `crate::NAME` or `$crate::NAME`.
fn named_modules(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

#[test]
fn every_module_names_only_its_own_layer_or_lower_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let mut violations = Vec::new();
    let mut checked = 0;
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let module = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if module == "lib" || relative.ends_with("test_support.rs") {
            continue;
        }
        let own = layer_of(&module)
            .unwrap_or_else(|| panic!("module `{module}` has no layer in LAYERS: add it"));
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains("crate::{"),
            "{}: name modules one by one (`use crate::module::…`), so this test sees them",
            relative.display()
        );
        for named in named_modules(production_code(&text)) {
            checked += 1;
            // `crate::declare_check!`, the one macro exported at the crate root.
            let Some(layer) = layer_of(&named) else {
                assert_eq!(
                    named,
                    "declare_check",
                    "{}: `crate::{named}`",
                    relative.display()
                );
                continue;
            };
            if layer > own {
                violations.push(format!(
                    "{} (layer of `{module}`) names `crate::{named}`, a higher layer",
                    relative.display()
                ));
            }
        }
    }
    assert!(checked > 100, "the scan found only {checked} references");
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_scan_sees_a_rule_that_reads_the_engine() {
    let code = "use crate::facts::Index;\nuse crate::engine::diagnose;\n#[cfg(test)]\nmod tests { use crate::plan::x; }";
    assert_eq!(named_modules(production_code(code)), ["facts", "engine"]);
}
