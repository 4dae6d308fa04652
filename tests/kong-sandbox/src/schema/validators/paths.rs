//! Path validators: typedefs.path, K:tools/uri.lua `normalize`, ngx.re's regex compilation
//! and the route path validator built from them.

/// Error codes of [`validate_path`], like Kong's third return value.
#[derive(Debug, PartialEq)]
pub enum PathErr {
    /// Characters outside RFC 3986.
    Rfc3986(String),
    /// Bad percent-encoding.
    Percent(String),
}

/// typedefs.path custom validator.
pub fn validate_path(path: &str) -> Result<(), PathErr> {
    let ok_char = |b: u8| b.is_ascii_alphanumeric() || b".-_~/%:@!$&'()*+,;=".contains(&b);
    if !path.starts_with('/') || !path.bytes().all(ok_char) {
        return Err(PathErr::Rfc3986(format!(
            "invalid path: '{path}' (characters outside of the reserved list of RFC 3986 found)"
        )));
    }
    // replace %XX triplets and look for a leftover %
    let bytes = path.as_bytes();
    let mut raw = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            raw.extend_from_slice(b"___");
            i += 3;
        } else {
            raw.push(bytes[i]);
            i += 1;
        }
    }
    if let Some(pos) = raw.iter().position(|b| *b == b'%') {
        let end = (pos + 3).min(raw.len());
        let err = String::from_utf8_lossy(&raw[pos..end]).to_string();
        return Err(PathErr::Percent(format!(
            "invalid url-encoded value: '{err}'"
        )));
    }
    Ok(())
}

const RESERVED: &[u8] = b"!#$%&'()*+,/:;=?@[]";

/// K:tools/uri.lua `normalize(uri, merge_slashes)`.
pub fn normalize_uri(uri: &str, merge_slashes: bool) -> String {
    if uri.is_empty() || uri == "/" {
        return uri.to_string();
    }
    let mut uri = uri.to_string();
    if uri.contains('%') {
        let b = uri.as_bytes();
        let mut out: Vec<u8> = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%'
                && i + 2 < b.len()
                && b[i + 1].is_ascii_hexdigit()
                && b[i + 2].is_ascii_hexdigit()
            {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("00");
                let num = u8::from_str_radix(hex, 16).unwrap_or(0);
                if RESERVED.contains(&num) {
                    out.extend_from_slice(b[i..i + 3].to_ascii_uppercase().as_slice());
                } else {
                    out.push(num);
                }
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        uri = String::from_utf8_lossy(&out).to_string();
    }
    if !uri.contains('.') && (!merge_slashes || !uri.contains("//")) {
        return uri;
    }
    let b = uri.as_bytes();
    let mut out: Vec<&str> = Vec::new();
    let (mut s, z) = if b.first() == Some(&b'/') {
        out.push("/");
        (1usize, 1usize)
    } else {
        (0usize, 0usize)
    };
    loop {
        match uri[s..].find('/') {
            None => {
                let seg = &uri[s..];
                if seg.is_empty() {
                    break;
                }
                if seg == ".." {
                    if out.len() > z {
                        out.pop();
                    }
                    break;
                }
                if seg == "." {
                    break;
                }
                out.push(seg);
                break;
            }
            Some(rel) => {
                let e = s + rel;
                let c = e - s;
                if c == 0 {
                    if !merge_slashes {
                        out.push("/");
                    }
                } else {
                    let seg = &uri[s..e];
                    if seg == "." {
                        // ignored
                    } else if seg == ".." {
                        if out.len() > z {
                            out.pop();
                        }
                    } else {
                        out.push(&uri[s..=e]);
                    }
                }
                s = e + 1;
            }
        }
    }
    out.concat()
}

/// Compiles a regex the way ngx.re does (PCRE2), returning ngx's error text. The PCRE2 linked
/// here is 10.43 (Kong 3.9 bundles 10.44): it refuses group names of 33 to 128 characters,
/// which Kong 3.9 accepts; no test here depends on those.
pub fn pcre_check(re: &str) -> Result<(), String> {
    match pcre2::bytes::RegexBuilder::new().build(re) {
        Ok(_) => Ok(()),
        Err(e) => {
            let offset = e.offset().unwrap_or(0).min(re.len());
            let full = e.to_string();
            let msg = full
                .split_once(": ")
                .map(|(_, m)| m.to_string())
                .unwrap_or(full.clone());
            let msg = match msg.split_once(": ") {
                Some((head, m)) if head.starts_with("error compiling pattern") => m.to_string(),
                _ => msg,
            };
            let rest = re.get(offset..).unwrap_or("");
            Err(format!(
                "pcre2_compile() failed: {msg} in \"{re}\" at \"{rest}\""
            ))
        }
    }
}

/// Route path custom validator (`validate_path_with_regexes`).
pub fn validate_router_path(path: &str) -> Result<(), String> {
    if let Err(PathErr::Percent(e)) = validate_path(path) {
        return Err(e);
    }
    if !path.starts_with('~') {
        let normalized = normalize_uri(path, true);
        if normalized != path {
            return Err(format!(
                "non-normalized path, consider use '{normalized}' instead"
            ));
        }
        return Ok(());
    }
    let re = &path[1..];
    if let Err(err) = pcre_check(re) {
        return Err(format!("invalid regex: '{re}' (PCRE returned: {err})"));
    }
    Ok(())
}
