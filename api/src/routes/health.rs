//! Liveness, readiness and metrics for operators and load balancers.
use actix_web::{HttpResponse, get, web};
use openapi::health::{Health, Readiness};

use crate::db;
use crate::middleware::metrics::{Metrics, resident_memory_bytes};
use crate::state::AppState;

/// Alive: the process answers. Touches nothing else.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The process is alive", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(r#"{"status":"ok"}"#)
}

/// Ready: the database answers and every migration is applied. A load
/// balancer sends traffic only to ready replicas.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "The database is unreachable or migrations are pending", body = Readiness)
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let readiness = match db::migration_status(&state.db).await {
        Ok((applied, pending)) => Readiness {
            status: if pending.is_empty() {
                "ok"
            } else {
                "unavailable"
            }
            .into(),
            database: true,
            migrations_applied: applied.len() as u32,
            migrations_pending: pending.len() as u32,
        },
        Err(error) => {
            tracing::warn!(%error, "readiness check: database unavailable");
            Readiness {
                status: "unavailable".into(),
                database: false,
                migrations_applied: 0,
                migrations_pending: 0,
            }
        }
    };
    if readiness.status == "ok" {
        HttpResponse::Ok().json(readiness)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "2"))
            .json(readiness)
    }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, metrics: web::Data<Metrics>) -> HttpResponse {
    let mut text = String::with_capacity(8192);
    metrics.render(&mut text);
    text.push_str("# HELP posyandu_uptime_seconds Seconds since the process started.\n");
    text.push_str("# TYPE posyandu_uptime_seconds gauge\n");
    text.push_str(&format!(
        "posyandu_uptime_seconds {}\n",
        state.started.elapsed().as_secs_f64()
    ));
    // The outbox gauge needs the database; without it the rest still shows.
    if let Ok(rows) = crate::services::outbox::waiting(&state.db).await {
        text.push_str(
            "# HELP posyandu_outbox_messages Messages waiting to be sent (queued) or being sent, by channel.\n",
        );
        text.push_str("# TYPE posyandu_outbox_messages gauge\n");
        for status in ["queued", "sending"] {
            for (_, channel, n) in rows.iter().filter(|(s, _, _)| s == status) {
                text.push_str(&format!(
                    "posyandu_outbox_messages{{status=\"{status}\",channel=\"{channel}\"}} {n}\n"
                ));
            }
        }
    }
    if let Some(bytes) = resident_memory_bytes() {
        text.push_str("# HELP process_resident_memory_bytes Resident memory size in bytes.\n");
        text.push_str("# TYPE process_resident_memory_bytes gauge\n");
        text.push_str(&format!("process_resident_memory_bytes {bytes}\n"));
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text)
}
