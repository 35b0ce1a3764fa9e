//! The area tree: resolving area codes, regions, puskesmas and posyandu.
use std::collections::{BTreeSet, HashMap};

use entity::{posyandu, puskesmas, puskesmas_desa, region};
use openapi::areas::{NewPuskesmas, Puskesmas, PuskesmasPatch, Region};
use openapi::{AreaKind, AreaRef, Page, Scope};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::access::{AreaScope, Location};
use crate::auth::Principal;
use crate::clock;
use crate::db::{begin_write, is_unique_violation};
use crate::domain::codes;
use crate::domain::wilayah::{self, RegionIndex, RegionInfo};
use crate::error::{ApiError, ApiResult, Invalid};
use crate::pagination::{PageRequest, decode_text_cursor, text_cursor};
use crate::services::Authority;
use crate::services::audit::{self, Actor};

/// An area code resolved to its place in the tree.
#[derive(Debug, Clone)]
pub struct ResolvedArea {
    pub kind: AreaKind,
    pub code: String,
    pub name: String,
    pub scope: AreaScope,
    pub location: Location,
}

impl ResolvedArea {
    pub fn area_ref(&self) -> AreaRef {
        AreaRef {
            kind: self.kind,
            code: self.code.clone(),
            name: self.name.clone(),
        }
    }
}

/// Resolves what a person typed as an area: `ID` (the whole country), a
/// region code, a puskesmas code or a posyandu registration number. Errors
/// name `field`.
pub async fn resolve<C: ConnectionTrait>(
    db: &C,
    input: &str,
    field: &str,
) -> ApiResult<ResolvedArea> {
    let input = input.trim();
    if input.eq_ignore_ascii_case("ID") {
        return Ok(ResolvedArea {
            kind: AreaKind::Nasional,
            code: "ID".into(),
            name: "Indonesia".into(),
            scope: AreaScope::Nasional,
            location: Location::default(),
        });
    }
    if codes::looks_like_puskesmas(input) {
        let kode = input.to_uppercase();
        let row = puskesmas::Entity::find()
            .filter(puskesmas::Column::Kode.eq(kode.as_str()))
            .filter(puskesmas::Column::DeletedAt.is_null())
            .one(db)
            .await?
            .ok_or_else(|| {
                ApiError::field(field, "unknown", format!("There is no puskesmas {kode}."))
            })?;
        return Ok(ResolvedArea {
            kind: AreaKind::Puskesmas,
            code: row.kode.clone(),
            name: row.name.clone(),
            scope: AreaScope::Puskesmas(row.id),
            location: puskesmas_location(&row),
        });
    }
    if let Ok(kode) = codes::posyandu_kode(input) {
        let row = posyandu::Entity::find()
            .filter(posyandu::Column::Kode.eq(kode.as_str()))
            .filter(posyandu::Column::DeletedAt.is_null())
            .one(db)
            .await?
            .ok_or_else(|| {
                ApiError::field(field, "unknown", format!("There is no posyandu {kode}."))
            })?;
        return Ok(ResolvedArea {
            kind: AreaKind::Posyandu,
            code: row.kode.clone(),
            name: row.name.clone(),
            scope: AreaScope::Posyandu(row.id),
            location: posyandu_location(&row),
        });
    }
    let region =
        wilayah::known_region(input).map_err(|p| ApiError::field(field, p.code, p.message))?;
    let code = region.code.clone();
    let (kind, scope) = match region.level {
        1 => (AreaKind::Provinsi, AreaScope::Provinsi(code.clone())),
        2 => (AreaKind::Kabupaten, AreaScope::Kabupaten(code.clone())),
        3 => (AreaKind::Kecamatan, AreaScope::Kecamatan(code.clone())),
        _ => (AreaKind::Desa, AreaScope::Desa(code.clone())),
    };
    Ok(ResolvedArea {
        kind,
        name: region.name.clone(),
        location: Location::of_region(&code),
        code,
        scope,
    })
}

pub fn puskesmas_location(row: &puskesmas::Model) -> Location {
    Location {
        puskesmas: Some(row.id),
        ..Location::of_region(&row.kecamatan_code)
    }
}

pub fn posyandu_location(row: &posyandu::Model) -> Location {
    Location {
        puskesmas: Some(row.puskesmas_id),
        posyandu: Some(row.id),
        ..Location::of_region(&row.desa_code)
    }
}

/// Makes sure the region and its ancestors have rows (they come from the
/// embedded national list the first time something refers to them).
pub async fn ensure_region<C: ConnectionTrait>(db: &C, code: &str) -> ApiResult<()> {
    let now = clock::now();
    for info in RegionIndex::national().lineage(code) {
        let row = region::ActiveModel {
            code: Set(info.code.clone()),
            parent_code: Set(info.parent.clone()),
            level: Set(info.level),
            kind: Set(info.kind.as_str().to_owned()),
            name: Set(info.name.clone()),
            source: Set(wilayah::SOURCE.to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        };
        region::Entity::insert(row)
            .on_conflict(
                OnConflict::column(region::Column::Code)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Names of the areas that users and clients are bound to, fetched in two
/// queries for a whole page.
pub async fn area_refs<C: ConnectionTrait>(
    db: &C,
    areas: &[(AreaKind, String)],
) -> ApiResult<HashMap<(AreaKind, String), AreaRef>> {
    let mut by_kind: HashMap<AreaKind, BTreeSet<String>> = HashMap::new();
    for (kind, code) in areas {
        by_kind.entry(*kind).or_default().insert(code.clone());
    }
    let mut names: HashMap<(AreaKind, String), String> = HashMap::new();
    if let Some(kodes) = by_kind.get(&AreaKind::Puskesmas) {
        for row in puskesmas::Entity::find()
            .filter(puskesmas::Column::Kode.is_in(kodes.iter().cloned()))
            .all(db)
            .await?
        {
            names.insert((AreaKind::Puskesmas, row.kode), row.name);
        }
    }
    if let Some(kodes) = by_kind.get(&AreaKind::Posyandu) {
        for row in posyandu::Entity::find()
            .filter(posyandu::Column::Kode.is_in(kodes.iter().cloned()))
            .all(db)
            .await?
        {
            names.insert((AreaKind::Posyandu, row.kode), row.name);
        }
    }
    let index = RegionIndex::national();
    Ok(areas
        .iter()
        .map(|(kind, code)| {
            let name = match kind {
                AreaKind::Nasional => Some("Indonesia".to_owned()),
                AreaKind::Puskesmas | AreaKind::Posyandu => {
                    names.get(&(*kind, code.clone())).cloned()
                }
                _ => index.get(code).map(|r| r.name.clone()),
            };
            let area = AreaRef {
                kind: *kind,
                code: code.clone(),
                name: name.unwrap_or_else(|| code.clone()),
            };
            ((*kind, code.clone()), area)
        })
        .collect())
}

// ---------------------------------------------------------------- regions

fn region_to_wire(info: &RegionInfo) -> Region {
    Region {
        code: info.code.clone(),
        name: info.name.clone(),
        kind: info.kind.as_str().to_owned(),
        level: info.level,
        parent_code: info.parent.clone(),
    }
}

/// Regions from the national list: the children of `parent` (provinces when
/// absent), optionally filtered by a name fragment.
pub fn list_regions(
    parent: Option<&str>,
    name: Option<&str>,
    cursor: Option<&str>,
    limit: u64,
) -> ApiResult<Page<Region>> {
    let index = RegionIndex::national();
    let parent = parent
        .map(|p| wilayah::known_region(p).map(|r| r.code.as_str()))
        .transpose()
        .map_err(|p| ApiError::field("parent", p.code, p.message))?;
    let after = cursor.map(decode_text_cursor).transpose()?;
    let needle = name
        .map(|n| n.trim().to_lowercase())
        .filter(|n| !n.is_empty());
    let mut items = Vec::new();
    let mut next_cursor = None;
    for code in index.children(parent) {
        if after.as_deref().is_some_and(|a| code.as_str() <= a) {
            continue;
        }
        let info = index.get(code).expect("children are in the index");
        if needle
            .as_ref()
            .is_some_and(|n| !info.name.to_lowercase().contains(n))
        {
            continue;
        }
        if items.len() as u64 == limit {
            next_cursor = items.last().map(|r: &Region| text_cursor(&r.code));
            break;
        }
        items.push(region_to_wire(info));
    }
    Ok(Page { items, next_cursor })
}

pub fn get_region(code: &str) -> ApiResult<Region> {
    let code = wilayah::normalise_code(code).map_err(|_| ApiError::not_found())?;
    RegionIndex::national()
        .get(&code)
        .map(region_to_wire)
        .ok_or_else(ApiError::not_found)
}

// -------------------------------------------------------------- puskesmas

async fn coverage<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<String>>> {
    let mut map: HashMap<Uuid, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(map);
    }
    for row in puskesmas_desa::Entity::find()
        .filter(puskesmas_desa::Column::PuskesmasId.is_in(ids.iter().copied()))
        .order_by_asc(puskesmas_desa::Column::DesaCode)
        .all(db)
        .await?
    {
        map.entry(row.puskesmas_id).or_default().push(row.desa_code);
    }
    Ok(map)
}

fn puskesmas_to_wire(row: puskesmas::Model, desa_codes: Vec<String>) -> Puskesmas {
    Puskesmas {
        id: row.id,
        kode: row.kode,
        name: row.name,
        address: row.address,
        province_code: row.province_code,
        kabupaten_code: row.kabupaten_code,
        kecamatan_code: row.kecamatan_code,
        desa_codes,
        created_at: row.created_at,
        updated_at: row.updated_at,
        deleted_at: row.deleted_at,
    }
}

/// Checks a list of desa codes: each a known desa of `kabupaten`.
fn check_desa_codes(invalid: &mut Invalid, codes: &[String], kabupaten: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    for (i, code) in codes.iter().enumerate() {
        let field = format!("desa_codes[{i}]");
        match wilayah::known_region(code) {
            Ok(region)
                if region.level == 4 && region.code.starts_with(&format!("{kabupaten}.")) =>
            {
                out.insert(region.code.clone());
            }
            Ok(_) => invalid.add(
                &field,
                "invalid",
                format!("{code} is not a desa of kabupaten {kabupaten}."),
            ),
            Err(p) => invalid.add(&field, p.code, p.message),
        }
    }
    out.into_iter().collect()
}

async fn replace_coverage<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    desa_codes: &[String],
) -> ApiResult<()> {
    puskesmas_desa::Entity::delete_many()
        .filter(puskesmas_desa::Column::PuskesmasId.eq(id))
        .exec(db)
        .await?;
    let now = clock::now();
    for code in desa_codes {
        ensure_region(db, code).await?;
        puskesmas_desa::Entity::insert(puskesmas_desa::ActiveModel {
            puskesmas_id: Set(id),
            desa_code: Set(code.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

pub async fn create_puskesmas(
    db: &DatabaseConnection,
    authority: Authority<'_>,
    new: NewPuskesmas,
) -> ApiResult<Puskesmas> {
    authority.require(Scope::WriteAreas)?;
    let mut invalid = Invalid::new();
    let kode = invalid.check("kode", codes::puskesmas_kode(&new.kode));
    let name = invalid.check("name", codes::name(&new.name, 120));
    let address = invalid.check("address", codes::optional_text(new.address.as_deref(), 300));
    let kecamatan = match wilayah::known_region(&new.kecamatan_code) {
        Ok(region) if region.level == 3 => Some(region.code.clone()),
        Ok(_) => {
            invalid.add(
                "kecamatan_code",
                "invalid",
                "This must be a kecamatan code (6 digits, e.g. 51.08.06).",
            );
            None
        }
        Err(p) => {
            invalid.add("kecamatan_code", p.code, p.message);
            None
        }
    };
    let location = kecamatan.as_deref().map(Location::of_region);
    let desa_codes = match &location {
        Some(l) => check_desa_codes(
            &mut invalid,
            &new.desa_codes,
            l.kabupaten.as_deref().unwrap_or_default(),
        ),
        None => Vec::new(),
    };
    invalid.finish()?;
    let (kode, name, address, kecamatan, location) = (
        kode.expect("valid"),
        name.expect("valid"),
        address.expect("valid"),
        kecamatan.expect("valid"),
        location.expect("valid"),
    );

    let id = Uuid::now_v7();
    let location = Location {
        puskesmas: Some(id),
        ..location
    };
    if !authority.contains(&location) {
        return Err(ApiError::outside_area(
            "A puskesmas can be added only inside your own area.",
        ));
    }
    let now = clock::now();
    let row = puskesmas::ActiveModel {
        id: Set(id),
        kode: Set(kode.clone()),
        name: Set(name),
        address: Set(address),
        province_code: Set(location.province.clone().unwrap_or_default()),
        kabupaten_code: Set(location.kabupaten.clone().unwrap_or_default()),
        kecamatan_code: Set(kecamatan.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        deleted_by: Set(None),
    };
    let tx = begin_write(db).await?;
    ensure_region(&tx, &kecamatan).await?;
    let inserted = puskesmas::Entity::insert(row)
        .exec_with_returning(&tx)
        .await;
    let inserted = match inserted {
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::field(
                "kode",
                "taken",
                format!("Puskesmas {kode} already exists."),
            ));
        }
        other => other?,
    };
    replace_coverage(&tx, id, &desa_codes).await?;
    let wire = puskesmas_to_wire(inserted, desa_codes);
    audit::record(
        &tx,
        &authority.actor(),
        "create",
        "puskesmas",
        &id.to_string(),
        &location,
        audit::diff(None, &wire),
    )
    .await?;
    tx.commit().await?;
    Ok(wire)
}

async fn find_puskesmas<C: ConnectionTrait>(
    db: &C,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<puskesmas::Model> {
    puskesmas::Entity::find_by_id(id)
        .filter(principal.area.condition::<puskesmas::Entity>())
        .filter(puskesmas::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)
}

pub async fn get_puskesmas(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Puskesmas> {
    principal.require(Scope::ReadAreas)?;
    let row = find_puskesmas(db, principal, id).await?;
    let mut cover = coverage(db, &[row.id]).await?;
    let desa = cover.remove(&row.id).unwrap_or_default();
    Ok(puskesmas_to_wire(row, desa))
}

pub async fn list_puskesmas(
    db: &DatabaseConnection,
    principal: &Principal,
    kecamatan_code: Option<&str>,
    page: PageRequest,
) -> ApiResult<Page<Puskesmas>> {
    principal.require(Scope::ReadAreas)?;
    let mut select =
        puskesmas::Entity::find().filter(principal.area.condition::<puskesmas::Entity>());
    if !page.includes_deleted() {
        select = select.filter(puskesmas::Column::DeletedAt.is_null());
    }
    if let Some(code) = kecamatan_code {
        let code = wilayah::normalise_code(code)
            .map_err(|p| ApiError::field("kecamatan_code", p.code, p.message))?;
        select = select.filter(puskesmas::Column::KecamatanCode.eq(code));
    }
    let rows = page
        .apply(select, puskesmas::Column::Id, puskesmas::Column::UpdatedAt)
        .all(db)
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| (r.updated_at, r.id));
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut cover = coverage(db, &ids).await?;
    Ok(Page {
        items: rows
            .into_iter()
            .map(|r| {
                let desa = cover.remove(&r.id).unwrap_or_default();
                puskesmas_to_wire(r, desa)
            })
            .collect(),
        next_cursor,
    })
}

pub async fn update_puskesmas(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    patch: PuskesmasPatch,
) -> ApiResult<Puskesmas> {
    principal.require(Scope::WriteAreas)?;
    let tx = begin_write(db).await?;
    let row = find_puskesmas(&tx, principal, id).await?;
    if !principal.area.contains(&puskesmas_location(&row)) {
        return Err(ApiError::outside_area(
            "Only a puskesmas inside your own area can be changed.",
        ));
    }
    let before = {
        let mut cover = coverage(&tx, &[id]).await?;
        puskesmas_to_wire(row.clone(), cover.remove(&id).unwrap_or_default())
    };
    let mut invalid = Invalid::new();
    let name = patch
        .name
        .as_deref()
        .map(|n| invalid.check("name", codes::name(n, 120)));
    let address = patch
        .address
        .as_ref()
        .map(|a| invalid.check("address", codes::optional_text(a.as_deref(), 300)));
    let desa_codes = patch
        .desa_codes
        .as_ref()
        .map(|codes| check_desa_codes(&mut invalid, codes, &row.kabupaten_code));
    invalid.finish()?;

    let mut active = row.into_active_model();
    if let Some(Some(name)) = name {
        active.name = Set(name);
    }
    if let Some(Some(address)) = address {
        active.address = Set(address);
    }
    active.updated_at = Set(clock::now());
    let updated = active.update(&tx).await?;
    let desa = match desa_codes {
        Some(codes) => {
            replace_coverage(&tx, id, &codes).await?;
            codes
        }
        None => before.desa_codes.clone(),
    };
    let after = puskesmas_to_wire(updated, desa);
    if let Some(changes) = audit::diff(Some(&before), &after) {
        audit::record(
            &tx,
            &Actor::from(principal),
            "update",
            "puskesmas",
            &id.to_string(),
            &puskesmas_location_of(&after),
            Some(changes),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

fn puskesmas_location_of(p: &Puskesmas) -> Location {
    Location {
        puskesmas: Some(p.id),
        ..Location::of_region(&p.kecamatan_code)
    }
}

pub async fn delete_puskesmas(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<()> {
    principal.require(Scope::WriteAreas)?;
    let tx = begin_write(db).await?;
    let row = find_puskesmas(&tx, principal, id).await?;
    let location = puskesmas_location(&row);
    if !principal.area.contains(&location) {
        return Err(ApiError::outside_area(
            "Only a puskesmas inside your own area can be removed.",
        ));
    }
    let supervised = posyandu::Entity::find()
        .filter(posyandu::Column::PuskesmasId.eq(id))
        .filter(posyandu::Column::DeletedAt.is_null())
        .one(&tx)
        .await?;
    if let Some(p) = supervised {
        return Err(ApiError::conflict(format!(
            "Puskesmas still supervises {} ({}); move or remove its posyandu first.",
            p.name, p.kode
        )));
    }
    let now = clock::now();
    let mut active = row.into_active_model();
    active.deleted_at = Set(Some(now));
    active.deleted_by = Set(Some(principal.actor()));
    active.updated_at = Set(now);
    active.update(&tx).await?;
    audit::record(
        &tx,
        &Actor::from(principal),
        "delete",
        "puskesmas",
        &id.to_string(),
        &location,
        Some(serde_json::json!({"deleted_at": [null, now]})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
