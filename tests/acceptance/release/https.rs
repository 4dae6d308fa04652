//! A small static-file HTTPS server (GET only, one request per connection), as any web server
//! serving a provider network mirror would be: OpenSSL with a certificate made at test time.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use openssl::pkey::PKey;
use openssl::ssl::{SslAcceptor, SslMethod};
use openssl::x509::X509;

pub struct StaticServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StaticServer {
    /// Serves the files under `root` on 127.0.0.1 with this certificate and key (PEM).
    pub fn start(root: &Path, cert_pem: &str, key_pem: &str) -> StaticServer {
        let mut acceptor =
            SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).expect("acceptor");
        acceptor
            .set_certificate(&X509::from_pem(cert_pem.as_bytes()).expect("certificate"))
            .expect("certificate set");
        acceptor
            .set_private_key(&PKey::private_key_from_pem(key_pem.as_bytes()).expect("key"))
            .expect("key set");
        let acceptor = Arc::new(acceptor.build());
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (root, logged, stopped) = (root.to_path_buf(), requests.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let (acceptor, root, logged) = (acceptor.clone(), root.clone(), logged.clone());
                std::thread::spawn(move || {
                    // A client that does not trust the certificate ends the handshake: fine.
                    if let Ok(mut tls) = acceptor.accept(stream) {
                        serve(&mut tls, &root, &logged);
                    }
                });
            }
        });
        StaticServer {
            addr,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    /// The base URL, for `localhost` (the name the certificate is for).
    pub fn url(&self) -> String {
        format!("https://localhost:{}/", self.addr.port())
    }

    /// The paths requested so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

fn serve(
    stream: &mut openssl::ssl::SslStream<TcpStream>,
    root: &Path,
    logged: &Mutex<Vec<String>>,
) {
    let mut reader = BufReader::new(&mut *stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // The headers are not needed; read them to the blank line.
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let mut words = request_line.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or("/"));
    let path = target.split('?').next().unwrap_or("/").to_string();
    logged
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(path.clone());
    let file = local_path(root, &path);
    let (status, body) = match file.and_then(|f| std::fs::read(f).ok()) {
        Some(body) if method == "GET" => ("200 OK", body),
        _ => ("404 Not Found", b"not found".to_vec()),
    };
    let content_type = if path.ends_with(".json") {
        "application/json"
    } else {
        "application/octet-stream"
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(&body))
        .and_then(|()| stream.flush());
    let _ = stream.shutdown();
}

/// The file a URL path names under `root`; never outside it.
fn local_path(root: &Path, path: &str) -> Option<PathBuf> {
    let relative = Path::new(path.trim_start_matches('/'));
    relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| root.join(relative))
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop up so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
