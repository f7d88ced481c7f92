use ecr_pathcheck_checks::Finding;
use ecr_pathcheck_checks::report::Report;

pub fn render(report: &Report) -> String {
    let summary = &report.summary;
    let mut out = format!(
        "# ecr-pathcheck report\n\nAccount `{}`, region `{}`: {} target(s), {} blocked, {} unknown, {} ok; {} error(s), {} warning(s), {} info.\n",
        report.account_id,
        report.region,
        summary.targets,
        summary.blocked,
        summary.unknown,
        summary.ok,
        summary.errors,
        summary.warnings,
        summary.infos
    );
    for target in &report.targets {
        out.push_str(&format!(
            "\n## {:?} `{}`: {}\n\n`{}`\n\n",
            target.kind,
            target.name,
            target.verdict.as_str(),
            target.target
        ));
        if !target.flows.is_empty() {
            out.push_str("| flow | subnet | verdict | path | hops |\n|---|---|---|---|---|\n");
            for flow in &target.flows {
                let hops: Vec<String> = flow
                    .hops
                    .iter()
                    .map(|hop| format!("{:?}: {:?}", hop.hop, hop.status).to_lowercase())
                    .collect();
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    flow.flow.id(),
                    flow.subnet,
                    flow.verdict.as_str(),
                    flow.path,
                    hops.join(", ")
                ));
            }
        }
        let findings: Vec<_> = report
            .findings
            .iter()
            .filter(|finding| finding.target.as_deref() == Some(target.target.as_str()))
            .collect();
        for finding in findings {
            out.push_str(&finding_section(finding));
        }
    }
    let account_wide: Vec<_> = report
        .findings
        .iter()
        .filter(|finding| finding.target.is_none())
        .collect();
    if !account_wide.is_empty() {
        out.push_str("\n## Account-wide\n");
        for finding in account_wide {
            out.push_str(&finding_section(finding));
        }
    }
    out
}

fn finding_section(finding: &Finding) -> String {
    let mut out = format!(
        "\n### {} {} `{}`: {}\n\n",
        finding.severity.as_str(),
        finding.check,
        finding.name,
        finding.title
    );
    if let Some(flow) = finding.flow {
        out.push_str(&format!("Flow: `{}`. ", flow.id()));
    }
    if !finding.resources.is_empty() {
        let ids: Vec<String> = finding
            .resources
            .iter()
            .map(|id| format!("`{id}`"))
            .collect();
        out.push_str(&format!("Resources: {}.\n\n", ids.join(", ")));
    }
    out.push_str(&format!("{}\n", finding.detail));
    if let Some(fix) = &finding.fix {
        out.push_str(&format!(
            "\n```bash\n{}\n```\n\n```hcl\n{}\n```\n",
            fix.aws_cli, fix.terraform
        ));
    }
    out
}
