//! Population and insurance of a month: newcomers, moves, deaths and births,
//! and the people of poor families (desil 1–5) without BPJS Kesehatan and
//! those who lost PBI.
//!
//! People belong to a desa and only sometimes to a posyandu (an adult who
//! never comes to one), so these counts are grouped by desa, puskesmas and
//! posyandu together, and rolled up from there: by posyandu, a desa's
//! people without a posyandu get a row of their own, named for the desa.
//! Four grouped queries, one per source table.
use std::collections::{BTreeMap, HashMap};

use entity::{bpjs_change, family, person, person_event};
use openapi::reports::{PopulationCounts, PopulationReport, PopulationRow, ReportArea};
use openapi::{AreaKind, Scope};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{DatabaseConnection, FromQueryResult};
use uuid::Uuid;

use super::{Directory, ReportScope, Tally, count_if};
use crate::auth::Principal;
use crate::domain::reports::Month;
use crate::domain::wilayah::RegionIndex;
use crate::error::ApiResult;

impl Tally for PopulationCounts {
    fn add(&mut self, o: &Self) {
        self.arrived += o.arrived;
        self.moved += o.moved;
        self.deceased += o.deceased;
        self.born += o.born;
        self.uninsured_poor += o.uninsured_poor;
        self.lost_pbi += o.lost_pbi;
    }
}

/// Where a group of people belongs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Home {
    desa: String,
    puskesmas: Option<Uuid>,
    posyandu: Option<Uuid>,
}

#[derive(Debug, FromQueryResult)]
struct Group {
    desa_code: String,
    puskesmas_id: Option<Uuid>,
    posyandu_id: Option<Uuid>,
    a: i64,
    b: i64,
    c: i64,
}

/// Selects `desa_code, puskesmas_id, posyandu_id` of `table` and groups by them.
fn grouped<T: sea_orm::sea_query::Iden + Copy + 'static>(
    table: T,
    desa: impl sea_orm::sea_query::IntoIden + Copy,
    puskesmas: impl sea_orm::sea_query::IntoIden + Copy,
    posyandu: impl sea_orm::sea_query::IntoIden + Copy,
) -> SelectStatement {
    Query::select()
        .expr_as(Expr::col((table, desa)), Alias::new("desa_code"))
        .expr_as(Expr::col((table, puskesmas)), Alias::new("puskesmas_id"))
        .expr_as(Expr::col((table, posyandu)), Alias::new("posyandu_id"))
        .from(table)
        .add_group_by([Expr::cust("1"), Expr::cust("2"), Expr::cust("3")])
        .to_owned()
}

fn events(scope: &ReportScope, month: Month) -> SelectStatement {
    let kind = |k: &str| Expr::col((person_event::Entity, person_event::Column::Kind)).eq(k);
    let on = Expr::col((person_event::Entity, person_event::Column::EventDate));
    let mut q = grouped(
        person_event::Entity,
        person_event::Column::DesaCode,
        person_event::Column::PuskesmasId,
        person_event::Column::PosyanduId,
    );
    q.expr_as(count_if(kind("arrived")), Alias::new("a"))
        .expr_as(count_if(kind("moved")), Alias::new("b"))
        .expr_as(count_if(kind("deceased")), Alias::new("c"))
        .cond_where(scope.condition::<person_event::Entity>())
        .and_where(on.clone().gte(month.first_day()))
        .and_where(on.lte(month.last_day()));
    q
}

fn people(scope: &ReportScope, month: Month) -> SelectStatement {
    let col = |c: person::Column| Expr::col((person::Entity, c));
    let born = col(person::Column::BirthDate)
        .gte(month.first_day())
        .and(col(person::Column::BirthDate).lte(month.last_day()));
    let poor_families = Query::select()
        .column(family::Column::Id)
        .from(family::Entity)
        .and_where(Expr::col(family::Column::Desil).between(1, 5))
        .and_where(Expr::col(family::Column::DeletedAt).is_null())
        .to_owned();
    // Today's insurance: the gap the village has to close now.
    let uninsured_poor = col(person::Column::Status)
        .eq("active")
        .and(
            col(person::Column::BpjsSegment)
                .is_null()
                .or(col(person::Column::BpjsSegment).eq("none")),
        )
        .and(col(person::Column::FamilyId).in_subquery(poor_families));
    let mut q = grouped(
        person::Entity,
        person::Column::DesaCode,
        person::Column::PuskesmasId,
        person::Column::PosyanduId,
    );
    q.expr_as(count_if(born), Alias::new("a"))
        .expr_as(count_if(uninsured_poor), Alias::new("b"))
        .expr_as(Expr::val(0i64), Alias::new("c"))
        .cond_where(scope.condition::<person::Entity>())
        .and_where(col(person::Column::DeletedAt).is_null());
    q
}

fn lost_pbi(scope: &ReportScope, month: Month) -> SelectStatement {
    let col = |c: bpjs_change::Column| Expr::col((bpjs_change::Entity, c));
    let mut q = grouped(
        bpjs_change::Entity,
        bpjs_change::Column::DesaCode,
        bpjs_change::Column::PuskesmasId,
        bpjs_change::Column::PosyanduId,
    );
    q.expr_as(Func::count(col(bpjs_change::Column::Id)), Alias::new("a"))
        .expr_as(Expr::val(0i64), Alias::new("b"))
        .expr_as(Expr::val(0i64), Alias::new("c"))
        .cond_where(scope.condition::<bpjs_change::Entity>())
        .and_where(col(bpjs_change::Column::FromSegment).eq("pbi"))
        .and_where(
            col(bpjs_change::Column::ToSegment)
                .is_null()
                .or(col(bpjs_change::Column::ToSegment).ne("pbi")),
        )
        .and_where(col(bpjs_change::Column::ChangedOn).gte(month.first_day()))
        .and_where(col(bpjs_change::Column::ChangedOn).lte(month.last_day()));
    q
}

/// The counts of every place people of the scope belong to.
async fn per_home(
    db: &DatabaseConnection,
    scope: &ReportScope,
    month: Month,
) -> ApiResult<HashMap<Home, PopulationCounts>> {
    let backend = db.get_database_backend();
    let run =
        |statement: SelectStatement| Group::find_by_statement(backend.build(&statement)).all(db);
    let (events, people, lost) = futures_util::future::try_join3(
        run(events(scope, month)),
        run(people(scope, month)),
        run(lost_pbi(scope, month)),
    )
    .await?;
    let mut out: HashMap<Home, PopulationCounts> = HashMap::new();
    let mut add = |g: &Group, counts: PopulationCounts| {
        out.entry(Home {
            desa: g.desa_code.clone(),
            puskesmas: g.puskesmas_id,
            posyandu: g.posyandu_id,
        })
        .or_default()
        .add(&counts);
    };
    for g in &events {
        add(
            g,
            PopulationCounts {
                arrived: g.a,
                moved: g.b,
                deceased: g.c,
                ..Default::default()
            },
        );
    }
    for g in &people {
        add(
            g,
            PopulationCounts {
                born: g.a,
                uninsured_poor: g.b,
                ..Default::default()
            },
        );
    }
    for g in &lost {
        add(
            g,
            PopulationCounts {
                lost_pbi: g.a,
                ..Default::default()
            },
        );
    }
    Ok(out)
}

/// `51.08.06.2004` at the kecamatan level is `51.08.06`.
fn region_at(desa: &str, kind: AreaKind) -> String {
    let parts = match kind {
        AreaKind::Nasional => return "ID".to_owned(),
        AreaKind::Provinsi => 1,
        AreaKind::Kabupaten => 2,
        AreaKind::Kecamatan => 3,
        _ => 4,
    };
    desa.split('.').take(parts).collect::<Vec<_>>().join(".")
}

/// The row a place's people fall in, with its heading.
fn row_of(directory: &Directory, scope: &ReportScope, home: &Home) -> (String, ReportArea) {
    let by = scope.by;
    let region_row = |code: String, suffix: &str| {
        let name = RegionIndex::national()
            .get(&code)
            .map(|r| format!("{}{suffix}", r.name))
            .unwrap_or_else(|| code.clone());
        let kind = match by {
            AreaKind::Posyandu | AreaKind::Puskesmas => AreaKind::Desa,
            other => other,
        };
        (code.clone(), directory.report_area(kind, &code, name))
    };
    match by {
        AreaKind::Posyandu | AreaKind::Puskesmas => {
            if let Some(code) = home.posyandu.and_then(|id| directory.group_of(id)) {
                return (code.clone(), directory.area_of(&code));
            }
            if by == AreaKind::Puskesmas
                && let Some(code) = home.puskesmas.and_then(|id| directory.puskesmas_code(id))
            {
                return (code.clone(), directory.area_of(&code));
            }
            region_row(home.desa.clone(), " (tanpa posyandu)")
        }
        kind => region_row(region_at(&home.desa, kind), ""),
    }
}

pub async fn report(
    db: &DatabaseConnection,
    principal: &Principal,
    scope: &ReportScope,
    month: Month,
) -> ApiResult<PopulationReport> {
    principal.require(Scope::ReadReports)?;
    let link = format!("/api/v1/reports/population?month={month}");
    let (directory, figures) = futures_util::future::try_join(
        Directory::load(db, scope, link),
        per_home(db, scope, month),
    )
    .await?;
    // Every posyandu's row, also an empty one; then whatever the people add.
    let mut rows: BTreeMap<String, (ReportArea, PopulationCounts)> = directory
        .breakdown(scope, &HashMap::<Uuid, PopulationCounts>::new())
        .rows
        .into_iter()
        .map(|(area, counts)| (area.code.clone(), (area, counts)))
        .collect();
    let mut total = PopulationCounts::default();
    for (home, counts) in &figures {
        let (code, area) = row_of(&directory, scope, home);
        rows.entry(code)
            .or_insert((area, PopulationCounts::default()))
            .1
            .add(counts);
        total.add(counts);
    }
    let mut area =
        directory.report_area(scope.area.kind, &scope.area.code, scope.area.name.clone());
    area.drill = None;
    Ok(PopulationReport {
        total: PopulationRow {
            area: area.clone(),
            counts: total,
        },
        area,
        month: month.to_string(),
        by: scope.by,
        rows: rows
            .into_values()
            .map(|(area, counts)| PopulationRow { area, counts })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_desa_code_rolls_up_by_its_prefix() {
        assert_eq!(region_at("51.08.06.2004", AreaKind::Kecamatan), "51.08.06");
        assert_eq!(region_at("51.08.06.2004", AreaKind::Kabupaten), "51.08");
        assert_eq!(region_at("51.08.06.2004", AreaKind::Provinsi), "51");
        assert_eq!(region_at("51.08.06.2004", AreaKind::Desa), "51.08.06.2004");
    }
}
