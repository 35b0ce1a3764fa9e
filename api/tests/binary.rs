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
    start_with(dir, &[])
}

/// The all-in-one start with extra environment; stdout and stderr (the
/// logs) both arrive as lines.
fn start_with(dir: &Path, envs: &[(&str, &str)]) -> Running {
    let port = free_port();
    let mut child = command(dir)
        .envs(envs.iter().copied())
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let (sender, lines) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let to_stderr = sender.clone();
    std::thread::spawn(move || forward_lines(stderr, to_stderr));
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || forward_lines(stdout, sender));
    Running { child, port, lines }
}

fn forward_lines(from: impl std::io::Read, to: mpsc::Sender<String>) {
    for line in BufReader::new(from).lines().map_while(Result::ok) {
        if to.send(line).is_err() {
            break;
        }
    }
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

impl Running {
    /// SIGTERM, then every line not yet read, to the process's exit.
    fn stop_and_collect(mut self) -> Vec<String> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let _ = self.child.wait();
        // Ends once both reader threads have reached the end of their pipe.
        self.lines.iter().collect()
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
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
    http_with(method, url, &headers, body)
}

fn http_with(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
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
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
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

/// HMAC-SHA256 as the WhatsApp Cloud API signs a webhook.
fn whatsapp_signed(body: &str, app_secret: &str) -> String {
    posyandu_bot::channels::whatsapp::sign(body.as_bytes(), app_secret)
}

/// Every digit of a log line, in order: a number written with spaces,
/// dashes or dots between its groups is found all the same.
fn digits(line: &str) -> String {
    line.chars().filter(char::is_ascii_digit).collect()
}

#[test]
fn no_nik_or_phone_number_reaches_the_logs() {
    // A mother registered through the API, a pregnancy and a newcomer
    // through the chat, a wrong login with a phone number for a username,
    // NIK searches, a refused NIK, a forged webhook and a bot reply the
    // provider never takes (its address is a closed port): the paths by
    // which personal numbers could reach a log line.
    const PASSWORD: &str = "demo-password-123";
    const MOTHER_NIK: &str = "5108015203950001";
    const MOTHER_PHONE: &str = "081234567890";
    const CHAT_NIK: &str = "5108016507960002";
    const CHAT_PHONE: &str = "085711112222";
    const NEWCOMER_NIK: &str = "5108011010240003";
    const STRANGER_PHONE: &str = "081399998888";
    const APP_SECRET: &str = "log-scan-app-secret";
    let dir = tempfile::tempdir().unwrap();
    let demo = command(dir.path())
        .args(["demo", "--password", PASSWORD, "--children", "300"])
        .output()
        .unwrap();
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let printed = String::from_utf8(demo.stdout).unwrap();
    let kader_phone = printed
        .lines()
        .find_map(|l| l.strip_prefix("A kader's phone number (for the chat bot): "))
        .expect("the demo prints a kader's phone")
        .trim()
        .to_owned();

    let running = start_with(
        dir.path(),
        &[
            ("RUST_LOG", "info,posyandu_api=debug,posyandu_bot=debug"),
            ("POSYANDU_LOG_FORMAT", "json"),
            ("POSYANDU_WHATSAPP_PHONE_NUMBER_ID", "100200300400500"),
            ("POSYANDU_WHATSAPP_ACCESS_TOKEN", "log-scan-access-token"),
            ("POSYANDU_WHATSAPP_APP_SECRET", APP_SECRET),
            ("POSYANDU_WHATSAPP_VERIFY_TOKEN", "log-scan-verify-token"),
            ("POSYANDU_WHATSAPP_API_URL", "http://127.0.0.1:9"),
        ],
    );
    running.wait_until_ready();
    let kader = login(&running, "kader.melati", PASSWORD);
    let (_, page) = http_get(&running.url("/api/v1/posyandu"), Some(&kader)).unwrap();
    let page: Value = serde_json::from_str(&page).unwrap();
    let posyandu_id = page["items"][0]["id"].as_str().unwrap().to_owned();

    let person = |nik: &str| {
        serde_json::json!({
            "nik": nik, "name": "Kadek Uji", "sex": "P",
            "birth_date": "1995-03-12", "phone": MOTHER_PHONE,
            "posyandu_id": posyandu_id,
        })
        .to_string()
    };
    let post = |path: &str, token: Option<&str>, body: String| {
        http(
            "POST",
            &running.url(path),
            token,
            Some(("application/json", body)),
        )
        .unwrap()
    };
    let (status, body) = post("/api/v1/people", Some(&kader), person(MOTHER_NIK));
    assert_eq!(status, 201, "{body}");
    // The same NIK again, and a NIK that disagrees with the birth date.
    for refused in [MOTHER_NIK, "5108014203950001"] {
        let (status, body) = post("/api/v1/people", Some(&kader), person(refused));
        assert_eq!(status, 422, "{body}");
    }
    let (status, _) = http_get(
        &running.url(&format!("/api/v1/people?nik={MOTHER_NIK}")),
        Some(&kader),
    )
    .unwrap();
    assert_eq!(status, 200);
    let (status, _) = http_get(&running.url("/api/v1/people?nik=0812-3456"), Some(&kader)).unwrap();
    assert!(status == 200 || status == 422, "{status}");
    let (status, _) = http(
        "POST",
        &running.url("/api/v1/auth/token"),
        None,
        Some((
            "application/x-www-form-urlencoded",
            format!("grant_type=password&username={MOTHER_PHONE}&password=salah-sekali-123"),
        )),
    )
    .unwrap();
    assert_eq!(status, 401);

    // The chat, as the kader and as a stranger, through the console channel.
    for (from, message) in [
        (
            kader_phone.as_str(),
            format!("HAMIL Made Sari 01-10-2026 NIK {CHAT_NIK} HP 0857-1111-2222"),
        ),
        (
            kader_phone.as_str(),
            format!(
                "DATANG Komang Baru L 10-10-2024 NIK {NEWCOMER_NIK} asal Denpasar HP {CHAT_PHONE}"
            ),
        ),
        (
            "+62 813 9999 8888",
            format!("halo, nik saya {MOTHER_NIK}, hp {MOTHER_PHONE}"),
        ),
    ] {
        let output = command(dir.path())
            .args([
                "chat",
                "--api",
                &running.url(""),
                "--from",
                from,
                "--message",
                &message,
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    // WhatsApp: a forged delivery, and a signed one whose reply cannot be
    // sent (the provider's address is a closed port).
    let webhook = |text: &str| {
        serde_json::json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "6281100001111", "phone_number_id": "100200300400500"},
                "contacts": [{"profile": {"name": "Ibu"}, "wa_id": "6281399998888"}],
                "messages": [{"from": "6281399998888", "id": format!("wamid.{}", text.len()),
                    "timestamp": "1764700000", "type": "text", "text": {"body": text}}]
            }}]}]
        })
        .to_string()
    };
    let forged = webhook(&format!("NIK {MOTHER_NIK}"));
    let (status, _) = post("/webhooks/whatsapp", None, forged);
    assert_eq!(status, 401);
    let signed = webhook(&format!("JADWAL {CHAT_PHONE}"));
    let signature = whatsapp_signed(&signed, APP_SECRET);
    let (status, body) = http_with(
        "POST",
        &running.url("/webhooks/whatsapp"),
        &[("X-Hub-Signature-256", &signature)],
        Some(("application/json", signed)),
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    // The bot answers the stranger and fails to reach the provider.
    std::thread::sleep(Duration::from_secs(4));

    let lines = running.stop_and_collect();
    // The lines were there, and they are whole: a request ID is not masked.
    assert!(
        lines.iter().any(|l| l.contains("login failed")),
        "the wrong login is logged"
    );
    assert!(lines.iter().any(|l| l.contains("bad signature refused")));
    let masked_ids = lines
        .iter()
        .filter_map(|l| l.split("\"request_id\":\"").nth(1))
        .filter(|rest| rest.split('"').next().unwrap_or("").contains('*'))
        .count();
    assert_eq!(masked_ids, 0, "a request ID was masked");
    let secrets = [
        MOTHER_NIK,
        CHAT_NIK,
        NEWCOMER_NIK,
        MOTHER_PHONE,
        CHAT_PHONE,
        STRANGER_PHONE,
        &kader_phone,
    ];
    let mut leaks = Vec::new();
    for line in &lines {
        let line_digits = digits(line);
        for secret in secrets {
            // Any written form: 0812…, +62812…, 62812… all hold 812….
            let significant = digits(secret)
                .trim_start_matches("62")
                .trim_start_matches('0')
                .to_owned();
            if line_digits.contains(&significant) {
                leaks.push(format!("{secret}: {line}"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "personal numbers in the logs:\n{}",
        leaks.join("\n")
    );
}
