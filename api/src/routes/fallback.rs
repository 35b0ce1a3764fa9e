//! Answers for requests no route takes: 405 with `Allow` when the path
//! exists with other methods, 404 otherwise, both as problem documents.
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use openapi::ProblemType;

use crate::error::ApiError;

/// The documented paths and their methods, matched segment by segment
/// (`{id}` matches any one segment).
pub struct KnownPaths(Vec<(Vec<String>, Vec<String>)>);

impl KnownPaths {
    pub fn from_spec(spec: &utoipa::openapi::OpenApi) -> KnownPaths {
        let mut known = Vec::new();
        for (path, item) in &spec.paths.paths {
            let mut methods = Vec::new();
            for (name, present) in [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("PATCH", item.patch.is_some()),
                ("DELETE", item.delete.is_some()),
            ] {
                if present {
                    methods.push(name.to_owned());
                }
            }
            known.push((segments(path), methods));
        }
        KnownPaths(known)
    }

    /// The methods the path allows, if it is a known path. A literal
    /// segment beats a template: `/messages/claim` is that path, not
    /// `/messages/{id}` with a strange id.
    pub fn allowed(&self, path: &str) -> Option<&[String]> {
        let wanted = segments(path);
        self.0
            .iter()
            .filter(|(pattern, _)| {
                pattern.len() == wanted.len()
                    && pattern
                        .iter()
                        .zip(&wanted)
                        .all(|(p, w)| p.starts_with('{') || p == w)
            })
            .min_by_key(|(pattern, _)| pattern.iter().filter(|p| p.starts_with('{')).count())
            .map(|(_, methods)| methods.as_slice())
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_end_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

pub async fn not_found(req: HttpRequest, known: Option<web::Data<KnownPaths>>) -> HttpResponse {
    if let Some(methods) = known.as_ref().and_then(|k| k.allowed(req.path())) {
        return method_not_allowed(&req, methods);
    }
    ApiError::with_detail(ProblemType::NotFound, "There is nothing at this address.")
        .error_response()
}

/// A path parameter that does not parse (`GET /messages/claim` reaching
/// `GET /messages/{id}`): 405 when the path is a documented one without
/// this method, otherwise 404 (no such record can exist).
pub fn unreadable_path(req: &HttpRequest) -> actix_web::Error {
    let allowed = req
        .app_data::<web::Data<KnownPaths>>()
        .and_then(|k| k.allowed(req.path()))
        .filter(|methods| !methods.iter().any(|m| m == req.method().as_str()));
    match allowed {
        Some(methods) => {
            actix_web::error::InternalError::from_response("", method_not_allowed(req, methods))
                .into()
        }
        None => ApiError::not_found().into(),
    }
}

fn method_not_allowed(req: &HttpRequest, methods: &[String]) -> HttpResponse {
    let mut response = ApiError::with_detail(
        ProblemType::MethodNotAllowed,
        format!(
            "{} is not allowed here; use {}.",
            req.method(),
            methods.join(", ")
        ),
    )
    .error_response();
    response.headers_mut().insert(
        header::ALLOW,
        header::HeaderValue::from_str(&methods.join(", ")).expect("method names are header-safe"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_templates_segment_by_segment() {
        let spec = crate::startup::openapi_spec();
        let known = KnownPaths::from_spec(&spec);
        let allowed = known
            .allowed("/api/v1/posyandu/0190a8f2-aaaa-7000-8000-000000000000")
            .unwrap();
        assert!(allowed.contains(&"GET".to_owned()));
        assert!(allowed.contains(&"PATCH".to_owned()));
        assert!(known.allowed("/api/v1/nothing").is_none());
        assert!(known.allowed("/api/v1/posyandu/x/y").is_none());
        // The literal path, not the template beside it.
        assert_eq!(
            known.allowed("/api/v1/messages/claim").unwrap(),
            ["POST".to_owned()]
        );
    }
}
