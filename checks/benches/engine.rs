//! `cargo bench -p ecr-pathcheck-checks`: the engine over a 1,000-service synthetic account.

mod synthetic;

use criterion::{Criterion, criterion_group, criterion_main};

fn engine(c: &mut Criterion) {
    let snapshot = synthetic::account();
    assert_eq!(snapshot.services.len(), 1000);
    assert_eq!(snapshot.vpc_endpoints.len(), 100);
    assert_eq!(
        snapshot
            .security_groups
            .iter()
            .map(|g| g.egress.len() + g.ingress.len())
            .sum::<usize>(),
        5020
    );
    let mut group = c.benchmark_group("engine");
    group.sample_size(20);
    group.bench_function("diagnose 1000 services, 20 VPCs, 100 endpoints", |b| {
        b.iter(|| ecr_pathcheck_checks::diagnose(&snapshot))
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
