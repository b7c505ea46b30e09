//! `pudo init [DIR]`: writes a new project (see [`crate::scaffold`]) with
//! the JSON Schemas of `pudo schema`. Checks every name and every file
//! before writing one, so that a refusal changes nothing.

use super::Context;
use crate::cli::InitArgs;
use crate::commands::schema_cmd::{self, Document};
use crate::error::{Error, Result};
use crate::scaffold::{self, Mode, SchemaFile, Schemas, Spec, SpecError};
use std::path::Path;
use std::process::ExitCode;

pub fn run(ctx: &Context, args: InitArgs) -> Result<ExitCode> {
    let dir = ctx.cwd.join(&args.dir);
    let spec = spec(&dir, &args).map_err(|e| Error::usage_with_hint(e.to_string(), e.hint()))?;
    let schema = |doc: Document| SchemaFile {
        path: doc.shipped_file().to_string(),
        text: schema_cmd::generate(doc),
    };
    let schemas = Schemas {
        base: schema(Document::Base),
        overrides: schema(Document::Override),
    };
    let files = scaffold::files(&spec, &schemas);

    let existing: Vec<&str> = files
        .iter()
        .filter(|f| f.mode == Mode::Create && dir.join(&f.path).symlink_metadata().is_ok())
        .map(|f| f.path.as_str())
        .collect();
    if !existing.is_empty() && !args.force {
        let mut message = format!(
            "`pudo init` would overwrite {} existing {} in `{}`:",
            existing.len(),
            if existing.len() == 1 { "file" } else { "files" },
            args.dir.display()
        );
        for path in &existing {
            message.push_str("\n  ");
            message.push_str(path);
        }
        return Err(Error::usage_with_hint(
            message,
            "nothing was written; pass `--force` to overwrite them, or choose another folder",
        ));
    }

    let muted = crate::render::style::muted();
    for file in &files {
        let path = dir.join(&file.path);
        let verb = match file.mode {
            Mode::Create => {
                let verb = if existing.contains(&file.path.as_str()) {
                    "overwrote"
                } else {
                    "created"
                };
                write(&path, &file.contents)?;
                verb
            }
            Mode::AddLines => {
                let current = match std::fs::read_to_string(&path) {
                    Ok(text) => Some(text),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                    Err(e) => return Err(Error::io("read", &path, e)),
                };
                match scaffold::add_gitignore_lines(
                    current.as_deref().unwrap_or_default(),
                    &file.contents,
                ) {
                    None => "kept",
                    Some(text) => {
                        write(&path, &text)?;
                        if current.is_some() {
                            "updated"
                        } else {
                            "created"
                        }
                    }
                }
            }
        };
        eprintln!("{} {}", muted.apply_to(format!("{verb:>9}")), file.path);
    }

    let width = spec
        .environments
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(0)
        .max("database".len());
    let mut summary = format!(
        "{} created a pudo project in `{}`\n  {:<width$}  {}",
        crate::render::style::create().apply_to("ok:"),
        args.dir.display(),
        "database",
        spec.database
    );
    for env in &spec.environments {
        summary.push_str(&format!(
            "\n  {:<width$}  <- {}{}",
            env.name,
            env.branches.join(", "),
            if env.protected { " (protected)" } else { "" }
        ));
    }
    eprintln!("{summary}");
    let first = &spec.environments[0].name;
    let cd = if args.dir == Path::new(".") {
        String::new()
    } else {
        format!("  cd {}\n", args.dir.display())
    };
    eprintln!(
        "next:\n{cd}  pudo validate                 check every environment, offline\n  pudo plan -e shared           the shared objects ({}, SHARED_DATA), applied first\n  pudo plan -e {first:<16} what {first} would create\n  cp .env.example .env          then fill in the Snowflake connection settings",
        spec.database
    );
    Ok(ExitCode::SUCCESS)
}

/// The checked names: `--database`, or the folder's name.
fn spec(dir: &Path, args: &InitArgs) -> Result<Spec, SpecError> {
    let database = match &args.database {
        Some(name) => name.clone(),
        None => {
            // `.` and `..` have no name of their own: use the real folder's.
            let named = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
            let named = normalize(&named);
            let folder = named
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            scaffold::database_from_folder(&folder)?
        }
    };
    Spec::new(&database, &args.environments)
}

/// `a/b/../c/.` as `a/c`, without touching the file system (the folder may
/// not exist yet).
fn normalize(path: &Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn write(path: &Path, contents: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io("create the folder", parent, e))?;
    }
    // `--force` replaces the listed path itself: a symlink there (a shared
    // `.env.example`, say) is replaced, not the file it points to.
    if path
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
    {
        std::fs::remove_file(path).map_err(|e| Error::io("replace the symlink", path, e))?;
    }
    std::fs::write(path, contents).map_err(|e| Error::io("write", path, e))
}
