//! Mesos tasks and Marathon apps from the orchestrator events of older captures.
//!
//! Captures recorded by sysdig next to a Mesos master (2016-2019) carry `mesos` events, each one
//! JSON document of one of three kinds: `{"mesos_state":{"frameworks":[...]}}` (the master's
//! frameworks with their tasks), `{"marathon_groups":{...}}` (a Marathon group tree) and
//! `{"marathon_apps":{"frameworkId":..,"apps":[...]}}` (Marathon apps with the ids of their
//! tasks). libsinsp of those years replays them, in file order, into a state that answers the
//! `mesos.*` and `marathon.*` fields for threads whose container names a Mesos task; this
//! module does the same, with the same rules:
//!
//! - A document's kinds are taken in the order `marathon_apps`, `marathon_groups`,
//!   `mesos_state` (jsoncpp's sorted keys); other keys are ignored.
//! - `mesos_state` replaces all frameworks. An entry whose `active` is not `true` removes the
//!   framework of its id; an active one replaces it. Only tasks in state `TASK_RUNNING` are
//!   kept, the first of an id in a framework. A task's id is `id` (else `taskId`), its name
//!   `name`, else its id up to the last `.`; its labels are the `{key,value}` pairs of
//!   `labels` in their order. Slaves are not read.
//! - `marathon_groups` adds the group `id` (replacing one of that id under the same parent,
//!   apps and subgroups included) and its `groups` below it. An app listed in a group counts
//!   only with a positive `instances`, which captures do not record.
//! - `marathon_apps` makes each app (an id with a `/`) known to the group named by its id up
//!   to the last `/` (`/prod/web` in `/prod`, `/web` in `/`), keeping the app already there;
//!   sets its labels (the members of `labels` that are text, numbers, booleans or null, in
//!   key order) and links each of its `tasks` that the current frameworks hold to it. The
//!   app is made even when its group is unknown: its tasks are still linked.
//! - A task's link to its app outlives both (libsinsp keeps it in a process-wide table): a
//!   task that comes back in a later state still names its app. Links answer only while some
//!   top-level group exists.
//! - The group of an app, for the fields, is the one its id names, whether or not it exists.
//! - A task's framework (`mesos.framework.*`) is found through the slot of libsinsp's
//!   framework list where the framework that added the task last sat: a later framework of
//!   the same id, which removes the earlier one, shifts the others down, so the slot may then
//!   hold another framework; a deactivated framework takes the slots of its tasks with it.
//!
//! Values are turned into text as jsoncpp's `asString` does (numbers as C's `%.17g`, so `0.1`
//! is `0.10000000000000001` and `3.0` stays `3.0`). Text jsoncpp reads but serde_json does not
//! (comments, strings that are not UTF-8) is skipped as unreadable.
//!
//! Where libsinsp stops the whole reading (sysdig then ends with an error), this module skips
//! what it refuses and goes on: a `mesos_state` without frameworks (the frameworks are
//! cleared), a framework or task with an empty name or id (skipped), a `marathon_*` document
//! without a text `frameworkId` (skipped), a group with an empty id (skipped with its
//! subgroups), a group listing an app with instances for a framework that is not current
//! (its tasks are not searched), and values of the wrong JSON type where an object or text is
//! needed (skipped). Where libsinsp reads freed memory, the framework of a task is here the
//! first that holds it: the list's storage doubles when full, so in a `mesos_state` that grows
//! it past its largest size so far (the first one with more than one framework, in practice)
//! the slots of the tasks added before the last growth point at freed storage, and
//! `mesos.framework.*` of such a task makes sysdig 0.29 crash or print stale text.
//!
//! Memory is bounded: at most [`MAX_FRAMEWORKS`] frameworks, [`MAX_TASKS`] tasks in all,
//! [`MAX_GROUPS`] groups nested at most [`MAX_GROUP_DEPTH`] deep, [`MAX_APPS`] apps and
//! [`MAX_TASK_LINKS`] task-to-app links (when full, the links of tasks no framework holds any
//! more make room); what does not fit is dropped.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value as J;

use crate::jsoncpp::{as_int, as_string};

/// At most this many frameworks are kept.
pub const MAX_FRAMEWORKS: usize = 4096;
/// At most this many tasks are kept, in all frameworks together.
pub const MAX_TASKS: usize = 4096;
/// At most this many Marathon groups are kept, at every depth together.
pub const MAX_GROUPS: usize = 4096;
/// Groups nested deeper than this are dropped, with everything below them.
pub const MAX_GROUP_DEPTH: usize = 100;
/// At most this many Marathon apps are kept.
pub const MAX_APPS: usize = 4096;
/// At most this many task-to-app links are kept.
pub const MAX_TASK_LINKS: usize = 4096;
/// At most this many app entries are kept in all groups together.
const MAX_GROUP_APPS: usize = 4 * MAX_APPS;

/// A Mesos task in `TASK_RUNNING` state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MesosTask {
    /// The task id (`mesos.task.id`).
    pub id: String,
    /// The task name (`mesos.task.name`).
    pub name: String,
    /// The labels as `(key, value)` pairs, in the order given (keys may repeat).
    pub labels: Vec<(String, String)>,
    /// The id of the last app that listed this task (libsinsp asks it when a group lists an
    /// app with instances).
    marathon_app_id: String,
}

/// An active Mesos framework with its running tasks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MesosFramework {
    /// The framework id (`mesos.framework.id`).
    pub id: String,
    /// The framework name (`mesos.framework.name`).
    pub name: String,
    tasks: Vec<MesosTask>,
    by_id: HashMap<String, usize>,
}

impl MesosFramework {
    /// Its running tasks, in the order given.
    pub fn tasks(&self) -> &[MesosTask] {
        &self.tasks
    }

    fn task(&self, id: &str) -> Option<&MesosTask> {
        self.tasks.get(*self.by_id.get(id)?)
    }
}

/// A Marathon app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MarathonApp {
    /// The app id, a path such as `/prod/web` (`marathon.app.id` and `.name`).
    pub id: String,
    /// The labels as `(key, value)` pairs, in key order.
    pub labels: Vec<(String, String)>,
    /// The ids of the tasks linked to it, in the order linked.
    tasks: Vec<String>,
}

impl MarathonApp {
    /// The id of the group the app's id names: up to its last `/` (`/prod/web` → `/prod`,
    /// `/web` → `/`).
    pub fn group_id(&self) -> &str {
        group_id_of(&self.id)
    }

    /// The ids of the tasks linked to this app, in the order linked.
    pub fn task_ids(&self) -> &[String] {
        &self.tasks
    }
}

/// The handle of an app in [`MesosState`]'s arena: an app may sit in several groups and in
/// the task links at once, and a change to it shows everywhere.
type AppKey = u64;

/// A Marathon group with its apps and subgroups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MarathonGroup {
    /// The group id, a path such as `/prod`.
    pub id: String,
    /// The id of the framework whose document described it.
    pub framework_id: String,
    apps: BTreeMap<String, AppKey>,
    groups: BTreeMap<String, MarathonGroup>,
}

impl MarathonGroup {
    fn new(id: String, framework_id: &str) -> Self {
        MarathonGroup {
            id,
            framework_id: framework_id.to_owned(),
            ..Default::default()
        }
    }

    /// Its subgroups, by id.
    pub fn groups(&self) -> impl Iterator<Item = &MarathonGroup> {
        self.groups.values()
    }

    /// The ids of its apps, in order.
    pub fn app_ids(&self) -> impl Iterator<Item = &str> {
        self.apps.keys().map(String::as_str)
    }

    /// This group and every group below it.
    fn size(&self) -> usize {
        1 + self.groups.values().map(MarathonGroup::size).sum::<usize>()
    }

    fn app_entries(&self) -> usize {
        self.apps.len()
            + self
                .groups
                .values()
                .map(MarathonGroup::app_entries)
                .sum::<usize>()
    }

    fn app_keys(&self, out: &mut HashSet<AppKey>) {
        out.extend(self.apps.values().copied());
        for g in self.groups.values() {
            g.app_keys(out);
        }
    }

    /// The group `id` here or below, in libsinsp's search order: this group, its children,
    /// then each child's subtree in turn.
    fn find(&self, id: &str) -> Option<&MarathonGroup> {
        if self.id == id {
            return Some(self);
        }
        if let Some(g) = self.groups.get(id) {
            return Some(g);
        }
        self.groups.values().find_map(|g| g.find(id))
    }

    fn find_mut(&mut self, id: &str) -> Option<&mut MarathonGroup> {
        if self.id == id {
            return Some(self);
        }
        if self.groups.contains_key(id) {
            return self.groups.get_mut(id);
        }
        self.groups.values_mut().find_map(|g| g.find_mut(id))
    }
}

/// The Mesos and Marathon state the `mesos` events of a capture built.
///
/// ```
/// use strata_sinsp::mesos::MesosState;
/// let mut s = MesosState::default();
/// s.apply(br#"{"mesos_state":{"frameworks":[{"id":"fw","name":"marathon","active":true,
///     "tasks":[{"id":"web.1","state":"TASK_RUNNING"}]}]}}"#);
/// s.apply(br#"{"marathon_groups":{"id":"/","frameworkId":"fw"}}"#);
/// s.apply(br#"{"marathon_apps":{"frameworkId":"fw","apps":[{"id":"/web","tasks":[{"id":"web.1"}]}]}}"#);
/// let t = s.task("web.1").unwrap();
/// assert_eq!(t.name, "web");
/// assert_eq!(s.framework_of(t).unwrap().name, "marathon");
/// assert_eq!(s.app_of(t).unwrap().group_id(), "/");
/// ```
#[derive(Debug, Clone, Default)]
pub struct MesosState {
    frameworks: Vec<MesosFramework>,
    /// Tasks in all frameworks.
    n_tasks: usize,
    /// The top-level groups, by id.
    groups: BTreeMap<String, MarathonGroup>,
    /// Groups at every depth.
    n_groups: usize,
    /// App entries in all groups.
    n_group_apps: usize,
    apps: HashMap<AppKey, MarathonApp>,
    next_app: AppKey,
    /// Task id to the app it was last linked to.
    app_of_task: HashMap<String, AppKey>,
    /// The capacity libstdc++'s vector of frameworks would have (it never shrinks).
    capacity: usize,
    /// How many times that vector moved its storage during the current `mesos_state`.
    generation: u32,
    /// Task id to the framework that added it last in the current `mesos_state`: the
    /// storage generation and the slot it had then.
    slot_of_task: HashMap<String, (u32, usize)>,
}

impl MesosState {
    /// Takes in one `mesos` event's JSON text (a trailing NUL is allowed).
    pub fn apply(&mut self, text: &[u8]) {
        let end = text.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        // jsoncpp reads the first value and ignores what follows it.
        let Some(Ok(root)) = serde_json::Deserializer::from_slice(&text[..end])
            .into_iter::<J>()
            .next()
        else {
            return;
        };
        let Some(root) = root.as_object() else {
            return;
        };
        if let Some(a) = root.get("marathon_apps") {
            if framework_id(a).is_some() {
                for app in elements(a.get("apps")) {
                    self.add_app(app);
                }
            }
        }
        if let Some(g) = root.get("marathon_groups") {
            if let Some(fw) = framework_id(g) {
                self.add_group(g, &[], &fw);
            }
        }
        if let Some(s) = root.get("mesos_state") {
            self.set_frameworks(s);
        }
        self.collect();
    }

    /// The frameworks, in libsinsp's order.
    pub fn frameworks(&self) -> &[MesosFramework] {
        &self.frameworks
    }

    /// The top-level Marathon groups, by id.
    pub fn groups(&self) -> impl Iterator<Item = &MarathonGroup> {
        self.groups.values()
    }

    /// The running task `id` (the first framework that holds it).
    pub fn task(&self, id: &str) -> Option<&MesosTask> {
        self.frameworks.iter().find_map(|f| f.task(id))
    }

    /// The framework of `task` as libsinsp's `mesos.framework.*` find it: the slot of the
    /// framework that added the task last, which may since hold another framework, or none
    /// when a deactivated framework took the task with it. Where libsinsp would read freed
    /// memory, the framework that holds the task.
    pub fn framework_of(&self, task: &MesosTask) -> Option<&MesosFramework> {
        let &(generation, slot) = self.slot_of_task.get(&task.id)?;
        if generation == self.generation {
            if let Some(f) = self.frameworks.get(slot) {
                return Some(f);
            }
        }
        self.frameworks
            .iter()
            .find(|f| f.by_id.contains_key(&task.id))
    }

    /// The Marathon app `task` was last linked to, while some group exists.
    pub fn app_of(&self, task: &MesosTask) -> Option<&MarathonApp> {
        if self.groups.is_empty() {
            return None;
        }
        self.apps.get(self.app_of_task.get(&task.id)?)
    }

    /// The id of the group of `app` as the `marathon.group.*` fields give it.
    pub fn group_id_of<'a>(&self, app: &'a MarathonApp) -> &'a str {
        app.group_id()
    }

    /// Where the task `id` is: framework and task index.
    fn find_task(&self, id: &str) -> Option<(usize, usize)> {
        self.frameworks
            .iter()
            .enumerate()
            .find_map(|(fi, f)| Some((fi, *f.by_id.get(id)?)))
    }

    // ---- mesos_state ----

    /// Replaces the frameworks with those of a `mesos_state` document.
    fn set_frameworks(&mut self, s: &J) {
        self.frameworks.clear();
        self.n_tasks = 0;
        // Every task a read can find is added again below, so older slots never matter.
        self.slot_of_task.clear();
        self.generation = 0;
        // libsinsp stops reading when there is no non-empty list.
        for f in s
            .get("frameworks")
            .and_then(J::as_array)
            .into_iter()
            .flatten()
        {
            let Some(id) = f.get("id").and_then(J::as_str) else {
                continue;
            };
            if f.get("active") != Some(&J::Bool(true)) {
                // (Removing a deactivated framework also forgets its tasks' slots.)
                if let Some(gone) = self.remove_framework(id) {
                    for t in &gone.tasks {
                        self.slot_of_task.remove(&t.id);
                    }
                }
                continue;
            }
            let Some(name) = text_or_empty(f.get("name")) else {
                continue;
            };
            if name.is_empty() || id.is_empty() {
                continue;
            }
            self.remove_framework(id);
            if self.frameworks.len() >= MAX_FRAMEWORKS {
                continue;
            }
            // libstdc++'s vector doubles its storage when full; the slots taken before then
            // point at freed memory.
            let slot = self.frameworks.len();
            if slot == self.capacity {
                self.capacity = slot + slot.max(1);
                self.generation += 1;
            }
            let mut fw = MesosFramework {
                id: id.to_owned(),
                name,
                ..Default::default()
            };
            for t in elements(f.get("tasks")) {
                if self.n_tasks >= MAX_TASKS {
                    break;
                }
                let Some(task) = make_task(t) else { continue };
                if self.slot_of_task.len() < 2 * MAX_TASKS
                    || self.slot_of_task.contains_key(&task.id)
                {
                    self.slot_of_task
                        .insert(task.id.clone(), (self.generation, slot));
                }
                if !fw.by_id.contains_key(&task.id) {
                    fw.by_id.insert(task.id.clone(), fw.tasks.len());
                    fw.tasks.push(task);
                    self.n_tasks += 1;
                }
            }
            self.frameworks.push(fw);
        }
    }

    /// Removes the framework `id` (the first of that id), shifting those after it down.
    fn remove_framework(&mut self, id: &str) -> Option<MesosFramework> {
        let i = self.frameworks.iter().position(|f| f.id == id)?;
        self.n_tasks = self.n_tasks.saturating_sub(self.frameworks[i].tasks.len());
        Some(self.frameworks.remove(i))
    }

    // ---- marathon_groups ----

    /// Adds the group `g` below the group at `parent` (top level when empty), then its apps
    /// with instances and its subgroups.
    fn add_group(&mut self, g: &J, parent: &[String], fw: &str) {
        let Some(idv) = g.get("id").filter(|v| !v.is_null()) else {
            return;
        };
        let Some(id) = as_string(idv).filter(|s| !s.is_empty()) else {
            return;
        };
        if parent.len() >= MAX_GROUP_DEPTH {
            return;
        }
        let siblings = if parent.is_empty() {
            &mut self.groups
        } else {
            match group_at(&mut self.groups, parent) {
                Some(p) => &mut p.groups,
                None => return,
            }
        };
        let (old_groups, old_apps) = siblings
            .get(&id)
            .map_or((0, 0), |o| (o.size(), o.app_entries()));
        if old_groups == 0 && self.n_groups >= MAX_GROUPS {
            return;
        }
        siblings.insert(id.clone(), MarathonGroup::new(id.clone(), fw));
        self.n_groups = (self.n_groups + 1).saturating_sub(old_groups);
        self.n_group_apps = self.n_group_apps.saturating_sub(old_apps);
        let mut path = parent.to_vec();
        path.push(id);

        for app in elements(g.get("apps")) {
            let Some(app_id) = app.get("id").filter(|v| !v.is_null()).and_then(as_string) else {
                continue;
            };
            if app.get("instances").and_then(as_int).is_none_or(|n| n <= 0) {
                continue;
            }
            let Some(a) = self.app_by_id(&app_id).or_else(|| self.add_app(app)) else {
                continue;
            };
            self.put_app(&path, app_id.clone(), a);
            if fw.is_empty() {
                continue;
            }
            // libsinsp stops reading when the framework is not a current one.
            let Some(f) = self.frameworks.iter().find(|f| f.id == fw) else {
                continue;
            };
            let tids: Vec<String> = f
                .tasks
                .iter()
                .filter(|t| t.marathon_app_id == app_id)
                .map(|t| t.id.clone())
                .collect();
            for tid in tids {
                self.add_task_to_app(a, &tid);
            }
        }

        if let Some(children) = g.get("groups").and_then(J::as_array) {
            for c in children {
                self.add_group(c, &path, fw);
            }
        }
    }

    /// Puts app `a` under `id` in the group at `path`.
    fn put_app(&mut self, path: &[String], id: String, a: AppKey) {
        let full = self.n_group_apps >= MAX_GROUP_APPS;
        if let Some(g) = group_at(&mut self.groups, path) {
            self.n_group_apps += usize::from(insert_app(g, id, a, full));
        }
    }

    /// The group `id`: a top-level one of that id, else the first found below each top-level
    /// group in turn.
    fn find_group(&self, id: &str) -> Option<&MarathonGroup> {
        self.groups
            .get(id)
            .or_else(|| self.groups.values().find_map(|g| g.find(id)))
    }

    // ---- marathon_apps ----

    /// The app `id` in the group its id names.
    fn app_by_id(&self, id: &str) -> Option<AppKey> {
        let gid = group_id_of(id);
        if gid.is_empty() {
            return None;
        }
        self.find_group(gid)?.apps.get(id).copied()
    }

    /// Takes in one app of a `marathon_apps` document (or a group's app with instances).
    fn add_app(&mut self, app: &J) -> Option<AppKey> {
        let id = as_string(app.get("id").filter(|v| !v.is_null())?)?;
        let gid = group_id_of(&id).to_owned();
        if gid.is_empty() {
            return None;
        }
        let a = match self.app_by_id(&id) {
            Some(a) => a,
            None => self.new_app(&id)?,
        };
        let full = self.n_group_apps >= MAX_GROUP_APPS;
        if let Some(g) = find_group_mut(&mut self.groups, &gid) {
            self.n_group_apps += usize::from(insert_app(g, id.clone(), a, full));
        }
        if let Some(labels) = app.get("labels").filter(|v| !v.is_null()) {
            if let Some(obj) = labels.as_object() {
                let mut pairs: Vec<(String, String)> = obj
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), as_string(v)?)))
                    .collect();
                pairs.sort();
                if let Some(x) = self.apps.get_mut(&a) {
                    x.labels = pairs;
                }
            }
        }
        for t in elements(app.get("tasks")) {
            let Some(tid) = t.get("id").filter(|v| !v.is_null()).and_then(as_string) else {
                continue;
            };
            if let Some((fi, ti)) = self.find_task(&tid) {
                self.frameworks[fi].tasks[ti].marathon_app_id = id.clone();
                self.add_task_to_app(a, &tid);
            }
        }
        Some(a)
    }

    /// A new app in the arena; `None` when the arena is full of apps still in use.
    fn new_app(&mut self, id: &str) -> Option<AppKey> {
        if self.apps.len() >= MAX_APPS {
            self.collect();
            if self.apps.len() >= MAX_APPS {
                return None;
            }
        }
        let key = self.next_app;
        self.next_app += 1;
        self.apps.insert(
            key,
            MarathonApp {
                id: id.to_owned(),
                ..Default::default()
            },
        );
        Some(key)
    }

    /// Links the task `tid` (if a framework holds it) to app `a`, unless the app already
    /// lists it (then an earlier link to another app stands, as in libsinsp).
    fn add_task_to_app(&mut self, a: AppKey, tid: &str) {
        let Some((fi, ti)) = self.find_task(tid) else {
            return;
        };
        let Some(app) = self.apps.get_mut(&a) else {
            return;
        };
        self.frameworks[fi].tasks[ti].marathon_app_id = app.id.clone();
        if app.tasks.iter().any(|t| t == tid) {
            return;
        }
        if app.tasks.len() >= MAX_TASKS {
            let frameworks = &self.frameworks;
            app.tasks
                .retain(|t| frameworks.iter().any(|f| f.by_id.contains_key(t)));
        }
        if app.tasks.len() < MAX_TASKS {
            app.tasks.push(tid.to_owned());
        }
        if !self.app_of_task.contains_key(tid) && self.app_of_task.len() >= MAX_TASK_LINKS {
            let frameworks = &self.frameworks;
            self.app_of_task
                .retain(|t, _| frameworks.iter().any(|f| f.by_id.contains_key(t)));
            if self.app_of_task.len() >= MAX_TASK_LINKS {
                return;
            }
        }
        self.app_of_task.insert(tid.to_owned(), a);
    }

    /// Drops the apps no group and no task link holds, and recounts the groups.
    fn collect(&mut self) {
        let mut live: HashSet<AppKey> = self.app_of_task.values().copied().collect();
        for g in self.groups.values() {
            g.app_keys(&mut live);
        }
        self.apps.retain(|k, _| live.contains(k));
        self.n_groups = self.groups.values().map(MarathonGroup::size).sum();
        self.n_group_apps = self.groups.values().map(MarathonGroup::app_entries).sum();
    }
}

/// The group at `path` (ids from the top level down).
fn group_at<'g>(
    top: &'g mut BTreeMap<String, MarathonGroup>,
    path: &[String],
) -> Option<&'g mut MarathonGroup> {
    let (first, rest) = path.split_first()?;
    let mut g = top.get_mut(first)?;
    for id in rest {
        g = g.groups.get_mut(id)?;
    }
    Some(g)
}

/// [`MesosState::find_group`], for changing the group.
fn find_group_mut<'g>(
    top: &'g mut BTreeMap<String, MarathonGroup>,
    id: &str,
) -> Option<&'g mut MarathonGroup> {
    if top.contains_key(id) {
        return top.get_mut(id);
    }
    top.values_mut().find_map(|g| g.find_mut(id))
}

/// Puts app `a` under `id` in `g` (replacing the one there); whether that made a new entry
/// (not when the groups are `full`).
fn insert_app(g: &mut MarathonGroup, id: String, a: AppKey, full: bool) -> bool {
    if let Some(slot) = g.apps.get_mut(&id) {
        *slot = a;
        false
    } else if full {
        false
    } else {
        g.apps.insert(id, a);
        true
    }
}

/// A `marathon_*` document's `frameworkId`, which libsinsp requires as text.
fn framework_id(doc: &J) -> Option<String> {
    doc.get("frameworkId")?.as_str().map(str::to_owned)
}

/// The id of the group an app id names (`/prod/web` → `/prod`, `/web` → `/`); empty when
/// it has no `/`.
fn group_id_of(app_id: &str) -> &str {
    match app_id.rfind('/') {
        Some(0) => "/",
        Some(p) => &app_id[..p],
        None => "",
    }
}

/// A running task from its JSON, or `None` (not running, or refused by libsinsp).
fn make_task(t: &J) -> Option<MesosTask> {
    if t.get("state").and_then(J::as_str) != Some("TASK_RUNNING") {
        return None;
    }
    let id = match t.get("id").filter(|v| !v.is_null()) {
        Some(v) => as_string(v)?,
        None => text_or_empty(t.get("taskId"))?,
    };
    let name = match t.get("name").filter(|v| !v.is_null()) {
        Some(v) => as_string(v)?,
        None => id
            .rfind('.')
            .map(|p| id[..p].to_owned())
            .unwrap_or_default(),
    };
    if id.is_empty() || name.is_empty() {
        return None;
    }
    let labels = elements(t.get("labels"))
        .into_iter()
        .filter(|l| l.is_object() || l.is_null())
        .filter_map(|l| Some((text_or_empty(l.get("key"))?, text_or_empty(l.get("value"))?)))
        .collect();
    Some(MesosTask {
        id,
        name,
        labels,
        marathon_app_id: String::new(),
    })
}

/// A member as text, empty when absent; `None` when it is an array or object.
fn text_or_empty(v: Option<&J>) -> Option<String> {
    v.map_or(Some(String::new()), as_string)
}

/// What jsoncpp iterates over in a value: an array's elements, an object's values in key
/// order, nothing for the others.
fn elements(v: Option<&J>) -> Vec<&J> {
    match v {
        Some(J::Array(a)) => a.iter().collect(),
        Some(J::Object(o)) => {
            let mut kv: Vec<_> = o.iter().collect();
            kv.sort_by(|a, b| a.0.cmp(b.0));
            kv.into_iter().map(|(_, v)| v).collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(frameworks: &str) -> String {
        format!(r#"{{"mesos_state":{{"frameworks":{frameworks},"slaves":[]}}}}"#)
    }

    const ONE: &str = r#"[{"active":true,"id":"fw-1","name":"marathon","tasks":[
        {"id":"prod_web.1","name":"web","state":"TASK_RUNNING","labels":[{"key":"b","value":"2"},{"key":"a","value":""},{"key":"b","value":3}]},
        {"id":"prod_web.2","state":"TASK_RUNNING"},
        {"id":"prod_web.1","name":"dup","state":"TASK_RUNNING"},
        {"id":"gone.1","state":"TASK_FINISHED"},
        {"id":"noname","state":"TASK_RUNNING"},
        {"taskId":"other.x.9","state":"TASK_RUNNING","labels":{"z":{"key":"k"},"a":{"value":1.5}}}]}]"#;

    #[test]
    fn frameworks_and_running_tasks() {
        let mut s = MesosState::default();
        s.apply(format!("{}\n\0", state(ONE)).as_bytes());
        let t = s.task("prod_web.1").unwrap();
        assert_eq!(t.name, "web");
        let labels: Vec<_> = t.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(labels, ["b=2", "a=", "b=3"]);
        assert_eq!(s.task("prod_web.2").unwrap().name, "prod_web");
        let o = s.task("other.x.9").unwrap();
        assert_eq!(o.name, "other.x");
        assert_eq!(
            o.labels,
            [("".into(), "1.5".into()), ("k".into(), "".into())]
        );
        assert!(s.task("gone.1").is_none());
        assert!(s.task("noname").is_none());
        assert_eq!(s.framework_of(t).unwrap().id, "fw-1");
        assert!(s.app_of(t).is_none());
        // The next state replaces everything; an inactive entry removes its framework.
        s.apply(
            state(
                r#"[{"active":true,"id":"fw-2","name":"n","tasks":[{"id":"a.1","state":"TASK_RUNNING"}]},
                {"active":false,"id":"fw-2"}]"#,
            )
            .as_bytes(),
        );
        assert!(s.frameworks().is_empty());
        s.apply(state(ONE).as_bytes());
        assert!(s.task("prod_web.1").is_some());
        // No frameworks: libsinsp stops; here the state is emptied.
        s.apply(state("[]").as_bytes());
        assert!(s.task("prod_web.1").is_none());
    }

    #[test]
    fn apps_link_tasks_while_a_group_exists() {
        let mut s = MesosState::default();
        s.apply(state(ONE).as_bytes());
        s.apply(br#"{"marathon_apps":{"frameworkId":"fw-1","apps":[
            {"id":"/prod/web","labels":{"Z":"z","L":"v","n":null,"x":[1]},"tasks":[{"id":"prod_web.1"},{"id":"nope"}]},
            {"id":"bad","tasks":[{"id":"prod_web.2"}]}]}}"#);
        let t = s.task("prod_web.1").unwrap().clone();
        // Linked, but no group yet.
        assert!(s.app_of(&t).is_none());
        s.apply(
            br#"{"marathon_groups":{"id":"/","frameworkId":"fw-1","groups":[{"id":"/prod"}]}}"#,
        );
        let a = s.app_of(&t).unwrap();
        assert_eq!((a.id.as_str(), a.group_id()), ("/prod/web", "/prod"));
        assert_eq!(
            a.labels,
            [
                ("L".into(), "v".into()),
                ("Z".into(), "z".into()),
                ("n".into(), "".into())
            ]
        );
        assert!(s.app_of(s.task("prod_web.2").unwrap()).is_none());
        // Now the group exists: a new app is kept in it; the task still names the old one
        // until an event lists the task with the new one, which is then updated in place.
        s.apply(br#"{"marathon_apps":{"frameworkId":"fw-1","apps":[{"id":"/prod/web","labels":{"L":"w"}}]}}"#);
        assert_eq!(s.app_of(&t).unwrap().labels.len(), 3);
        let g = s.groups().next().unwrap().groups().next().unwrap();
        assert_eq!(g.app_ids().collect::<Vec<_>>(), ["/prod/web"]);
        s.apply(br#"{"marathon_apps":{"frameworkId":"fw-1","apps":[{"id":"/prod/web","tasks":[{"id":"prod_web.1"}]}]}}"#);
        assert_eq!(s.app_of(&t).unwrap().labels, [("L".into(), "w".into())]);
        s.apply(br#"{"marathon_apps":{"frameworkId":"fw-1","apps":[{"id":"/prod/web","labels":{"L":"x"}}]}}"#);
        assert_eq!(s.app_of(&t).unwrap().labels, [("L".into(), "x".into())]);
        // The link outlives the task's absence.
        s.apply(state(r#"[{"active":true,"id":"fw-1","name":"m","tasks":[]}]"#).as_bytes());
        assert!(s.task("prod_web.1").is_none());
        s.apply(state(ONE).as_bytes());
        let t = s.task("prod_web.1").unwrap();
        assert_eq!(s.app_of(t).unwrap().id, "/prod/web");
        assert_eq!(s.group_id_of(s.app_of(t).unwrap()), "/prod");
    }

    #[test]
    fn an_app_already_listing_a_task_does_not_take_it_back() {
        let mut s = MesosState::default();
        s.apply(state(ONE).as_bytes());
        s.apply(br#"{"marathon_groups":{"id":"/","frameworkId":"fw-1"}}"#);
        let apps = |ids: &[&str]| {
            let list: Vec<String> = ids
                .iter()
                .map(|i| format!(r#"{{"id":"{i}","tasks":[{{"id":"prod_web.1"}}]}}"#))
                .collect();
            format!(
                r#"{{"marathon_apps":{{"frameworkId":"fw-1","apps":[{}]}}}}"#,
                list.join(",")
            )
        };
        s.apply(apps(&["/a", "/b", "/a"]).as_bytes());
        let t = s.task("prod_web.1").unwrap();
        assert_eq!(s.app_of(t).unwrap().id, "/b");
        // A group event replaces the group with an empty one: a new app object next time.
        s.apply(br#"{"marathon_groups":{"id":"/","frameworkId":"fw-1"}}"#);
        s.apply(apps(&["/a"]).as_bytes());
        let t = s.task("prod_web.1").unwrap();
        assert_eq!(s.app_of(t).unwrap().id, "/a");
    }

    #[test]
    fn group_apps_with_instances() {
        let mut s = MesosState::default();
        s.apply(state(ONE).as_bytes());
        s.apply(br#"{"marathon_apps":{"frameworkId":"fw-1","apps":[{"id":"/x/web","tasks":[{"id":"prod_web.2"}]}]}}"#);
        s.apply(br#"{"marathon_groups":{"id":"/","frameworkId":"fw-1","groups":[{"id":"/x","apps":[{"id":"/x/web","instances":1,"labels":{"k":"v"}}]}]}}"#);
        let t = s.task("prod_web.2").unwrap();
        let a = s.app_of(t).unwrap();
        assert_eq!((a.id.as_str(), a.labels.len()), ("/x/web", 1));
        assert_eq!(a.task_ids(), ["prod_web.2"]);
    }

    #[test]
    fn a_tasks_framework_is_the_slot_it_was_added_in() {
        let fw = |id: &str, name: &str, tasks: &[&str], active: bool| {
            let t: Vec<String> = tasks
                .iter()
                .map(|t| format!(r#"{{"id":"{t}","state":"TASK_RUNNING"}}"#))
                .collect();
            format!(
                r#"{{"id":"{id}","name":"{name}","active":{active},"tasks":[{}]}}"#,
                t.join(",")
            )
        };
        let mut s = MesosState::default();
        let name_of = |s: &MesosState, t: &str| {
            let t = s.task(t)?;
            Some((t.name.clone(), s.framework_of(t)?.name.clone()))
        };
        // Storage for 1, 2, then 4 frameworks: the tasks of the first two point at freed
        // storage (here: the framework holding them).
        s.apply(
            state(&format!(
                "[{},{},{}]",
                fw("A", "fa", &["a.1"], true),
                fw("B", "fb", &["w.1"], true),
                fw("C", "fc", &["w.1"], true)
            ))
            .as_bytes(),
        );
        assert_eq!(name_of(&s, "a.1"), Some(("a".into(), "fa".into())));
        // The task's name from the first framework, its framework the last that added it.
        assert_eq!(name_of(&s, "w.1"), Some(("w".into(), "fc".into())));
        // No growth now: A' (of A's id) removes A, B shifts into slot 0, A' takes slot 1.
        s.apply(
            state(&format!(
                "[{},{},{}]",
                fw("A", "fa", &[], true),
                fw("B", "fb", &["b.1"], true),
                fw("A", "fa2", &["c.1"], true)
            ))
            .as_bytes(),
        );
        assert_eq!(name_of(&s, "b.1"), Some(("b".into(), "fa2".into())));
        assert_eq!(name_of(&s, "c.1"), Some(("c".into(), "fa2".into())));
        // A deactivated framework takes its tasks' slots with it.
        s.apply(
            state(&format!(
                "[{},{},{}]",
                fw("B", "fb", &["w.1"], true),
                fw("C", "fc", &["w.1"], true),
                fw("B", "x", &[], false)
            ))
            .as_bytes(),
        );
        let t = s.task("w.1").unwrap();
        assert!(s.framework_of(t).is_none());
    }

    #[test]
    fn mangled_documents_never_panic() {
        let seeds = [
            state(ONE),
            r#"{"marathon_groups":{"id":"/","frameworkId":"fw-1","groups":[{"id":"/a","apps":[{"id":"/a/x","instances":1,"tasks":[{"id":"prod_web.1"}]}],"groups":[{"id":"/a/b"}]}]}}"#.into(),
            r#"{"marathon_apps":{"frameworkId":"fw-1","apps":[{"id":"/a/x","labels":{"k":1,"l":null},"tasks":[{"id":"prod_web.1"},{"id":"prod_web.2"}]}]}}"#.into(),
        ];
        let mut s = MesosState::default();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for round in 0..3000 {
            let mut doc = seeds[round % seeds.len()].clone().into_bytes();
            for _ in 0..(round % 4) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let at = (x as usize) % doc.len();
                match (x >> 32) % 3 {
                    0 => {
                        let bytes = br#"{}[]":,0n\"#;
                        doc[at] = bytes[(x >> 40) as usize % bytes.len()];
                    }
                    1 => {
                        doc.remove(at);
                    }
                    _ => doc.insert(at, doc[(x >> 20) as usize % doc.len()]),
                }
            }
            s.apply(&doc);
            for f in s.frameworks() {
                for t in f.tasks() {
                    let _ = (s.framework_of(t), s.app_of(t));
                }
            }
        }
    }

    #[test]
    fn bounded_and_never_panics() {
        let mut s = MesosState::default();
        for text in [
            &b""[..],
            b"\0",
            b"null",
            b"[1,2]",
            b"{\"mesos_state\":5}",
            b"{\"mesos_state\":{\"frameworks\":[1,null,{\"id\":5},{\"id\":\"x\",\"active\":true,\"name\":[1]}]}}",
            b"{\"marathon_groups\":{\"id\":\"/\"}}",
            b"{\"marathon_groups\":{\"id\":[],\"frameworkId\":\"f\"}}",
            b"{\"marathon_groups\":{\"id\":\"/\",\"frameworkId\":\"f\",\"groups\":[1,\"a\",{\"id\":\"\"}],\"apps\":[1,{\"id\":\"/a\",\"instances\":2}]}}",
            b"{\"marathon_apps\":{\"frameworkId\":\"f\",\"apps\":{\"b\":{\"id\":\"/b\",\"labels\":3,\"tasks\":7}}}}",
            b"{\"marathon_apps\":[]}",
        ] {
            s.apply(text);
        }
        assert_eq!(s.groups().count(), 1);
        // Deep nesting stops at the bound.
        let mut g = String::from(r#"{"id":"/leaf"}"#);
        for i in 0..120 {
            g = format!(r#"{{"id":"/g{i}","groups":[{g}]}}"#);
        }
        s.apply(
            format!(r#"{{"marathon_groups":{{"frameworkId":"f","id":"/top","groups":[{g}]}}}}"#)
                .as_bytes(),
        );
        assert!(s.n_groups <= 1 + 1 + MAX_GROUP_DEPTH);
        // Many groups: at most the bound.
        let many: Vec<String> = (0..MAX_GROUPS + 10)
            .map(|i| format!(r#"{{"id":"/m{i}"}}"#))
            .collect();
        s.apply(
            format!(
                r#"{{"marathon_groups":{{"frameworkId":"f","id":"/many","groups":[{}]}}}}"#,
                many.join(",")
            )
            .as_bytes(),
        );
        assert!(s.n_groups <= MAX_GROUPS);
        // Apps whose group is unknown and which link nothing do not pile up.
        let apps: Vec<String> = (0..MAX_APPS + 10)
            .map(|i| format!(r#"{{"id":"/nowhere/a{i}"}}"#))
            .collect();
        s.apply(
            format!(
                r#"{{"marathon_apps":{{"frameworkId":"f","apps":[{}]}}}}"#,
                apps.join(",")
            )
            .as_bytes(),
        );
        assert!(s.apps.len() <= MAX_APPS);
    }
}
