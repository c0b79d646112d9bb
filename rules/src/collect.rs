//! Reading rules files into lists, macros and rules, file after file, as Falco's reader and
//! collector do: definitions, `append: true`, `override:` (append or replace, per key), and
//! `enabled`-only updates, each checked where it stands.

use std::collections::{BTreeSet, HashMap};

use crate::Priority;
use crate::diag::{Code, Diagnostic, Location};
use crate::yaml::{self, Kind, Node, Pos};

/// The event source of Falco's system-call rules, the one this engine runs.
pub const SYSCALL_SOURCE: &str = "syscall";

/// The engine version rules files are checked against (`required_engine_version`): that of
/// the Falco whose rules language this crate reads.
pub const ENGINE_VERSION: (u64, u64, u64) = (0, 63, 0);

/// Items in definition order, found by name; a redefinition takes the place of the first.
#[derive(Debug, Clone)]
pub(crate) struct Indexed<T> {
    pub(crate) items: Vec<T>,
    by_name: HashMap<String, usize>,
}

impl<T> Default for Indexed<T> {
    fn default() -> Self {
        Indexed {
            items: Vec::new(),
            by_name: HashMap::new(),
        }
    }
}

impl<T> Indexed<T> {
    pub(crate) fn get(&self, name: &str) -> Option<&T> {
        self.by_name.get(name).map(|&i| &self.items[i])
    }
    fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        self.by_name.get(name).map(|&i| &mut self.items[i])
    }
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }
}

/// Where an item was defined, and what it can see of the others.
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    /// Its place in the order of definition (kept by a redefinition).
    pub(crate) index: u32,
    /// Items defined before this number are visible to it (moved on by every update).
    pub(crate) visibility: u32,
    pub(crate) file: String,
    pub(crate) path: Vec<Location>,
}

#[derive(Debug, Clone)]
pub(crate) struct ListInfo {
    pub(crate) name: String,
    pub(crate) items: Vec<String>,
    pub(crate) meta: Meta,
}

#[derive(Debug, Clone)]
pub(crate) struct MacroInfo {
    pub(crate) cond: String,
    pub(crate) cond_pos: Pos,
    pub(crate) meta: Meta,
}

/// One of an exception's `fields`, `comps` or `values`: a string or a list of them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Entry {
    Item(String),
    List(Vec<Entry>),
}

#[derive(Debug, Clone)]
pub(crate) struct ExceptionInfo {
    pub(crate) name: String,
    pub(crate) fields: Option<Entry>,
    pub(crate) comps: Option<Entry>,
    pub(crate) values: Vec<Entry>,
    pub(crate) path: Vec<Location>,
}

#[derive(Debug, Clone)]
pub(crate) struct RuleInfo {
    pub(crate) name: String,
    pub(crate) cond: String,
    pub(crate) cond_pos: Pos,
    pub(crate) output: String,
    pub(crate) output_pos: Pos,
    pub(crate) desc: String,
    pub(crate) priority: Priority,
    pub(crate) tags: BTreeSet<String>,
    pub(crate) enabled: bool,
    pub(crate) source: String,
    pub(crate) unknown_source: bool,
    pub(crate) exceptions: Vec<ExceptionInfo>,
    pub(crate) warn_evttypes: bool,
    pub(crate) skip_if_unknown_filter: bool,
    pub(crate) capture: bool,
    pub(crate) capture_duration: u64,
    pub(crate) meta: Meta,
}

/// What the files read so far define.
#[derive(Debug, Clone, Default)]
pub(crate) struct Collector {
    pub(crate) lists: Indexed<ListInfo>,
    pub(crate) macros: Indexed<MacroInfo>,
    pub(crate) rules: Indexed<RuleInfo>,
    pub(crate) required_engine_version: (u64, u64, u64),
    pub(crate) required_plugins: Vec<Vec<(String, String)>>,
    next: u32,
}

type Fail = Box<Diagnostic>;

/// The reading of one file.
pub(crate) struct Reader<'a> {
    pub(crate) file: &'a str,
    pub(crate) col: &'a mut Collector,
    pub(crate) diags: &'a mut Vec<Diagnostic>,
    /// Whether a field name can stand on the left of a comparison (exception fields).
    pub(crate) is_field: &'a dyn Fn(&str) -> bool,
}

fn loc(kind: &'static str, name: &str, pos: Pos) -> Location {
    Location {
        kind,
        name: name.to_string(),
        pos,
    }
}

fn with(path: &[Location], l: Location) -> Vec<Location> {
    let mut p = path.to_vec();
    p.push(l);
    p
}

const APPEND_DEPRECATED: &str = "The 'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
const ENABLED_DEPRECATED: &str = "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').";
const OVERRIDE_AND_APPEND: &str = "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";

impl Reader<'_> {
    fn fail(&self, code: Code, message: impl Into<String>, path: Vec<Location>) -> Fail {
        Box::new(Diagnostic {
            code,
            message: message.into(),
            file: self.file.to_string(),
            path,
            condition: None,
        })
    }

    fn warn(&mut self, code: Code, message: impl Into<String>, path: &[Location]) {
        self.diags.push(Diagnostic {
            code,
            message: message.into(),
            file: self.file.to_string(),
            path: path.to_vec(),
            condition: None,
        });
    }

    fn invalid(&self, message: impl Into<String>, path: &[Location]) -> Fail {
        self.fail(Code::ErrYamlValidate, message, path.to_vec())
    }

    /// Reads `text`; stops at the first error, keeping what came before it (as Falco does).
    pub(crate) fn read(&mut self, text: &str) -> Result<(), Fail> {
        let docs = yaml::parse(text).map_err(|e| {
            self.fail(
                Code::ErrYamlParse,
                e.message,
                vec![loc("rules content", "", e.pos)],
            )
        })?;
        for doc in &docs {
            if doc.is_null() {
                continue;
            }
            let Some(items) = doc.as_seq() else {
                let msg = if doc.as_map().is_some() {
                    "Rules content is not yaml array of objects"
                } else {
                    "Rules content is not yaml"
                };
                return Err(self.invalid(msg, &[]));
            };
            for item in items {
                if !item.is_null() {
                    self.item(item)?;
                }
            }
        }
        Ok(())
    }

    fn item(&mut self, item: &Node) -> Result<(), Fail> {
        if item.as_map().is_none() {
            return Err(self.invalid(
                "Unexpected element type. Each element should be a yaml associative array.",
                &[loc("rules content item", "", item.pos)],
            ));
        }
        if item.get("required_engine_version").is_some() {
            self.engine_version(item)
        } else if item.get("required_plugin_versions").is_some() {
            self.plugin_versions(item)
        } else if item.get("list").is_some() {
            self.list(item)
        } else if item.get("macro").is_some() {
            self.macro_(item)
        } else if item.get("rule").is_some() {
            self.rule(item)
        } else {
            self.warn(
                Code::WarnUnknownItem,
                "Unknown top level item",
                &[loc("rules content item", "", item.pos)],
            );
            Ok(())
        }
    }

    /// A scalar value: required unless `optional`; `Ok(None)` when optional and absent.
    fn scalar<'n>(
        &self,
        item: &'n Node,
        key: &str,
        path: &[Location],
        optional: bool,
    ) -> Result<Option<&'n Node>, Fail> {
        let Some(v) = item.get(key) else {
            if optional {
                return Ok(None);
            }
            return Err(self.invalid(format!("Item has no mapping for key '{key}'"), path));
        };
        if v.is_null() {
            return Err(self.invalid(format!("Mapping for key '{key}' is empty"), path));
        }
        let vpath = with(path, loc("value for", key, v.pos));
        match &v.kind {
            Kind::Scalar { text, .. } if text.is_empty() => {
                Err(self.invalid("Value must be non-empty", &vpath))
            }
            Kind::Scalar { .. } => Ok(Some(v)),
            _ => Err(self.invalid("Value is not a scalar value", &vpath)),
        }
    }

    fn string(
        &self,
        item: &Node,
        key: &str,
        path: &[Location],
        optional: bool,
    ) -> Result<Option<String>, Fail> {
        Ok(self
            .scalar(item, key, path, optional)?
            .and_then(|n| n.as_str().map(str::to_string)))
    }

    fn boolean(
        &self,
        item: &Node,
        key: &str,
        path: &[Location],
        optional: bool,
    ) -> Result<Option<bool>, Fail> {
        match self.scalar(item, key, path, optional)? {
            None => Ok(None),
            Some(n) => n.as_bool().map(Some).ok_or_else(|| {
                self.invalid(
                    "Can't decode YAML scalar value",
                    &with(path, loc("value for", key, n.pos)),
                )
            }),
        }
    }

    fn seq_of_strings(
        &self,
        item: &Node,
        key: &str,
        path: &[Location],
        optional: bool,
    ) -> Result<Option<Vec<String>>, Fail> {
        let Some(v) = item.get(key) else {
            if optional {
                return Ok(None);
            }
            return Err(self.invalid(format!("Item has no mapping for key '{key}'"), path));
        };
        let vpath = with(path, loc("value for", key, v.pos));
        let Some(items) = v.as_seq() else {
            return Err(self.invalid("Value is not a sequence", &vpath));
        };
        items
            .iter()
            .map(|i| {
                i.as_str().map(str::to_string).ok_or_else(|| {
                    self.invalid(
                        "sequence value is not scalar",
                        &with(&vpath, loc("list item", "", i.pos)),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    fn unknown_keys(&mut self, item: &Node, expected: &[&str], path: &[Location]) {
        for (k, _) in item.as_map().unwrap_or_default() {
            let key = k.as_str().unwrap_or_default();
            if !expected.contains(&key) {
                self.warn(
                    Code::WarnUnknownKey,
                    format!("Unknown key '{key}'. The key will be ignored."),
                    path,
                );
            }
        }
    }

    fn engine_version(&mut self, item: &Node) -> Result<(), Fail> {
        let path = [loc("required_engine_version", "", item.pos)];
        let text = self
            .string(item, "required_engine_version", &path, false)?
            .unwrap_or_default();
        // A bare number is a minor version of 0.x (Falco's old numbering).
        let version = match text.parse::<u32>() {
            Ok(minor) => (0, u64::from(minor), 0),
            Err(_) => parse_semver(&text).ok_or_else(|| {
                self.invalid(
                    format!(
                        "Unable to parse engine version '{text}' as a semver string. Expected \"x.y.z\" semver format."
                    ),
                    &path,
                )
            })?,
        };
        // Compatible: same major, and not newer.
        if version.0 != ENGINE_VERSION.0 || version > ENGINE_VERSION {
            let (a, b, c) = ENGINE_VERSION;
            return Err(self.fail(
                Code::ErrValidate,
                format!(
                    "Rules require engine version {}.{}.{}, but engine version is {a}.{b}.{c}",
                    version.0, version.1, version.2
                ),
                path.to_vec(),
            ));
        }
        self.col.required_engine_version = self.col.required_engine_version.max(version);
        self.unknown_keys(item, &["required_engine_version"], &path);
        Ok(())
    }

    fn plugin_versions(&mut self, item: &Node) -> Result<(), Fail> {
        let reqs = item.get("required_plugin_versions").unwrap_or(item);
        let path = [loc("required plugin versions", "", reqs.pos)];
        let Some(entries) = reqs.as_seq() else {
            return Err(self.invalid(
                "Value of required_plugin_versions must be a sequence",
                &path,
            ));
        };
        for plugin in entries {
            let epath = with(&path, loc("required plugin versions entry", "", plugin.pos));
            if plugin.as_map().is_none() {
                return Err(self.invalid("Plugin version must be a mapping", &epath));
            }
            let name = self
                .string(plugin, "name", &epath, false)?
                .unwrap_or_default();
            let epath = with(
                &path,
                loc("required plugin versions entry", &name, plugin.pos),
            );
            let version = self
                .string(plugin, "version", &epath, false)?
                .unwrap_or_default();
            let mut alts = vec![(name, version)];
            if let Some(a) = plugin.get("alternatives") {
                let Some(a) = a.as_seq() else {
                    return Err(self.invalid(
                        "Value of plugin version alternatives must be a sequence",
                        &epath,
                    ));
                };
                for req in a {
                    let apath = with(
                        &epath,
                        loc("required plugin versions alternative", "", req.pos),
                    );
                    if req.as_map().is_none() {
                        return Err(
                            self.invalid("Plugin version alternative must be a mapping", &apath)
                        );
                    }
                    let n = self.string(req, "name", &apath, false)?.unwrap_or_default();
                    let v = self
                        .string(req, "version", &apath, false)?
                        .unwrap_or_default();
                    alts.push((n, v));
                }
            }
            let mut seen = BTreeSet::new();
            for (n, v) in &alts {
                if parse_semver(v).is_none() {
                    return Err(self.fail(
                        Code::ErrValidate,
                        format!("Invalid required version '{v}' for plugin '{n}'"),
                        epath.clone(),
                    ));
                }
                if !seen.insert(n.clone()) {
                    return Err(self.fail(
                        Code::ErrValidate,
                        format!(
                            "Defined multiple alternative version requirements for plugin '{n}'"
                        ),
                        epath.clone(),
                    ));
                }
            }
            self.col.required_plugins.push(alts);
        }
        self.unknown_keys(item, &["required_plugin_versions"], &path);
        Ok(())
    }

    fn meta(&mut self, path: &[Location]) -> Meta {
        let id = self.col.next;
        self.col.next += 1;
        Meta {
            index: id,
            visibility: id,
            file: self.file.to_string(),
            path: path.to_vec(),
        }
    }

    /// `override:` of an item: the keys to append and to replace.
    fn overrides(
        &self,
        item: &Node,
        appendable: &[&str],
        replaceable: &[&str],
        path: &[Location],
    ) -> Result<(BTreeSet<String>, BTreeSet<String>), Fail> {
        let (mut append, mut replace) = (BTreeSet::new(), BTreeSet::new());
        let Some(o) = item.get("override") else {
            return Ok((append, replace));
        };
        let opath = with(path, loc("overrides", "", item.pos));
        let Some(pairs) = o.as_map() else {
            return Err(self.invalid("Value is not a mapping", &opath));
        };
        for (k, v) in pairs {
            let key = k.as_str().unwrap_or_default().to_string();
            let op = v.as_str().unwrap_or_default();
            let kpath = with(&opath, loc("overrides", &key, k.pos));
            let can_append = appendable.contains(&key.as_str());
            let can_replace = replaceable.contains(&key.as_str());
            match op {
                "append" if !can_append => {
                    return Err(self.invalid(
                        format!("Key '{key}' cannot be appended to, use 'replace' instead"),
                        &kpath,
                    ));
                }
                "append" => {
                    append.insert(key);
                }
                "replace" if !can_replace => {
                    return Err(self.invalid(format!("Key '{key}' cannot be replaced"), &kpath));
                }
                "replace" => {
                    replace.insert(key);
                }
                _ => {
                    let mut allowed = String::new();
                    if can_append {
                        allowed.push_str("append ");
                    }
                    if can_replace {
                        allowed.push_str("replace ");
                    }
                    return Err(self.invalid(
                        format!(
                            "Invalid override operation for key '{key}': '{op}'. Allowed values are: {allowed}"
                        ),
                        &with(&opath, loc("value for", &key, v.pos)),
                    ));
                }
            }
        }
        Ok((append, replace))
    }

    fn list(&mut self, item: &Node) -> Result<(), Fail> {
        let tmp = [loc("list", "", item.pos)];
        let name = self.string(item, "list", &tmp, false)?.unwrap_or_default();
        let path = [loc("list", &name, item.pos)];
        if !is_barestr(&name) {
            self.warn(
                Code::WarnInvalidListName,
                "List has an invalid name. List names should match a regular expression: ([^()\"'[:space:]=,]+)",
                &path,
            );
        }
        let items = self
            .seq_of_strings(item, "items", &path, false)?
            .unwrap_or_default();
        let mut append = self.boolean(item, "append", &path, true)? == Some(true);
        if append {
            self.warn(Code::WarnDeprecatedItem, APPEND_DEPRECATED, &path);
        }
        let (oa, or) = self.overrides(item, &["items"], &["items"], &path)?;
        if append && (!oa.is_empty() || !or.is_empty()) {
            return Err(self.invalid(OVERRIDE_AND_APPEND, &path));
        }
        append |= oa.contains("items");
        if append {
            let id = self.col.next;
            let Some(prev) = self.col.lists.get_mut(&name) else {
                return Err(self.fail(
                    Code::ErrValidate,
                    "List has 'append' key or an append override but no list by that name already exists",
                    path.to_vec(),
                ));
            };
            prev.items.extend(items);
            prev.meta.visibility = id;
            self.col.next += 1;
        } else {
            let meta = self.meta(&path);
            define(
                &mut self.col.lists,
                name.clone(),
                ListInfo { name, items, meta },
                |l| &mut l.meta,
            );
        }
        self.unknown_keys(item, &["list", "items", "append", "override"], &path);
        Ok(())
    }

    fn macro_(&mut self, item: &Node) -> Result<(), Fail> {
        let tmp = [loc("macro", "", item.pos)];
        let name = self.string(item, "macro", &tmp, false)?.unwrap_or_default();
        let path = [loc("macro", &name, item.pos)];
        if !is_identifier(&name) {
            self.warn(
                Code::WarnInvalidMacroName,
                "Macro has an invalid name. Macro names should match a regular expression: ([a-zA-Z]+[a-zA-Z0-9_]*)",
                &path,
            );
        }
        let cond_node = self.scalar(item, "condition", &path, false)?.cloned();
        let cond = cond_node
            .as_ref()
            .and_then(|n| n.as_str())
            .unwrap_or_default()
            .to_string();
        let cond_pos = cond_node.map_or(item.pos, |n| n.pos);
        let mut append = self.boolean(item, "append", &path, true)? == Some(true);
        if append {
            self.warn(Code::WarnDeprecatedItem, APPEND_DEPRECATED, &path);
        }
        let (oa, or) = self.overrides(item, &["condition"], &["condition"], &path)?;
        if append && (!oa.is_empty() || !or.is_empty()) {
            return Err(self.invalid(OVERRIDE_AND_APPEND, &path));
        }
        append |= oa.contains("condition");
        if append {
            let id = self.col.next;
            let Some(prev) = self.col.macros.get_mut(&name) else {
                return Err(self.fail(
                    Code::ErrValidate,
                    "Macro has 'append' key or an append override but no macro by that name already exists",
                    path.to_vec(),
                ));
            };
            prev.cond.push(' ');
            prev.cond.push_str(&cond);
            prev.meta.visibility = id;
            self.col.next += 1;
        } else {
            let meta = self.meta(&path);
            define(
                &mut self.col.macros,
                name,
                MacroInfo {
                    cond,
                    cond_pos,
                    meta,
                },
                |m| &mut m.meta,
            );
        }
        self.unknown_keys(item, &["macro", "condition", "append", "override"], &path);
        Ok(())
    }

    fn priority(&self, item: &Node, path: &[Location]) -> Result<Priority, Fail> {
        let text = self
            .string(item, "priority", path, false)?
            .unwrap_or_default();
        text.parse().map_err(|_| {
            let pos = item.get("priority").map_or(item.pos, |n| n.pos);
            self.fail(
                Code::ErrYamlValidate,
                "Invalid priority",
                with(path, loc("rule priority", "", pos)),
            )
        })
    }

    fn tags(&self, item: &Node, path: &[Location]) -> Result<Option<BTreeSet<String>>, Fail> {
        Ok(self
            .seq_of_strings(item, "tags", path, true)?
            .map(|t| t.into_iter().collect()))
    }

    fn rule(&mut self, item: &Node) -> Result<(), Fail> {
        let tmp = [loc("rule", "", item.pos)];
        let name = self.string(item, "rule", &tmp, false)?.unwrap_or_default();
        let path = [loc("rule", &name, item.pos)];
        let source = match item.get("source") {
            Some(n) if n.is_null() => String::new(),
            _ => self
                .string(item, "source", &path, true)
                .or_else(|e| {
                    // An empty source is allowed here (Falco's "optional empty" value).
                    match item.get("source").and_then(Node::as_str) {
                        Some("") => Ok(Some(String::new())),
                        _ => Err(e),
                    }
                })?
                .unwrap_or_default(),
        };
        let append_flag = self.boolean(item, "append", &path, true)? == Some(true);
        if append_flag {
            self.warn(Code::WarnDeprecatedItem, APPEND_DEPRECATED, &path);
        }
        const APPENDABLE: &[&str] = &["condition", "output", "desc", "tags", "exceptions"];
        const REPLACEABLE: &[&str] = &[
            "condition",
            "output",
            "desc",
            "priority",
            "capture",
            "capture_duration",
            "tags",
            "exceptions",
            "enabled",
            "warn_evttypes",
            "skip-if-unknown-filter",
        ];
        let (oa, or) = self.overrides(item, APPENDABLE, REPLACEABLE, &path)?;
        let has_overrides = !oa.is_empty() || !or.is_empty();
        if append_flag && has_overrides {
            return Err(self.invalid(OVERRIDE_AND_APPEND, &path));
        }
        if has_overrides {
            let mut expected: BTreeSet<&str> = APPENDABLE
                .iter()
                .chain(REPLACEABLE)
                .copied()
                .filter(|k| item.get(k).is_some())
                .collect();
            for (set, how) in [(&oa, "append"), (&or, "replace")] {
                if set.is_empty() {
                    continue;
                }
                let mut u = Update::new(&name, &source);
                for key in set {
                    if !expected.remove(key.as_str()) {
                        return Err(self.invalid(
                            format!(
                                "An {how} override for '{key}' was specified but '{key}' is not defined"
                            ),
                            &path,
                        ));
                    }
                    self.update_key(item, key, how == "append", &path, &mut u)?;
                }
                if how == "append" {
                    self.append_rule(u, &path)?;
                } else {
                    self.replace_rule(u, &path)?;
                }
            }
            if let Some(key) = expected.into_iter().next() {
                let pos = item.get(key).map_or(item.pos, |n| n.pos);
                return Err(self.invalid(
                    format!("Unexpected key '{key}': no corresponding entry under 'override' is defined."),
                    &with(&path, loc("overrides", key, pos)),
                ));
            }
        } else if append_flag {
            let mut u = Update::new(&name, &source);
            if item.get("condition").is_some() {
                self.update_key(item, "condition", true, &path, &mut u)?;
            }
            if item.get("exceptions").is_some() {
                self.update_key(item, "exceptions", true, &path, &mut u)?;
            }
            self.append_rule(u, &path)?;
        } else if ["condition", "output", "desc", "priority"]
            .iter()
            .all(|k| item.get(k).is_none())
        {
            let enabled = self.boolean(item, "enabled", &path, false)?.unwrap_or(true);
            self.warn(Code::WarnDeprecatedItem, ENABLED_DEPRECATED, &path);
            let Some(prev) = self.col.rules.get_mut(&name) else {
                return Err(self.fail(
                    Code::ErrValidate,
                    "Rule has 'enabled' key but no rule by that name already exists",
                    path.to_vec(),
                ));
            };
            prev.enabled = enabled;
        } else {
            let cond_node = self.scalar(item, "condition", &path, false)?.cloned();
            let output_node = self.scalar(item, "output", &path, false)?.cloned();
            let desc = self.string(item, "desc", &path, false)?.unwrap_or_default();
            let priority = self.priority(item, &path)?;
            let source = self
                .string(item, "source", &path, true)?
                .unwrap_or_else(|| SYSCALL_SOURCE.to_string());
            let enabled = self.boolean(item, "enabled", &path, true)?.unwrap_or(true);
            let capture = self.boolean(item, "capture", &path, true)?.unwrap_or(false);
            let capture_duration = match self.scalar(item, "capture_duration", &path, true)? {
                None => 0,
                Some(n) => n.as_str().unwrap_or_default().parse().map_err(|_| {
                    self.invalid(
                        "Can't decode YAML scalar value",
                        &with(&path, loc("value for", "capture_duration", n.pos)),
                    )
                })?,
            };
            let warn_evttypes = self
                .boolean(item, "warn_evttypes", &path, true)?
                .unwrap_or(true);
            let skip = self
                .boolean(item, "skip-if-unknown-filter", &path, true)?
                .unwrap_or(false);
            let tags = self.tags(item, &path)?.unwrap_or_default();
            let exceptions = self.exceptions(item, &path, false)?;
            if self
                .col
                .rules
                .get(&name)
                .is_some_and(|p| p.source != source)
            {
                return Err(self.invalid("Rule has been re-defined with a different source", &path));
            }
            let unknown_source = source != SYSCALL_SOURCE;
            if unknown_source {
                self.warn(
                    Code::WarnUnknownSource,
                    format!("Unknown source {source}, skipping"),
                    &path,
                );
            }
            for ex in &exceptions {
                self.validate_exception(ex, !unknown_source)?;
            }
            let meta = self.meta(&path);
            let rule = RuleInfo {
                name: name.clone(),
                cond: cond_node
                    .as_ref()
                    .and_then(|n| n.as_str())
                    .unwrap_or_default()
                    .to_string(),
                cond_pos: cond_node.map_or(item.pos, |n| n.pos),
                output: output_node
                    .as_ref()
                    .and_then(|n| n.as_str())
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
                output_pos: output_node.map_or(item.pos, |n| n.pos),
                desc,
                priority,
                tags,
                enabled,
                source,
                unknown_source,
                exceptions,
                warn_evttypes,
                skip_if_unknown_filter: skip,
                capture,
                capture_duration,
                meta,
            };
            define(&mut self.col.rules, name, rule, |r| &mut r.meta);
        }
        self.unknown_keys(
            item,
            &[
                "rule",
                "condition",
                "output",
                "desc",
                "priority",
                "source",
                "enabled",
                "capture",
                "capture_duration",
                "warn_evttypes",
                "skip-if-unknown-filter",
                "tags",
                "exceptions",
                "override",
                "append",
            ],
            &path,
        );
        Ok(())
    }

    fn update_key(
        &mut self,
        item: &Node,
        key: &str,
        append: bool,
        path: &[Location],
        u: &mut Update,
    ) -> Result<(), Fail> {
        match key {
            "condition" => {
                u.cond = self.string(item, key, path, false)?;
            }
            "output" => u.output = self.string(item, key, path, false)?,
            "desc" => u.desc = self.string(item, key, path, false)?,
            "tags" => u.tags = self.tags(item, path)?,
            "exceptions" => u.exceptions = Some(self.exceptions(item, path, append)?),
            "priority" => u.priority = Some(self.priority(item, path)?),
            "enabled" => u.enabled = self.boolean(item, key, path, false)?,
            "capture" => u.capture = self.boolean(item, key, path, false)?,
            "warn_evttypes" => u.warn_evttypes = self.boolean(item, key, path, false)?,
            "skip-if-unknown-filter" => u.skip = self.boolean(item, key, path, false)?,
            "capture_duration" => {
                let n = self.scalar(item, key, path, false)?;
                u.capture_duration = Some(
                    n.and_then(Node::as_str)
                        .unwrap_or_default()
                        .parse()
                        .map_err(|_| self.invalid("Can't decode YAML scalar value", path))?,
                );
            }
            _ => {}
        }
        Ok(())
    }

    fn prev_rule(&self, u: &Update, path: &[Location], missing: &str) -> Result<usize, Fail> {
        let Some(i) = self.col.rules.position(&u.name) else {
            return Err(self.fail(Code::ErrValidate, missing, path.to_vec()));
        };
        let prev = &self.col.rules.items[i];
        if !prev.source.is_empty() && !u.source.is_empty() && prev.source != u.source {
            return Err(self.invalid("Rule has been re-defined with a different source", path));
        }
        Ok(i)
    }

    fn append_rule(&mut self, u: Update, path: &[Location]) -> Result<(), Fail> {
        let i = self.prev_rule(
            &u,
            path,
            "Rule has 'append' key or an append override but no rule by that name already exists",
        )?;
        if u.cond.is_none()
            && u.exceptions.is_none()
            && u.output.is_none()
            && u.desc.is_none()
            && u.tags.is_none()
        {
            return Err(self.fail(
                Code::ErrValidate,
                "Appended rule must have exceptions or condition property",
                path.to_vec(),
            ));
        }
        let known_source = !self.col.rules.items[i].unknown_source;
        if let Some(exs) = &u.exceptions {
            for ex in exs {
                let existing = self.col.rules.items[i]
                    .exceptions
                    .iter()
                    .any(|e| e.name == ex.name);
                if !existing {
                    if ex.fields.is_none() {
                        return Err(self.fail(
                            Code::ErrValidate,
                            "Rule exception must have fields property with a list of fields",
                            ex.path.clone(),
                        ));
                    }
                    if ex.values.is_empty() {
                        return Err(self.fail(
                            Code::ErrValidate,
                            "Rule exception must have values property with a list of values",
                            ex.path.clone(),
                        ));
                    }
                    self.validate_exception(ex, known_source)?;
                } else if ex.fields.is_some() {
                    return Err(self.fail(
                        Code::ErrValidate,
                        "Can not append exception fields to existing exception, only values",
                        ex.path.clone(),
                    ));
                } else if ex.comps.is_some() {
                    return Err(self.fail(
                        Code::ErrValidate,
                        "Can not append exception comps to existing exception, only values",
                        ex.path.clone(),
                    ));
                }
            }
        }
        let id = self.col.next;
        self.col.next += 1;
        let prev = &mut self.col.rules.items[i];
        let join = |a: &mut String, b: Option<String>| {
            if let Some(b) = b.filter(|b| !b.is_empty()) {
                a.push(' ');
                a.push_str(&b);
            }
        };
        join(&mut prev.cond, u.cond);
        join(&mut prev.output, u.output);
        join(&mut prev.desc, u.desc);
        if let Some(t) = u.tags {
            prev.tags.extend(t);
        }
        for ex in u.exceptions.unwrap_or_default() {
            match prev.exceptions.iter_mut().find(|e| e.name == ex.name) {
                Some(e) => e.values.extend(ex.values),
                None => prev.exceptions.push(ex),
            }
        }
        prev.meta.visibility = id;
        Ok(())
    }

    fn replace_rule(&mut self, u: Update, path: &[Location]) -> Result<(), Fail> {
        let i = self.prev_rule(
            &u,
            path,
            "An replace to a rule was requested but no rule by that name already exists",
        )?;
        let known_source = !self.col.rules.items[i].unknown_source;
        if let Some(exs) = &u.exceptions {
            for ex in exs {
                self.validate_exception(ex, known_source)?;
            }
        }
        let id = self.col.next;
        self.col.next += 1;
        let prev = &mut self.col.rules.items[i];
        if let Some(c) = u.cond {
            prev.cond = c;
        }
        if let Some(o) = u.output {
            prev.output = o;
        }
        if let Some(d) = u.desc {
            prev.desc = d;
        }
        if let Some(t) = u.tags {
            prev.tags = t;
        }
        if let Some(e) = u.exceptions {
            prev.exceptions = e;
        }
        if let Some(p) = u.priority {
            prev.priority = p;
        }
        if let Some(c) = u.capture {
            prev.capture = c;
        }
        if let Some(c) = u.capture_duration {
            prev.capture_duration = c;
        }
        if let Some(e) = u.enabled {
            prev.enabled = e;
        }
        if let Some(w) = u.warn_evttypes {
            prev.warn_evttypes = w;
        }
        if let Some(s) = u.skip {
            prev.skip_if_unknown_filter = s;
        }
        prev.meta.visibility = id;
        Ok(())
    }

    fn exceptions(
        &mut self,
        item: &Node,
        path: &[Location],
        append: bool,
    ) -> Result<Vec<ExceptionInfo>, Fail> {
        let Some(exs) = item.get("exceptions") else {
            return Ok(Vec::new());
        };
        if exs.is_null() {
            return Ok(Vec::new());
        }
        let xpath = with(path, loc("exceptions", "", exs.pos));
        let Some(list) = exs.as_seq() else {
            return Err(self.invalid("Rule exceptions must be a sequence", &xpath));
        };
        let mut out: Vec<ExceptionInfo> = Vec::new();
        for ex in list {
            let tmp = with(&xpath, loc("exception", "", ex.pos));
            if ex.as_map().is_none() {
                return Err(self.invalid("Rule exception must be a mapping", &tmp));
            }
            let name = self.string(ex, "name", &tmp, false)?.unwrap_or_default();
            let epath = with(path, loc("exception", &name, ex.pos));
            if out.iter().any(|e| e.name == name) {
                self.warn(
                    Code::WarnExceptionNameNotUnique,
                    format!("Multiple definitions of exception '{name}' in the same rule"),
                    &epath,
                );
            }
            let fields = self.entry(ex.get("fields"), "fields", &epath, append)?;
            let comps = self.entry(ex.get("comps"), "comps", &epath, true)?;
            let mut values = Vec::new();
            match ex.get("values") {
                Some(v) => {
                    let vpath = with(&epath, loc("exception values", "", v.pos));
                    let Some(vs) = v.as_seq() else {
                        return Err(
                            self.invalid("Rule exception values must be a sequence", &vpath)
                        );
                    };
                    for val in vs {
                        let one = with(&vpath, loc("exception value", "", val.pos));
                        if let Some(e) = self.entry(Some(val), "", &one, false)? {
                            values.push(e);
                        }
                    }
                }
                None if append => self.warn(
                    Code::WarnAppendNoValues,
                    "Overriding/appending exception with no values",
                    &epath,
                ),
                None => {}
            }
            out.push(ExceptionInfo {
                name,
                fields,
                comps,
                values,
                path: epath,
            });
        }
        Ok(out)
    }

    /// One of `fields`, `comps` or a value: a non-empty string or a sequence of them (nested).
    fn entry(
        &self,
        node: Option<&Node>,
        key: &str,
        path: &[Location],
        optional: bool,
    ) -> Result<Option<Entry>, Fail> {
        let Some(node) = node else {
            if optional {
                return Ok(None);
            }
            return Err(self.invalid(format!("Item has no mapping for key '{key}'"), path));
        };
        let vpath = with(path, loc("value for", key, node.pos));
        match &node.kind {
            Kind::Scalar { text, .. } if text.is_empty() || node.is_null() => {
                Err(self.invalid("Value must be non-empty", &vpath))
            }
            Kind::Scalar { text, .. } => Ok(Some(Entry::Item(text.clone()))),
            Kind::Seq(items) => items
                .iter()
                .map(|i| {
                    self.entry(
                        Some(i),
                        "",
                        &with(&vpath, loc("exception", "", i.pos)),
                        false,
                    )
                    .map(|e| e.unwrap_or(Entry::List(Vec::new())))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|v| Some(Entry::List(v))),
            Kind::Map(_) => Err(self.invalid("Value is not a scalar value", &vpath)),
        }
    }

    /// Falco's checks of an exception's fields and comps, defaults filled in later.
    fn validate_exception(&self, ex: &ExceptionInfo, check_fields: bool) -> Result<(), Fail> {
        let err = |m: String| self.fail(Code::ErrValidate, m, ex.path.clone());
        let Some(fields) = &ex.fields else {
            return Err(err(
                "Rule exception item must have fields property with a list of fields".into(),
            ));
        };
        match fields {
            Entry::List(fs) => {
                let comps = match &ex.comps {
                    None => fs.iter().map(|_| "=".to_string()).collect(),
                    Some(Entry::List(cs)) => cs.iter().map(entry_text).collect::<Vec<_>>(),
                    Some(Entry::Item(c)) => vec![c.clone()],
                };
                if comps.len() != fs.len() {
                    return Err(err("Fields and comps lists must have equal length".into()));
                }
                for c in &comps {
                    if !is_operator(c.trim()) {
                        return Err(err(format!(
                            "'{}' is not a supported comparison operator",
                            c.trim()
                        )));
                    }
                }
                if check_fields {
                    for f in fs {
                        let f = entry_text(f);
                        if !(self.is_field)(&f) {
                            return Err(err(format!("'{f}' is not a supported filter field")));
                        }
                    }
                }
            }
            Entry::Item(f) => {
                let comp = match &ex.comps {
                    None => "in".to_string(),
                    Some(Entry::Item(c)) => c.trim().to_string(),
                    Some(Entry::List(_)) => {
                        return Err(err("Fields and comps must both be strings".into()));
                    }
                };
                if !matches!(comp.as_str(), "in" | "pmatch" | "intersects")
                    && !is_modifier_operator(&comp)
                {
                    return Err(err("When fields is a single value, comps must be one of (in, pmatch, intersects) or a modifier operator (e.g. startswith oneof)".into()));
                }
                if check_fields && !(self.is_field)(f) {
                    return Err(err(format!("'{f}' is not a supported filter field")));
                }
            }
        }
        Ok(())
    }
}

/// The pending changes of an `append` or `replace` override (or `append: true`).
struct Update {
    name: String,
    source: String,
    cond: Option<String>,
    output: Option<String>,
    desc: Option<String>,
    tags: Option<BTreeSet<String>>,
    exceptions: Option<Vec<ExceptionInfo>>,
    priority: Option<Priority>,
    enabled: Option<bool>,
    capture: Option<bool>,
    capture_duration: Option<u64>,
    warn_evttypes: Option<bool>,
    skip: Option<bool>,
}

impl Update {
    fn new(name: &str, source: &str) -> Self {
        Update {
            name: name.to_string(),
            source: source.to_string(),
            cond: None,
            output: None,
            desc: None,
            tags: None,
            exceptions: None,
            priority: None,
            enabled: None,
            capture: None,
            capture_duration: None,
            warn_evttypes: None,
            skip: None,
        }
    }
}

/// Defines `item`, or redefines it in the place of the first definition.
fn define<T>(ix: &mut Indexed<T>, name: String, mut item: T, meta: impl Fn(&mut T) -> &mut Meta) {
    match ix.by_name.get(&name) {
        Some(&i) => {
            let prev_index = meta(&mut ix.items[i]).index;
            meta(&mut item).index = prev_index;
            ix.items[i] = item;
        }
        None => {
            ix.by_name.insert(name, ix.items.len());
            ix.items.push(item);
        }
    }
}

pub(crate) fn entry_text(e: &Entry) -> String {
    match e {
        Entry::Item(s) => s.clone(),
        Entry::List(_) => String::new(),
    }
}

/// The comparison operators of the filter language (Falco's `supported_operators`).
pub(crate) fn is_operator(op: &str) -> bool {
    matches!(
        op,
        "=" | "=="
            | "!="
            | "<"
            | "<="
            | ">"
            | ">="
            | "contains"
            | "icontains"
            | "bcontains"
            | "startswith"
            | "bstartswith"
            | "endswith"
            | "glob"
            | "iglob"
            | "regex"
            | "in"
            | "intersects"
            | "pmatch"
            | "exists"
    ) || is_modifier_operator(op)
}

/// `OP MODIFIER` (`startswith oneof`): a string operator with a list modifier.
pub(crate) fn is_modifier_operator(op: &str) -> bool {
    let mut words = op.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some(o), Some(m), None) => {
            matches!(
                o,
                "=" | "=="
                    | "!="
                    | "contains"
                    | "icontains"
                    | "bcontains"
                    | "startswith"
                    | "bstartswith"
                    | "endswith"
                    | "glob"
                    | "iglob"
                    | "regex"
            ) && matches!(m, "oneof" | "anyof" | "allof")
        }
        _ => false,
    }
}

/// Whether `op` takes a parenthesised list on its right (`in`, `intersects`, `pmatch`, and a
/// modified operator).
pub(crate) fn takes_list(op: &str) -> bool {
    matches!(op, "in" | "intersects" | "pmatch") || is_modifier_operator(op)
}

fn is_identifier(s: &str) -> bool {
    let b = s.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    letters > 0
        && b[letters..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

fn is_barestr(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|c| {
            !matches!(c, b'(' | b')' | b'"' | b'\'' | b'=' | b',') && !c.is_ascii_whitespace()
        })
}

/// `x.y.z` (each a number); a pre-release or build suffix is read past.
fn parse_semver(s: &str) -> Option<(u64, u64, u64)> {
    let core = s.split(['-', '+']).next()?;
    let mut it = core.split('.');
    let v = (
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    );
    it.next().is_none().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_versions() {
        assert!(is_identifier("spawned_process"));
        assert!(!is_identifier("1abc"));
        assert!(!is_identifier("a-b"));
        assert!(is_barestr("shell-binaries.v2"));
        assert!(!is_barestr("a b"));
        assert_eq!(parse_semver("0.26.0"), Some((0, 26, 0)));
        assert_eq!(parse_semver("1.2.3-rc1"), Some((1, 2, 3)));
        assert_eq!(parse_semver("1.2"), None);
        assert!(is_modifier_operator("startswith oneof"));
        assert!(!is_modifier_operator("in oneof"));
    }
}
