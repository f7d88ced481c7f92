#!/usr/bin/env python3
"""Writes the skeleton of a new check: its rule file (documentation headings, the entry point of
its kind, a good and a bad test that fail until written), its `pub mod` line and its table line
in `checks/src/rules/registry.rs`.

    python3 scripts/new-check.py PC399 route-table-orphaned route_table_orphaned \\
        --severity Error --table INTERNET_PATH --hop Route --after route_target

Then follow docs/development.md ("Adding a check"): write the check, its tests, its scenario.
Exit 2 with one line on a bad argument or when the id, name or module already exists.
"""

import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
RULES = ROOT / "checks" / "src" / "rules"

# table name → (signature, how the table line reads, the imports the file needs)
KINDS = {
    "hop": (
        "pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {\n"
        "    // Answer only where the check applies: match the sites it judges, None elsewhere.\n"
        "    let _ = (context, site);\n"
        "    None\n"
        "}\n",
        "    hop(Hop::{hop}, &{module}::CHECK, {module}::check),\n",
        "use crate::facts::{PathContext, Site, Verdict};\n",
    ),
    "carrier": (
        "pub fn check(context: &PathContext, carrier: &Carrier) -> Vec<Verdict> {\n"
        "    // One verdict per resource judged on the path that carries the flow.\n"
        "    let _ = (context, carrier);\n"
        "    Vec::new()\n"
        "}\n",
        "    (Hop::{hop}, Step {{ check: &{module}::CHECK, run: {module}::check }}),\n",
        "use crate::facts::{Carrier, PathContext, Verdict};\n",
    ),
    "target": (
        "pub fn check(facts: &TargetFacts) -> Vec<Finding> {\n"
        "    // A finding of the target as a whole; an error blocks it.\n"
        "    let _ = facts;\n"
        "    Vec::new()\n"
        "}\n",
        "    Step {{ check: &{module}::CHECK, run: {module}::check }},\n",
        "use crate::facts::TargetFacts;\nuse crate::finding::Finding;\n",
    ),
}

TABLES = {
    "INTERFACE_ENDPOINT_PATH": None,  # its lines wrap a hop: add by hand (see the file)
    "ENDPOINT_INTERFACE_HOPS": "hop",
    "GATEWAY_ENDPOINT_PATH": "hop",
    "INTERNET_PATH": "hop",
    "INTERNET6_PATH": "hop",
    "ROUTE_ONLY_PATH": "hop",
    "MISSING_ENDPOINT_PATH": "hop",
    "NOWHERE_PATH": "hop",
    "PRIVATE_ZONE_PATH": "hop",
    "CARRIER_HOPS": "carrier",
    "TARGET_CHECKS": "target",
    "TARGET_EVIDENCE": "target",
}

HOPS = ["Dns", "Endpoint", "Route", "Gateway", "TaskEgress", "TaskNaclOutbound", "TaskNaclReturn",
        "EndpointNaclInbound", "EndpointNaclReturn", "EndpointIngress", "Policy", "Iam", "Image"]


def fail(message):
    print(f"new-check: {message}", file=sys.stderr)
    sys.exit(2)


def rule_file(check_id, name, severity, kind):
    entry, _, imports = KINDS[kind]
    return f"""use crate::declare_check;
{imports}
declare_check! {{
    /// ## What it does
    /// TODO: what the check reads and on which hop it decides.
    ///
    /// ## Why is this bad
    /// TODO: what the task does when it fires (its stopped reason), and the AWS documentation
    /// that says so.
    ///
    /// ## Example
    /// TODO: the smallest configuration that fires it.
    ///
    /// ## Fix
    /// TODO: what to change (the finding gives the AWS CLI and Terraform).
    pub static CHECK = ("{check_id}", "{name}", {severity});
}}

{entry}
#[cfg(test)]
mod tests {{
    use crate::rules::test_support::{{findings_of, scenario}};

    #[test]
    fn a_healthy_account_raises_nothing() {{
        let snapshot = scenario("healthy-endpoints");
        assert!(findings_of(&snapshot, "{check_id}").is_empty());
    }}

    #[test]
    fn the_fault_it_exists_for_is_reported() {{
        let snapshot = scenario("healthy-endpoints");
        // TODO: change `snapshot` in code so that the check fires, then assert on the finding's
        // severity, resources and title.
        let findings = findings_of(&snapshot, "{check_id}");
        assert_eq!(findings.len(), 1, "{{findings:#?}}");
    }}
}}
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("id", help="PCnnn, unused")
    parser.add_argument("name", help="kebab-case name, unused")
    parser.add_argument("module", help="snake_case file name in checks/src/rules/")
    parser.add_argument("--severity", choices=["Error", "Warning", "Info"], default="Error")
    parser.add_argument("--table", choices=sorted(TABLES), required=True)
    parser.add_argument("--hop", choices=HOPS, help="the hop it answers for (path and carrier tables)")
    parser.add_argument("--after", metavar="MODULE", help="put the table line after the line of this check's module (the table's order is the report's)")
    args = parser.parse_args()

    if not re.fullmatch(r"PC\d{3}", args.id):
        fail(f"id {args.id!r} is not PC followed by three digits")
    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", args.name):
        fail(f"name {args.name!r} is not kebab-case")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", args.module):
        fail(f"module {args.module!r} is not snake_case")
    kind = TABLES[args.table]
    if kind is None:
        fail(f"{args.table} wraps its lines (InterfaceStep::Endpoint(...)): add the line by hand")
    if kind != "target" and not args.hop:
        fail(f"--hop is needed for {args.table}")
    target = RULES / f"{args.module}.rs"
    if target.exists():
        fail(f"{target.relative_to(ROOT)} exists already")
    for existing in RULES.glob("*.rs"):
        text = existing.read_text()
        if f'("{args.id}"' in text or f'"{args.name}"' in text:
            fail(f"{args.id} or {args.name} is declared already in {existing.name}")

    mod_rs = RULES / "mod.rs"
    lines = mod_rs.read_text().splitlines(keepends=True)
    mods = [i for i, line in enumerate(lines) if re.match(r"(pub )?mod \w+;", line)]
    insert_at = next((i for i in mods if line_module(lines[i]) > args.module), mods[-1] + 1)
    lines.insert(insert_at, f"pub mod {args.module};\n")

    registry = RULES / "registry.rs"
    text = registry.read_text()
    start = text.find(f" {args.table}: ")
    if start < 0:
        fail(f"table {args.table} not found in registry.rs")
    end = text.find("];", start)
    line = KINDS[kind][1].format(module=args.module, hop=args.hop)
    # A one-line table (`&[x];`) becomes a multi-line one.
    body = text[text.find("&[", start) + 2:end]
    if "\n" not in body:
        body = "\n    " + body.strip() + (",\n" if body.strip() else "")
        text = text[:text.find("&[", start) + 2] + body + text[end:]
        end = text.find("];", start)
    if args.after:
        after = text.find(f"{args.after}::", start)
        if after < 0 or after > end:
            fail(f"--after {args.after}: no line of that module in {args.table}")
        at = text.find("\n", after) + 1
        text = text[:at] + line + text[at:]
    else:
        text = text[:end] + line + text[end:]

    target.write_text(rule_file(args.id, args.name, args.severity, kind))
    mod_rs.write_text("".join(lines))
    registry.write_text(text)
    print(f"wrote {target.relative_to(ROOT)}; added `pub mod {args.module};` and a line to {args.table}")
    print("next: docs/development.md, \"Adding a check\" (write it, its tests, its scenario; bless the docs)")


def line_module(line):
    return line.split("mod ", 1)[1].rstrip(";\n")


if __name__ == "__main__":
    main()
