//! Parser throughput over a realistic mix of messages: mostly one-line
//! weighings and immunisations, some batches, some mistakes.
//!
//! `cargo bench -p posyandu-bot --bench parser -- --warm-up-time 1 --measurement-time 3`
//! Criterion reports `elem/s`: messages per second on one core.
use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use posyandu_bot::chat::parse;

const MESSAGES: &[&str] = &[
    "TIMBANG 48213 8,5 72",
    "T 48214 9,1 75",
    "timbang 48215 7,8 68 LILA 13,5",
    "TIMBANG Putu Ayu ibu Sari 8,5 72 kemarin",
    "T 48216 10,2 80 LK 46",
    "TIMBAMG 48217 8,9",
    "TIMBANG 48218 BB=11,4 TB 86",
    "TIMBANG 48219 6,4kg 63cm 10/11",
    "T 48220 12,0 89,5",
    "UKUR Kadek Dwi 9,8 77 tgl 28/11",
    "IMUN 48213 DPT2 polio3",
    "IMUN 48221 BCG polio1",
    "IMUNISASI Made Ayu HB0 10 nov",
    "IMUN 48222 MR1",
    "VITA 48213 biru",
    "VITA 48223 merah kemarin",
    "PERIKSA Sari K2 BB 55 LILA 24 HB 11,2 TD 120/80 TTD 30",
    "ANC Dewi K1 TD 110/70",
    "HAMIL Rina 10-06-2026 HP 081234567890",
    "LAHIR Sari, Budi L 20-11-2026 3200 49",
    "LAHIR Wayan Sari Putu Gede L kemarin 3,1kg",
    "DATANG Rina Putri P 03-04-2025 dari Bandung",
    "PINDAH 48213 ke Denpasar",
    "MENINGGAL 48224 kemarin",
    "CARI Putu Ayu",
    "JADWAL",
    "YA",
    "BATAL",
    "FORMAT TIMBANG",
    "TIMBANG 48213 8,5,3",
    "TIMBANG 48225",
    "Selamat pagi bu bidan",
    "TIMBANG 48213 8,5 72\nTIMBANG 48214 9,1 75\nTIMBANG 48215 7,8 68\nIMUN 48213 DPT2 polio3",
    "1. T 48226 8,5\n2. T 48227 9,1\n3. T 48228 10,4 81",
    "T\u{200B} 48229 8,5 72",
    "TIMBANG 48230 8,5 72 10 Februari 2026",
];

fn parser(c: &mut Criterion) {
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date");
    let mut group = c.benchmark_group("parser");
    group.throughput(Throughput::Elements(MESSAGES.len() as u64));
    group.bench_function("mix", |b| {
        b.iter(|| {
            for message in MESSAGES {
                black_box(parse(black_box(message), today));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, parser);
criterion_main!(benches);
