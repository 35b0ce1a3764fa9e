//! The arithmetic of the reports, apart from the queries that feed it:
//! periods (months and quarters), ratios against targets, the F1 gizi age
//! groups, posyandu strata, and how the lokakarya mini ranks its gaps.
use chrono::{Datelike, Months, NaiveDate};
use openapi::reports::{AgeGroup, Indicator, Measure, SkdnCounts, Strata, Trend};

// ------------------------------------------------------------- periods

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1–12.
    pub month: u32,
}

impl Month {
    /// `2026-11`; years 2000–2100, so that a typo is an error, not a query
    /// for the year 20026.
    pub fn parse(text: &str) -> Option<Month> {
        let (year, month) = text.trim().split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        let (year, month) = (year.parse().ok()?, month.parse().ok()?);
        ((2000..=2100).contains(&year) && (1..=12).contains(&month))
            .then_some(Month { year, month })
    }

    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("a parsed month has a first day")
    }

    pub fn last_day(self) -> NaiveDate {
        self.next()
            .first_day()
            .pred_opt()
            .expect("not the first day ever")
    }

    pub fn next(self) -> Month {
        self.plus(1)
    }

    pub fn previous(self) -> Month {
        self.plus(-1)
    }

    pub fn plus(self, months: i32) -> Month {
        let index = self.year * 12 + self.month as i32 - 1 + months;
        Month {
            year: index.div_euclid(12),
            month: index.rem_euclid(12) as u32 + 1,
        }
    }

    /// The `count` months ending with this one, oldest first.
    pub fn window(self, count: u32) -> Vec<Month> {
        (0..count as i32)
            .rev()
            .map(|back| self.plus(-back))
            .collect()
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A calendar quarter, `2026-Q4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    /// 1–4.
    pub quarter: u32,
}

impl Quarter {
    pub fn parse(text: &str) -> Option<Quarter> {
        let (year, q) = text.trim().split_once("-Q")?;
        let (year, quarter): (i32, u32) = (year.parse().ok()?, q.parse().ok()?);
        ((2000..=2100).contains(&year) && (1..=4).contains(&quarter) && q.len() == 1)
            .then_some(Quarter { year, quarter })
    }

    pub fn of(month: Month) -> Quarter {
        Quarter {
            year: month.year,
            quarter: (month.month - 1) / 3 + 1,
        }
    }

    pub fn months(self) -> [Month; 3] {
        let first = Month {
            year: self.year,
            month: (self.quarter - 1) * 3 + 1,
        };
        [first, first.plus(1), first.plus(2)]
    }

    pub fn previous(self) -> Quarter {
        Quarter::of(self.months()[0].previous())
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-Q{}", self.year, self.quarter)
    }
}

// ------------------------------------------------------------- targets

/// The national defaults, used until a district sets its own (`PUT
/// /targets/{kabupaten}/{year}`). SKDN targets are those of DOMAIN
/// (K/S 80 %, D/S 85 %, N/D 80 %); the others follow the national
/// strategic plan's end-of-period targets and are meant to be replaced by
/// each district's own.
pub fn default_target(indicator: Indicator) -> f64 {
    match indicator {
        Indicator::Ks => 0.80,
        Indicator::Ds => 0.85,
        Indicator::Nd => 0.80,
        Indicator::Dk => 0.90,
        Indicator::Stunting => 0.14,
        Indicator::Wasting => 0.07,
        Indicator::Underweight => 0.10,
        Indicator::Overweight => 0.03,
        Indicator::K1 => 0.98,
        Indicator::K1FirstTrimester => 0.85,
        Indicator::K4 => 0.95,
        Indicator::K6 => 0.80,
        Indicator::Kek => 0.10,
        Indicator::Anaemia => 0.20,
        Indicator::LowBirthWeight => 0.06,
        Indicator::Idl => 0.90,
        Indicator::DropoutDptMr => 0.05,
        Indicator::VitaminA => 0.90,
        Indicator::PosyanduAktif => 0.60,
    }
}

/// The targets in force: a district's own where set, else the default.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    own: std::collections::HashMap<Indicator, f64>,
}

impl Targets {
    pub fn with(own: impl IntoIterator<Item = (Indicator, f64)>) -> Targets {
        Targets {
            own: own.into_iter().collect(),
        }
    }

    pub fn get(&self, indicator: Indicator) -> f64 {
        self.own
            .get(&indicator)
            .copied()
            .unwrap_or_else(|| default_target(indicator))
    }

    pub fn is_own(&self, indicator: Indicator) -> bool {
        self.own.contains_key(&indicator)
    }
}

/// Whether `value` reaches `target` in the indicator's direction.
pub fn meets(indicator: Indicator, value: f64, target: f64) -> bool {
    // Rounded to the 0.1 % a report prints, so a shown "85.0 %" against a
    // target of 85 % is met, as the reader expects.
    let value = (value * 1000.0).round() / 1000.0;
    if indicator.higher_is_better() {
        value >= target
    } else {
        value <= target
    }
}

/// A ratio with its target.
pub fn measure(
    indicator: Indicator,
    numerator: i64,
    denominator: i64,
    targets: &Targets,
) -> Measure {
    let value = (denominator > 0).then(|| numerator as f64 / denominator as f64);
    let target = targets.get(indicator);
    Measure {
        indicator,
        numerator,
        denominator,
        value,
        target: Some(target),
        met: value.map(|v| meets(indicator, v, target)),
    }
}

/// How far a value is from its target, in ratio points: positive when the
/// target is missed.
pub fn gap(indicator: Indicator, value: f64, target: f64) -> f64 {
    if indicator.higher_is_better() {
        target - value
    } else {
        value - target
    }
}

/// The gap relative to the target, which ranks a prevalence 4 points over
/// a 14 % target (29 % off) above a coverage 5 points under 85 % (6 % off).
pub fn relative_gap(indicator: Indicator, value: f64, target: f64) -> f64 {
    let gap = gap(indicator, value, target);
    if target > 0.0 { gap / target } else { gap }
}

/// The direction of change since the previous period; less than half a
/// percentage point is no change.
pub fn trend(indicator: Indicator, now: Option<f64>, before: Option<f64>) -> Trend {
    let (Some(now), Some(before)) = (now, before) else {
        return Trend::Unknown;
    };
    let change = now - before;
    if change.abs() < 0.005 {
        Trend::Same
    } else if (change > 0.0) == indicator.higher_is_better() {
        Trend::Better
    } else {
        Trend::Worse
    }
}

// ------------------------------------------------------------- SKDN

/// The F1 gizi age group of a child born on `birth` on `on`, by completed
/// months; none from 60 months (no longer a balita) or before birth.
pub fn age_group(birth: NaiveDate, on: NaiveDate) -> Option<AgeGroup> {
    if birth > on {
        return None;
    }
    let months = completed_months(birth, on);
    AgeGroup::ALL
        .into_iter()
        .rev()
        .find(|g| months >= g.from_months())
        .filter(|_| months < 60)
}

/// Completed months of age on `on`.
pub fn completed_months(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut months = (on.year() - birth.year()) * 12 + on.month() as i32 - birth.month() as i32;
    if birth
        .checked_add_months(Months::new(months.max(0) as u32))
        .is_none_or(|anniversary| anniversary > on)
    {
        months -= 1;
    }
    months.max(0) as u32
}

/// The birth dates bounding the age groups on `on`: a child is in group
/// `i` when `bounds[i + 1] < birth <= bounds[i]` (`bounds[0]` = `on`), the
/// last bound being the 60-month limit. Queries use them to group in SQL.
pub fn age_group_bounds(on: NaiveDate) -> [NaiveDate; 5] {
    let back = |months: u32| on.checked_sub_months(Months::new(months)).unwrap_or(on);
    [on, back(6), back(12), back(24), back(60)]
}

/// D = N + T + O + B: every child weighed has exactly one KMS status.
pub fn balanced(counts: &SkdnCounts) -> bool {
    counts.d == counts.n + counts.t + counts.o + counts.b
}

pub fn skdn_measures(c: &SkdnCounts, targets: &Targets) -> Vec<Measure> {
    vec![
        measure(Indicator::Ks, c.k, c.s, targets),
        measure(Indicator::Ds, c.d, c.s, targets),
        measure(Indicator::Nd, c.n, c.d, targets),
        measure(Indicator::Dk, c.d, c.k, targets),
    ]
}

// ------------------------------------------------------------- strata

/// What a posyandu's year shows, for its strata.
#[derive(Debug, Clone, PartialEq)]
pub struct StrataInput {
    /// Months it opened (1–12).
    pub openings: i64,
    /// Average active kader per month.
    pub kader_on_duty: f64,
    /// Average D/S over the months it opened.
    pub ds: Option<f64>,
    /// Cumulative KIA and immunisation coverage (the lower of them).
    pub coverage: Option<f64>,
    /// SPM fields beyond health with an activity in the year.
    pub extra_programmes: i64,
    /// Households in the health fund among households.
    pub health_fund: Option<f64>,
}

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0).replace('.', ",")
}

/// Strata (Kemenkes 2011) with the reasons it is not one level higher:
/// - Pratama: opened fewer than 8 times, or fewer than 5 kader on duty;
/// - Madya: ≥ 8 openings and ≥ 5 kader, but D/S under 50 % (or coverage
///   or extra programmes missing for Purnama);
/// - Purnama: D/S ≥ 50 %, cumulative coverage ≥ 50 %, extra programmes;
/// - Mandiri: Purnama and the health fund covers ≥ 50 % of households.
pub fn strata(input: &StrataInput) -> (Strata, Vec<String>) {
    let mut reasons = Vec::new();
    if input.openings < 8 {
        reasons.push(format!(
            "Buka {} kali dalam setahun (kurang dari 8).",
            input.openings
        ));
    }
    if input.kader_on_duty < 5.0 {
        reasons.push(format!(
            "Rata-rata {} kader bertugas (kurang dari 5).",
            format!("{:.1}", input.kader_on_duty).replace('.', ",")
        ));
    }
    if !reasons.is_empty() {
        return (Strata::Pratama, reasons);
    }
    match input.ds {
        Some(ds) if ds >= 0.5 => {}
        Some(ds) => reasons.push(format!("Rata-rata D/S {} (kurang dari 50%).", percent(ds))),
        None => reasons.push("Belum ada data D/S.".into()),
    }
    match input.coverage {
        Some(c) if c >= 0.5 => {}
        Some(c) => reasons.push(format!(
            "Cakupan kumulatif KIA/imunisasi {} (kurang dari 50%).",
            percent(c)
        )),
        None => reasons.push("Belum ada data cakupan KIA/imunisasi.".into()),
    }
    if input.extra_programmes < 1 {
        reasons.push("Belum ada program tambahan di luar bidang kesehatan.".into());
    }
    if !reasons.is_empty() {
        return (Strata::Madya, reasons);
    }
    match input.health_fund {
        Some(f) if f >= 0.5 => (Strata::Mandiri, reasons),
        Some(f) => {
            reasons.push(format!(
                "Dana sehat mencakup {} KK (kurang dari 50%).",
                percent(f)
            ));
            (Strata::Purnama, reasons)
        }
        None => {
            reasons.push("Belum ada data dana sehat.".into());
            (Strata::Purnama, reasons)
        }
    }
}

/// An SK (village decree) is taken as valid for five years.
pub fn sk_valid(sk_number: Option<&str>, sk_date: Option<NaiveDate>, on: NaiveDate) -> bool {
    match (sk_number, sk_date) {
        (Some(number), Some(date)) if !number.trim().is_empty() => {
            date <= on
                && date
                    .checked_add_months(Months::new(60))
                    .is_some_and(|end| end > on)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn months_parse_strictly_and_step_across_years() {
        let m = Month::parse("2026-11").unwrap();
        assert_eq!(m.first_day(), d(2026, 11, 1));
        assert_eq!(m.last_day(), d(2026, 11, 30));
        assert_eq!(m.plus(2).to_string(), "2027-01");
        assert_eq!(m.plus(-11).to_string(), "2025-12");
        assert_eq!(Month::parse("2024-02").unwrap().last_day(), d(2024, 2, 29));
        for bad in ["2026-13", "2026-1", "26-11", "20026-11", "2026/11", ""] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        let window: Vec<String> = m.window(3).iter().map(|m| m.to_string()).collect();
        assert_eq!(window, ["2026-09", "2026-10", "2026-11"]);
    }

    #[test]
    fn quarters_know_their_months_and_predecessor() {
        let q = Quarter::parse("2026-Q1").unwrap();
        assert_eq!(
            q.months().map(|m| m.to_string()),
            ["2026-01", "2026-02", "2026-03"]
        );
        assert_eq!(q.previous().to_string(), "2025-Q4");
        assert_eq!(
            Quarter::of(Month::parse("2026-12").unwrap()).to_string(),
            "2026-Q4"
        );
        for bad in ["2026-Q5", "2026-Q0", "2026Q1", "2026-Q12"] {
            assert_eq!(Quarter::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn measures_compare_in_the_indicators_direction() {
        let targets = Targets::with([(Indicator::Ds, 0.9)]);
        let ds = measure(Indicator::Ds, 85, 100, &targets);
        assert_eq!(ds.value, Some(0.85));
        assert_eq!(ds.target, Some(0.9));
        assert_eq!(ds.met, Some(false));
        let ks = measure(Indicator::Ks, 80, 100, &targets);
        assert_eq!((ks.target, ks.met), (Some(0.8), Some(true)));
        // Stunting 13 % against 14 %: under the ceiling, met.
        assert_eq!(
            measure(Indicator::Stunting, 13, 100, &targets).met,
            Some(true)
        );
        assert_eq!(
            measure(Indicator::Stunting, 15, 100, &targets).met,
            Some(false)
        );
        let empty = measure(Indicator::Nd, 0, 0, &targets);
        assert_eq!((empty.value, empty.met), (None, None));
    }

    #[test]
    fn gaps_and_trends_point_the_right_way() {
        assert!((gap(Indicator::Ds, 0.70, 0.85) - 0.15).abs() < 1e-12);
        assert!((gap(Indicator::Stunting, 0.20, 0.14) - 0.06).abs() < 1e-12);
        assert!(gap(Indicator::Stunting, 0.10, 0.14) < 0.0);
        assert!(
            relative_gap(Indicator::Stunting, 0.18, 0.14) > relative_gap(Indicator::Ds, 0.80, 0.85)
        );
        assert_eq!(trend(Indicator::Ds, Some(0.8), Some(0.7)), Trend::Better);
        assert_eq!(
            trend(Indicator::Stunting, Some(0.2), Some(0.1)),
            Trend::Worse
        );
        assert_eq!(trend(Indicator::Ds, Some(0.801), Some(0.8)), Trend::Same);
        assert_eq!(trend(Indicator::Ds, None, Some(0.8)), Trend::Unknown);
    }

    #[test]
    fn age_groups_follow_completed_months() {
        let on = d(2026, 11, 30);
        assert_eq!(age_group(d(2026, 6, 1), on), Some(AgeGroup::M0To5));
        assert_eq!(age_group(d(2026, 5, 30), on), Some(AgeGroup::M6To11));
        assert_eq!(age_group(d(2025, 12, 1), on), Some(AgeGroup::M6To11));
        assert_eq!(age_group(d(2025, 11, 30), on), Some(AgeGroup::M12To23));
        assert_eq!(age_group(d(2024, 11, 30), on), Some(AgeGroup::M24To59));
        assert_eq!(age_group(d(2021, 12, 1), on), Some(AgeGroup::M24To59));
        assert_eq!(age_group(d(2021, 11, 30), on), None);
        assert_eq!(age_group(d(2026, 12, 1), on), None);
        // The SQL bounds agree with the rule, on either side of each bound.
        let bounds = age_group_bounds(on);
        for (i, group) in AgeGroup::ALL.into_iter().enumerate() {
            assert_eq!(age_group(bounds[i], on), Some(group), "{i}");
            assert_ne!(age_group(bounds[i + 1], on), Some(group), "{i}");
        }
        // Month ends clamp, as the SQL bounds do: born on 31 January, one
        // month old on 28 February.
        assert_eq!(completed_months(d(2026, 1, 31), d(2026, 2, 27)), 0);
        assert_eq!(completed_months(d(2026, 1, 31), d(2026, 2, 28)), 1);
        assert_eq!(completed_months(d(2026, 1, 15), d(2026, 3, 14)), 1);
    }

    #[test]
    fn skdn_balance_is_checked() {
        let mut c = SkdnCounts {
            s: 50,
            k: 45,
            d: 40,
            n: 30,
            t: 5,
            o: 3,
            b: 2,
            ..SkdnCounts::default()
        };
        assert!(balanced(&c));
        c.t = 4;
        assert!(!balanced(&c));
    }

    fn good_year() -> StrataInput {
        StrataInput {
            openings: 12,
            kader_on_duty: 5.0,
            ds: Some(0.7),
            coverage: Some(0.6),
            extra_programmes: 2,
            health_fund: Some(0.55),
        }
    }

    #[test]
    fn strata_climb_with_the_year_and_say_why_not_higher() {
        assert_eq!(strata(&good_year()), (Strata::Mandiri, vec![]));
        let (level, why) = strata(&StrataInput {
            health_fund: Some(0.3),
            ..good_year()
        });
        assert_eq!(level, Strata::Purnama);
        assert_eq!(why, ["Dana sehat mencakup 30,0% KK (kurang dari 50%)."]);
        let (level, why) = strata(&StrataInput {
            ds: Some(0.45),
            extra_programmes: 0,
            ..good_year()
        });
        assert_eq!(level, Strata::Madya);
        assert_eq!(why.len(), 2);
        assert!(why[0].contains("45,0%"));
        let (level, why) = strata(&StrataInput {
            openings: 7,
            kader_on_duty: 4.5,
            ..good_year()
        });
        assert_eq!(level, Strata::Pratama);
        assert_eq!(
            why,
            [
                "Buka 7 kali dalam setahun (kurang dari 8).",
                "Rata-rata 4,5 kader bertugas (kurang dari 5)."
            ]
        );
        // Exactly at the thresholds is enough.
        let edge = StrataInput {
            openings: 8,
            kader_on_duty: 5.0,
            ds: Some(0.5),
            coverage: Some(0.5),
            extra_programmes: 1,
            health_fund: Some(0.5),
        };
        assert_eq!(strata(&edge).0, Strata::Mandiri);
    }

    #[test]
    fn an_sk_lasts_five_years() {
        let on = d(2026, 11, 30);
        assert!(sk_valid(Some("140/SK/2024"), Some(d(2024, 1, 15)), on));
        assert!(!sk_valid(Some("1/SK/2021"), Some(d(2021, 11, 30)), on));
        assert!(sk_valid(Some("1/SK/2021"), Some(d(2021, 12, 1)), on));
        assert!(!sk_valid(None, Some(d(2024, 1, 15)), on));
        assert!(!sk_valid(Some(" "), Some(d(2024, 1, 15)), on));
        assert!(!sk_valid(Some("x"), None, on));
    }
}
