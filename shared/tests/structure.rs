//! The shape the code keeps as it grows (README, "Architecture"): use-case files small
//! enough to read in one sitting, short functions, one module that knows the store keys,
//! and guards that live in extractors rather than in handlers.

use std::path::{Path, PathBuf};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const MAX_FN_LINES: usize = 80;
const MAX_SERVICE_FILE_LINES: usize = 400;

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The source with comments, string and char literals blanked (newlines kept), so braces
/// and keywords inside them do not count.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let blank = |s: &[u8], out: &mut String| {
        out.extend(s.iter().map(|&c| if c == b'\n' { '\n' } else { ' ' }));
    };
    while i < b.len() {
        let rest = &b[i..];
        let end = if rest.starts_with(b"//") {
            rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len())
        } else if rest.starts_with(b"/*") {
            find(rest, b"*/").map_or(rest.len(), |e| e + 2)
        } else if let Some(len) = raw_string(rest, i == 0 || !is_ident(b[i - 1])) {
            len
        } else if rest[0] == b'"' {
            let mut j = 1;
            while j < rest.len() && rest[j] != b'"' {
                j += if rest[j] == b'\\' { 2 } else { 1 };
            }
            j + 1
        } else if let Some(len) = char_literal(rest) {
            len
        } else {
            out.push(rest[0] as char);
            i += 1;
            continue;
        };
        let end = end.min(rest.len());
        blank(&rest[..end], &mut out);
        i += end;
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The length of a raw string literal (`r"…"`, `r#"…"#`, `br"…"`) at the start of `s`.
fn raw_string(s: &[u8], at_boundary: bool) -> Option<usize> {
    if !at_boundary {
        return None;
    }
    let start = if s.starts_with(b"br") {
        2
    } else if s.starts_with(b"r") {
        1
    } else {
        return None;
    };
    let hashes = s[start..].iter().take_while(|&&c| c == b'#').count();
    if s.get(start + hashes) != Some(&b'"') {
        return None;
    }
    let mut close = vec![b'"'];
    close.extend(std::iter::repeat_n(b'#', hashes));
    let body = start + hashes + 1;
    find(&s[body..], &close).map(|e| body + e + close.len())
}

/// The length of a char literal at the start of `s` (not a lifetime).
fn char_literal(s: &[u8]) -> Option<usize> {
    if s[0] != b'\'' {
        return None;
    }
    if s.get(1) == Some(&b'\\') {
        return s[2..].iter().position(|&c| c == b'\'').map(|e| e + 3);
    }
    let ch_len = std::str::from_utf8(&s[1..s.len().min(6)])
        .ok()
        .or_else(|| std::str::from_utf8(&s[1..s.len().min(5)]).ok())
        .or_else(|| std::str::from_utf8(&s[1..s.len().min(4)]).ok())
        .or_else(|| std::str::from_utf8(&s[1..s.len().min(3)]).ok())
        .and_then(|t| t.chars().next())
        .map(char::len_utf8)?;
    (s.get(1 + ch_len) == Some(&b'\'')).then_some(ch_len + 2)
}

/// (name, first line, length in lines) of every function with a body.
fn functions(src: &str) -> Vec<(String, usize, usize)> {
    let code = code_only(src);
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = find(&b[i..], b"fn ") {
        let at = i + p;
        i = at + 3;
        if at > 0 && is_ident(b[at - 1]) {
            continue;
        }
        let name: String = code[at + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let (Some(brace), semi) = (code[at..].find('{'), code[at..].find(';')) else {
            continue;
        };
        if semi.is_some_and(|s| s < brace) || name.is_empty() {
            continue;
        }
        let mut depth = 0;
        let mut end = at + brace;
        for (k, c) in code[at + brace..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = at + brace + k;
                break;
            }
        }
        let first = code[..at].matches('\n').count() + 1;
        let last = code[..end].matches('\n').count() + 1;
        out.push((name, first, last - first + 1));
    }
    out
}

#[test]
fn functions_of_the_library_are_short() {
    let mut long = Vec::new();
    for file in rust_files(&Path::new(ROOT).join("shared/src")) {
        let src = std::fs::read_to_string(&file).unwrap();
        for (name, line, len) in functions(&src) {
            if len > MAX_FN_LINES {
                long.push(format!("{}:{line} {name} ({len} lines)", file.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_checker_measures_functions() {
    let src =
        "fn a() {\n    let s = \"}\";\n    let c = '{';\n}\n// fn b() {\nfn c(x: u8) -> u8 { x }\n";
    let found = functions(src);
    assert_eq!(
        found,
        vec![("a".to_string(), 1, 4), ("c".to_string(), 6, 1)]
    );
}

#[test]
fn use_case_files_fit_in_one_sitting() {
    let mut long = Vec::new();
    for file in rust_files(&Path::new(ROOT).join("shared/src/services")) {
        let lines = std::fs::read_to_string(&file).unwrap().lines().count();
        if lines > MAX_SERVICE_FILE_LINES {
            long.push(format!("{} ({lines} lines)", file.display()));
        }
    }
    assert!(
        long.is_empty(),
        "use-case files over {MAX_SERVICE_FILE_LINES} lines:\n{}",
        long.join("\n")
    );
}

/// Every key prefix of the scheme, read from the key module itself.
fn key_prefixes(keys_rs: &str) -> Vec<String> {
    let mut out = vec!["\"META\"".to_string()];
    // Constants of sort-key prefixes: `const NAME: &str = "M#";`.
    for part in keys_rs.split(": &str = \"").skip(1) {
        if let Some(p) = part.split('"').next().filter(|p| p.ends_with('#')) {
            out.push(format!("\"{p}"));
        }
    }
    for part in keys_rs.split("format!(\"").skip(1) {
        let prefix: String = part
            .chars()
            .take_while(|c| *c != '#' && *c != '{')
            .collect();
        if part[prefix.len()..].starts_with('#') && !prefix.is_empty() {
            out.push(format!("\"{prefix}#"));
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn only_the_key_module_spells_store_keys() {
    let keys_rs = std::fs::read_to_string(Path::new(ROOT).join("shared/src/keys.rs")).unwrap();
    let prefixes = key_prefixes(&keys_rs);
    assert!(prefixes.len() >= 18, "{prefixes:?}");
    let mut found = Vec::new();
    for dir in ["shared/src", "functions", "infra/local/src"] {
        for file in rust_files(&Path::new(ROOT).join(dir)) {
            if file.ends_with("shared/src/keys.rs") {
                continue;
            }
            let src = std::fs::read_to_string(&file).unwrap();
            for p in prefixes.iter().filter(|p| src.contains(p.as_str())) {
                found.push(format!("{}: {p}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "store-key literals outside shared/src/keys.rs:\n{}",
        found.join("\n")
    );
}

#[test]
fn handlers_leave_guards_and_bodies_to_extractors() {
    let mut found = Vec::new();
    for file in rust_files(&Path::new(ROOT).join("functions")) {
        let src = std::fs::read_to_string(&file).unwrap();
        for needle in [
            "check_csrf(",
            "body: Bytes",
            ".operator {",
            "session.operator",
        ] {
            if src.contains(needle) {
                found.push(format!("{}: {needle}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "hand-written guards in handlers:\n{}",
        found.join("\n")
    );
}
