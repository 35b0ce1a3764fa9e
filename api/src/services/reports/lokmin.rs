//! The lokakarya mini pack of a puskesmas for a quarter: every indicator
//! against its target with its three months and the previous quarter, the
//! gaps ranked, the posyandu furthest off, the follow-up plan (RTL) of the
//! previous quarter with its status, and the charts for the slides.
//!
//! A quarter's value pools its months (Σ numerators / Σ denominators), so
//! a month with few children weighs less than a full one. Gaps are ranked
//! by their size relative to the target ([`rules::relative_gap`]): a
//! prevalence 4 points over a 14 % target comes before a coverage 5 points
//! under 85 %. Posyandu aktif is a yearly figure and is in the institution
//! report, not here.
use std::collections::HashMap;

use openapi::reports::{
    AreaValue, Indicator, LokminCharts, LokminIndicator, LokminPack, Measure, SkdnCounts,
};
use openapi::{AreaKind, Scope};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{Directory, ReportScope, Tally};
use crate::auth::Principal;
use crate::domain::reports::{self as rules, Month, Quarter, Targets};
use crate::error::ApiResult;
use crate::render::charts::{self, BarGroup, CoverageBar, Series};

/// Posyandu listed under an indicator as furthest from its target.
const WORST: usize = 5;

/// (numerator, denominator) of each indicator.
type Parts = HashMap<Indicator, (i64, i64)>;

fn parts_of(measures: impl IntoIterator<Item = Measure>, into: &mut Parts) {
    for m in measures {
        let slot = into.entry(m.indicator).or_default();
        slot.0 += m.numerator;
        slot.1 += m.denominator;
    }
}

/// Per posyandu, the parts of every indicator in one month.
async fn month_parts(
    db: &DatabaseConnection,
    scope: &ReportScope,
    month: Month,
    nutrition: &HashMap<Uuid, openapi::reports::NutritionCounts>,
    targets: &Targets,
) -> ApiResult<(HashMap<Uuid, Parts>, HashMap<Uuid, SkdnCounts>)> {
    let (skdn, maternal, (immunisation, _)) = futures_util::future::try_join3(
        super::skdn::per_posyandu(db, scope, month),
        super::maternal::per_posyandu(db, scope, (month.first_day(), month.last_day())),
        super::immunisation::per_posyandu(db, scope, month),
    )
    .await?;
    let mut out: HashMap<Uuid, Parts> = HashMap::new();
    let mut skdn_totals = HashMap::new();
    for (id, groups) in &skdn {
        let mut counts = SkdnCounts::default();
        for c in groups.values() {
            super::skdn::add(&mut counts, c);
        }
        parts_of(
            rules::skdn_measures(&counts, targets),
            out.entry(*id).or_default(),
        );
        skdn_totals.insert(*id, counts);
    }
    for (id, c) in nutrition {
        parts_of(
            super::nutrition::measures(c, targets),
            out.entry(*id).or_default(),
        );
    }
    for (id, c) in &maternal {
        parts_of(
            super::maternal::measures(c, targets),
            out.entry(*id).or_default(),
        );
    }
    for (id, f) in &immunisation {
        parts_of(
            super::immunisation::measures(&f.counts, targets),
            out.entry(*id).or_default(),
        );
    }
    Ok((out, skdn_totals))
}

fn pooled(parts: &[&Parts], indicator: Indicator) -> (i64, i64) {
    parts
        .iter()
        .filter_map(|p| p.get(&indicator))
        .fold((0, 0), |(n, d), (pn, pd)| (n + pn, d + pd))
}

fn value((n, d): (i64, i64)) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

/// The indicators of the pack.
pub fn indicators() -> impl Iterator<Item = Indicator> {
    Indicator::ALL
        .into_iter()
        .filter(|i| *i != Indicator::PosyanduAktif)
}

pub async fn pack(
    db: &DatabaseConnection,
    principal: &Principal,
    puskesmas_id: Uuid,
    quarter: Quarter,
) -> ApiResult<LokminPack> {
    principal.require(Scope::ReadReports)?;
    let post = super::rtl::visible_puskesmas(db, principal, puskesmas_id).await?;
    let scope = super::scope(db, principal, Some(&post.kode), Some(AreaKind::Posyandu)).await?;
    let months = quarter.months();
    let previous = quarter.previous();
    let last = months[2];
    let six: Vec<Month> = previous.months().into_iter().chain(months).collect();
    let window = last.window(super::nutrition::TREND_MONTHS);
    let link = format!("/api/v1/reports/skdn?month={last}");
    let (directory, targets, nutrition) = futures_util::future::try_join3(
        Directory::load(db, &scope, link),
        super::targets::in_force(db, &scope.area, last.year),
        super::nutrition::per_posyandu(db, &scope, &window),
    )
    .await?;
    // Month by month: two SQL reads of SKDN, three maternal, four
    // immunisation each; a puskesmas is small enough to do them in turn.
    let mut by_month: Vec<HashMap<Uuid, Parts>> = Vec::new();
    let mut last_skdn = HashMap::new();
    for month in &six {
        let index = window.iter().position(|m| m == month).unwrap_or(0);
        let nutrition_of_month = nutrition
            .iter()
            .map(|(id, months)| (*id, months[index].clone()))
            .collect();
        let (parts, skdn) = month_parts(db, &scope, *month, &nutrition_of_month, &targets).await?;
        by_month.push(parts);
        last_skdn = skdn;
    }
    let sum_month = |m: &HashMap<Uuid, Parts>| -> Parts {
        let mut total = Parts::new();
        for p in m.values() {
            for (k, (n, d)) in p {
                let slot = total.entry(*k).or_default();
                slot.0 += n;
                slot.1 += d;
            }
        }
        total
    };
    let totals: Vec<Parts> = by_month.iter().map(sum_month).collect();
    let (before, now) = (&totals[..3], &totals[3..]);
    let mut list = Vec::new();
    for indicator in indicators() {
        let (n, d) = pooled(&now.iter().collect::<Vec<_>>(), indicator);
        let quarter_measure = rules::measure(indicator, n, d, &targets);
        let previous_value = value(pooled(&before.iter().collect::<Vec<_>>(), indicator));
        let target = targets.get(indicator);
        let mut worst: Vec<(f64, AreaValue)> = directory
            .places()
            .filter_map(|place| {
                let parts: Vec<&Parts> = by_month[3..]
                    .iter()
                    .filter_map(|m| m.get(&place.id))
                    .collect();
                let (pn, pd) = pooled(&parts, indicator);
                let v = value((pn, pd))?;
                let gap = rules::gap(indicator, v, target);
                (gap > 0.0).then(|| {
                    (
                        gap,
                        AreaValue {
                            area: directory.report_area(
                                AreaKind::Posyandu,
                                &place.kode,
                                place.name.clone(),
                            ),
                            value: Some(v),
                            numerator: pn,
                            denominator: pd,
                        },
                    )
                })
            })
            .collect();
        worst.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| a.1.area.code.cmp(&b.1.area.code))
        });
        list.push(LokminIndicator {
            indicator,
            label: indicator.label().to_owned(),
            higher_is_better: indicator.higher_is_better(),
            months: now
                .iter()
                .map(|p| value(p.get(&indicator).copied().unwrap_or_default()))
                .collect(),
            previous_quarter: previous_value,
            trend: rules::trend(indicator, quarter_measure.value, previous_value),
            gap: quarter_measure
                .value
                .map(|v| rules::gap(indicator, v, target)),
            worst: worst.into_iter().take(WORST).map(|(_, a)| a).collect(),
            quarter: quarter_measure,
        });
    }
    let mut gaps: Vec<(f64, Indicator)> = list
        .iter()
        .filter(|i| i.quarter.met == Some(false))
        .filter_map(|i| {
            let v = i.quarter.value?;
            Some((
                rules::relative_gap(i.indicator, v, targets.get(i.indicator)),
                i.indicator,
            ))
        })
        .collect();
    gaps.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let (previous_rtl, rtl) = futures_util::future::try_join(
        super::rtl::list(db, principal, puskesmas_id, Some(previous)),
        super::rtl::list(db, principal, puskesmas_id, Some(quarter)),
    )
    .await?;
    let charts = LokminCharts {
        skdn: skdn_chart(&directory, &last_skdn, &post.name, last),
        stunting_trend: stunting_chart(&directory, &nutrition, &window, &targets, &post.name),
        coverage: coverage_chart(&list, &post.name, quarter),
    };
    let mut puskesmas = directory.report_area(AreaKind::Puskesmas, &post.kode, post.name.clone());
    puskesmas.drill = None;
    Ok(LokminPack {
        puskesmas,
        quarter: quarter.to_string(),
        months: months.iter().map(Month::to_string).collect(),
        previous_quarter: previous.to_string(),
        indicators: list,
        gaps: gaps.into_iter().map(|(_, i)| i).collect(),
        previous_rtl,
        rtl,
        charts,
    })
}

/// S, K, D, N bars per posyandu for the quarter's last month.
fn skdn_chart(
    directory: &Directory,
    skdn: &HashMap<Uuid, SkdnCounts>,
    name: &str,
    month: Month,
) -> String {
    let mut places: Vec<_> = directory.places().collect();
    places.sort_by(|a, b| a.kode.cmp(&b.kode));
    let groups: Vec<BarGroup> = places
        .iter()
        .map(|p| {
            let c = skdn.get(&p.id).cloned().unwrap_or_default();
            BarGroup {
                label: p.name.clone(),
                values: [c.s, c.k, c.d, c.n].map(|x| x as f64).to_vec(),
            }
        })
        .collect();
    charts::grouped_bars(
        &format!("SKDN {name} {month}"),
        &["S", "K", "D", "N"],
        &groups,
    )
}

/// The puskesmas's stunting prevalence over 12 months, with its target.
fn stunting_chart(
    directory: &Directory,
    nutrition: &HashMap<Uuid, Vec<openapi::reports::NutritionCounts>>,
    window: &[Month],
    targets: &Targets,
    name: &str,
) -> String {
    let mut totals = vec![openapi::reports::NutritionCounts::default(); window.len()];
    for place in directory.places() {
        if let Some(months) = nutrition.get(&place.id) {
            for (slot, c) in totals.iter_mut().zip(months) {
                slot.add(c);
            }
        }
    }
    let points = totals
        .iter()
        .map(|c| value((c.stunting, c.measured_length)))
        .collect();
    charts::trend_line(
        &format!("Prevalensi stunting {name}"),
        &window.iter().map(Month::to_string).collect::<Vec<_>>(),
        &[Series {
            name: "Stunting".to_owned(),
            points,
        }],
        Some(targets.get(Indicator::Stunting)),
        true,
    )
}

/// Each indicator of the quarter against its target.
pub fn coverage_chart(list: &[LokminIndicator], name: &str, quarter: Quarter) -> String {
    let bars: Vec<CoverageBar> = list
        .iter()
        .map(|i| CoverageBar {
            label: i.label.clone(),
            value: i.quarter.value,
            target: i.quarter.target,
            higher_is_better: i.higher_is_better,
        })
        .collect();
    charts::coverage_against_target(&format!("Capaian {name} {quarter}"), &bars)
}
