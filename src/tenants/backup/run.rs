//! `mandant tenant backup | restore | verify`: the files, the progress
//! bars and what is printed.

use std::fs::OpenOptions;
use std::io::{BufReader, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;
use indicatif::{HumanBytes, ProgressBar, ProgressStyle};

use super::{Manifest, RestoreTo};
use crate::keys::MasterKey;
use crate::tenants::TenantService;

fn bar(len: Option<u64>, template: &str) -> ProgressBar {
    let bar = match len {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::new_spinner(),
    };
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

fn summary(m: &Manifest) -> String {
    format!(
        "{} tables, {} rows, {} files ({}), schema version {}",
        m.tables.len(),
        m.rows(),
        m.files,
        HumanBytes(m.file_bytes),
        m.schema_version
    )
}

fn master_from(file: Option<PathBuf>) -> anyhow::Result<Option<MasterKey>> {
    file.map(|path| {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the master key {}", path.display()))?;
        Ok(MasterKey::from_hex(&text, &path.display().to_string())?)
    })
    .transpose()
}

/// Where a verification's scratch copy lives: beside the tenants' own
/// files, where there is room for one.
fn scratch(data_dir: &Path) -> PathBuf {
    data_dir.join("scratch")
}

pub async fn backup(
    tenants: &TenantService,
    data_dir: &Path,
    slug: &str,
    out: Option<PathBuf>,
    verify: bool,
) -> anyhow::Result<ExitCode> {
    let tenant = tenants.get(slug).await?;
    let out = out.unwrap_or_else(|| {
        PathBuf::from(format!(
            "{slug}-{}.mandant-backup",
            Utc::now().format("%Y%m%dT%H%M%SZ")
        ))
    });
    if out.exists() {
        anyhow::bail!("{} exists; choose another name (--out)", out.display());
    }
    // Written aside and renamed when complete (and verified): a file with
    // the archive's name is always a whole archive.
    let mut partial = out.clone().into_os_string();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    let progress = bar(None, "{spinner} {msg}: {pos} rows and files ({elapsed})");
    let written = async {
        let mut w = BufWriter::new(&file);
        let (manifest, bytes) = super::backup(tenants, &tenant, &mut w, &progress).await?;
        w.flush()?;
        drop(w);
        file.sync_all()?;
        if verify {
            progress.set_message("verifying");
            super::verify(
                &partial,
                tenants.storage().master(),
                &scratch(data_dir),
                &progress,
            )
            .await?;
        }
        Ok::<_, super::BackupError>((manifest, bytes))
    }
    .await;
    progress.finish_and_clear();
    let (manifest, bytes) = match written {
        Ok(w) => w,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(anyhow::anyhow!("backup of {slug} failed: {e}"));
        }
    };
    std::fs::rename(&partial, &out)?;
    println!(
        "wrote {} ({}): {}",
        out.display(),
        HumanBytes(bytes),
        summary(&manifest)
    );
    if verify {
        println!("verified: restored into a scratch database, every table read back matches");
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(
    tenants: &TenantService,

    file: &Path,
    slug: Option<String>,
    shard: Option<String>,
    master_key_file: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let source_master = master_from(master_key_file)?;
    let input =
        std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let size = input.metadata()?.len();
    let progress = bar(
        Some(size),
        "{bar:40} {bytes}/{total_bytes} {msg} ({eta} left)",
    );
    let result = super::restore(
        tenants,
        BufReader::new(input),
        RestoreTo {
            slug,
            shard,
            source_master,
        },
        &progress,
    )
    .await;
    progress.finish_and_clear();
    let (tenant, manifest) = result.map_err(|e| anyhow::anyhow!("restore failed: {e}"))?;
    println!(
        "restored tenant {} ({}) on shard {}: {}",
        tenant.slug,
        tenant.id,
        tenant.shard,
        summary(&manifest)
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn verify(
    tenants: &TenantService,
    data_dir: &Path,
    file: &Path,
    master_key_file: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let master =
        master_from(master_key_file)?.unwrap_or_else(|| tenants.storage().master().clone());
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    let progress = bar(Some(size), "{bar:40} {bytes}/{total_bytes} {msg}");
    let result = super::verify(file, &master, &scratch(data_dir), &progress).await;
    progress.finish_and_clear();
    let v = result.map_err(|e| anyhow::anyhow!("{} failed verification: {e}", file.display()))?;
    println!(
        "{} is whole: tenant {} ({}), made {} on {}; {}; restored into a scratch database and read back",
        file.display(),
        v.meta.tenant.slug,
        v.meta.tenant.id,
        v.meta.made_at.to_rfc3339(),
        v.meta.backend,
        summary(&v.manifest)
    );
    Ok(ExitCode::SUCCESS)
}
