//! The optional config file (`--config ramd.toml`, `RAMD_CONFIG`): TOML whose keys are the long
//! flags of the command being run (`listen = "0.0.0.0:7420"`, `data-dir = "/var/lib/ramd"`,
//! `quota = ["resource-shares=100"]`, `allow-remote-trust = true`). A flag on the command line or
//! its environment variable wins over the file, the file over the default. The file's values are
//! handed to clap as flags, so a bad value is refused exactly as on the command line; an unknown
//! key is an error naming it and the keys the command knows.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, Command};
use serde_json::{Map, Value, json};

/// The id of the global `--config` argument.
const CONFIG: &str = "config";

/// The command line parsed with the config file's values folded in.
pub struct Parsed {
    pub matches: ArgMatches,
    pub file: Option<PathBuf>,
    /// The ids of the arguments whose value came from the file.
    from_file: BTreeSet<String>,
}

pub enum Error {
    /// The command line itself (clap prints it, with usage).
    Usage(clap::Error),
    /// The file: unreadable, not TOML, an unknown key or a bad value.
    File(String),
}

/// Parses `args` against `command`, then the config file it names, if any.
pub fn parse(mut command: Command, args: &[OsString]) -> Result<Parsed, Error> {
    command.build();
    let matches = command
        .clone()
        .try_get_matches_from(args)
        .map_err(Error::Usage)?;
    let (leaf, leaf_matches) = leaf(&command, &matches);
    let Some(file) = leaf_matches.get_one::<PathBuf>(CONFIG).cloned() else {
        return Ok(Parsed {
            matches,
            file: None,
            from_file: BTreeSet::new(),
        });
    };
    let shown = file.display().to_string();
    let text = std::fs::read_to_string(&file)
        .map_err(|e| Error::File(format!("cannot read the config file {shown}: {e}")))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| Error::File(format!("the config file {shown} is not valid TOML: {e}")))?;
    let mut extra: Vec<OsString> = Vec::new();
    let mut from_file = BTreeSet::new();
    for (key, value) in &table {
        let Some(arg) = leaf
            .get_arguments()
            .find(|a| a.get_long() == Some(key.as_str()) && a.get_id() != CONFIG)
        else {
            let known: Vec<&str> = leaf
                .get_arguments()
                .filter_map(clap::Arg::get_long)
                .filter(|l| !matches!(*l, "help" | "version" | CONFIG))
                .collect();
            return Err(Error::File(format!(
                "{shown}: unknown key `{key}` for `{}` (it takes: {})",
                leaf.get_bin_name().unwrap_or("ramd"),
                known.join(", ")
            )));
        };
        let id = arg.get_id().as_str();
        if matches!(
            leaf_matches.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        ) {
            continue;
        }
        from_file.insert(id.to_owned());
        let flag = format!("--{key}");
        let switch = matches!(arg.get_action(), ArgAction::SetTrue);
        let values: Vec<&toml::Value> = match value {
            toml::Value::Array(items) => items.iter().collect(),
            one => vec![one],
        };
        for v in values {
            match (v, switch) {
                (toml::Value::Boolean(true), true) => extra.push(flag.clone().into()),
                (toml::Value::Boolean(false), true) => {}
                (v, true) => {
                    return Err(Error::File(format!(
                        "{shown}: `{key}` is a switch: true or false, not {v}"
                    )));
                }
                (toml::Value::String(s), false) => extra.push(format!("{flag}={s}").into()),
                (
                    toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_),
                    false,
                ) => {
                    extra.push(format!("{flag}={v}").into());
                }
                (v, false) => {
                    return Err(Error::File(format!(
                        "{shown}: `{key}` takes a string or a number, not {v}"
                    )));
                }
            }
        }
    }
    let mut all = args.to_vec();
    all.extend(extra);
    let matches = command.try_get_matches_from(&all).map_err(|e| {
        let rendered = e.render().to_string();
        let first = rendered.lines().next().unwrap_or_default();
        Error::File(format!("{shown}: {}", first.trim_start_matches("error: ")))
    })?;
    Ok(Parsed {
        matches,
        file: Some(file),
        from_file,
    })
}

/// The subcommand that runs, and its matches.
fn leaf<'a>(command: &'a Command, matches: &'a ArgMatches) -> (&'a Command, &'a ArgMatches) {
    let (mut command, mut matches) = (command, matches);
    while let Some((name, sub)) = matches.subcommand() {
        match command.find_subcommand(name) {
            Some(c) => (command, matches) = (c, sub),
            None => break,
        }
    }
    (command, matches)
}

impl Parsed {
    /// Every setting of the subcommand that runs, its value and where it came from (`ramd
    /// config`); a password in a URL is masked.
    pub fn describe(&self, command: &Command) -> Value {
        let mut command = command.clone();
        command.build();
        let (leaf, matches) = leaf(&command, &self.matches);
        let mut settings = Map::new();
        for arg in leaf.get_arguments() {
            let id = arg.get_id().as_str();
            let Some(long) = arg.get_long() else { continue };
            if matches!(long, "help" | "version") {
                continue;
            }
            let values: Vec<String> = matches
                .get_raw(id)
                .map(|vs| vs.map(|v| mask(&v.to_string_lossy())).collect())
                .unwrap_or_default();
            let source = if self.from_file.contains(id) {
                format!(
                    "config file {}",
                    self.file
                        .as_deref()
                        .map_or_else(String::new, |p| p.display().to_string())
                )
            } else {
                match matches.value_source(id) {
                    Some(ValueSource::CommandLine) => "command line".to_owned(),
                    Some(ValueSource::EnvVariable) => format!(
                        "environment ({})",
                        arg.get_env()
                            .map_or_else(String::new, |e| e.to_string_lossy().into_owned())
                    ),
                    Some(ValueSource::DefaultValue) => "default".to_owned(),
                    _ => "unset".to_owned(),
                }
            };
            let value = match (values.len(), arg.get_action()) {
                (_, ArgAction::SetTrue) => json!(values.first().is_some_and(|v| v == "true")),
                (0, _) => Value::Null,
                (1, ArgAction::Set) => json!(values[0]),
                _ => json!(values),
            };
            settings.insert(long.to_owned(), json!({"value": value, "source": source}));
        }
        json!({
            "configFile": self.file.as_deref().map(Path::display).map(|d| d.to_string()),
            "settings": settings,
        })
    }
}

/// `scheme://user:password@host` with the password replaced.
fn mask(value: &str) -> String {
    if let Some((scheme, rest)) = value.split_once("://")
        && let Some((credentials, host)) = rest.split_once('@')
        && let Some((user, _password)) = credentials.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    value.to_owned()
}
