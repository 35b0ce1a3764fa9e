//! Reminders to mothers before a posyandu day: when each is sent, what it
//! says, and the key that makes planning idempotent. Pure: the planner
//! service gathers who is due for what and stores what this returns.
//!
//! Rules (CHAT.md, "Reminders to mothers"): one reminder the evening before
//! (18:00 local) and one the morning of the day (06:30 local), never
//! between 21:00 and 06:00 local; personal content (the child's name and
//! what is due); a WhatsApp template with parameters, and an SMS text of at
//! most 160 GSM-7 septets. One reminder per mother per slot covers all her
//! children and her own antenatal contact, so a mother of two gets two
//! messages for a posyandu day, not four.
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use posyandu_bot::chat::sms::{SEGMENT_SEPTETS, gsm7_septets, to_gsm7};

use super::schedule;
use super::vitamin_a::Capsule;

/// The WhatsApp template the reminders use (it must be approved for the
/// business number under this name, in Indonesian). Parameters, in order:
/// 1 when ("besok" or "hari ini"), 2 the date ("Kamis 10/12"), 3 the
/// posyandu's name, 4 who and what ("Putu: imunisasi Polio 2; Ibu: periksa
/// hamil K2").
pub const TEMPLATE_NAME: &str = "pengingat_posyandu";
pub const TEMPLATE_LANGUAGE: &str = "id";

/// Which of the two reminders of a posyandu day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    /// The evening before, 18:00 local.
    Evening,
    /// The morning of the day, 06:30 local.
    Morning,
}

impl Slot {
    pub const ALL: [Slot; 2] = [Slot::Evening, Slot::Morning];

    pub fn as_str(self) -> &'static str {
        match self {
            Slot::Evening => "evening",
            Slot::Morning => "morning",
        }
    }

    /// The local date and time the reminder is meant for.
    fn local_time(self, day: NaiveDate) -> (NaiveDate, NaiveTime) {
        match self {
            Slot::Evening => (day - Duration::days(1), hm(18, 0)),
            Slot::Morning => (day, hm(6, 30)),
        }
    }

    /// Local time after which the reminder is no longer worth sending: the
    /// evening one when the quiet hours begin, the morning one when the
    /// posyandu is usually over (noon).
    fn local_deadline(self, day: NaiveDate) -> (NaiveDate, NaiveTime) {
        match self {
            Slot::Evening => (day - Duration::days(1), QUIET_FROM),
            Slot::Morning => (day, hm(12, 0)),
        }
    }

    fn when_word(self) -> &'static str {
        match self {
            Slot::Evening => "besok",
            Slot::Morning => "hari ini",
        }
    }
}

/// Quiet hours, local: nothing is sent from 21:00 to 06:00.
const QUIET_FROM: NaiveTime = hm(21, 0);
const QUIET_UNTIL: NaiveTime = hm(6, 0);

const fn hm(hour: u32, minute: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(hour, minute, 0) {
        Some(t) => t,
        None => panic!("valid time"),
    }
}

/// Something a person should come for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// An immunisation dose due or overdue on the day.
    Dose { antigen: String, dose: u8 },
    /// The vitamin A capsule of a February or August round.
    VitaminA(Capsule),
    /// Not weighed at the posyandu last month.
    MissedWeighing,
    /// The mother's next antenatal contact (K number).
    Antenatal { contact: u8 },
}

impl Due {
    fn phrase(&self) -> String {
        match self {
            Due::Dose { antigen, dose } => format!("imunisasi {antigen} {dose}"),
            Due::VitaminA(Capsule::Blue) => "vitamin A biru".into(),
            Due::VitaminA(Capsule::Red) => "vitamin A merah".into(),
            Due::MissedWeighing => "timbang (bulan lalu belum)".into(),
            Due::Antenatal { contact } => format!("periksa hamil K{contact}"),
        }
    }

    /// The shortest form, for an SMS that does not fit otherwise.
    fn short_phrase(&self) -> String {
        match self {
            Due::Dose { antigen, dose } => format!("{antigen} {dose}"),
            Due::VitaminA(Capsule::Blue) => "vit A biru".into(),
            Due::VitaminA(Capsule::Red) => "vit A merah".into(),
            Due::MissedWeighing => "timbang".into(),
            Due::Antenatal { contact } => format!("cek hamil K{contact}"),
        }
    }
}

/// One person the reminder is about: a child (by first name) or the mother
/// herself (`name = None`, written "Ibu").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub name: Option<String>,
    /// Empty for a child means the monthly weighing only.
    pub due: Vec<Due>,
}

/// Everything the reminders of one recipient for one posyandu day need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The mother's phone, E.164.
    pub recipient: String,
    pub posyandu_name: String,
    /// The posyandu's zone (`Asia/Makassar`, …).
    pub zone: String,
    pub day: NaiveDate,
    pub subjects: Vec<Subject>,
}

/// A reminder to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// `reminder:{recipient}:{day}:{slot}`: the same reminder planned twice,
    /// or by two planners at once, is stored once.
    pub key: String,
    pub slot: Slot,
    pub send_at: DateTime<Utc>,
    /// Not sent after this (quiet hours, or the day is over).
    pub expires_at: DateTime<Utc>,
    /// WhatsApp template parameters (see [`TEMPLATE_NAME`]).
    pub template_params: Vec<String>,
    /// The SMS text: GSM-7, at most 160 septets.
    pub sms: String,
}

/// The deterministic key of a reminder.
pub fn key(recipient: &str, day: NaiveDate, slot: Slot) -> String {
    format!("reminder:{recipient}:{day}:{}", slot.as_str())
}

/// Whether a local time falls in the quiet hours.
pub fn is_quiet(local: NaiveTime) -> bool {
    local >= QUIET_FROM || local < QUIET_UNTIL
}

/// The reminders of a request that can still be sent at `now`: a slot whose
/// time has passed is sent at once if its deadline has not, and skipped
/// otherwise. An empty request (no subjects) gets none.
pub fn plan(request: &Request, now: DateTime<Utc>) -> Vec<Reminder> {
    if request.subjects.is_empty() {
        return Vec::new();
    }
    let offset = zone_offset(&request.zone);
    Slot::ALL
        .into_iter()
        .filter_map(|slot| {
            let send_at = at(offset, slot.local_time(request.day)).max(now);
            let expires_at = at(offset, slot.local_deadline(request.day));
            if send_at >= expires_at || is_quiet(send_at.with_timezone(&offset).time()) {
                return None;
            }
            Some(Reminder {
                key: key(&request.recipient, request.day, slot),
                slot,
                send_at,
                expires_at,
                template_params: template_params(request, slot),
                sms: sms_text(request, slot),
            })
        })
        .collect()
}

fn zone_offset(zone: &str) -> FixedOffset {
    schedule::offset(zone).unwrap_or_else(|| FixedOffset::east_opt(7 * 3600).expect("valid"))
}

fn at(offset: FixedOffset, (date, time): (NaiveDate, NaiveTime)) -> DateTime<Utc> {
    offset
        .from_local_datetime(&date.and_time(time))
        .single()
        .expect("a fixed offset has no gaps")
        .with_timezone(&Utc)
}

const DAYS: [&str; 7] = [
    "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
];

/// "Kamis 10/12".
fn day_text(day: NaiveDate) -> String {
    let weekday = DAYS[day.weekday().num_days_from_monday() as usize];
    format!("{weekday} {}/{}", day.day(), day.month())
}

/// A child's first name, so an SMS has room for what is due.
fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}

fn subject_line(subject: &Subject, short: bool) -> String {
    let who = subject
        .name
        .as_deref()
        .map(first_name)
        .unwrap_or("Ibu")
        .to_owned();
    let what: Vec<String> = if subject.due.is_empty() {
        vec!["timbang".into()]
    } else {
        subject
            .due
            .iter()
            .map(|d| if short { d.short_phrase() } else { d.phrase() })
            .collect()
    };
    format!("{who}: {}", what.join(", "))
}

/// WhatsApp forbids newlines, tabs and runs of spaces in template
/// parameters.
fn template_safe(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn template_params(request: &Request, slot: Slot) -> Vec<String> {
    let who_what: Vec<String> = request
        .subjects
        .iter()
        .map(|s| subject_line(s, false))
        .collect();
    vec![
        slot.when_word().to_owned(),
        day_text(request.day),
        template_safe(&request.posyandu_name),
        template_safe(&who_what.join("; ")),
    ]
}

/// The SMS: the fullest wording that fits one GSM-7 segment. Tries, in
/// order: everything; the short phrases; without the closing line; then
/// only as many subjects as fit with "+N lagi"; and finally cuts.
fn sms_text(request: &Request, slot: Slot) -> String {
    let when = match slot {
        Slot::Evening => "Besok",
        Slot::Morning => "Hari ini",
    };
    let head = format!(
        "{when} {} {} buka.",
        day_text(request.day),
        request.posyandu_name
    );
    let tail = " Bawa Buku KIA. Balas STOP utk berhenti.";
    let lines = |short: bool, take: usize| -> String {
        let mut parts: Vec<String> = request
            .subjects
            .iter()
            .take(take)
            .map(|s| subject_line(s, short))
            .collect();
        if take < request.subjects.len() {
            parts.push(format!("+{} lagi", request.subjects.len() - take));
        }
        parts.join("; ")
    };
    let all = request.subjects.len();
    let mut candidates = vec![
        format!("{head} {}.{tail}", lines(false, all)),
        format!("{head} {}.{tail}", lines(true, all)),
        format!("{head} {}.", lines(true, all)),
    ];
    for take in (1..all).rev() {
        candidates.push(format!("{head} {}.", lines(true, take)));
    }
    for candidate in candidates {
        let text = to_gsm7(&candidate);
        if gsm7_septets(&text).is_some_and(|n| n <= SEGMENT_SEPTETS) {
            return text;
        }
    }
    cut_to_segment(&to_gsm7(&format!("{head} {}.", lines(true, 1))))
}

/// The longest prefix of a GSM-7 text that fits one segment.
fn cut_to_segment(text: &str) -> String {
    let mut septets = 0;
    let mut out = String::new();
    for c in text.chars() {
        septets += gsm7_septets(c.encode_utf8(&mut [0; 4])).unwrap_or(1);
        if septets > SEGMENT_SEPTETS {
            break;
        }
        out.push(c);
    }
    out
}

/// The kader's summary the evening before a posyandu day: how many
/// children are expected, who is due for what, who missed last month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaySummary {
    pub posyandu_name: String,
    pub zone: String,
    pub day: NaiveDate,
    /// Children under five on the posyandu's books.
    pub expected: usize,
    /// What is due ("OPV 1", "vit A biru", "cek hamil"), with the first
    /// names of those due, in a stable order.
    pub due: Vec<(String, Vec<String>)>,
    /// First names of the children not weighed last month.
    pub missed: Vec<String>,
}

/// The WhatsApp template of the kader's summary; parameters: 1 the day
/// ("Kamis 10/12"), 2 the posyandu, 3 children expected, 4 who is due for
/// what, 5 who missed last month.
pub const SUMMARY_TEMPLATE_NAME: &str = "ringkasan_posyandu";

/// Names listed per item before "+N lagi": a summary is read on a small
/// screen.
const NAMES_LISTED: usize = 8;

/// A kader's summary, sent at 18:00 the evening before (or at once if
/// planned later that evening, never in the quiet hours). Keyed
/// `summary:{phone}:{day}`.
pub fn kader_summary(
    recipient: &str,
    summary: &DaySummary,
    now: DateTime<Utc>,
) -> Option<Reminder> {
    let offset = zone_offset(&summary.zone);
    let send_at = at(offset, Slot::Evening.local_time(summary.day)).max(now);
    let expires_at = at(offset, Slot::Evening.local_deadline(summary.day));
    if send_at >= expires_at || is_quiet(send_at.with_timezone(&offset).time()) {
        return None;
    }
    let names = |list: &[String]| -> String {
        let mut shown: Vec<String> = list
            .iter()
            .take(NAMES_LISTED)
            .map(|n| first_name(n).to_owned())
            .collect();
        if list.len() > NAMES_LISTED {
            shown.push(format!("+{} lagi", list.len() - NAMES_LISTED));
        }
        shown.join(", ")
    };
    let due = if summary.due.is_empty() {
        "tidak ada".to_owned()
    } else {
        summary
            .due
            .iter()
            .map(|(what, who)| format!("{what} ({}): {}", who.len(), names(who)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let missed = if summary.missed.is_empty() {
        "tidak ada".to_owned()
    } else {
        format!("{}: {}", summary.missed.len(), names(&summary.missed))
    };
    let day = day_text(summary.day);
    let text = format!(
        "Besok {day} {}: {} balita. Jadwal: {due}. Bulan lalu belum timbang {missed}.",
        summary.posyandu_name, summary.expected
    );
    Some(Reminder {
        key: format!("summary:{recipient}:{}", summary.day),
        slot: Slot::Evening,
        send_at,
        expires_at,
        template_params: vec![
            day,
            template_safe(&summary.posyandu_name),
            summary.expected.to_string(),
            template_safe(&due),
            template_safe(&missed),
        ],
        // Kader read long texts; SMS splits them into segments.
        sms: to_gsm7(&text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn request(subjects: Vec<Subject>) -> Request {
        Request {
            recipient: "+6281337000301".into(),
            posyandu_name: "Posyandu Melati".into(),
            zone: "Asia/Makassar".into(),
            day: date(2026, 12, 10),
            subjects,
        }
    }

    fn child(name: &str, due: Vec<Due>) -> Subject {
        Subject {
            name: Some(name.into()),
            due,
        }
    }

    fn polio2() -> Due {
        Due::Dose {
            antigen: "Polio".into(),
            dose: 2,
        }
    }

    #[test]
    fn evening_before_at_six_and_morning_of_at_half_past_six_local() {
        let early = utc("2026-12-01T00:00:00Z");
        let plan = plan(&request(vec![child("Putu Wulan", vec![polio2()])]), early);
        assert_eq!(plan.len(), 2);
        // WITA is UTC+8: 18:00 on the 9th is 10:00 UTC; 06:30 on the 10th
        // is 22:30 UTC on the 9th.
        assert_eq!(plan[0].slot, Slot::Evening);
        assert_eq!(plan[0].send_at, utc("2026-12-09T10:00:00Z"));
        assert_eq!(plan[0].expires_at, utc("2026-12-09T13:00:00Z"));
        assert_eq!(plan[1].slot, Slot::Morning);
        assert_eq!(plan[1].send_at, utc("2026-12-09T22:30:00Z"));
        assert_eq!(plan[1].expires_at, utc("2026-12-10T04:00:00Z"));
    }

    #[test]
    fn the_zone_moves_the_send_time() {
        let mut r = request(vec![child("Yohana", vec![])]);
        r.zone = "Asia/Jayapura".into();
        let plan = plan(&r, utc("2026-12-01T00:00:00Z"));
        assert_eq!(plan[0].send_at, utc("2026-12-09T09:00:00Z"));
        r.zone = "Asia/Jakarta".into();
        let plan = super::plan(&r, utc("2026-12-01T00:00:00Z"));
        assert_eq!(plan[0].send_at, utc("2026-12-09T11:00:00Z"));
    }

    #[test]
    fn late_planning_sends_at_once_but_never_in_the_quiet_hours() {
        let r = request(vec![child("Putu", vec![])]);
        // 19:30 local on the eve: the evening reminder goes now, the
        // morning one at 06:30.
        let plan_late = plan(&r, utc("2026-12-09T11:30:00Z"));
        assert_eq!(plan_late.len(), 2);
        assert_eq!(plan_late[0].send_at, utc("2026-12-09T11:30:00Z"));
        // 21:30 local: the evening one is skipped (quiet hours).
        let plan_night = plan(&r, utc("2026-12-09T13:30:00Z"));
        assert_eq!(
            plan_night.iter().map(|p| p.slot).collect::<Vec<_>>(),
            [Slot::Morning]
        );
        // 05:00 local on the day: still quiet, the morning one waits for 06:30.
        let plan_dawn = plan(&r, utc("2026-12-09T21:00:00Z"));
        assert_eq!(plan_dawn[0].send_at, utc("2026-12-09T22:30:00Z"));
        // Noon on the day: nothing left to send.
        assert!(plan(&r, utc("2026-12-10T04:00:00Z")).is_empty());
        for hour in 0..24 {
            for p in plan(&r, utc("2026-12-09T00:00:00Z") + Duration::hours(hour)) {
                let local = p
                    .send_at
                    .with_timezone(&zone_offset("Asia/Makassar"))
                    .time();
                assert!(!is_quiet(local), "{p:?} at {local}");
            }
        }
    }

    #[test]
    fn keys_name_recipient_day_and_slot() {
        let plan = plan(
            &request(vec![child("Putu", vec![])]),
            utc("2026-12-01T00:00:00Z"),
        );
        assert_eq!(plan[0].key, "reminder:+6281337000301:2026-12-10:evening");
        assert_eq!(plan[1].key, "reminder:+6281337000301:2026-12-10:morning");
        assert_ne!(
            key("+6281337000301", date(2026, 12, 11), Slot::Evening),
            plan[0].key
        );
    }

    #[test]
    fn nobody_to_remind_means_no_reminder() {
        assert!(plan(&request(vec![]), utc("2026-12-01T00:00:00Z")).is_empty());
    }

    #[test]
    fn content_is_personal() {
        let r = request(vec![
            child("Putu Wulan", vec![polio2(), Due::VitaminA(Capsule::Blue)]),
            child("Made Agus", vec![Due::MissedWeighing]),
            Subject {
                name: None,
                due: vec![Due::Antenatal { contact: 2 }],
            },
        ]);
        let plan = plan(&r, utc("2026-12-01T00:00:00Z"));
        assert_eq!(
            plan[0].template_params,
            [
                "besok",
                "Kamis 10/12",
                "Posyandu Melati",
                "Putu: imunisasi Polio 2, vitamin A biru; Made: timbang (bulan lalu belum); Ibu: periksa hamil K2"
            ]
        );
        assert_eq!(plan[1].template_params[0], "hari ini");
        assert_eq!(
            plan[0].sms,
            // The full wording is too long for one SMS: the short phrases
            // with the closing line are preferred to the long ones without.
            "Besok Kamis 10/12 Posyandu Melati buka. Putu: Polio 2, vit A biru; Made: timbang; Ibu: cek hamil K2. Bawa Buku KIA. Balas STOP utk berhenti."
        );
        assert!(plan[1].sms.starts_with("Hari ini Kamis 10/12"));
    }

    #[test]
    fn a_short_reminder_keeps_the_closing_line() {
        let plan = plan(
            &request(vec![child("Putu", vec![polio2()])]),
            utc("2026-12-01T00:00:00Z"),
        );
        assert_eq!(
            plan[0].sms,
            "Besok Kamis 10/12 Posyandu Melati buka. Putu: imunisasi Polio 2. Bawa Buku KIA. Balas STOP utk berhenti."
        );
    }

    #[test]
    fn every_sms_fits_one_gsm7_segment() {
        let many: Vec<Subject> = (0..6)
            .map(|i| {
                child(
                    &format!("Anak{i}ÿ Panjang Sekali"),
                    vec![
                        polio2(),
                        Due::Dose {
                            antigen: "DPT-HB-Hib".into(),
                            dose: 3,
                        },
                        Due::VitaminA(Capsule::Red),
                        Due::MissedWeighing,
                    ],
                )
            })
            .collect();
        for n in 1..=many.len() {
            let mut r = request(many[..n].to_vec());
            r.posyandu_name = "Posyandu Bunga Kenanga Sari Desa Tukadmungga ✓".into();
            for p in plan(&r, utc("2026-12-01T00:00:00Z")) {
                let septets = gsm7_septets(&p.sms).expect("GSM-7 only");
                assert!(septets <= SEGMENT_SEPTETS, "{n}: {septets} {}", p.sms);
                assert!(p.sms.contains("Anak0"), "{}", p.sms);
            }
        }
        let r = request(many.clone());
        let sms = &plan(&r, utc("2026-12-01T00:00:00Z"))[0].sms;
        assert!(sms.contains("lagi"), "{sms}");
    }

    #[test]
    fn template_parameters_have_no_newlines_or_runs_of_spaces() {
        let mut r = request(vec![child("Putu\n  Wulan", vec![])]);
        r.posyandu_name = "Posyandu\tMelati   Indah".into();
        for p in plan(&r, utc("2026-12-01T00:00:00Z")) {
            for param in &p.template_params {
                assert!(
                    !param.contains(['\n', '\t']) && !param.contains("  "),
                    "{param:?}"
                );
            }
            assert_eq!(p.template_params[2], "Posyandu Melati Indah");
        }
    }

    #[test]
    fn quiet_hours_are_nine_at_night_to_six_in_the_morning() {
        assert!(is_quiet(hm(21, 0)));
        assert!(is_quiet(hm(23, 59)));
        assert!(is_quiet(hm(0, 0)));
        assert!(is_quiet(hm(5, 59)));
        assert!(!is_quiet(hm(6, 0)));
        assert!(!is_quiet(hm(20, 59)));
    }

    #[test]
    fn the_kader_summary_counts_lists_and_keeps_lists_short() {
        let many: Vec<String> = (1..=11).map(|i| format!("Anak{i} Putra")).collect();
        let summary = DaySummary {
            posyandu_name: "Posyandu Melati".into(),
            zone: "Asia/Makassar".into(),
            day: date(2026, 12, 10),
            expected: 52,
            due: vec![
                (
                    "OPV 1".into(),
                    vec!["Putu Wulan".into(), "Made Agus".into()],
                ),
                ("cek hamil".into(), many.clone()),
            ],
            missed: vec!["Komang Ayu".into()],
        };
        let r = kader_summary("+6281337000201", &summary, utc("2026-12-01T00:00:00Z")).unwrap();
        assert_eq!(r.key, "summary:+6281337000201:2026-12-10");
        assert_eq!(r.send_at, utc("2026-12-09T10:00:00Z"));
        assert_eq!(
            r.sms,
            "Besok Kamis 10/12 Posyandu Melati: 52 balita. Jadwal: OPV 1 (2): Putu, Made; cek hamil (11): Anak1, Anak2, Anak3, Anak4, Anak5, Anak6, Anak7, Anak8, +3 lagi. Bulan lalu belum timbang 1: Komang."
        );
        assert_eq!(r.template_params[2], "52");
        assert_eq!(r.template_params[4], "1: Komang");
        // Too late that evening: no summary.
        assert!(kader_summary("+62", &summary, utc("2026-12-09T13:30:00Z")).is_none());
        let quiet = DaySummary {
            due: vec![],
            missed: vec![],
            ..summary
        };
        let r = kader_summary("+62", &quiet, utc("2026-12-01T00:00:00Z")).unwrap();
        assert!(
            r.sms
                .contains("Jadwal: tidak ada. Bulan lalu belum timbang tidak ada."),
            "{}",
            r.sms
        );
    }
}
