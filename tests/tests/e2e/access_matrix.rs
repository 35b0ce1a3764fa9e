//! The access matrix: every route × every role × a record in the caller's
//! own area and one in another area → the expected status. A route added to
//! the API without a row here fails `every_route_has_a_row`.
use std::collections::BTreeSet;

use chrono::Datelike;

use openapi::Role;
use openapi::growth::Sex;
use openapi::maternal::NewImmunisation;
use posyandu_api::services::Authority;
use posyandu_api::services::immunisation::{self, DoseRecorded};
use posyandu_tests::world::{
    World, fresh_pregnancy, fresh_weighing, new_child, new_client, new_kader, new_person,
    new_posyandu, new_puskesmas, years_ago,
};
use posyandu_tests::{PASSWORD, TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

/// Column order of the status arrays.
const ROLES: [Role; 9] = [
    Role::Admin,
    Role::Dinkes,
    Role::Dpmd,
    Role::Puskesmas,
    Role::Desa,
    Role::Bidan,
    Role::Kader,
    Role::App,
    Role::Bot,
];

struct Row {
    method: &'static str,
    path: &'static str,
    /// Status for a target in the caller's own area, per role.
    own: [u16; 9],
    /// Status for a target in another area, per role.
    other: [u16; 9],
}

const ALL_200: [u16; 9] = [200; 9];
const ALL_403: [u16; 9] = [403; 9];
const ALL_404: [u16; 9] = [404; 9];
const ALL_201: [u16; 9] = [201; 9];
const ALL_204: [u16; 9] = [204; 9];
const ALL_422: [u16; 9] = [422; 9];

#[rustfmt::skip]
const MATRIX: &[Row] = &[
    //                                                 admin dinkes dpmd pusk desa bidan kader app  bot
    Row { method: "GET",    path: "/api/v1/me",                own: ALL_200,                                         other: ALL_200 },
    Row { method: "PUT",    path: "/api/v1/me/password",       own: [204, 204, 204, 204, 204, 204, 204, 403, 403],   other: [204, 204, 204, 204, 204, 204, 204, 403, 403] },
    Row { method: "GET",    path: "/api/v1/users",             own: [200, 200, 200, 200, 200, 200, 403, 200, 200],   other: [200, 200, 200, 200, 200, 200, 403, 200, 200] },
    Row { method: "POST",   path: "/api/v1/users",             own: [201, 201, 403, 201, 403, 403, 403, 403, 403],   other: ALL_403 },
    Row { method: "GET",    path: "/api/v1/users/{id}",        own: [200, 200, 200, 200, 200, 200, 403, 200, 200],   other: [404, 404, 404, 404, 404, 404, 403, 404, 404] },
    Row { method: "PATCH",  path: "/api/v1/users/{id}",        own: [200, 200, 403, 200, 403, 403, 403, 403, 403],   other: [404, 404, 404, 404, 403, 403, 403, 403, 403] },
    Row { method: "DELETE", path: "/api/v1/users/{id}",        own: [204, 204, 403, 204, 403, 403, 403, 403, 403],   other: [404, 404, 404, 404, 403, 403, 403, 403, 403] },
    Row { method: "GET",    path: "/api/v1/clients",           own: [200, 200, 403, 403, 403, 403, 403, 403, 403],   other: [200, 200, 403, 403, 403, 403, 403, 403, 403] },
    Row { method: "POST",   path: "/api/v1/clients",           own: [201, 201, 403, 403, 403, 403, 403, 403, 403],   other: ALL_403 },
    Row { method: "GET",    path: "/api/v1/clients/{id}",      own: [200, 200, 403, 403, 403, 403, 403, 403, 403],   other: [404, 404, 403, 403, 403, 403, 403, 403, 403] },
    Row { method: "DELETE", path: "/api/v1/clients/{id}",      own: [204, 204, 403, 403, 403, 403, 403, 403, 403],   other: [404, 404, 403, 403, 403, 403, 403, 403, 403] },
    Row { method: "GET",    path: "/api/v1/regions",           own: ALL_200,                                         other: ALL_200 },
    Row { method: "GET",    path: "/api/v1/regions/{code}",    own: ALL_200,                                         other: ALL_200 },
    Row { method: "GET",    path: "/api/v1/puskesmas",         own: ALL_200,                                         other: ALL_200 },
    Row { method: "POST",   path: "/api/v1/puskesmas",         own: [201, 201, 201, 403, 403, 403, 403, 201, 403],   other: ALL_403 },
    Row { method: "GET",    path: "/api/v1/puskesmas/{id}",    own: ALL_200,                                         other: ALL_404 },
    Row { method: "PATCH",  path: "/api/v1/puskesmas/{id}",    own: [200, 200, 200, 200, 403, 403, 403, 200, 403],   other: [404, 404, 404, 404, 404, 403, 403, 404, 403] },
    Row { method: "DELETE", path: "/api/v1/puskesmas/{id}",    own: [204, 204, 204, 404, 403, 403, 403, 204, 403],   other: [404, 404, 404, 404, 404, 403, 403, 404, 403] },
    Row { method: "GET",    path: "/api/v1/posyandu",          own: ALL_200,                                         other: ALL_200 },
    Row { method: "POST",   path: "/api/v1/posyandu",          own: [201, 201, 201, 201, 201, 403, 403, 201, 403],   other: ALL_403 },
    Row { method: "GET",    path: "/api/v1/posyandu/{id}",     own: ALL_200,                                         other: ALL_404 },
    Row { method: "PATCH",  path: "/api/v1/posyandu/{id}",     own: [200, 200, 200, 200, 200, 403, 403, 200, 403],   other: [404, 404, 404, 404, 404, 403, 403, 404, 403] },
    Row { method: "DELETE", path: "/api/v1/posyandu/{id}",     own: [204, 204, 204, 204, 204, 403, 403, 204, 403],   other: [404, 404, 404, 404, 404, 403, 403, 404, 403] },
    Row { method: "GET",    path: "/api/v1/posyandu/{id}/day-changes", own: ALL_200,                             other: ALL_404 },
    Row { method: "POST",   path: "/api/v1/posyandu/{id}/day-changes", own: [201, 201, 201, 201, 201, 403, 403, 201, 403], other: [404, 404, 404, 404, 404, 403, 403, 404, 403] },
    Row { method: "GET",    path: "/api/v1/desa/{code}",       own: ALL_200,                                         other: ALL_404 },
    Row { method: "PUT",    path: "/api/v1/desa/{code}",       own: [200, 200, 200, 403, 200, 403, 403, 200, 403],   other: ALL_403 },
    Row { method: "GET",    path: "/api/v1/families",          own: ALL_200,                                         other: ALL_200 },
    Row { method: "POST",   path: "/api/v1/families",          own: ALL_201,                                         other: ALL_403 },
    Row { method: "GET",    path: "/api/v1/families/{id}",     own: ALL_200,                                         other: ALL_404 },
    Row { method: "PATCH",  path: "/api/v1/families/{id}",     own: ALL_200,                                         other: ALL_404 },
    Row { method: "GET",    path: "/api/v1/families/{id}/members", own: ALL_200,                                     other: ALL_404 },
    Row { method: "GET",    path: "/api/v1/people",            own: ALL_200,                                         other: ALL_200 },
    Row { method: "POST",   path: "/api/v1/people",            own: ALL_201,                                         other: ALL_403 },
    Row { method: "GET",    path: "/api/v1/people/{id}",       own: ALL_200,                                         other: ALL_404 },
    Row { method: "PATCH",  path: "/api/v1/people/{id}",       own: ALL_200,                                         other: ALL_404 },
    Row { method: "GET",    path: "/api/v1/people/{id}/events", own: ALL_200,                                        other: ALL_404 },
    Row { method: "POST",   path: "/api/v1/people/{id}/events", own: ALL_201,                                        other: ALL_404 },
    Row { method: "GET",    path: "/api/v1/people/{id}/posts", own: ALL_200,                                         other: ALL_404 },
    Row { method: "POST",   path: "/api/v1/people/{id}/posts", own: [201, 201, 201, 201, 201, 403, 403, 403, 403],   other: [404, 404, 404, 404, 404, 403, 403, 403, 403] },
    Row { method: "GET",    path: "/api/v1/children",          own: ALL_200,                                         other: ALL_200 },
    Row { method: "POST",   path: "/api/v1/children",          own: ALL_201,                                         other: ALL_422 },
    Row { method: "GET",    path: "/api/v1/children/{id}",     own: ALL_200,                                         other: ALL_404 },
    Row { method: "PATCH",  path: "/api/v1/children/{id}",     own: ALL_200,                                         other: ALL_404 },
    Row { method: "GET",    path: "/api/v1/children/{id}/weighings", own: ALL_200,                                   other: ALL_404 },
    Row { method: "POST",   path: "/api/v1/children/{id}/weighings", own: ALL_201,                                   other: ALL_404 },
    Row { method: "GET",    path: "/api/v1/children/{id}/growth-chart.svg", own: ALL_200,                            other: ALL_404 },
    Row { method: "POST",   path: "/api/v1/weighings/bulk",    own: ALL_200,                                         other: ALL_200 },
    Row { method: "GET",    path: "/api/v1/weighings/{id}",    own: ALL_200,                                         other: ALL_404 },
    Row { method: "PATCH",  path: "/api/v1/weighings/{id}",    own: ALL_200,                                         other: ALL_404 },
    Row { method: "DELETE", path: "/api/v1/weighings/{id}",    own: ALL_204,                                         other: ALL_404 },
    Row { method: "POST",   path: "/api/v1/growth/zscores",    own: ALL_200,                                         other: ALL_200 },
    Row { method: "POST",   path: "/api/v1/growth/zscores/batch", own: ALL_200,                                      other: ALL_200 },
    Row { method: "GET",    path: "/api/v1/growth/attention",  own: ALL_200,                                         other: ALL_200 },
    Row { method: "GET",    path: "/api/v1/kader",             own: ALL_200,                                         other: ALL_200 },
    Row { method: "POST",   path: "/api/v1/kader",             own: [201, 201, 201, 201, 201, 403, 403, 403, 403],   other: [422, 422, 422, 422, 422, 403, 403, 403, 403] },
    Row { method: "GET",    path: "/api/v1/kader/{id}",        own: ALL_200,                                         other: ALL_404 },
    Row { method: "PATCH",  path: "/api/v1/kader/{id}",        own: [200, 200, 200, 200, 200, 403, 403, 403, 403],   other: [404, 404, 404, 404, 404, 403, 403, 403, 403] },
    Row { method: "DELETE", path: "/api/v1/kader/{id}",        own: [204, 204, 204, 204, 204, 403, 403, 403, 403],   other: [404, 404, 404, 404, 404, 403, 403, 403, 403] },
    Row { method: "GET",    path: "/api/v1/kader/{id}/incentives", own: ALL_200,                                     other: ALL_404 },
    Row { method: "POST",   path: "/api/v1/kader/{id}/incentives", own: [201, 201, 201, 201, 201, 403, 403, 403, 403], other: [404, 404, 404, 404, 404, 403, 403, 403, 403] },
    Row { method: "GET",    path: "/api/v1/pregnancies",       own: ALL_200,                                         other: ALL_200 },
    Row { method: "POST",   path: "/api/v1/pregnancies",       own: [201, 201, 403, 201, 403, 201, 201, 201, 201],   other: [422, 422, 403, 422, 403, 422, 422, 422, 422] },
    Row { method: "GET",    path: "/api/v1/pregnancies/{id}",  own: ALL_200,                                         other: ALL_404 },
    Row { method: "PATCH",  path: "/api/v1/pregnancies/{id}",  own: [200, 200, 403, 200, 403, 200, 200, 200, 200],   other: [404, 404, 403, 404, 403, 404, 404, 404, 404] },
    Row { method: "POST",   path: "/api/v1/pregnancies/{id}/close", own: [200, 200, 403, 200, 403, 200, 200, 200, 200], other: [404, 404, 403, 404, 403, 404, 404, 404, 404] },
    Row { method: "GET",    path: "/api/v1/pregnancies/{id}/contacts", own: ALL_200,                                 other: ALL_404 },
    Row { method: "POST",   path: "/api/v1/pregnancies/{id}/contacts", own: [201, 201, 403, 201, 403, 201, 201, 201, 201], other: [404, 404, 403, 404, 403, 404, 404, 404, 404] },
    Row { method: "POST",   path: "/api/v1/pregnancies/{id}/births", own: [201, 201, 403, 201, 403, 201, 201, 201, 201], other: [404, 404, 403, 404, 403, 404, 404, 404, 404] },
    Row { method: "GET",    path: "/api/v1/children/{id}/immunisations", own: ALL_200,                               other: ALL_404 },
    Row { method: "POST",   path: "/api/v1/children/{id}/immunisations", own: [201, 201, 403, 201, 403, 201, 201, 201, 201], other: [404, 404, 403, 404, 403, 404, 404, 404, 404] },
    Row { method: "DELETE", path: "/api/v1/immunisations/{id}", own: [204, 204, 403, 204, 403, 204, 204, 204, 204],  other: [404, 404, 403, 404, 403, 404, 404, 404, 404] },
    Row { method: "GET",    path: "/api/v1/posyandu/{id}/due", own: ALL_200,                                         other: ALL_404 },
    Row { method: "GET",    path: "/api/v1/posyandu/{id}/vitamin-a", own: ALL_200,                                   other: ALL_404 },
    Row { method: "GET",    path: "/api/v1/people/{id}/vitamin-a", own: ALL_200,                                     other: ALL_404 },
    Row { method: "POST",   path: "/api/v1/people/{id}/vitamin-a", own: [201, 201, 403, 201, 403, 201, 201, 201, 201], other: [404, 404, 403, 404, 403, 404, 404, 404, 404] },
    Row { method: "GET",    path: "/api/v1/population/newcomers", own: ALL_200,                                      other: ALL_200 },
    Row { method: "POST",   path: "/api/v1/population/newcomers", own: ALL_201,                                      other: ALL_403 },
    Row { method: "GET",    path: "/api/v1/population/unattached", own: ALL_200,                                     other: ALL_200 },
    Row { method: "GET",    path: "/api/v1/bpjs/uninsured",    own: ALL_200,                                         other: ALL_200 },
    Row { method: "GET",    path: "/api/v1/bpjs/lost-pbi",     own: ALL_200,                                         other: ALL_200 },
    Row { method: "GET",    path: "/api/v1/audit",             own: [200, 200, 200, 200, 403, 403, 403, 403, 403],   other: [200, 200, 200, 200, 403, 403, 403, 403, 403] },
    Row { method: "GET",    path: "/api/v1/posyandu/{id}/schedule", own: ALL_200,                                other: ALL_404 },
    Row { method: "POST",   path: "/api/v1/messages/inbound",  own: RELAY_201,                                       other: RELAY_201 },
    Row { method: "POST",   path: "/api/v1/messages/claim",    own: RELAY_200,                                       other: RELAY_200 },
    Row { method: "POST",   path: "/api/v1/messages/outcomes", own: RELAY_200,                                       other: RELAY_200 },
    Row { method: "POST",   path: "/api/v1/outbox/results",    own: RELAY_200,                                       other: RELAY_200 },
    Row { method: "GET",    path: "/api/v1/messages",          own: READ_MESSAGES,                                   other: READ_MESSAGES },
    Row { method: "GET",    path: "/api/v1/messages/{id}",     own: READ_MESSAGES,                                   other: [404, 404, 403, 404, 403, 404, 403, 403, 404] },
    Row { method: "POST",   path: "/api/v1/messages/{id}/outcome", own: RELAY_200,                                   other: RELAY_404 },
    Row { method: "POST",   path: "/api/v1/messages/{id}/release", own: RELAY_200,                                   other: RELAY_404 },
    Row { method: "POST",   path: "/api/v1/messages/{id}/rerun", own: [200, 200, 403, 200, 403, 403, 403, 403, 403], other: [404, 404, 403, 404, 403, 403, 403, 403, 403] },
    Row { method: "GET",    path: "/api/v1/outbox",            own: READ_MESSAGES,                                   other: READ_MESSAGES },
    Row { method: "GET",    path: "/api/v1/outbox/stats",      own: READ_MESSAGES,                                   other: READ_MESSAGES },
    Row { method: "POST",   path: "/api/v1/outbox/claim",      own: RELAY_200,                                       other: RELAY_200 },
    Row { method: "POST",   path: "/api/v1/outbox/delivery-reports", own: RELAY_200,                                 other: RELAY_200 },
    Row { method: "POST",   path: "/api/v1/outbox/{id}/result", own: RELAY_200,                                      other: RELAY_404 },
    Row { method: "POST",   path: "/api/v1/contact-preferences", own: RELAY_200,                                     other: RELAY_200 },
    Row { method: "POST",   path: "/api/v1/reminders/plan",    own: RELAY_200,                                       other: RELAY_200 },
    Row { method: "GET",    path: "/api/v1/reports/skdn",      own: READ_REPORTS,                                    other: ALL_403 },
    Row { method: "GET",    path: "/api/v1/reports/skdn/chart.svg", own: READ_REPORTS,                               other: ALL_403 },
    Row { method: "GET",    path: "/api/v1/targets/{kabupaten}/{year}", own: READ_REPORTS,                           other: [404, 404, 404, 404, 404, 404, 404, 404, 403] },
    Row { method: "PUT",    path: "/api/v1/targets/{kabupaten}/{year}", own: [200, 200, 403, 403, 403, 403, 403, 403, 403], other: ALL_403 },
    Row { method: "GET",    path: "/api/v1/reports/nutrition", own: READ_REPORTS,                                    other: ALL_403 },
    Row { method: "GET",    path: "/api/v1/reports/nutrition/chart.svg", own: READ_REPORTS,                          other: ALL_403 },
    Row { method: "GET",    path: "/api/v1/reports/nutrition/cases", own: READ_REPORTS,                              other: ALL_403 },
    Row { method: "GET",    path: "/api/v1/reports/maternal",  own: READ_REPORTS,                                    other: ALL_403 },
    Row { method: "GET",    path: "/api/v1/reports/immunisation", own: READ_REPORTS,                                 other: ALL_403 },
    Row { method: "GET",    path: "/api/v1/reports/population", own: READ_REPORTS,                                   other: ALL_403 },
    Row { method: "GET",    path: "/api/v1/reports/institution", own: READ_REPORTS,                                  other: ALL_403 },
    Row { method: "GET",    path: "/api/v1/puskesmas/{id}/lokmin/{quarter}", own: LOKMIN_READ,                       other: LOKMIN_OTHER },
    Row { method: "GET",    path: "/api/v1/puskesmas/{id}/lokmin/{quarter}/coverage.svg", own: LOKMIN_READ,          other: LOKMIN_OTHER },
    Row { method: "GET",    path: "/api/v1/puskesmas/{id}/rtl", own: READ_REPORTS,                                   other: LOKMIN_OTHER },
    Row { method: "POST",   path: "/api/v1/puskesmas/{id}/rtl", own: [201, 201, 403, 201, 403, 403, 403, 403, 403],   other: LOKMIN_WRITE_OTHER },
    Row { method: "PATCH",  path: "/api/v1/rtl/{id}",          own: [200, 200, 403, 200, 403, 403, 403, 403, 403],   other: LOKMIN_WRITE_OTHER },
    Row { method: "POST",   path: "/api/v1/posyandu/{id}/activities", own: [201, 201, 201, 201, 201, 403, 201, 201, 403], other: ACTIVITIES_OTHER },
    Row { method: "GET",    path: "/api/v1/posyandu/{id}/activities", own: ALL_200,                                  other: ALL_404 },
    Row { method: "PUT",    path: "/api/v1/posyandu/{id}/health-fund/{year}", own: [200, 200, 200, 200, 200, 403, 200, 200, 403], other: ACTIVITIES_OTHER },
    Row { method: "GET",    path: "/api/v1/posyandu/{id}/health-fund/{year}", own: ALL_200,                          other: ALL_404 },
];

/// The lokmin pack is for those whose area holds the whole puskesmas.
const LOKMIN_READ: [u16; 9] = [200, 200, 200, 200, 403, 403, 403, 200, 403];
/// Writing another area's plan or log: not found for those who may write.
const LOKMIN_WRITE_OTHER: [u16; 9] = [404, 404, 403, 404, 403, 403, 403, 403, 403];
const ACTIVITIES_OTHER: [u16; 9] = [404, 404, 404, 404, 404, 403, 404, 404, 403];
/// Another area's puskesmas is not found (the bot is refused first).
const LOKMIN_OTHER: [u16; 9] = [404, 404, 404, 404, 404, 404, 404, 404, 403];

/// Everyone but the bot reads the reports of their area.
const READ_REPORTS: [u16; 9] = [200, 200, 200, 200, 200, 200, 200, 200, 403];

/// Only the bot (and an admin) relay chat messages.
const RELAY_200: [u16; 9] = [200, 403, 403, 403, 403, 403, 403, 403, 200];
const RELAY_201: [u16; 9] = [201, 403, 403, 403, 403, 403, 403, 403, 201];
const RELAY_404: [u16; 9] = [404, 403, 403, 403, 403, 403, 403, 403, 404];
/// Officers of the health side (and the bot) read the chat of their area.
const READ_MESSAGES: [u16; 9] = [200, 200, 403, 200, 403, 200, 403, 403, 200];

/// Routes anyone may call, with the status an anonymous caller gets.
const PUBLIC: &[(&str, &str, u16)] = &[
    ("GET", "/healthz", 200),
    ("GET", "/readyz", 200),
    ("GET", "/metrics", 200),
    ("POST", "/api/v1/auth/token", 400),
    ("POST", "/api/v1/auth/revoke", 200),
];

/// What to send for one cell, and what the list must (not) contain.
struct Cell {
    path: String,
    body: Option<Value>,
    /// For lists: an id that must be in the list (own) or absent (other).
    listed: Option<(String, bool)>,
}

/// This quarter, `2026-Q4`.
fn this_quarter() -> String {
    let today = posyandu_tests::today();
    format!("{}-Q{}", today.year(), (today.month() - 1) / 3 + 1)
}

/// A fresh RTL item of the side's puskesmas, written straight to the
/// database (so that every cell patches one that exists).
async fn rtl_item(app: &TestApp, side: &posyandu_tests::world::Side) -> uuid::Uuid {
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let now = chrono::Utc::now();
    let id = uuid::Uuid::now_v7();
    entity::rtl_item::Entity::insert(entity::rtl_item::ActiveModel {
        id: Set(id),
        quarter: Set(this_quarter()),
        indicator: Set(None),
        problem: Set("D/S rendah".into()),
        action: Set("Kunjungan rumah".into()),
        owner_sector: Set("kader".into()),
        deadline: Set(posyandu_tests::today()),
        status: Set("planned".into()),
        notes: Set(None),
        created_by: Set("test".into()),
        province_code: Set(side.puskesmas.province_code.clone()),
        kabupaten_code: Set(side.kabupaten.to_owned()),
        kecamatan_code: Set(side.kecamatan.to_owned()),
        puskesmas_id: Set(side.puskesmas.id),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&app.db)
    .await
    .expect("an RTL item");
    id
}

/// The 10th of next month: a posyandu day under the world's rule.
fn next_tenth() -> String {
    let today = posyandu_tests::today();
    let (y, m) = if today.month() == 12 {
        (today.year() + 1, 1)
    } else {
        (today.year(), today.month() + 1)
    };
    format!("{y}-{m:02}-10")
}

fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_owned()
}

/// A puskesmas code no other test row uses.
fn fresh_kode() -> String {
    let n = u64::from_str_radix(&unique(), 16).unwrap() % 10_000_000_000;
    format!("P{n:010}")
}

async fn cell(app: &TestApp, world: &World, row: &Row, role: Role, own: bool) -> Cell {
    let side = world.side(own);
    let plain = |path: String| Cell {
        path,
        body: None,
        listed: None,
    };
    let listing = |path: &str, id: String| Cell {
        path: path.to_owned(),
        body: None,
        listed: Some((id, own)),
    };
    match (row.method, row.path) {
        ("GET", "/api/v1/me") => plain("/api/v1/me".into()),
        ("PUT", "/api/v1/me/password") => {
            let (current, new) = if own {
                (PASSWORD, "kata-sandi-baru-456")
            } else {
                ("kata-sandi-baru-456", PASSWORD)
            };
            Cell {
                path: row.path.into(),
                body: Some(json!({"current_password": current, "new_password": new})),
                listed: None,
            }
        }
        ("GET", "/api/v1/users") => listing(row.path, side.kader.id.to_string()),
        ("POST", "/api/v1/users") => Cell {
            path: row.path.into(),
            body: Some(json!({
                "username": format!("kader.{}", unique()),
                "display_name": "Kader Baru",
                "password": PASSWORD,
                "role": "kader",
                "area_code": side.posyandu.kode,
            })),
            listed: None,
        },
        ("GET", "/api/v1/users/{id}") => plain(format!("/api/v1/users/{}", side.kader.id)),
        ("PATCH", "/api/v1/users/{id}") => Cell {
            path: format!("/api/v1/users/{}", side.kader.id),
            body: Some(json!({"display_name": format!("Kader {}", role.as_str())})),
            listed: None,
        },
        ("DELETE", "/api/v1/users/{id}") => {
            let user = app
                .create_user(
                    &format!("gone.{}", unique()),
                    Role::Kader,
                    &side.posyandu.kode,
                )
                .await;
            plain(format!("/api/v1/users/{}", user.id))
        }
        ("GET", "/api/v1/clients") => listing(row.path, side.client.client.id.to_string()),
        ("POST", "/api/v1/clients") => Cell {
            path: row.path.into(),
            body: Some(
                json!({"name": "App baru", "scopes": ["read:areas"], "area_code": side.kabupaten}),
            ),
            listed: None,
        },
        ("GET", "/api/v1/clients/{id}") => {
            plain(format!("/api/v1/clients/{}", side.client.client.id))
        }
        ("DELETE", "/api/v1/clients/{id}") => {
            let client = new_client(
                app,
                &format!("gone {}", unique()),
                Role::App,
                side.kabupaten,
            )
            .await;
            plain(format!("/api/v1/clients/{}", client.client.id))
        }
        ("GET", "/api/v1/regions") => plain(format!("/api/v1/regions?parent={}", side.kecamatan)),
        ("GET", "/api/v1/regions/{code}") => plain(format!("/api/v1/regions/{}", side.desa)),
        ("GET", "/api/v1/puskesmas") => listing(row.path, side.puskesmas.id.to_string()),
        ("POST", "/api/v1/puskesmas") => Cell {
            path: row.path.into(),
            body: Some(
                json!({"kode": fresh_kode(), "name": "Puskesmas Baru", "kecamatan_code": side.kecamatan}),
            ),
            listed: None,
        },
        ("GET", "/api/v1/puskesmas/{id}") => {
            plain(format!("/api/v1/puskesmas/{}", side.puskesmas.id))
        }
        ("PATCH", "/api/v1/puskesmas/{id}") => Cell {
            path: format!("/api/v1/puskesmas/{}", side.puskesmas.id),
            body: Some(json!({"address": format!("Jl. {}", role.as_str())})),
            listed: None,
        },
        ("DELETE", "/api/v1/puskesmas/{id}") => {
            let puskesmas = new_puskesmas(
                app,
                &fresh_kode(),
                "Puskesmas Lama",
                side.kecamatan,
                &[side.desa],
            )
            .await;
            plain(format!("/api/v1/puskesmas/{}", puskesmas.id))
        }
        ("GET", "/api/v1/posyandu") => listing(row.path, side.posyandu.id.to_string()),
        ("POST", "/api/v1/posyandu") => Cell {
            path: row.path.into(),
            body: Some(
                json!({"name": "Posyandu Baru", "desa_code": side.desa, "puskesmas_id": side.puskesmas.id}),
            ),
            listed: None,
        },
        ("GET", "/api/v1/posyandu/{id}") => plain(format!("/api/v1/posyandu/{}", side.posyandu.id)),
        ("PATCH", "/api/v1/posyandu/{id}") => Cell {
            path: format!("/api/v1/posyandu/{}", side.posyandu.id),
            body: Some(json!({"name": format!("Posyandu {}", role.as_str())})),
            listed: None,
        },
        ("DELETE", "/api/v1/posyandu/{id}") => {
            let posyandu = new_posyandu(app, "Posyandu Lama", side.desa, &side.puskesmas).await;
            plain(format!("/api/v1/posyandu/{}", posyandu.id))
        }
        ("GET", "/api/v1/posyandu/{id}/day-changes") => {
            plain(format!("/api/v1/posyandu/{}/day-changes", side.posyandu.id))
        }
        ("POST", "/api/v1/posyandu/{id}/day-changes") => Cell {
            path: format!("/api/v1/posyandu/{}/day-changes", side.posyandu.id),
            body: Some(json!({"from_date": next_tenth(), "to_date": null, "reason": "Hari raya"})),
            listed: None,
        },
        ("GET", "/api/v1/desa/{code}") => plain(format!("/api/v1/desa/{}", side.desa)),
        ("PUT", "/api/v1/desa/{code}") => Cell {
            path: format!("/api/v1/desa/{}", side.desa),
            body: Some(json!({"has_bidan_desa": true})),
            listed: None,
        },
        ("GET", "/api/v1/families") => listing(row.path, side.family.id.to_string()),
        ("POST", "/api/v1/families") => Cell {
            path: row.path.into(),
            body: Some(if own {
                json!({"desil": 4, "posyandu_id": side.posyandu.id})
            } else {
                json!({"desil": 4, "desa_code": side.desa})
            }),
            listed: None,
        },
        ("GET", "/api/v1/families/{id}") => plain(format!("/api/v1/families/{}", side.family.id)),
        ("PATCH", "/api/v1/families/{id}") => Cell {
            path: format!("/api/v1/families/{}", side.family.id),
            body: Some(json!({"address": format!("Banjar {}", role.as_str())})),
            listed: None,
        },
        ("GET", "/api/v1/families/{id}/members") => {
            plain(format!("/api/v1/families/{}/members", side.family.id))
        }
        ("GET", "/api/v1/people") => listing(row.path, side.mother.id.to_string()),
        ("POST", "/api/v1/people") => Cell {
            path: row.path.into(),
            body: Some(if own {
                json!({"name": "Ibu Baru", "sex": "P", "birth_date": "1995-04-02", "posyandu_id": side.posyandu.id})
            } else {
                json!({"name": "Ibu Baru", "sex": "P", "birth_date": "1995-04-02", "desa_code": side.desa})
            }),
            listed: None,
        },
        ("GET", "/api/v1/people/{id}") => plain(format!("/api/v1/people/{}", side.mother.id)),
        ("PATCH", "/api/v1/people/{id}") => Cell {
            path: format!("/api/v1/people/{}", side.mother.id),
            body: Some(json!({"bpjs_segment": "pbi"})),
            listed: None,
        },
        ("GET", "/api/v1/people/{id}/events") => {
            plain(format!("/api/v1/people/{}/events", side.mother.id))
        }
        ("POST", "/api/v1/people/{id}/events") => {
            let person = new_person(app, "Pindahan", Sex::L, years_ago(30), &side.posyandu).await;
            Cell {
                path: format!("/api/v1/people/{}/events", person.id),
                body: Some(
                    json!({"kind": "moved", "event_date": posyandu_tests::today(), "note": "ke Denpasar"}),
                ),
                listed: None,
            }
        }
        ("GET", "/api/v1/people/{id}/posts") => {
            plain(format!("/api/v1/people/{}/posts", side.mother.id))
        }
        ("POST", "/api/v1/people/{id}/posts") => Cell {
            path: format!("/api/v1/people/{}/posts", side.mother.id),
            body: Some(
                json!({"institution": "lpm", "post": "anggota", "board": false, "active_from": "2024-01-01"}),
            ),
            listed: None,
        },
        ("GET", "/api/v1/children") => listing(row.path, side.child.id.to_string()),
        ("POST", "/api/v1/children") => Cell {
            path: row.path.into(),
            body: Some(json!({
                "person": {"name": "Bayi Baru", "sex": "L", "birth_date": years_ago(1)},
                "posyandu_id": side.posyandu.id,
                "birth_weight_g": 3200
            })),
            listed: None,
        },
        ("GET", "/api/v1/children/{id}") => plain(format!("/api/v1/children/{}", side.child.id)),
        ("PATCH", "/api/v1/children/{id}") => Cell {
            path: format!("/api/v1/children/{}", side.child.id),
            body: Some(json!({"kms_held": true})),
            listed: None,
        },
        ("GET", "/api/v1/children/{id}/weighings") => {
            plain(format!("/api/v1/children/{}/weighings", side.child.id))
        }
        ("POST", "/api/v1/children/{id}/weighings") => {
            let child = new_child(app, "Ditimbang", years_ago(2), &side.posyandu, None).await;
            Cell {
                path: format!("/api/v1/children/{}/weighings", child.id),
                body: Some(json!({"weight_kg": 11.2, "length_cm": 85.5, "position": "standing"})),
                listed: None,
            }
        }
        ("GET", "/api/v1/children/{id}/growth-chart.svg") => plain(format!(
            "/api/v1/children/{}/growth-chart.svg",
            side.child.id
        )),
        ("POST", "/api/v1/weighings/bulk") => Cell {
            path: row.path.into(),
            body: Some(
                json!({"weighings": [{"child_id": side.child.id, "weighing": {"weight_kg": 6.0, "length_cm": 66.0, "position": "lying", "measured_by": "Kader"}}]}),
            ),
            listed: None,
        },
        ("GET", "/api/v1/weighings/{id}") => {
            plain(format!("/api/v1/weighings/{}", side.weighing.id))
        }
        ("PATCH", "/api/v1/weighings/{id}") => Cell {
            path: format!("/api/v1/weighings/{}", side.weighing.id),
            body: Some(json!({"head_cm": 43.5})),
            listed: None,
        },
        ("DELETE", "/api/v1/weighings/{id}") => {
            let weighing = fresh_weighing(app, &side.posyandu).await;
            plain(format!("/api/v1/weighings/{}", weighing.id))
        }
        ("POST", "/api/v1/growth/zscores") => Cell {
            path: row.path.into(),
            body: Some(
                json!({"sex": "L", "age_days": 365, "weight_kg": 9.6, "length_cm": 75.7, "position": "lying"}),
            ),
            listed: None,
        },
        ("POST", "/api/v1/growth/zscores/batch") => Cell {
            path: row.path.into(),
            body: Some(json!({"records": [{"sex": "P", "age_days": 30, "weight_kg": 4.2}]})),
            listed: None,
        },
        ("GET", "/api/v1/growth/attention") => listing(
            &format!(
                "/api/v1/growth/attention?kind=stunting&month={}",
                posyandu_tests::this_month()
            ),
            side.child.id.to_string(),
        ),
        ("GET", "/api/v1/kader") => listing(row.path, side.kader_record.id.to_string()),
        ("POST", "/api/v1/kader") => Cell {
            path: row.path.into(),
            body: Some(json!({
                "person": {"name": "Kader Baru", "sex": "P", "birth_date": "1990-05-05"},
                "posyandu_id": side.posyandu.id,
                "active_from": "2025-01-01"
            })),
            listed: None,
        },
        ("GET", "/api/v1/kader/{id}") => plain(format!("/api/v1/kader/{}", side.kader_record.id)),
        ("PATCH", "/api/v1/kader/{id}") => Cell {
            path: format!("/api/v1/kader/{}", side.kader_record.id),
            body: Some(json!({"training_tier": "madya"})),
            listed: None,
        },
        ("DELETE", "/api/v1/kader/{id}") => {
            let kader = new_kader(app, "Kader Salah Input", &side.posyandu).await;
            plain(format!("/api/v1/kader/{}", kader.id))
        }
        ("GET", "/api/v1/kader/{id}/incentives") => {
            plain(format!("/api/v1/kader/{}/incentives", side.kader_record.id))
        }
        ("POST", "/api/v1/kader/{id}/incentives") => Cell {
            path: format!("/api/v1/kader/{}/incentives", side.kader_record.id),
            body: Some(
                json!({"period": "2026-10", "amount_rupiah": 150000, "source": "dana_desa"}),
            ),
            listed: None,
        },
        ("GET", "/api/v1/pregnancies") => listing(row.path, side.pregnancy.id.to_string()),
        ("POST", "/api/v1/pregnancies") => {
            let mother =
                new_person(app, "Ibu Baru Hamil", Sex::P, years_ago(24), &side.posyandu).await;
            Cell {
                path: row.path.into(),
                body: Some(json!({"mother_id": mother.id, "gestational_age_weeks": 10})),
                listed: None,
            }
        }
        ("GET", "/api/v1/pregnancies/{id}") => {
            plain(format!("/api/v1/pregnancies/{}", side.pregnancy.id))
        }
        ("PATCH", "/api/v1/pregnancies/{id}") => Cell {
            path: format!("/api/v1/pregnancies/{}", side.pregnancy.id),
            body: Some(json!({"height_cm": 150.5})),
            listed: None,
        },
        ("POST", "/api/v1/pregnancies/{id}/close") => {
            let pregnancy = fresh_pregnancy(app, &side.posyandu, 70).await;
            Cell {
                path: format!("/api/v1/pregnancies/{}/close", pregnancy.id),
                body: Some(json!({"outcome": "miscarriage", "date": posyandu_tests::today()})),
                listed: None,
            }
        }
        ("GET", "/api/v1/pregnancies/{id}/contacts") => plain(format!(
            "/api/v1/pregnancies/{}/contacts",
            side.pregnancy.id
        )),
        ("POST", "/api/v1/pregnancies/{id}/contacts") => {
            let pregnancy = fresh_pregnancy(app, &side.posyandu, 100).await;
            Cell {
                path: format!("/api/v1/pregnancies/{}/contacts", pregnancy.id),
                body: Some(
                    json!({"date": posyandu_tests::today(), "provider": "bidan", "lila_cm": 24.0}),
                ),
                listed: None,
            }
        }
        ("POST", "/api/v1/pregnancies/{id}/births") => {
            let pregnancy = fresh_pregnancy(app, &side.posyandu, 275).await;
            Cell {
                path: format!("/api/v1/pregnancies/{}/births", pregnancy.id),
                body: Some(
                    json!({"name": "Bayi Baru", "sex": "L", "birth_date": posyandu_tests::today(), "weight_g": 3100}),
                ),
                listed: None,
            }
        }
        ("GET", "/api/v1/children/{id}/immunisations") => {
            plain(format!("/api/v1/children/{}/immunisations", side.child.id))
        }
        ("POST", "/api/v1/children/{id}/immunisations") => {
            let child = new_child(app, "Diimunisasi", years_ago(1), &side.posyandu, None).await;
            Cell {
                path: format!("/api/v1/children/{}/immunisations", child.id),
                body: Some(
                    json!({"antigen": "BCG", "dose": 1, "given_on": child.person.birth_date + chrono::Duration::days(30)}),
                ),
                listed: None,
            }
        }
        ("DELETE", "/api/v1/immunisations/{id}") => {
            let child = new_child(app, "Salah Input", years_ago(1), &side.posyandu, None).await;
            let dose = match immunisation::record(
                &app.db,
                Authority::Operator,
                child.id,
                NewImmunisation {
                    antigen: "BCG".into(),
                    dose: 1,
                    given_on: child.person.birth_date + chrono::Duration::days(30),
                    batch: None,
                    place: None,
                    given_by: None,
                },
            )
            .await
            .unwrap()
            {
                DoseRecorded::Created(d) | DoseRecorded::Existing(d) => d,
            };
            plain(format!("/api/v1/immunisations/{}", dose.id))
        }
        ("GET", "/api/v1/posyandu/{id}/due") => {
            plain(format!("/api/v1/posyandu/{}/due", side.posyandu.id))
        }
        ("GET", "/api/v1/posyandu/{id}/vitamin-a") => plain(format!(
            "/api/v1/posyandu/{}/vitamin-a?round=2026-08",
            side.posyandu.id
        )),
        ("GET", "/api/v1/people/{id}/vitamin-a") => {
            plain(format!("/api/v1/people/{}/vitamin-a", side.child.id))
        }
        ("POST", "/api/v1/people/{id}/vitamin-a") => {
            let child = new_child(app, "Kapsul Merah", years_ago(2), &side.posyandu, None).await;
            Cell {
                path: format!("/api/v1/people/{}/vitamin-a", child.id),
                body: Some(json!({"capsule": "red", "given_on": posyandu_tests::today()})),
                listed: None,
            }
        }
        ("GET", "/api/v1/population/newcomers") => plain(format!(
            "/api/v1/population/newcomers?month={}",
            posyandu_tests::this_month()
        )),
        ("POST", "/api/v1/population/newcomers") => Cell {
            path: row.path.into(),
            body: Some(json!({
                "person": if own {
                    json!({"name": "Pendatang", "sex": "L", "birth_date": "1990-01-01", "posyandu_id": side.posyandu.id})
                } else {
                    json!({"name": "Pendatang", "sex": "L", "birth_date": "1990-01-01", "desa_code": side.desa})
                },
                "arrived_on": posyandu_tests::today(),
                "origin": "Jember"
            })),
            listed: None,
        },
        ("GET", "/api/v1/population/unattached") => plain(row.path.into()),
        ("GET", "/api/v1/bpjs/uninsured") => plain(row.path.into()),
        ("GET", "/api/v1/bpjs/lost-pbi") => plain(row.path.into()),
        ("GET", "/api/v1/reports/skdn") => plain(format!(
            "/api/v1/reports/skdn?month={}&area={}",
            posyandu_tests::this_month(),
            side.posyandu.kode
        )),
        ("GET", "/api/v1/reports/skdn/chart.svg") => plain(format!(
            "/api/v1/reports/skdn/chart.svg?month={}&area={}",
            posyandu_tests::this_month(),
            side.posyandu.kode
        )),
        ("GET", "/api/v1/targets/{kabupaten}/{year}") => plain(format!(
            "/api/v1/targets/{}/{}",
            side.kabupaten,
            posyandu_tests::today().year()
        )),
        ("PUT", "/api/v1/targets/{kabupaten}/{year}") => Cell {
            path: format!(
                "/api/v1/targets/{}/{}",
                side.kabupaten,
                posyandu_tests::today().year()
            ),
            body: Some(json!({"targets": [{"indicator": "ds", "value": 0.8}]})),
            listed: None,
        },
        (
            "GET",
            path @ ("/api/v1/reports/nutrition"
            | "/api/v1/reports/nutrition/chart.svg"
            | "/api/v1/reports/maternal"
            | "/api/v1/reports/immunisation"
            | "/api/v1/reports/population"
            | "/api/v1/reports/institution"),
        ) => plain(format!(
            "{path}?month={}&area={}",
            posyandu_tests::this_month(),
            side.posyandu.kode
        )),
        ("GET", "/api/v1/reports/nutrition/cases") => plain(format!(
            "/api/v1/reports/nutrition/cases?month={}&area={}&kind=stunting",
            posyandu_tests::this_month(),
            side.posyandu.kode
        )),
        ("GET", "/api/v1/puskesmas/{id}/lokmin/{quarter}") => plain(format!(
            "/api/v1/puskesmas/{}/lokmin/{}",
            side.puskesmas.id,
            this_quarter()
        )),
        ("GET", "/api/v1/puskesmas/{id}/lokmin/{quarter}/coverage.svg") => plain(format!(
            "/api/v1/puskesmas/{}/lokmin/{}/coverage.svg",
            side.puskesmas.id,
            this_quarter()
        )),
        ("GET", "/api/v1/puskesmas/{id}/rtl") => {
            plain(format!("/api/v1/puskesmas/{}/rtl", side.puskesmas.id))
        }
        ("POST", "/api/v1/puskesmas/{id}/rtl") => Cell {
            path: format!("/api/v1/puskesmas/{}/rtl", side.puskesmas.id),
            body: Some(json!({"quarter": this_quarter(), "problem": "D/S rendah",
                "action": "Kunjungan rumah", "owner_sector": "kader",
                "deadline": posyandu_tests::today()})),
            listed: None,
        },
        ("PATCH", "/api/v1/rtl/{id}") => Cell {
            path: format!("/api/v1/rtl/{}", rtl_item(app, side).await),
            body: Some(json!({"status": "in_progress"})),
            listed: None,
        },
        ("POST", "/api/v1/posyandu/{id}/activities") => Cell {
            path: format!("/api/v1/posyandu/{}/activities", side.posyandu.id),
            body: Some(
                json!({"field": "pendidikan", "activity_date": posyandu_tests::today(),
                "description": "Kelas ibu balita", "people": 12}),
            ),
            listed: None,
        },
        ("GET", "/api/v1/posyandu/{id}/activities") => {
            plain(format!("/api/v1/posyandu/{}/activities", side.posyandu.id))
        }
        ("PUT", "/api/v1/posyandu/{id}/health-fund/{year}") => Cell {
            path: format!(
                "/api/v1/posyandu/{}/health-fund/{}",
                side.posyandu.id,
                posyandu_tests::today().year()
            ),
            body: Some(
                json!({"year": posyandu_tests::today().year(), "households": 80,
                "households_covered": 30}),
            ),
            listed: None,
        },
        ("GET", "/api/v1/posyandu/{id}/health-fund/{year}") => plain(format!(
            "/api/v1/posyandu/{}/health-fund/{}",
            side.posyandu.id,
            posyandu_tests::today().year()
        )),
        ("GET", "/api/v1/audit") => listing(
            &format!(
                "/api/v1/audit?entity=posyandu&entity_id={}",
                side.posyandu.id
            ),
            side.posyandu.id.to_string(),
        ),
        ("GET", "/api/v1/posyandu/{id}/schedule") => {
            plain(format!("/api/v1/posyandu/{}/schedule", side.posyandu.id))
        }
        ("POST", "/api/v1/messages/inbound") => Cell {
            path: row.path.into(),
            body: Some(
                json!({"channel": "whatsapp", "provider_message_id": format!("wamid.{}", unique()),
                "from": "6281299990000", "text": "BANTU"}),
            ),
            listed: None,
        },
        ("POST", "/api/v1/messages/claim") | ("POST", "/api/v1/outbox/claim") => Cell {
            path: row.path.into(),
            body: Some(json!({"worker": "matrix", "limit": 1})),
            listed: None,
        },
        ("GET", "/api/v1/messages") => {
            let id = message_at(app, side, "processed", None).await;
            listing(row.path, id.to_string())
        }
        // Batches answer 200 with each item's own status: the matrix checks
        // the item's status through `batch_item` below.
        ("POST", "/api/v1/messages/outcomes") => {
            let id = message_at(app, side, "processing", Some("matrix")).await;
            Cell {
                path: row.path.into(),
                body: Some(
                    json!({"items": [{"id": id, "outcome": {"worker": "matrix", "status": "processed", "reply": "OK"}}]}),
                ),
                listed: None,
            }
        }
        ("POST", "/api/v1/outbox/results") => {
            let id = outbox_at(app, side, "sending", Some("matrix")).await;
            Cell {
                path: row.path.into(),
                body: Some(
                    json!({"items": [{"id": id, "report": {"worker": "matrix", "result": {"outcome": "sent", "provider_message_id": format!("wamid.{}", unique())}}}]}),
                ),
                listed: None,
            }
        }
        ("GET", "/api/v1/messages/{id}") => {
            let id = message_at(app, side, "processed", None).await;
            plain(format!("/api/v1/messages/{id}"))
        }
        ("POST", "/api/v1/messages/{id}/outcome") => {
            let id = message_at(app, side, "processing", Some("matrix")).await;
            Cell {
                path: format!("/api/v1/messages/{id}/outcome"),
                body: Some(json!({"worker": "matrix", "status": "processed", "reply": "OK"})),
                listed: None,
            }
        }
        ("POST", "/api/v1/messages/{id}/release") => {
            let id = message_at(app, side, "processing", Some("matrix")).await;
            Cell {
                path: format!("/api/v1/messages/{id}/release"),
                body: Some(json!({"worker": "matrix"})),
                listed: None,
            }
        }
        ("POST", "/api/v1/messages/{id}/rerun") => {
            let id = message_at(app, side, "failed", None).await;
            Cell {
                path: format!("/api/v1/messages/{id}/rerun"),
                body: Some(json!({"text": "BANTU"})),
                listed: None,
            }
        }
        ("GET", "/api/v1/outbox/stats") => plain(row.path.to_owned()),
        ("GET", "/api/v1/outbox") => {
            let id = outbox_at(app, side, "sent", None).await;
            listing(row.path, id.to_string())
        }
        ("POST", "/api/v1/outbox/delivery-reports") => Cell {
            path: row.path.into(),
            body: Some(
                json!({"items": [{"channel": "whatsapp", "provider_message_id": "wamid.none", "status": "read"}]}),
            ),
            listed: None,
        },
        ("POST", "/api/v1/outbox/{id}/result") => {
            let id = outbox_at(app, side, "sending", Some("matrix")).await;
            Cell {
                path: format!("/api/v1/outbox/{id}/result"),
                body: Some(
                    json!({"worker": "matrix", "result": {"outcome": "sent", "provider_message_id": format!("wamid.{}", unique())}}),
                ),
                listed: None,
            }
        }
        ("POST", "/api/v1/contact-preferences") => Cell {
            path: row.path.into(),
            body: Some(json!({"phone": "0812-9999-0001", "opted_out": true})),
            listed: None,
        },
        ("POST", "/api/v1/reminders/plan") => Cell {
            path: row.path.into(),
            body: Some(json!({"days": 2})),
            listed: None,
        },
        (method, path) => panic!("no request for {method} {path}: add it to `cell`"),
    }
}

/// A chat message from someone at `side`'s posyandu, in `status`.
async fn message_at(
    app: &TestApp,
    side: &posyandu_tests::world::Side,
    status: &str,
    claimed_by: Option<&str>,
) -> uuid::Uuid {
    use entity::inbound_message;
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let now = chrono::Utc::now();
    let id = uuid::Uuid::now_v7();
    let p = &side.posyandu;
    inbound_message::Entity::insert(inbound_message::ActiveModel {
        id: Set(id),
        channel: Set("whatsapp".into()),
        provider_message_id: Set(format!("wamid.{}", unique())),
        sender_phone: Set(format!(
            "+62812{}",
            &unique()[..7].replace(|c: char| !c.is_ascii_digit(), "1")
        )),
        recipient: Set(None),
        kind: Set("text".into()),
        body: Set(Some("TIMBANG 10019 8,5".into())),
        original_body: Set(None),
        profile_name: Set(None),
        raw: Set(None),
        sent_at: Set(None),
        received_at: Set(now),
        status: Set(status.into()),
        attempts: Set(1),
        revision: Set(0),
        not_before: Set(now),
        lease_until: Set(claimed_by.map(|_| now + chrono::Duration::seconds(60))),
        claimed_by: Set(claimed_by.map(str::to_owned)),
        sender_kind: Set("kader".into()),
        kader_id: Set(None),
        user_id: Set(None),
        outcome: Set(None),
        records: Set(None),
        pending: Set(None),
        pending_until: Set(None),
        reply_id: Set(None),
        error: Set(None),
        processed_at: Set(None),
        province_code: Set(Some(p.province_code.clone())),
        kabupaten_code: Set(Some(p.kabupaten_code.clone())),
        kecamatan_code: Set(Some(p.kecamatan_code.clone())),
        desa_code: Set(Some(p.desa_code.clone())),
        puskesmas_id: Set(Some(p.puskesmas_id)),
        posyandu_id: Set(Some(p.id)),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&app.db)
    .await
    .expect("a chat message");
    id
}

/// An outbox message to someone at `side`'s posyandu, in `status`.
async fn outbox_at(
    app: &TestApp,
    side: &posyandu_tests::world::Side,
    status: &str,
    claimed_by: Option<&str>,
) -> uuid::Uuid {
    use entity::outbox_message;
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let now = chrono::Utc::now();
    let id = uuid::Uuid::now_v7();
    let p = &side.posyandu;
    outbox_message::Entity::insert(outbox_message::ActiveModel {
        id: Set(id),
        channel: Set("whatsapp".into()),
        recipient: Set("+6281299990002".into()),
        kind: Set("reply".into()),
        priority: Set(0),
        body: Set(Some("OK".into())),
        template_name: Set(None),
        template_language: Set(None),
        template_params: Set(None),
        dedupe_key: Set(format!("matrix:{id}")),
        status: Set(status.into()),
        attempts: Set(1),
        not_before: Set(now),
        expires_at: Set(now + chrono::Duration::hours(1)),
        lease_until: Set(claimed_by.map(|_| now + chrono::Duration::seconds(60))),
        claimed_by: Set(claimed_by.map(str::to_owned)),
        provider_message_id: Set(None),
        error_code: Set(None),
        error_detail: Set(None),
        inbound_id: Set(None),
        sent_at: Set(None),
        delivered_at: Set(None),
        read_at: Set(None),
        first_attempt_at: Set(None),
        fallback_of: Set(None),
        province_code: Set(Some(p.province_code.clone())),
        kabupaten_code: Set(Some(p.kabupaten_code.clone())),
        kecamatan_code: Set(Some(p.kecamatan_code.clone())),
        desa_code: Set(Some(p.desa_code.clone())),
        puskesmas_id: Set(Some(p.puskesmas_id)),
        posyandu_id: Set(Some(p.id)),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&app.db)
    .await
    .expect("an outbox message");
    id
}

fn listed_ids(body: &Value) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for item in body["items"].as_array().expect("a page has items") {
        for key in ["id", "entity_id"] {
            if let Some(id) = item.get(key).and_then(Value::as_str) {
                ids.insert(id.to_owned());
            }
        }
    }
    ids
}

#[tokio::test]
async fn every_route_role_and_area_gives_the_expected_status() {
    let app = spawn_app().await;
    let world = World::build(&app).await;
    let mut failures = Vec::new();
    for row in MATRIX {
        for (column, role) in ROLES.iter().enumerate() {
            for own in [true, false] {
                let expected = if own {
                    row.own[column]
                } else {
                    row.other[column]
                };
                let cell = cell(&app, &world, row, *role, own).await;
                let caller = &world.callers[role];
                let method = Method::from_bytes(row.method.as_bytes()).unwrap();
                let response = app
                    .request(method, &cell.path, Some(caller), cell.body.as_ref())
                    .await;
                let status = response.status().as_u16();
                let text = response.text().await.unwrap_or_default();
                let area = if own { "own" } else { "other" };
                if status != expected {
                    failures.push(format!(
                        "{} {} as {} ({area} area): expected {expected}, got {status}: {text}",
                        row.method, cell.path, role
                    ));
                    continue;
                }
                // A batch's items carry their own status: in another area,
                // the item is not found.
                if status == 200
                    && (row.path.ends_with("/outcomes") || row.path.ends_with("/results"))
                {
                    let body: Value = serde_json::from_str(&text).unwrap_or_default();
                    if let Some(item) = body["items"].get(0) {
                        let wanted = if own { 200 } else { 404 };
                        if item["status"] != wanted {
                            failures.push(format!(
                                "{} {} as {role} ({area} area): item status {}, expected {wanted}",
                                row.method, cell.path, item["status"]
                            ));
                        }
                    }
                }
                if let (200, Some((id, own))) = (status, &cell.listed) {
                    let ids = listed_ids(&serde_json::from_str(&text).unwrap());
                    if ids.contains(id) != *own {
                        failures.push(format!(
                            "{} {} as {}: {id} should {}be listed",
                            row.method,
                            cell.path,
                            role,
                            if *own { "" } else { "not " }
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn every_secured_route_needs_a_token_and_public_routes_do_not() {
    let app = spawn_app().await;
    for row in MATRIX {
        let path = row
            .path
            .replace("{id}", &uuid::Uuid::now_v7().to_string())
            .replace("{code}", "51.08");
        let method = Method::from_bytes(row.method.as_bytes()).unwrap();
        let response = app.request(method, &path, None, Some(&json!({}))).await;
        assert_eq!(
            response.status().as_u16(),
            401,
            "{} {}",
            row.method,
            row.path
        );
        assert!(response.headers().contains_key("www-authenticate"));
    }
    for (method, path, status) in PUBLIC {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let body = (method == Method::POST).then(|| json!({"token": "not-a-token"}));
        let response = app.request(method, path, None, body.as_ref()).await;
        assert_eq!(response.status().as_u16(), *status, "{path}");
    }
}

#[test]
fn every_route_has_a_row() {
    let spec = posyandu_api::startup::openapi_spec();
    let mut documented = BTreeSet::new();
    for (path, item) in &spec.paths.paths {
        for (method, present) in [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("PATCH", item.patch.is_some()),
            ("DELETE", item.delete.is_some()),
        ] {
            if present {
                documented.insert((method.to_owned(), path.clone()));
            }
        }
    }
    let covered: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .chain(
            PUBLIC
                .iter()
                .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned())),
        )
        .collect();
    let missing: Vec<_> = documented.difference(&covered).collect();
    let stale: Vec<_> = covered.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the access matrix: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "matrix rows for routes that do not exist: {stale:?}"
    );
}
