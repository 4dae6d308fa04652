//! Name validators: typedefs.utf8_name, typedefs.tag and `utils.validate_header_name`.

/// utf8_name: "the only accepted ascii characters are alphanumerics or ., -, _, and ~".
pub fn validate_utf8_name(name: &str) -> Result<(), String> {
    let ok = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b".-_~".contains(&b) || (128..=244).contains(&b));
    if name.is_empty() || !ok {
        return Err(format!(
            "invalid value '{name}': the only accepted ascii characters are alphanumerics or ., -, _, and ~"
        ));
    }
    Ok(())
}

/// Whether a byte is allowed in a tag (`^[ \033-\043\045\046\048-\126\128-\244]+$`).
pub fn tag_byte_ok(b: u8) -> bool {
    b == b' '
        || (33..=43).contains(&b)
        || b == 45
        || b == 46
        || (48..=126).contains(&b)
        || (128..=244).contains(&b)
}

/// typedefs.tag validator.
pub fn validate_tag(tag: &str) -> Result<(), String> {
    if tag.is_empty() || !tag.bytes().all(tag_byte_ok) {
        return Err(format!(
            "invalid tag '{tag}': expected printable ascii (except `,` and `/`) or valid utf-8 sequences"
        ));
    }
    Ok(())
}

/// `utils.validate_header_name`.
pub fn validate_header_name(name: &str) -> Result<(), String> {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(());
    }
    Err(format!(
        "bad header name '{name}', allowed characters are A-Z, a-z, 0-9, '_', and '-'"
    ))
}
