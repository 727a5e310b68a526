//! Backup and restore of the local runner's data directory: the store (`registry.redb`), the
//! archive, the keys (seal, TSA, pagoPA stand-in, demo IdP, CNS host) and the rest, as one
//! consistent snapshot with a manifest of every file's size and SHA-256.
//!
//! The snapshot is taken with the store held open by the backup itself, so no portal can
//! run on the directory meanwhile (a running one makes the backup refuse: stop it first).
//! A restore goes only into an empty directory, and only after every file of the snapshot
//! matches its manifest; a failure halfway leaves the directory empty again.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

use shared::domain::sha256_hex;

const MANIFEST: &str = "manifest.json";
const STORE: &str = "registry.redb";

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    created_at: chrono::DateTime<chrono::Utc>,
    files: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    path: String,
    size: u64,
    sha256: String,
}

/// What a backup or a restore did.
#[derive(Debug)]
pub struct Report {
    pub files: usize,
    pub bytes: u64,
}

/// Every file under `dir`, as paths relative to it (temporary files of unfinished writes left
/// out), sorted.
fn files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut todo = vec![PathBuf::new()];
    while let Some(rel) = todo.pop() {
        for entry in std::fs::read_dir(dir.join(&rel))? {
            let entry = entry?;
            let path = rel.join(entry.file_name());
            let kind = entry.file_type()?;
            if kind.is_dir() {
                todo.push(path);
            } else if kind.is_file() && !entry.file_name().to_string_lossy().contains(".tmp-") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn is_empty_dir(dir: &Path) -> anyhow::Result<bool> {
    Ok(!dir.exists() || std::fs::read_dir(dir)?.next().is_none())
}

/// Writes the snapshot of `data_dir` into `target` (absent or empty).
pub fn backup(data_dir: &Path, target: &Path) -> anyhow::Result<Report> {
    if !data_dir.join(STORE).exists() {
        bail!(
            "{}: no registry.redb here, nothing to back up",
            data_dir.display()
        );
    }
    if !is_empty_dir(target)? {
        bail!(
            "{}: the backup goes into a new or empty directory",
            target.display()
        );
    }
    // Held open until the copy is done: no portal writes meanwhile, none is running now.
    let clock = Arc::new(shared::adapters::clock::SystemClock);
    let _store = shared::adapters::local_store::RedbStore::open(&data_dir.join(STORE), clock)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("the store is in use: stop the portal running on this directory, then back up")?;
    std::fs::create_dir_all(target)?;
    let mut entries = Vec::new();
    let mut bytes = 0;
    for rel in files(data_dir)? {
        let content = std::fs::read(data_dir.join(&rel))?;
        let to = target.join("data").join(&rel);
        std::fs::create_dir_all(to.parent().expect("inside the target"))?;
        std::fs::write(&to, &content)?;
        // Keeps the archive's expiry, which the local archive stores as the file's time.
        let modified = std::fs::metadata(data_dir.join(&rel))?.modified()?;
        std::fs::File::options()
            .write(true)
            .open(&to)?
            .set_modified(modified)?;
        bytes += content.len() as u64;
        entries.push(Entry {
            path: rel.to_string_lossy().into_owned(),
            size: content.len() as u64,
            sha256: sha256_hex(&content),
        });
    }
    let manifest = Manifest {
        format: 1,
        created_at: chrono::Utc::now(),
        files: entries,
    };
    let files = manifest.files.len();
    std::fs::write(target.join(MANIFEST), serde_json::to_vec_pretty(&manifest)?)?;
    Ok(Report { files, bytes })
}

/// A manifest path that stays inside the snapshot.
fn safe(rel: &str) -> anyhow::Result<&Path> {
    let p = Path::new(rel);
    let ok = !rel.is_empty()
        && p.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
    if !ok {
        bail!("the manifest names a path outside the snapshot: {rel:?}");
    }
    Ok(p)
}

/// Checks the snapshot in `source` against its manifest, then copies it into `data_dir`
/// (absent or empty).
pub fn restore(source: &Path, data_dir: &Path) -> anyhow::Result<Report> {
    if !is_empty_dir(data_dir)? {
        bail!(
            "{}: a restore goes only into an empty directory",
            data_dir.display()
        );
    }
    let text = std::fs::read(source.join(MANIFEST))
        .with_context(|| format!("{}: no manifest.json, not a backup", source.display()))?;
    let manifest: Manifest =
        serde_json::from_slice(&text).context("manifest.json is not readable")?;
    if manifest.format != 1 {
        bail!(
            "backup format {} is not known to this version",
            manifest.format
        );
    }
    let mut bytes = 0;
    for e in &manifest.files {
        let content = std::fs::read(source.join("data").join(safe(&e.path)?))
            .with_context(|| format!("{}: missing from the backup", e.path))?;
        if content.len() as u64 != e.size || sha256_hex(&content) != e.sha256 {
            bail!(
                "{}: differs from the manifest, the backup is damaged",
                e.path
            );
        }
        bytes += e.size;
    }
    if !manifest.files.iter().any(|e| e.path == STORE) {
        bail!("the backup holds no registry.redb");
    }
    let copied = (|| -> anyhow::Result<()> {
        for e in &manifest.files {
            let (from, to) = (source.join("data").join(&e.path), data_dir.join(&e.path));
            std::fs::create_dir_all(to.parent().expect("inside the data directory"))?;
            std::fs::copy(&from, &to)?;
            let modified = std::fs::metadata(&from)?.modified()?;
            std::fs::File::options()
                .write(true)
                .open(&to)?
                .set_modified(modified)?;
        }
        Ok(())
    })();
    if let Err(e) = copied {
        for entry in std::fs::read_dir(data_dir)? {
            let path = entry?.path();
            let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
        }
        return Err(e.context("the restore failed; the directory was emptied again"));
    }
    Ok(Report {
        files: manifest.files.len(),
        bytes,
    })
}
