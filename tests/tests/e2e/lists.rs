//! Cursor pagination, `updated_since` for syncing apps, the region list.
use std::collections::BTreeSet;

use openapi::Page;
use openapi::areas::{Posyandu, Region};
use posyandu_tests::world::{new_posyandu, new_puskesmas};
use posyandu_tests::{json, problem, spawn_app};
use serde_json::json;

#[tokio::test]
async fn pages_follow_the_cursor_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let puskesmas = new_puskesmas(
        &app,
        "P5108060203",
        "Puskesmas Buleleng III",
        "51.08.06",
        &[],
    )
    .await;
    let mut created = BTreeSet::new();
    for i in 0..7 {
        created.insert(
            new_posyandu(&app, &format!("Posyandu {i}"), "51.08.06.2004", &puskesmas)
                .await
                .id,
        );
    }
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut path = "/api/v1/posyandu?limit=3".to_owned();
    loop {
        let page: Page<Posyandu> = json(app.get(&path, &admin).await, 200).await;
        sizes.push(page.items.len());
        seen.extend(page.items.iter().map(|p| p.id));
        match page.next_cursor {
            Some(cursor) => path = format!("/api/v1/posyandu?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(sizes, [3, 3, 1]);
    assert_eq!(seen.iter().copied().collect::<BTreeSet<_>>(), created);
    assert_eq!(seen.len(), 7);
    // Registration numbers were assigned in sequence within the desa.
    let page: Page<Posyandu> = json(app.get("/api/v1/posyandu?limit=200", &admin).await, 200).await;
    let mut kodes: Vec<String> = page.items.iter().map(|p| p.kode.clone()).collect();
    kodes.sort();
    assert_eq!(kodes.first().unwrap(), "51.08.06.2004.001");
    assert_eq!(kodes.last().unwrap(), "51.08.06.2004.007");
}

#[tokio::test]
async fn updated_since_returns_changes_including_deletions() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let puskesmas = new_puskesmas(
        &app,
        "P5108060203",
        "Puskesmas Buleleng III",
        "51.08.06",
        &[],
    )
    .await;
    let kept = new_posyandu(&app, "Posyandu Tetap", "51.08.06.2004", &puskesmas).await;
    let changed = new_posyandu(&app, "Posyandu Ubah", "51.08.06.2004", &puskesmas).await;
    let removed = new_posyandu(&app, "Posyandu Hapus", "51.08.06.2004", &puskesmas).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let since = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    json::<Posyandu>(
        app.patch(
            &format!("/api/v1/posyandu/{}", changed.id),
            &admin,
            &json!({"name": "Posyandu Baru"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        app.delete(&format!("/api/v1/posyandu/{}", removed.id), &admin)
            .await
            .status(),
        204
    );

    let since = since.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let page: Page<Posyandu> = json(
        app.get(
            &format!(
                "/api/v1/posyandu?updated_since={}",
                since.replace('+', "%2B")
            ),
            &admin,
        )
        .await,
        200,
    )
    .await;
    let ids: Vec<_> = page.items.iter().map(|p| p.id).collect();
    assert_eq!(ids, [changed.id, removed.id], "in order of change");
    assert!(page.items[1].deleted_at.is_some());
    assert!(!ids.contains(&kept.id));

    // Without updated_since the removed one is gone.
    let page: Page<Posyandu> = json(app.get("/api/v1/posyandu", &admin).await, 200).await;
    assert!(page.items.iter().all(|p| p.id != removed.id));
    assert_eq!(page.items.len(), 2);
}

#[tokio::test]
async fn bad_list_parameters_are_validation_errors() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for query in [
        "limit=0",
        "limit=201",
        "cursor=%21%21",
        "colour=red",
        "updated_since=yesterday",
    ] {
        let p = problem(
            app.get(&format!("/api/v1/posyandu?{query}"), &admin).await,
            422,
        )
        .await;
        assert_eq!(p.problem_type, "/problems/validation", "{query}");
    }
}

#[tokio::test]
async fn the_whole_country_is_browsable_by_region_code() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let provinces: Page<Region> =
        json(app.get("/api/v1/regions?limit=200", &admin).await, 200).await;
    assert_eq!(provinces.items.len(), 38);
    assert!(provinces.next_cursor.is_none());
    let desa: Page<Region> = json(
        app.get("/api/v1/regions?parent=51.08.06&name=ar", &admin)
            .await,
        200,
    )
    .await;
    let names: Vec<&str> = desa.items.iter().map(|r| r.name.as_str()).collect();
    assert!(
        names.contains(&"Pemaron") && names.contains(&"Banjar Tegal"),
        "{names:?}"
    );
    assert!(
        desa.items
            .iter()
            .all(|r| r.name.to_lowercase().contains("ar"))
    );
    let pemaron: Region = json(app.get("/api/v1/regions/5108062004", &admin).await, 200).await;
    assert_eq!(
        (pemaron.name.as_str(), pemaron.kind.as_str(), pemaron.level),
        ("Pemaron", "desa", 4)
    );
    problem(app.get("/api/v1/regions/99.99", &admin).await, 404).await;
    // Paging through a kabupaten's kecamatan.
    let first: Page<Region> = json(
        app.get("/api/v1/regions?parent=51.08&limit=4", &admin)
            .await,
        200,
    )
    .await;
    let cursor = first.next_cursor.unwrap();
    let second: Page<Region> = json(
        app.get(
            &format!("/api/v1/regions?parent=51.08&limit=4&cursor={cursor}"),
            &admin,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(first.items.last().unwrap().code, "51.08.04");
    assert_eq!(second.items.first().unwrap().code, "51.08.05");
}
