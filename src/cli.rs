//! The `mandant` command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::app::Application;
use crate::config::Config;
use crate::secret::{Secret, random_hex};
use crate::services::Services;
use crate::telemetry;
use crate::tenants::{AdminInput, CreateTenant, TenantError};

#[derive(Debug, Parser)]
#[command(name = "mandant", version, about = "Multi-tenant real-time CRM server")]
pub struct Cli {
    /// Config file (default: ./mandant.toml if present). Environment
    /// variables override it.
    #[arg(long, global = true, env = "MANDANT_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve HTTP and WebSockets.
    Serve {
        /// Also provision the demo tenant and print its login.
        #[arg(long)]
        demo: bool,
    },
    /// Same as `serve --demo`.
    Demo,
    /// Bring the control plane and every tenant to the current schema.
    Migrate {
        /// Change nothing; exit non-zero unless every tenant is current.
        #[arg(long)]
        check: bool,
    },
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Check a tenant's audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Encryption at rest: the master key and the tenants' data keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Apply a tenant's retention rules now, as the hourly sweep does, and
    /// print the report (JSON); exit 1 while another run holds the lease.
    Retention {
        /// The tenant's slug.
        tenant: String,
        /// Print what the rules would remove, and remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Import contacts or companies from a CSV file, as the tenant's owner.
    Import {
        /// The tenant's slug.
        tenant: String,
        #[arg(value_parser = ["contacts", "companies"])]
        kind: String,
        file: PathBuf,
        /// Import the valid rows and report the others (default: all or nothing).
        #[arg(long)]
        skip_invalid: bool,
    },
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Create a tenant with its first admin (role owner).
    Create(CreateArgs),
    /// List active tenants.
    List,
    /// Show one tenant with its schema version.
    Show { slug: String },
    /// Delete a tenant and all of its data.
    Delete {
        slug: String,
        /// Confirm; without it nothing is deleted.
        #[arg(long)]
        yes: bool,
    },
    /// Write an encrypted archive of one tenant (tables at one moment,
    /// files, settings, keys) with a manifest of counts and checksums.
    Backup {
        slug: String,
        /// Where to write it (default: `<slug>-<UTC time>.mandant-backup`).
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Then restore it into a scratch database and compare.
        #[arg(long)]
        verify: bool,
    },
    /// Bring a tenant back from an archive, under its own or a new slug,
    /// on either backend.
    Restore {
        file: PathBuf,
        #[arg(long)]
        slug: Option<String>,
        #[arg(long)]
        shard: Option<String>,
        /// The master key the archive was made under, when it is not this
        /// installation's.
        #[arg(long)]
        master_key_file: Option<PathBuf>,
    },
    /// Move a tenant to another shard (either backend) while it is in
    /// use: copy, catch up, pause writes for a moment, switch, and drop
    /// the old copy after a grace period.
    Move {
        slug: String,
        /// The shard to move to (`default` or a name in MANDANT_SHARDS).
        #[arg(long)]
        to: String,
        /// Seconds the old copy is kept after the switch.
        #[arg(long, default_value_t = 30)]
        grace: u64,
        /// Discard what an interrupted move of this tenant left behind.
        #[arg(long)]
        restart: bool,
    },
    /// Check an archive: restore it into a scratch database, read it back
    /// and compare with its manifest.
    Verify {
        file: PathBuf,
        #[arg(long)]
        master_key_file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Print a new random master key (64 hex digits), for a key file.
    Generate,
    /// Re-wrap every tenant's data keys under the master key in FILE, all
    /// or nothing; then start every node with MANDANT_MASTER_KEY_FILE=FILE.
    Rotate {
        #[arg(long)]
        to: PathBuf,
    },
    /// Give a tenant a new data key and re-seal its sealed values under it.
    RotateTenant { slug: String },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Walk the tenant's hash chain from its first entry; exit 1 naming
    /// the first entry that was changed, removed or reordered.
    Verify {
        slug: String,
        /// A statement printed earlier by `audit head`: the chain must
        /// still hold its hash at its number, which also catches a rewrite
        /// that recomputed every hash after it.
        #[arg(long)]
        expect: Option<String>,
    },
    /// Print the chain's head (number and hash) as a statement signed by
    /// this installation, to keep somewhere else.
    Head { slug: String },
}

#[derive(Debug, Args)]
struct CreateArgs {
    #[arg(long)]
    slug: String,
    #[arg(long)]
    name: String,
    #[arg(long, default_value = "standard")]
    plan: String,
    #[arg(long, default_value = "default")]
    shard: String,
    #[arg(long)]
    admin_email: String,
    #[arg(long)]
    admin_name: Option<String>,
    /// Default: a random password, printed once.
    #[arg(long, env = "MANDANT_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: Option<String>,
}

/// Parses the command line and runs it; the process exit code is the result.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config);
    let code = match execute(cli.command, config).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    };
    // The SDK's batch thread blocks: not on this runtime's workers.
    let _ = tokio::task::spawn_blocking(telemetry::flush).await;
    code
}

async fn execute(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { demo } => serve(config, demo).await,
        Command::Demo => serve(config, true).await,
        Command::Migrate { check } => migrate(config, check).await,
        Command::Tenant(t) => tenant(config, t).await,
        Command::Audit(a) => audit(config, a).await,
        Command::Keys(k) => keys(config, k).await,
        Command::Retention { tenant, dry_run } => retention(config, &tenant, dry_run).await,
        Command::Import {
            tenant,
            kind,
            file,
            skip_invalid,
        } => import(config, &tenant, &kind, &file, skip_invalid).await,
    }
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<ExitCode> {
    let services = Services::connect(config).await?;
    services.prepare().await?;
    let demo_login = if demo {
        let password = std::env::var("MANDANT_DEMO_PASSWORD").ok().map(Secret::new);
        Some(services.tenants.ensure_demo(password).await?)
    } else {
        None
    };
    let app = Application::bind(services)?;
    let s = app.services();
    let base = format!("http://{}:{}", s.config.listen.ip(), app.port());
    println!("Mandant listening on {base}");
    println!(
        "  storage: {}, bus: {}",
        if s.config.database_url.is_some() {
            "postgresql"
        } else {
            "sqlite (embedded)"
        },
        s.bus.backend()
    );
    if s.platform_token_generated {
        println!(
            "  platform token (control plane, this run only; set MANDANT_PLATFORM_TOKEN to keep one): {}",
            s.platform_token.expose()
        );
    }
    if let Some(d) = demo_login {
        println!(
            "  demo tenant: {base}/t/{}  login: {}  password: {}",
            d.slug,
            d.email,
            d.password.expose()
        );
    }
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}

async fn migrate(config: Config, check: bool) -> anyhow::Result<ExitCode> {
    // Connecting migrates the control plane; with --check we still need it
    // readable, and an out-of-date control plane would fail right there.
    let services = Services::connect(config).await?;
    if check {
        let rows = services.tenants.check_all().await?;
        let mut behind = 0;
        for (t, status) in &rows {
            match status {
                Ok(s) if s.is_current() => {}
                Ok(s) => {
                    behind += 1;
                    println!(
                        "{}: version {} of {}, {} pending{}",
                        t.slug,
                        s.version,
                        s.latest,
                        s.pending,
                        s.problem
                            .as_ref()
                            .map(|p| format!(", {p}"))
                            .unwrap_or_default()
                    );
                }
                Err(e) => {
                    behind += 1;
                    println!("{}: cannot read schema: {e}", t.slug);
                }
            }
        }
        println!("{} tenant(s), {} not current", rows.len(), behind);
        return Ok(if behind == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    services.tenants.recover().await?;
    let report = services.tenants.migrate_all().await?;
    println!(
        "migrated {} tenant(s) in {} ms, {} failed",
        report.migrated,
        report.elapsed.as_millis(),
        report.failed.len()
    );
    for (slug, e) in &report.failed {
        println!("  {slug}: {e}");
    }
    Ok(if report.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn tenant(config: Config, cmd: TenantCommand) -> anyhow::Result<ExitCode> {
    let services = Services::connect(config).await?;
    let t = &services.tenants;
    match cmd {
        TenantCommand::Create(a) => {
            let (password, generated) = match a.admin_password {
                Some(p) => (p, false),
                None => (random_hex(9), true),
            };
            let req = CreateTenant {
                slug: Some(a.slug),
                name: Some(a.name),
                plan: Some(a.plan),
                shard: Some(a.shard),
                admin: Some(AdminInput {
                    email: Some(a.admin_email.clone()),
                    password: Some(password.clone()),
                    name: a.admin_name,
                }),
            };
            match t.create(&req).await {
                Ok(tenant) => {
                    println!(
                        "created tenant {} ({}) on shard {}",
                        tenant.slug, tenant.id, tenant.shard
                    );
                    if generated {
                        println!("admin login: {}  password: {password}", a.admin_email);
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(TenantError::Validation(errors)) => {
                    for e in errors {
                        eprintln!("{}: {}", e.field, e.message);
                    }
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(e.into()),
            }
        }
        TenantCommand::List => {
            for tenant in t.list().await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    tenant.slug,
                    tenant.name.as_str(),
                    tenant.plan.as_str(),
                    tenant.shard,
                    tenant.created_at.to_rfc3339()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        TenantCommand::Show { slug } => {
            let tenant = t.get(&slug).await?;
            let status = t.status(&tenant).await?;
            println!("slug:     {}", tenant.slug);
            println!("id:       {}", tenant.id);
            println!("name:     {}", tenant.name.as_str());
            println!("plan:     {}", tenant.plan.as_str());
            println!("shard:    {}", tenant.shard);
            println!("created:  {}", tenant.created_at.to_rfc3339());
            println!(
                "schema:   version {} of {}{}",
                status.version,
                status.latest,
                if status.is_current() {
                    " (current)"
                } else {
                    " (NOT current)"
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        TenantCommand::Delete { slug, yes } => {
            if !yes {
                eprintln!("refusing to delete {slug} and all its data without --yes");
                return Ok(ExitCode::from(2));
            }
            t.delete(&slug).await?;
            println!("deleted tenant {slug}");
            Ok(ExitCode::SUCCESS)
        }
        TenantCommand::Backup { slug, out, verify } => {
            crate::tenants::backup::run::backup(t, &services.config.data_dir, &slug, out, verify)
                .await
        }
        TenantCommand::Restore {
            file,
            slug,
            shard,
            master_key_file,
        } => crate::tenants::backup::run::restore(t, &file, slug, shard, master_key_file).await,
        TenantCommand::Move {
            slug,
            to,
            grace,
            restart,
        } => {
            let opts = crate::tenants::moving::MoveOptions {
                restart,
                grace: std::time::Duration::from_secs(grace),
            };
            let r = match crate::tenants::moving::move_tenant(t, &slug, &to, &opts, &|m| {
                println!("{m}")
            })
            .await
            {
                Ok(r) => r,
                Err(TenantError::Validation(errors)) => {
                    for e in errors {
                        eprintln!("{}: {}", e.field, e.message);
                    }
                    return Ok(ExitCode::from(2));
                }
                Err(e) => return Err(e.into()),
            };
            println!(
                "moved tenant {slug} from shard {} to {}: {} rows copied, {} changes caught up \
                 in {} rounds, writes paused {:.1} ms, {:.1} s in all",
                r.from,
                r.to,
                r.rows,
                r.changes,
                r.rounds,
                r.pause.as_secs_f64() * 1000.0,
                r.took.as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        TenantCommand::Verify {
            file,
            master_key_file,
        } => {
            crate::tenants::backup::run::verify(
                t,
                &services.config.data_dir,
                &file,
                master_key_file,
            )
            .await
        }
    }
}

async fn keys(config: Config, cmd: KeysCommand) -> anyhow::Result<ExitCode> {
    use crate::keys::MasterKey;
    if let KeysCommand::Generate = cmd {
        println!("{}", MasterKey::generate_hex());
        return Ok(ExitCode::SUCCESS);
    }
    let services = Services::connect(config).await?;
    match cmd {
        KeysCommand::Generate => unreachable!("answered above"),
        KeysCommand::Rotate { to } => {
            let text = std::fs::read_to_string(&to)
                .with_context(|| format!("cannot read the new master key {}", to.display()))?;
            let new = MasterKey::from_hex(&text, &to.display().to_string())?;
            let old = services.storage.master();
            let mut rows = Vec::new();
            for (tenant, version, wrapped, _) in
                services.storage.control().all_tenant_keys().await?
            {
                let key = old.unwrap(tenant, version, &wrapped)?;
                rows.push((
                    tenant,
                    version,
                    new.wrap(tenant, version, &key)?,
                    new.kid().to_owned(),
                ));
            }
            services.storage.control().rewrap_tenant_keys(&rows).await?;
            println!(
                "re-wrapped {} data keys under master key {}; start every node with MANDANT_MASTER_KEY_FILE={}",
                rows.len(),
                new.kid(),
                to.display()
            );
        }
        KeysCommand::RotateTenant { slug } => {
            let tenant = services.tenants.get(&slug).await?;
            let db = services.storage.add_data_key(&tenant).await?;
            let values = db.reseal().await?;
            let secrets = crate::identity::mfa::reseal_secrets(&db).await?;
            println!(
                "{slug}: data key version {} seals from now on; re-sealed {} records, {} events and {secrets} TOTP secrets (running nodes re-seal what they write meanwhile within the hour)",
                db.keys()?.current_version(),
                values.records,
                values.events,
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn retention(config: Config, slug: &str, dry_run: bool) -> anyhow::Result<ExitCode> {
    let services = Services::connect(config).await?;
    let tenant = Arc::new(services.tenants.get(slug).await?);
    let db = services.storage.tenant_db(&tenant).await?;
    let report = if dry_run {
        crate::records::retention_run::dry_run(&db).await?
    } else {
        match crate::services::apply_retention(
            &services.realtime,
            &tenant,
            &db,
            services.config.retention_lease_secs,
        )
        .await?
        {
            Some(r) => r,
            None => {
                eprintln!("{slug}: a retention run is under way; try again when it has finished");
                return Ok(ExitCode::FAILURE);
            }
        }
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::SUCCESS)
}

async fn audit(config: Config, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    let services = Services::connect(config).await?;
    let slug = match &cmd {
        AuditCommand::Verify { slug, .. } | AuditCommand::Head { slug } => slug.clone(),
    };
    let tenant = services.tenants.get(&slug).await?;
    let db = services.storage.tenant_db(&tenant).await?;
    let key = services
        .storage
        .control()
        .platform_secret(crate::audit::head::KEY_NAME, &random_hex(32))
        .await?;
    match cmd {
        AuditCommand::Head { .. } => {
            let (seq, hash) = crate::audit::head(&db).await?;
            println!("{}", crate::audit::head::sign(&key, tenant.id, seq, &hash));
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Verify { expect, .. } => {
            let expected = match expect.as_deref() {
                None => None,
                Some(statement) => match crate::audit::head::read(&key, tenant.id, statement) {
                    Ok(head) => Some(head),
                    Err(why) => {
                        println!("{slug}: the kept head does not hold: {why}");
                        return Ok(ExitCode::FAILURE);
                    }
                },
            };
            let v = crate::audit::verify(&db).await?;
            if let Some(b) = &v.broken {
                println!(
                    "{slug}: the audit trail is broken at entry {}: {}",
                    b.seq, b.reason
                );
                return Ok(ExitCode::FAILURE);
            }
            if let Some((seq, hash)) = expected {
                match crate::audit::hash_at(&db, seq).await? {
                    Some(h) if h == hash => {}
                    Some(_) => {
                        println!(
                            "{slug}: the audit trail was rewritten: entry {seq} no longer has the hash kept for it"
                        );
                        return Ok(ExitCode::FAILURE);
                    }
                    // Retention trimmed it, in the chain's own record
                    // (`audit.trimmed`): the chain from there was checked.
                    None if seq <= v.base_seq => println!(
                        "{slug}: entry {seq} is older than the trail keeps (trimmed up to {}); it can no longer be compared",
                        v.base_seq
                    ),
                    None => {
                        println!("{slug}: the audit trail lost entry {seq}, whose hash was kept");
                        return Ok(ExitCode::FAILURE);
                    }
                }
            }
            let trimmed = if v.base_seq > 0 {
                format!(" (1 to {} trimmed by retention)", v.base_seq)
            } else {
                String::new()
            };
            println!(
                "{slug}: {} entries{trimmed}, the chain holds; head {}:{}",
                v.entries, v.head_seq, v.head_hash
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn import(
    config: Config,
    slug: &str,
    kind: &str,
    file: &std::path::Path,
    skip_invalid: bool,
) -> anyhow::Result<ExitCode> {
    use indicatif::{ProgressBar, ProgressStyle};

    let services = Services::connect(config).await?;
    let tenant = services.tenants.get(slug).await?;
    let db = services.storage.tenant_db(&tenant).await?;
    let owner = crate::identity::service::owner_principal(&tenant, &db).await?;
    let kind = crate::records::schema::by_path(kind)
        .ok_or_else(|| anyhow::anyhow!("unknown kind {kind}"))?;
    let bytes = std::fs::read(file)?;
    let bar = ProgressBar::new(bytes.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress = {
        let bar = bar.clone();
        move |done: u64| bar.set_position(done)
    };
    let result = crate::records::csv_io::import(
        &db,
        kind,
        &owner,
        &bytes,
        skip_invalid,
        crate::limits::plans::quotas(tenant.plan).records,
        &progress,
    )
    .await;
    bar.finish_and_clear();
    let (report, ok) = match result {
        Ok(r) => (r, true),
        Err(crate::records::csv_io::ImportError::Rows(r)) => (r, false),
        Err(e) => return Err(anyhow::anyhow!("{e}")),
    };
    for e in report.errors.iter().take(50) {
        eprintln!("line {}: {}: {}", e.line, e.field, e.message);
    }
    if report.error_count > 50 {
        eprintln!("… {} more error(s)", report.error_count - 50);
    }
    if ok {
        println!(
            "imported {} {}, skipped {}",
            report.imported, kind.path, report.skipped
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "nothing imported: {} row(s) have errors (use --skip-invalid to import the rest)",
            report.skipped
        );
        Ok(ExitCode::FAILURE)
    }
}
