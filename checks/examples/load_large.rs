//! Loads a 101,000-service snapshot, for time and peak-memory measurement of the loader:
//! `/usr/bin/time -v cargo run --release -p ecr-pathcheck-checks --example load_large [FILE]`.
//! With `--diagnose` it also runs the engine, holding the whole report, and writes the JSON
//! report to a sink, and times each phase; with `--each` it runs the engine one target at a time
//! (`engine::diagnose_each`, what the CLI's renderers stream from) and drops each target once
//! counted: the engine's own time and memory.
//!
//! The file (about 56 MB, of the current schema version) is written first, streamed so that
//! writing it costs no memory, then loaded with `snapshot::load_file` as `diagnose --snapshot`
//! does. FILE defaults to a file in the temporary directory, named after the schema version and
//! kept so that a second run measures the load alone; an existing FILE is only loaded.
//! `scripts/bench-large-snapshot.sh` times `diagnose` itself on it, in every output format.

use std::io::Write;
use std::path::PathBuf;

use ecr_pathcheck_checks::engine::Part;
use ecr_pathcheck_checks::snapshot;

const SERVICES: usize = 101_000;

fn write_snapshot(path: &std::path::Path) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let region = "us-east-1";
    let account = "111122223333";
    let version = snapshot::SCHEMA_VERSION;
    write!(
        out,
        r#"{{"schema_version":{version},"account_id":"{account}","region":"{region}","vpcs":[{{"id":"vpc-0a1","cidr_blocks":["10.0.0.0/16"],"enable_dns_support":true,"enable_dns_hostnames":true}}],"subnets":[{{"id":"subnet-private-a","vpc_id":"vpc-0a1","availability_zone":"us-east-1a","cidr_block":"10.0.1.0/24"}},{{"id":"subnet-private-b","vpc_id":"vpc-0a1","availability_zone":"us-east-1b","cidr_block":"10.0.2.0/24"}}],"security_groups":[{{"id":"sg-app","name":"app","vpc_id":"vpc-0a1","egress":[{{"rule_id":"sgr-0a1","protocol":"all","peer":"0.0.0.0/0"}}]}}],"task_definitions":[{{"arn":"arn:aws:ecs:{region}:{account}:task-definition/app:1","execution_role_arn":"arn:aws:iam::{account}:role/exec","containers":[{{"name":"app","image":"{account}.dkr.ecr.{region}.amazonaws.com/app:1","log_driver":"awslogs","log_options":{{"awslogs-group":"/ecs/app"}}}}]}}],"services":["#
    )?;
    for n in 0..SERVICES {
        if n > 0 {
            out.write_all(b",")?;
        }
        write!(
            out,
            r#"{{"arn":"arn:aws:ecs:{region}:{account}:service/prod/svc-{n:06}","name":"svc-{n:06}","cluster_arn":"arn:aws:ecs:{region}:{account}:cluster/prod","task_definition_arn":"arn:aws:ecs:{region}:{account}:task-definition/app:1","launch_type":"FARGATE","platform_version":"1.4.0","network":{{"subnet_ids":["subnet-private-a","subnet-private-b"],"security_group_ids":["sg-app"],"assign_public_ip":false}},"events":[{{"created_at":"2026-11-29T10:15:35Z","message":"(service svc-{n:06}) has started 1 tasks: (task 0f1e2d3c4b5a69788796a5b4c3d2e1f0)."}}]}}"#
        )?;
    }
    out.write_all(b"]}")?;
    out.flush()
}

fn main() {
    let diagnose = std::env::args().any(|arg| arg == "--diagnose");
    let each = std::env::args().any(|arg| arg == "--each");
    let path = std::env::args_os()
        .skip(1)
        .find(|arg| arg != "--diagnose" && arg != "--each")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!(
                "ecr-pathcheck-load-large-{SERVICES}-v{}.json",
                snapshot::SCHEMA_VERSION
            ))
        });
    let generated = path != std::path::Path::new("-") && !path.exists();
    if generated {
        write_snapshot(&path).expect("cannot write the snapshot");
    }
    let size = std::fs::metadata(&path).map_or(0, |metadata| metadata.len());
    let started = std::time::Instant::now();
    let snapshot = snapshot::load_file(&path).unwrap_or_else(|error| panic!("{error}"));
    let elapsed = started.elapsed();
    if generated {
        assert_eq!(snapshot.services.len(), SERVICES);
    }
    println!(
        "loaded {} services ({:.1} MB) in {:.2} s",
        snapshot.services.len(),
        size as f64 / 1e6,
        elapsed.as_secs_f64()
    );
    if diagnose {
        let started = std::time::Instant::now();
        let report = ecr_pathcheck_checks::diagnose(&snapshot);
        let engine = started.elapsed();
        let started = std::time::Instant::now();
        let mut sink = std::io::sink();
        serde_json::to_writer_pretty(&mut sink, &report).expect("the report serialises");
        println!(
            "diagnosed {} targets ({} findings) in {:.2} s, JSON report in {:.2} s",
            report.targets.len(),
            report.findings.len(),
            engine.as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
    }
    if each {
        let started = std::time::Instant::now();
        let (mut targets, mut findings) = (0, 0);
        let selection = ecr_pathcheck_checks::facts::Selection::default();
        let Ok(()) = ecr_pathcheck_checks::engine::diagnose_each(&snapshot, &selection, |part| {
            match part {
                Part::Account {
                    findings: account, ..
                } => findings += account.len(),
                Part::Target(_, target_findings) => {
                    targets += 1;
                    findings += target_findings.len();
                }
            }
            Ok::<(), std::convert::Infallible>(())
        });
        println!(
            "diagnosed {targets} targets ({findings} findings) one at a time in {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }
}
