//! Reports: what each report reads, and the one way every report picks its
//! area and breaks it down.
//!
//! Every report is computed per posyandu by grouped queries (`GROUP BY
//! posyandu_id`, never a row per child over the wire), and the per-posyandu
//! figures are then summed up to the level asked for. Counts add up
//! exactly; ratios are computed after summing. The same code therefore
//! serves a posyandu, a desa, a puskesmas, a kecamatan or a province.
pub mod immunisation;
pub mod institution;
pub mod lokmin;
pub mod maternal;
pub mod nutrition;
pub mod population;
pub mod rtl;
pub mod skdn;
pub mod targets;

use std::collections::{BTreeMap, HashMap};

use entity::{posyandu, puskesmas};
use openapi::AreaKind;
use openapi::reports::ReportArea;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::access::{AreaScope, AreaScoped};
use crate::auth::Principal;
use crate::domain::reports::Month;
use crate::domain::wilayah::RegionIndex;
use crate::error::{ApiError, ApiResult};
use crate::services::areas::{self, ResolvedArea};

/// The area a report is for and the level of its rows.
#[derive(Debug, Clone)]
pub struct ReportScope {
    pub area: ResolvedArea,
    pub by: AreaKind,
    /// The caller's own area: every query is bounded by it as well.
    pub caller: AreaScope,
}

impl ReportScope {
    /// The rows of `E` the report may read: inside the asked area and the
    /// caller's.
    pub fn condition<E: AreaScoped>(&self) -> Condition {
        Condition::all()
            .add(self.caller.condition::<E>())
            .add(self.area.scope.condition::<E>())
    }
}

/// The level a report breaks an area down into by default.
pub fn next_level(kind: AreaKind) -> AreaKind {
    match kind {
        AreaKind::Nasional => AreaKind::Provinsi,
        AreaKind::Provinsi => AreaKind::Kabupaten,
        AreaKind::Kabupaten => AreaKind::Kecamatan,
        AreaKind::Kecamatan => AreaKind::Puskesmas,
        AreaKind::Puskesmas => AreaKind::Desa,
        AreaKind::Desa | AreaKind::Posyandu => AreaKind::Posyandu,
    }
}

/// How deep a level is, for "rows must be below the area".
fn depth(kind: AreaKind) -> u8 {
    match kind {
        AreaKind::Nasional => 0,
        AreaKind::Provinsi => 1,
        AreaKind::Kabupaten => 2,
        AreaKind::Kecamatan => 3,
        AreaKind::Puskesmas => 4,
        AreaKind::Desa => 5,
        AreaKind::Posyandu => 6,
    }
}

/// The caller's own area as a resolved area.
async fn own_area(db: &DatabaseConnection, principal: &Principal) -> ApiResult<ResolvedArea> {
    let input = match &principal.area {
        AreaScope::Nasional => "ID".to_owned(),
        AreaScope::Provinsi(code)
        | AreaScope::Kabupaten(code)
        | AreaScope::Kecamatan(code)
        | AreaScope::Desa(code) => code.clone(),
        AreaScope::Puskesmas(id) => puskesmas::Entity::find_by_id(*id)
            .one(db)
            .await?
            .map(|p| p.kode)
            .ok_or_else(ApiError::not_found)?,
        AreaScope::Posyandu(id) => posyandu::Entity::find_by_id(*id)
            .one(db)
            .await?
            .map(|p| p.kode)
            .ok_or_else(ApiError::not_found)?,
    };
    areas::resolve(db, &input, "area").await
}

/// Resolves `area` (default: the caller's own) and `by` (default: one level
/// down). An area outside the caller's is refused, not silently emptied.
pub async fn scope(
    db: &DatabaseConnection,
    principal: &Principal,
    area: Option<&str>,
    by: Option<AreaKind>,
) -> ApiResult<ReportScope> {
    let area = match area {
        Some(input) => {
            let resolved = areas::resolve(db, input, "area").await?;
            if !principal.area.contains(&resolved.location) && principal.area != resolved.scope {
                return Err(ApiError::outside_area(
                    "This area is outside your own; ask for your area or a part of it.",
                ));
            }
            resolved
        }
        None => own_area(db, principal).await?,
    };
    let by = by.unwrap_or_else(|| next_level(area.kind));
    if by == AreaKind::Nasional || depth(by) < depth(area.kind) {
        return Err(ApiError::field(
            "by",
            "invalid",
            format!(
                "Rows of a {} report can be {} or a level below it, down to posyandu.",
                area.kind.as_str(),
                area.kind.as_str()
            ),
        ));
    }
    Ok(ReportScope {
        area,
        by,
        caller: principal.area.clone(),
    })
}

pub fn parse_month(text: &str) -> ApiResult<Month> {
    Month::parse(text).ok_or_else(|| {
        ApiError::field(
            "month",
            "invalid",
            "Give the month as YYYY-MM, e.g. 2026-11.",
        )
    })
}

/// A posyandu with the codes of every level above it.
#[derive(Debug, Clone)]
pub struct Place {
    pub id: Uuid,
    pub kode: String,
    pub name: String,
    pub province: String,
    pub kabupaten: String,
    pub kecamatan: String,
    pub desa: String,
    pub puskesmas: Uuid,
    /// The SPM fields it serves, `kesehatan,pendidikan`.
    pub spm_fields: String,
    pub sk_number: Option<String>,
    pub sk_date: Option<chrono::NaiveDate>,
}

/// The posyandu of a report's area, and how to name the groups they fall in.
pub struct Directory {
    places: HashMap<Uuid, Place>,
    puskesmas: HashMap<Uuid, (String, String)>,
    /// Posyandu and puskesmas names by code, for row headings: a report
    /// by posyandu has 800 rows, each looked up once.
    names: HashMap<String, String>,
    by: AreaKind,
    /// `/api/v1/reports/skdn?month=2026-11`: drill links add `&area=`.
    link: String,
}

impl Directory {
    pub async fn load(
        db: &DatabaseConnection,
        scope: &ReportScope,
        link: String,
    ) -> ApiResult<Directory> {
        let rows = posyandu::Entity::find()
            .filter(scope.condition::<posyandu::Entity>())
            .filter(posyandu::Column::DeletedAt.is_null())
            .all(db)
            .await?;
        let mut ids: Vec<Uuid> = rows.iter().map(|p| p.puskesmas_id).collect();
        ids.sort();
        ids.dedup();
        let puskesmas: HashMap<Uuid, (String, String)> = puskesmas::Entity::find()
            .filter(puskesmas::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, (p.kode, p.name)))
            .collect();
        let places = rows
            .into_iter()
            .map(|p| {
                (
                    p.id,
                    Place {
                        id: p.id,
                        kode: p.kode,
                        name: p.name,
                        province: p.province_code,
                        kabupaten: p.kabupaten_code,
                        kecamatan: p.kecamatan_code,
                        desa: p.desa_code,
                        puskesmas: p.puskesmas_id,
                        spm_fields: p.spm_fields,
                        sk_number: p.sk_number,
                        sk_date: p.sk_date,
                    },
                )
            })
            .collect::<HashMap<Uuid, Place>>();
        let names = places
            .values()
            .map(|p| (p.kode.clone(), p.name.clone()))
            .chain(puskesmas.values().cloned())
            .collect();
        Ok(Directory {
            places,
            puskesmas,
            names,
            by: scope.by,
            link,
        })
    }

    pub fn place(&self, id: Uuid) -> Option<&Place> {
        self.places.get(&id)
    }

    pub fn places(&self) -> impl Iterator<Item = &Place> {
        self.places.values()
    }

    /// The name of a posyandu or puskesmas by its code (the code itself
    /// when unknown).
    pub fn name_of(&self, code: &str) -> String {
        self.names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }

    /// The registration code of a puskesmas of the area.
    pub fn puskesmas_code(&self, id: Uuid) -> Option<String> {
        self.puskesmas.get(&id).map(|(kode, _)| kode.clone())
    }

    /// The code of the group a posyandu falls in at the report's level.
    pub fn group_of(&self, posyandu: Uuid) -> Option<String> {
        let place = self.places.get(&posyandu)?;
        Some(match self.by {
            AreaKind::Nasional => "ID".to_owned(),
            AreaKind::Provinsi => place.province.clone(),
            AreaKind::Kabupaten => place.kabupaten.clone(),
            AreaKind::Kecamatan => place.kecamatan.clone(),
            AreaKind::Desa => place.desa.clone(),
            AreaKind::Puskesmas => self
                .puskesmas
                .get(&place.puskesmas)
                .map(|(kode, _)| kode.clone())
                .unwrap_or_default(),
            AreaKind::Posyandu => place.kode.clone(),
        })
    }

    /// The row heading of a group, with its drill link.
    pub fn area_of(&self, code: &str) -> ReportArea {
        let name = match self.by {
            AreaKind::Posyandu | AreaKind::Puskesmas => self.names.get(code).cloned(),
            _ => RegionIndex::national().get(code).map(|r| r.name.clone()),
        };
        self.report_area(self.by, code, name.unwrap_or_else(|| code.to_owned()))
    }

    pub fn report_area(&self, kind: AreaKind, code: &str, name: String) -> ReportArea {
        ReportArea {
            kind,
            code: code.to_owned(),
            name,
            drill: (kind != AreaKind::Posyandu).then(|| format!("{}&area={code}", self.link)),
        }
    }

    /// Sums per-posyandu figures into the report's groups, in code order.
    pub fn roll_up<T: Default + Clone>(
        &self,
        per_posyandu: &HashMap<Uuid, T>,
        add: impl Fn(&mut T, &T),
    ) -> BTreeMap<String, T> {
        let mut groups: BTreeMap<String, T> = BTreeMap::new();
        // Every posyandu of the area has a row, also one with nothing to
        // count yet: a missing row would hide exactly the posyandu that
        // needs attention.
        for place in self.places.values() {
            let group = self.group_of(place.id).unwrap_or_default();
            let entry = groups.entry(group).or_default();
            if let Some(figures) = per_posyandu.get(&place.id) {
                add(entry, figures);
            }
        }
        groups
    }
}

/// Figures that add up from posyandu to any level above.
pub trait Tally: Default + Clone {
    fn add(&mut self, other: &Self);
}

/// A report's figures for its area and for each row.
pub struct Breakdown<T> {
    /// The report's own area (no drill link: it is the report).
    pub area: ReportArea,
    pub total: T,
    pub rows: Vec<(ReportArea, T)>,
}

impl Directory {
    /// Rolls per-posyandu figures up to the report's rows and its total.
    pub fn breakdown<T: Tally>(
        &self,
        scope: &ReportScope,
        per_posyandu: &HashMap<Uuid, T>,
    ) -> Breakdown<T> {
        let groups = self.roll_up(per_posyandu, T::add);
        let mut total = T::default();
        for figures in groups.values() {
            total.add(figures);
        }
        let mut area = self.report_area(scope.area.kind, &scope.area.code, scope.area.name.clone());
        area.drill = None;
        Breakdown {
            area,
            total,
            rows: groups
                .into_iter()
                .map(|(code, figures)| (self.area_of(&code), figures))
                .collect(),
        }
    }
}

/// `SUM(CASE WHEN condition THEN 1 ELSE 0 END)`.
pub(crate) fn count_if(condition: sea_orm::sea_query::Expr) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::{Expr, Func};
    Func::sum(Expr::case(condition, 1).finally(0)).into()
}

/// The children of the scope joined to their person, neither deleted: the
/// base of every count of children (callers add their columns and filters).
pub(super) fn children_with_person(scope: &ReportScope) -> sea_orm::sea_query::SelectStatement {
    use entity::{child, person};
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    Query::select()
        .from(child::Entity)
        .inner_join(
            person::Entity,
            Expr::col((person::Entity, person::Column::Id))
                .equals((child::Entity, child::Column::PersonId)),
        )
        .cond_where(scope.condition::<child::Entity>())
        .and_where(Expr::col((child::Entity, child::Column::DeletedAt)).is_null())
        .and_where(Expr::col((person::Entity, person::Column::DeletedAt)).is_null())
        .to_owned()
}

/// The person lives in the area on `day`: still active, or moved or died
/// after it.
pub(super) fn living_on(day: chrono::NaiveDate) -> sea_orm::sea_query::Expr {
    use entity::person;
    use sea_orm::sea_query::{Expr, ExprTrait};
    Expr::col((person::Entity, person::Column::Status))
        .eq("active")
        .or(Expr::col((person::Entity, person::Column::StatusDate)).gt(day))
}

/// The person is under five on `day` (born by it, 0–59 completed months).
pub(super) fn under_five_on(day: chrono::NaiveDate) -> sea_orm::sea_query::Expr {
    use entity::person;
    use sea_orm::sea_query::{Expr, ExprTrait};
    let birth = Expr::col((person::Entity, person::Column::BirthDate));
    birth
        .clone()
        .lte(day)
        .and(birth.gt(crate::domain::reports::age_group_bounds(day)[4]))
}
