//! Throughput of the z-score engine: full records (every indicator) per
//! second on one core.
//!
//!     cargo bench -p posyandu-api --bench zscores
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use openapi::growth::{Position, Sex};
use posyandu_api::domain::growth::{self, Measurement};

/// 10,000 varied children: every age, both sexes, both positions.
fn records() -> Vec<Measurement> {
    (0..10_000u32)
        .map(|i| {
            let age_days = (i as i64 * 7919) % 1827;
            let months = age_days as f64 / 30.4375;
            Measurement {
                sex: if i % 2 == 0 { Sex::L } else { Sex::P },
                age_days,
                weight_kg: Some(3.3 + 0.25 * months + (i % 13) as f64 * 0.1),
                length_cm: Some(
                    50.0 + 1.1 * months.min(24.0)
                        + 0.55 * (months - 24.0).max(0.0)
                        + (i % 7) as f64 * 0.3,
                ),
                position: Some(if age_days < 731 {
                    Position::Lying
                } else {
                    Position::Standing
                }),
                head_cm: Some(35.0 + 0.3 * months.min(30.0)),
                muac_cm: Some(13.0 + (i % 20) as f64 * 0.1),
                oedema: false,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    growth::preload();
    let records = records();
    let mut group = c.benchmark_group("zscores");
    group.throughput(Throughput::Elements(records.len() as u64));
    group.bench_function("full record, all six indicators", |b| {
        b.iter(|| {
            let mut sum = 0.0;
            for m in &records {
                let a = growth::assess(std::hint::black_box(m));
                sum += a.z.wfa.unwrap_or(0.0) + a.z.wflh.unwrap_or(0.0);
            }
            sum
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
