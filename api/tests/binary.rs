//! The `posyandu` binary as a new user runs it: the all-in-one start on an
//! empty folder, the subcommands, and a clean stop on SIGTERM.
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_posyandu");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `posyandu` (all-in-one) with its stdout lines.
struct Running {
    child: Child,
    port: u16,
    lines: mpsc::Receiver<String>,
}

fn command(dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("POSYANDU_JWT_SECRET")
        .env("RUST_LOG", "info");
    command
}

fn start(dir: &Path) -> Running {
    let port = free_port();
    let mut child = command(dir)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let (sender, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    Running { child, port, lines }
}

impl Running {
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    /// Waits for a stdout line containing `needle`.
    fn wait_for_line(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => continue,
                Err(_) => break,
            }
        }
        panic!("no line containing {needle:?}");
    }

    fn wait_until_ready(&self) -> Duration {
        let started = Instant::now();
        loop {
            if let Ok(response) = http_get(&self.url("/readyz"), None)
                && response.0 == 200
            {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "never became ready"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then the exit status within 15 seconds.
    fn terminate(mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("did not stop within 15 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tiny blocking HTTP client (the test stays independent of the server's
/// own libraries): returns status and body.
fn http(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<(&str, String)>,
) -> std::io::Result<(u16, String)> {
    use std::io::Read;
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap();
    let mut stream = std::net::TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    if let Some(token) = token {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    match &body {
        Some((content_type, body)) => request.push_str(&format!(
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )),
        None => request.push_str("\r\n"),
    }
    stream.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Ok((status, body))
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    out
}

fn http_get(url: &str, token: Option<&str>) -> std::io::Result<(u16, String)> {
    http("GET", url, token, None)
}

fn login(running: &Running, username: &str, password: &str) -> String {
    let body = format!("grant_type=password&username={username}&password={password}");
    let (status, text) = http(
        "POST",
        &running.url("/api/v1/auth/token"),
        None,
        Some(("application/x-www-form-urlencoded", body)),
    )
    .unwrap();
    assert_eq!(status, 200, "login {username}: {text}");
    let tokens: Value = serde_json::from_str(&text).unwrap();
    tokens["access_token"].as_str().unwrap().to_owned()
}

#[test]
fn the_all_in_one_start_works_on_an_empty_folder_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let running = start(dir.path());
    let line = running.wait_for_line("Log in as `admin` with password");
    let ready_after = running.wait_until_ready();
    let password = line.split('`').nth(3).unwrap().to_owned();
    eprintln!("ready {ready_after:?} after the first line");

    let (status, page) = http_get(&running.url("/docs/"), None).unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("swagger"));
    let token = login(&running, "admin", &password);
    let (status, me) = http_get(&running.url("/api/v1/me"), Some(&token)).unwrap();
    assert_eq!(status, 200, "{me}");
    let me: Value = serde_json::from_str(&me).unwrap();
    assert_eq!(me["role"], "admin");
    assert_eq!(me["area"]["kind"], "nasional");

    let data = dir.path().join("data");
    for file in [
        "posyandu.db",
        "jwt-secret",
        "admin-password",
        "bot-client.json",
    ] {
        assert!(data.join(file).exists(), "{file}");
    }
    #[cfg(unix)]
    for file in ["jwt-secret", "admin-password", "bot-client.json"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{file} is readable by others");
    }
    let status = running.terminate();
    assert!(status.success(), "exit status {status:?}");

    // A second start keeps the secret (tokens stay valid) and creates no
    // second administrator.
    let running = start(dir.path());
    running.wait_for_line("Log in with your account");
    running.wait_until_ready();
    let (status, _) = http_get(&running.url("/api/v1/me"), Some(&token)).unwrap();
    assert_eq!(status, 200, "a token from before the restart");
    assert!(running.terminate().success());
}

#[test]
fn serve_refuses_to_start_without_a_shared_jwt_secret() {
    let dir = tempfile::tempdir().unwrap();
    let output = command(dir.path()).arg("serve").output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("POSYANDU_JWT_SECRET"), "{stderr}");
}

#[test]
fn serve_refuses_an_unmigrated_database() {
    let dir = tempfile::tempdir().unwrap();
    let output = command(dir.path())
        .arg("serve")
        .env("POSYANDU_JWT_SECRET", "x".repeat(40))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("posyandu migrate up"), "{stderr}");
}

#[test]
fn migrations_go_up_down_and_up_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = command(dir.path()).args(args).output().unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    use migration::MigratorTrait;
    let names: Vec<String> = migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let (first, last) = (names.first().unwrap(), names.last().unwrap());
    assert!(run(&["migrate", "status"]).contains(&format!("pending  {first}")));
    let up = run(&["migrate", "up"]);
    assert!(up.contains(&format!("applied  {last}")), "{up}");
    let down = run(&["migrate", "down"]);
    assert!(down.contains(&format!("pending  {last}")), "{down}");
    let down = run(&["migrate", "down", "--all"]);
    assert!(!down.contains("applied"), "{down}");
    let up = run(&["migrate", "up"]);
    assert!(!up.contains("pending"), "{up}");
}

#[test]
fn an_account_made_at_the_command_line_can_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = command(dir.path())
        .args([
            "admin",
            "create-user",
            "--username",
            "bidan.cli",
            "--role",
            "bidan",
            "--area",
            "5108062004",
            "--phone",
            "0812 1111 2222",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"kata-sandi-cli-123\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("created bidan.cli (bidan, desa Pemaron)")
    );

    // A bad role is explained.
    let output = command(dir.path())
        .args([
            "admin",
            "create-user",
            "--username",
            "x.y",
            "--role",
            "raja",
            "--area",
            "51.08",
            "--password-stdin",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown role `raja`"));

    let running = start(dir.path());
    running.wait_for_line("Log in with your account");
    running.wait_until_ready();
    let token = login(&running, "bidan.cli", "kata-sandi-cli-123");
    let (_, me) = http_get(&running.url("/api/v1/me"), Some(&token)).unwrap();
    let me: Value = serde_json::from_str(&me).unwrap();
    assert_eq!(me["area"]["name"], "Pemaron");
}

#[test]
fn the_demo_fills_a_kabupaten_whose_accounts_work() {
    let dir = tempfile::tempdir().unwrap();
    let output = command(dir.path())
        .args(["demo", "--password", "demo-password-123"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "dinkes.buleleng",
        "kader.melati",
        "bidan.pemaron",
        "A kader's phone number",
        "+62813370002",
    ] {
        assert!(
            printed.contains(expected),
            "{expected} missing from:\n{printed}"
        );
    }
    // Loading it twice is refused.
    let again = command(dir.path())
        .args(["demo", "--password", "demo-password-123"])
        .output()
        .unwrap();
    assert!(!again.status.success());

    let running = start(dir.path());
    running.wait_until_ready();
    let dinkes = login(&running, "dinkes.buleleng", "demo-password-123");
    let (status, page) =
        http_get(&running.url("/api/v1/posyandu?limit=200"), Some(&dinkes)).unwrap();
    assert_eq!(status, 200);
    let page: Value = serde_json::from_str(&page).unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 10);
    let kader = login(&running, "kader.melati", "demo-password-123");
    let (_, page) = http_get(&running.url("/api/v1/posyandu"), Some(&kader)).unwrap();
    let page: Value = serde_json::from_str(&page).unwrap();
    let names: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Posyandu Melati"],
        "a kader sees only their own posyandu"
    );
}

#[test]
fn the_openapi_subcommand_prints_the_committed_document() {
    let dir = tempfile::tempdir().unwrap();
    let output = command(dir.path()).arg("openapi").output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        openapi::OPENAPI_JSON
    );
}
