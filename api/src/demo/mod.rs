//! `posyandu demo`: a realistic small kabupaten to try the system with.
//!
//! Kabupaten Buleleng (Bali), real Kemendagri codes: Kecamatan Buleleng
//! (Kalibukbuk, Anturan, Tukadmungga, Pemaron, Baktiseraga) served by
//! Puskesmas Buleleng III, and Kecamatan Sukasada (Sambangan, Panji,
//! Pancasari) served by Puskesmas Sukasada I; ten posyandu, a kader account
//! for each, and one account for every other role.
//!
//! Everything goes through the same services the API uses, so the demo is
//! also a check that they work together.
use openapi::areas::{NewPosyandu, NewPuskesmas, OpeningRule, SpmField, WeekdayName};
use openapi::clients::NewApiClient;
use openapi::users::NewUser;
use openapi::{Role, Scope};
use sea_orm::{DatabaseConnection, EntityTrait};

use crate::access::role_scopes;
use crate::auth::random_token;
use crate::error::ApiError;
use crate::services::{Authority, areas, clients, posyandu, users};

struct DemoPuskesmas {
    kode: &'static str,
    name: &'static str,
    kecamatan: &'static str,
    address: &'static str,
    /// (desa code, [posyandu names]).
    desa: &'static [(&'static str, &'static [&'static str])],
}

const PUSKESMAS: [DemoPuskesmas; 2] = [
    DemoPuskesmas {
        kode: "P5108060203",
        name: "Puskesmas Buleleng III",
        kecamatan: "51.08.06",
        address: "Jl. Singaraja-Seririt, Pemaron",
        desa: &[
            ("51.08.06.2004", &["Posyandu Melati", "Posyandu Mawar"]),
            ("51.08.06.2005", &["Posyandu Cempaka", "Posyandu Kenanga"]),
            ("51.08.06.2003", &["Posyandu Anggrek"]),
            ("51.08.06.2002", &["Posyandu Sandat"]),
            ("51.08.06.2001", &["Posyandu Jepun"]),
        ],
    },
    DemoPuskesmas {
        kode: "P5108050201",
        name: "Puskesmas Sukasada I",
        kecamatan: "51.08.05",
        address: "Jl. Raya Sukasada",
        desa: &[
            ("51.08.05.2010", &["Posyandu Teratai"]),
            ("51.08.05.2011", &["Posyandu Dahlia"]),
            ("51.08.05.2001", &["Posyandu Flamboyan"]),
        ],
    },
];

/// A demo login to print.
struct Login {
    username: String,
    role: Role,
    area: String,
    phone: Option<String>,
}

fn fail(context: &str) -> impl Fn(ApiError) -> anyhow::Error + '_ {
    move |error| {
        let problem = error.to_problem();
        let details: Vec<String> = problem
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        anyhow::anyhow!(
            "{context}: {} {}",
            problem.detail.unwrap_or(problem.title),
            details.join("; ")
        )
    }
}

/// Fills the database. Refuses when the demo was loaded before.
pub mod maternal;
pub mod population;

/// What `posyandu demo` loads.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub password: Option<String>,
    /// Children under five in all (about 50 per posyandu; more posyandu
    /// across the kabupaten when 10 are not enough).
    pub children: usize,
    /// Kabupaten the posyandu are spread over (Buleleng first).
    pub kabupaten: usize,
    /// Seed of the generator: the same seed gives the same population.
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            password: None,
            children: 300,
            kabupaten: 1,
            seed: 2026,
        }
    }
}

/// After a bulk load the query planner's statistics describe empty
/// tables: until autovacuum catches up, PostgreSQL would read whole tables
/// for what an index finds at once. Refresh them now.
async fn refresh_statistics(db: &DatabaseConnection) -> anyhow::Result<()> {
    let statement = match db.get_database_backend() {
        // VACUUM too: it marks the pages all-visible, which lets the
        // reports' covering indexes answer without visiting the tables.
        sea_orm::DbBackend::Postgres => "VACUUM ANALYZE",
        _ => "PRAGMA optimize",
    };
    sea_orm::ConnectionTrait::execute_unprepared(db, statement).await?;
    Ok(())
}

/// Children per posyandu when the demo is scaled up.
const CHILDREN_PER_POSYANDU: usize = 50;

pub async fn run(db: &DatabaseConnection, options: DemoOptions) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let password = options.password.clone();
    if areas::resolve(db, PUSKESMAS[0].kode, "kode").await.is_ok() {
        anyhow::bail!("the demo data is already loaded in this database");
    }
    let generated = password.is_none();
    let password = password.unwrap_or_else(|| random_token(9));
    crate::auth::password::check_new(&password)
        .map_err(|p| anyhow::anyhow!("demo password: {}", p.message))?;

    let mut logins = Vec::new();
    let mut user = |username: &str, role: Role, area: &str, phone: Option<String>| {
        logins.push(Login {
            username: username.to_owned(),
            role,
            area: area.to_owned(),
            phone: phone.clone(),
        });
        NewUser {
            username: username.to_owned(),
            display_name: display_name(username),
            password: password.clone(),
            role,
            area_code: area.to_owned(),
            phone,
        }
    };
    let mut accounts = vec![
        user("admin.buleleng", Role::Admin, "51.08", None),
        // The province's view, for reports across kabupaten.
        user("admin.bali", Role::Admin, "51", None),
        user("dinkes.buleleng", Role::Dinkes, "51.08", None),
        user("dpmd.buleleng", Role::Dpmd, "51.08", None),
        user("desa.pemaron", Role::Desa, "51.08.06.2004", None),
        user(
            "bidan.pemaron",
            Role::Bidan,
            "51.08.06.2004",
            Some("+6281337000101".into()),
        ),
    ];

    let mut kader_phone = None;
    let mut kader_count = 0;
    for (p, puskesmas) in PUSKESMAS.iter().enumerate() {
        let created = areas::create_puskesmas(
            db,
            Authority::Operator,
            NewPuskesmas {
                kode: puskesmas.kode.into(),
                name: puskesmas.name.into(),
                address: Some(puskesmas.address.into()),
                kecamatan_code: puskesmas.kecamatan.into(),
                desa_codes: puskesmas
                    .desa
                    .iter()
                    .map(|(code, _)| (*code).to_owned())
                    .collect(),
            },
        )
        .await
        .map_err(fail("puskesmas"))?;
        let slug = if p == 0 {
            "puskesmas.buleleng3"
        } else {
            "puskesmas.sukasada1"
        };
        accounts.push(user(slug, Role::Puskesmas, puskesmas.kode, None));
        for (desa, names) in puskesmas.desa {
            for name in *names {
                let posyandu = posyandu::create_posyandu(
                    db,
                    Authority::Operator,
                    NewPosyandu {
                        kode: None,
                        name: (*name).into(),
                        address: None,
                        desa_code: (*desa).into(),
                        puskesmas_id: created.id,
                        time_zone: None,
                        opening_rule: Some(demo_rule(kader_count)),
                        spm_fields: SpmField::ALL.to_vec(),
                        sk_number: Some(format!("{}/SK/DS/2024", 140 + kader_count)),
                        sk_date: chrono::NaiveDate::from_ymd_opt(2024, 1, 15),
                    },
                )
                .await
                .map_err(fail("posyandu"))?;
                kader_count += 1;
                let phone = format!("+62813370002{kader_count:02}");
                kader_phone.get_or_insert_with(|| phone.clone());
                let username = format!(
                    "kader.{}",
                    name.trim_start_matches("Posyandu ").to_lowercase()
                );
                accounts.push(user(&username, Role::Kader, &posyandu.kode, Some(phone)));
            }
        }
    }
    for account in accounts {
        let username = account.username.clone();
        users::create(db, Authority::Operator, account)
            .await
            .map_err(fail(&username))?;
    }
    let app = clients::create(
        db,
        Authority::Operator,
        NewApiClient {
            name: "Aplikasi Posyandu Digital (demo)".into(),
            role: Some(Role::App),
            scopes: vec![Scope::ReadAreas],
            area_code: "51.08".into(),
        },
    )
    .await
    .map_err(fail("app client"))?;
    let bot = clients::create(
        db,
        Authority::Operator,
        NewApiClient {
            name: "Bot worker (demo)".into(),
            role: Some(Role::Bot),
            scopes: role_scopes(Role::Bot).to_vec(),
            area_code: "51.08".into(),
        },
    )
    .await
    .map_err(fail("bot client"))?;

    let posyandu = scale_out(db, options.children, options.kabupaten).await?;
    let today = crate::domain::schedule::today_in("Asia/Makassar", crate::clock::now());
    let made = population::generate(db, &posyandu, options.children, options.seed, today).await?;
    // The demo writes its weighings in bulk, past the services: the monthly
    // summary the reports read is built from them in one statement.
    migration::m20261203_000009_child_month::rebuild(db).await?;
    refresh_statistics(db).await?;
    let puskesmas = entity::puskesmas::Entity::find().all(db).await?.len();
    let area = match options.kabupaten {
        1 => "Kabupaten Buleleng".to_owned(),
        n => format!("{n} kabupaten of Bali and NTB"),
    };
    crate::say!(
        "Demo data loaded in {:.1} s: {area}, {puskesmas} puskesmas, {} posyandu, {} children with {} weighings and {} immunisation doses, {} mothers, {} of them pregnant.",
        started.elapsed().as_secs_f64(),
        posyandu.len(),
        made.children,
        made.weighings,
        made.doses,
        made.mothers,
        made.pregnancies
    );
    crate::say!();
    crate::say!(
        "Every account's password: {password}{}",
        if generated { "  (generated)" } else { "" }
    );
    crate::say!();
    crate::say!("{:<22} {:<10} {:<20} phone", "username", "role", "area");
    for login in &logins {
        crate::say!(
            "{:<22} {:<10} {:<20} {}",
            login.username,
            login.role.as_str(),
            login.area,
            login.phone.as_deref().unwrap_or("")
        );
    }
    crate::say!();
    if let Some(phone) = kader_phone {
        crate::say!("A kader's phone number (for the chat bot): {phone}");
    }
    crate::say!(
        "App client:  {} / {}",
        app.client.client_id,
        app.client_secret
    );
    crate::say!(
        "Bot client:  {} / {}",
        bot.client.client_id,
        bot.client_secret
    );
    crate::say!("(client secrets are shown only now)");
    Ok(())
}

/// The kabupaten of a demo of `n`: Buleleng, the rest of Bali, then Lombok
/// Barat (Bali has nine).
fn demo_kabupaten(index: &crate::domain::wilayah::RegionIndex, n: usize) -> Vec<String> {
    let mut list = vec!["51.08".to_owned()];
    for code in index
        .children(Some("51"))
        .iter()
        .chain(index.children(Some("52")))
    {
        if list.len() < n && !list.contains(code) {
            list.push(code.clone());
        }
    }
    list
}

/// The posyandu the children go to: the ten of the demo, and when more are
/// needed, posyandu across every desa of the demo's kabupaten (in turn),
/// each kecamatan with its puskesmas.
async fn scale_out(
    db: &DatabaseConnection,
    children: usize,
    kabupaten: usize,
) -> anyhow::Result<Vec<entity::posyandu::Model>> {
    let wanted = children.div_ceil(CHILDREN_PER_POSYANDU);
    let mut existing = entity::posyandu::Entity::find().all(db).await?;
    if existing.len() >= wanted {
        return Ok(existing);
    }
    let index = crate::domain::wilayah::RegionIndex::national();
    // Per kabupaten, its (kecamatan, desa) pairs.
    let desa: Vec<Vec<(String, String)>> = demo_kabupaten(index, kabupaten)
        .iter()
        .map(|code| {
            index
                .children(Some(code))
                .iter()
                .flat_map(|kecamatan| {
                    index
                        .children(Some(kecamatan))
                        .iter()
                        .map(move |d| (kecamatan.clone(), d.clone()))
                })
                .collect()
        })
        .collect();
    let mut supervisors = std::collections::HashMap::new();
    for p in entity::puskesmas::Entity::find().all(db).await? {
        supervisors.insert(p.kecamatan_code.clone(), p.id);
    }
    let names = [
        "Melati",
        "Mawar",
        "Cempaka",
        "Kenanga",
        "Anggrek",
        "Sandat",
        "Jepun",
        "Teratai",
        "Dahlia",
        "Flamboyan",
    ];
    let mut n = existing.len();
    while existing.len() < wanted {
        let here = &desa[n % desa.len()];
        let (kecamatan, desa_code) = &here[(n / desa.len()) % here.len()];
        let puskesmas_id = match supervisors.get(kecamatan) {
            Some(id) => *id,
            None => {
                let name = index
                    .get(kecamatan)
                    .map(|r| r.name.clone())
                    .unwrap_or_default();
                let created = areas::create_puskesmas(
                    db,
                    Authority::Operator,
                    NewPuskesmas {
                        kode: format!("P{}0201", kecamatan.replace('.', "")),
                        name: format!("Puskesmas {name}"),
                        address: None,
                        kecamatan_code: kecamatan.clone(),
                        desa_codes: index.children(Some(kecamatan)).to_vec(),
                    },
                )
                .await
                .map_err(fail("puskesmas"))?;
                supervisors.insert(kecamatan.clone(), created.id);
                created.id
            }
        };
        let created = posyandu::create_posyandu(
            db,
            Authority::Operator,
            NewPosyandu {
                kode: None,
                name: format!(
                    "Posyandu {} {}",
                    names[n % names.len()],
                    n / names.len() + 1
                ),
                address: None,
                desa_code: desa_code.clone(),
                puskesmas_id,
                time_zone: None,
                opening_rule: Some(demo_rule(n)),
                spm_fields: SpmField::ALL.to_vec(),
                sk_number: None,
                sk_date: None,
            },
        )
        .await
        .map_err(fail("posyandu"))?;
        existing.push(
            entity::posyandu::Entity::find_by_id(created.id)
                .one(db)
                .await?
                .expect("just created"),
        );
        n += 1;
    }
    Ok(existing)
}

/// Opening rules vary between posyandu, as they do in real villages.
fn demo_rule(n: usize) -> OpeningRule {
    match n % 3 {
        0 => OpeningRule::DayOfMonth { day: 10 },
        1 => OpeningRule::NthWeekday {
            nth: 2,
            weekday: WeekdayName::Tuesday,
        },
        _ => OpeningRule::DayOfMonth {
            day: 5 + (n % 20) as u8,
        },
    }
}

/// "kader.melati" → "Kader Melati".
fn display_name(username: &str) -> String {
    username
        .split(['.', '_', '-'])
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn display_names_from_usernames() {
        assert_eq!(super::display_name("kader.melati"), "Kader Melati");
        assert_eq!(
            super::display_name("puskesmas.buleleng3"),
            "Puskesmas Buleleng3"
        );
    }
}
