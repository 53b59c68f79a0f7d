//! `export`: the organisation as JSON (everything) or CSV (users, roles,
//! authorizations), written as it is produced, to a file or to the
//! invocation's output.

use std::io::Write;
use std::path::PathBuf;

use super::data::{ExportArgs, ExportOut, Format, Table, EXPORT_FORMAT};
use super::users::require_all;
use super::{CliError, CliResult, Ctx};
use crate::domain::read::Subject;
use crate::domain::text::sanitize;

/// Where an export goes: the file (created or truncated) or the
/// invocation's output (stdout, or a server's client's), buffered; written
/// as it is produced.
fn open_out<'a>(ctx: &'a Ctx, output: &Option<PathBuf>) -> CliResult<Box<dyn Write + 'a>> {
    if let Some(f) = ctx.passed_file() {
        return Ok(Box::new(std::io::BufWriter::new(f)));
    }
    Ok(match output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p)
                .map_err(|e| CliError(format!("cannot write {}: {e}", p.display())))?,
        )),
        None => Box::new(std::io::BufWriter::new(ToOutput(ctx))),
    })
}

/// The invocation's output as a writer.
struct ToOutput<'a>(&'a Ctx);

impl Write for ToOutput<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.out.borrow_mut().write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.out.borrow_mut().flush()
    }
}

fn csv_field(s: &str) -> String {
    // Neutralise spreadsheet formulas and control characters in untrusted text.
    let s = sanitize(s);
    if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s
    }
}

pub fn export(ctx: &Ctx, a: ExportArgs) -> CliResult {
    let s = ctx.session()?;
    require_all(&s, ctx, Subject::Export)?;
    let org = s.org();
    let cannot = |e: std::io::Error| match &a.output {
        Some(p) => CliError(format!("cannot write {}: {e}", p.display())),
        None => CliError::from(e),
    };
    let mut out = open_out(ctx, &a.output)?;
    match a.format {
        Format::Json => {
            let e = ExportOut {
                format: EXPORT_FORMAT,
                version: 1,
                organisation: org,
            };
            super::json::write_pretty(&mut out, &e).map_err(|e| cannot(e.into()))?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            match a.table {
                Table::Users => {
                    w.write_record([
                        "id",
                        "given",
                        "family",
                        "email",
                        "login",
                        "status",
                        "access_until",
                        "roles",
                    ])?;
                    for u in org.users.values() {
                        w.write_record([
                            u.id.to_string(),
                            csv_field(&u.given),
                            csv_field(&u.family),
                            csv_field(u.email.as_deref().unwrap_or("")),
                            csv_field(u.login.as_deref().unwrap_or("")),
                            u.status.word().into(),
                            u.access_until.map(|d| d.to_string()).unwrap_or_default(),
                            csv_field(&org.roles_summary(u)),
                        ])?;
                    }
                }
                Table::Roles => {
                    let c = org.catalog();
                    let mut head = vec!["role".to_string()];
                    head.extend(c.permissions.iter().map(|p| p.key.clone()));
                    w.write_record(&head)?;
                    for r in org.roles.values() {
                        let mut row = vec![csv_field(&r.name)];
                        row.extend((0..c.len()).map(|i| c.get(i).scale.level_word(r.level(c, i))));
                        w.write_record(&row)?;
                    }
                }
                Table::Authorizations => {
                    let today = s.today();
                    w.write_record([
                        "reference",
                        "holder",
                        "kind",
                        "scope",
                        "limitations",
                        "first_issue",
                        "effective_from",
                        "expires",
                        "status",
                        "standing",
                    ])?;
                    for x in org.authorizations.values() {
                        w.write_record([
                            csv_field(&x.reference),
                            csv_field(
                                &org.users
                                    .get(&x.holder)
                                    .map(|u| u.handle())
                                    .unwrap_or_default(),
                            ),
                            csv_field(&x.kind),
                            csv_field(&x.scope.describe()),
                            csv_field(&x.limitations),
                            x.first_issue.to_string(),
                            x.effective_from.to_string(),
                            x.expires.map(|d| d.to_string()).unwrap_or_default(),
                            x.status.word().into(),
                            crate::domain::bases::standing(org, x, today).word().into(),
                        ])?;
                    }
                }
            }
            w.flush().map_err(cannot)?;
        }
    }
    out.flush().map_err(cannot)?;
    if let Some(p) = &a.output {
        errln!(ctx, "exported to {}", p.display());
    }
    Ok(0)
}
