//! Runs the engine once over the benchmark's synthetic account, for peak-memory measurement:
//! `/usr/bin/time -v cargo run --release -p ecr-pathcheck-checks --example synthetic_account`.

#[path = "../benches/synthetic.rs"]
mod synthetic;

fn main() {
    let snapshot = synthetic::account();
    let started = std::time::Instant::now();
    let report = ecr_pathcheck_checks::diagnose(&snapshot);
    let elapsed = started.elapsed();
    println!(
        "{} targets, {} findings ({} errors) in {:.1} ms",
        report.summary.targets,
        report.findings.len(),
        report.summary.errors,
        elapsed.as_secs_f64() * 1000.0
    );
}
