//! Kubernetes objects from the orchestrator events of older captures.
//!
//! Captures recorded by sysdig with a Kubernetes API server at hand (2016-2019) carry `k8s`
//! events: JSON documents, one per API list or watch event, each listing the objects of one
//! kind (pods, namespaces, replication controllers, replica sets, deployments, services,
//! daemon sets, nodes) in a flattened form: `{"type":"ADDED","kind":"Pod","items":[{"name",
//! "uid","namespace","labels","selector","containerStatuses",...}]}`. libsinsp of those years
//! replays them, in file order, into a state that answers the `k8s.*` fields; this module does
//! the same, with the same rules:
//!
//! - The first `k8s` event decides the form. Only the `items` form is replayed; in the older
//!   `object` form libsinsp never links a pod to its containers, so no field answers from it.
//! - A watch type is read by its first letter (ADDED, MODIFIED, DELETED; others skipped);
//!   MODIFIED and DELETED of an unknown uid are skipped. An update never renames an object,
//!   keeps the old labels when the new ones are empty, and replaces a pod's container ids.
//! - The links are rebuilt only when an event of their own kind is handled: pod by container
//!   after a pod event, the controllers, services and deployments that select a pod after an
//!   event of that kind, namespaces by name after a namespace event. A pod that appears later
//!   is linked to services only at the next service event, as in libsinsp.
//! - A container id `docker://X`, `containerd://X`, `cri-o://X` is known by the first 12
//!   characters of X, `rkt://X` by all of X.
//!
//! The links are rebuilt once per event rather than after each of its items, which gives the
//! same answers (nothing reads them in between); each kind keeps at most
//! [`MAX_OBJECTS_PER_KIND`] objects, so that hostile events cannot make the rebuilding (pods
//! times selectors) grow without bound.
//!
//! Where libsinsp stops the whole reading (a first event that is not JSON or has neither
//! form, a container id of another scheme), the event or the id is skipped here.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value as J;

/// One Kubernetes object, as the events describe it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct K8sObject {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.uid`.
    pub uid: String,
    /// `metadata.namespace` (empty for namespaces and nodes).
    pub namespace: String,
    /// `metadata.labels`, by key (the text values only).
    pub labels: BTreeMap<String, String>,
    /// The label selector (controllers, services, deployments).
    pub selector: BTreeMap<String, String>,
    /// A pod's container ids as the API gives them (`docker://…`).
    pub container_ids: Vec<String>,
}

impl K8sObject {
    /// Whether this object's selector picks `pod`: every selector pair among the pod's labels,
    /// in the same namespace (an empty selector or a pod without labels picks nothing).
    fn selects(&self, pod: &K8sObject) -> bool {
        !self.selector.is_empty()
            && !pod.labels.is_empty()
            && self.namespace == pod.namespace
            && self
                .selector
                .iter()
                .all(|(k, v)| pod.labels.get(k) == Some(v))
    }
}

/// At most this many objects of one kind are kept; later new ones are dropped.
pub const MAX_OBJECTS_PER_KIND: usize = 1024;

/// The kinds of object the events carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Namespace,
    Node,
    Pod,
    ReplicationController,
    ReplicaSet,
    Service,
    DaemonSet,
    Deployment,
}

impl Kind {
    fn from_name(s: &str) -> Option<Kind> {
        Some(match s {
            "Namespace" => Kind::Namespace,
            "Node" => Kind::Node,
            "Pod" => Kind::Pod,
            "ReplicationController" => Kind::ReplicationController,
            "ReplicaSet" => Kind::ReplicaSet,
            "Service" => Kind::Service,
            "DaemonSet" => Kind::DaemonSet,
            "Deployment" => Kind::Deployment,
            _ => return None,
        })
    }

    const ALL: usize = 8;
}

/// The form of a capture's `k8s` events, decided by the first one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `{"type","kind","items":[...]}`: replayed.
    Items,
    /// The older `{"type","kind","object":{...}}`, or a first event libsinsp refuses: not.
    Other,
}

/// The Kubernetes state the `k8s` events of a capture built.
#[derive(Debug, Clone, Default)]
pub struct K8sState {
    form: Option<Form>,
    objects: [Vec<K8sObject>; Kind::ALL],
    /// Every known uid, with its kind.
    uids: HashMap<String, Kind>,
    /// Container id (12 characters, or an rkt id) to pod uid.
    pod_by_container: HashMap<String, String>,
    /// Pod uid to the uid of the first controller (replica set, deployment) that selects it.
    rc_of_pod: HashMap<String, String>,
    rs_of_pod: HashMap<String, String>,
    deployment_of_pod: HashMap<String, String>,
    /// Pod uid to the uids of the services that select it, in libsinsp's order.
    services_of_pod: HashMap<String, Vec<String>>,
    /// Namespace name to the uid of the first namespace of that name.
    namespace_by_name: HashMap<String, String>,
}

/// Which object kind a field of `k8s.*` looks at, from a pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PodLink {
    /// The replication controller that selects the pod.
    ReplicationController,
    /// The replica set that selects it.
    ReplicaSet,
    /// The deployment that selects it.
    Deployment,
    /// The namespace named by the pod.
    Namespace,
}

impl K8sState {
    /// Takes in one `k8s` event's JSON text.
    pub fn apply(&mut self, text: &[u8]) {
        let end = text.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        let root = serde_json::Deserializer::from_slice(&text[..end])
            .into_iter::<J>()
            .next()
            .and_then(Result::ok);
        let form = *self.form.get_or_insert(match &root {
            Some(r) if r.get("items").is_some() => Form::Items,
            _ => Form::Other,
        });
        if form != Form::Items {
            return;
        }
        let Some(root) = root else { return };
        let (Some(ty), Some(kind)) = (
            root.get("type").and_then(text_of),
            root.get("kind").and_then(text_of),
        ) else {
            return;
        };
        let Some(kind) = Kind::from_name(&kind) else {
            return;
        };
        let Some(items) = root.get("items").and_then(J::as_array) else {
            return;
        };
        let mut changed = false;
        for item in items {
            changed |= self.apply_item(ty.as_bytes().first().copied(), kind, item);
        }
        if changed {
            self.relink(kind);
        }
    }

    /// Takes in one item; whether the state changed (libsinsp then rebuilds the links).
    fn apply_item(&mut self, reason: Option<u8>, kind: Kind, item: &J) -> bool {
        let field = |k: &str| item.get(k).and_then(text_of).unwrap_or_default();
        let uid = field("uid");
        match reason {
            Some(b'A') => {}
            Some(b'M' | b'D') if self.uids.contains_key(&uid) => {}
            _ => return false,
        }
        let list = &mut self.objects[kind as usize];
        if reason == Some(b'D') {
            let Some(i) = list.iter().position(|o| o.uid == uid) else {
                return false;
            };
            list.remove(i);
            self.uids.remove(&uid);
            return true;
        }
        let i = match list.iter().position(|o| o.uid == uid) {
            Some(i) => i,
            None if list.len() >= MAX_OBJECTS_PER_KIND => return false,
            None => {
                self.uids.insert(uid.clone(), kind);
                list.push(K8sObject {
                    name: field("name"),
                    namespace: field("namespace"),
                    uid,
                    ..Default::default()
                });
                list.len() - 1
            }
        };
        let o = &mut list[i];
        let labels = pairs(item.get("labels"));
        if !labels.is_empty() {
            o.labels = labels;
        }
        match kind {
            Kind::Pod => {
                o.container_ids = ["containerStatuses", "initContainerStatuses"]
                    .iter()
                    .filter_map(|k| item.get(*k).and_then(J::as_array))
                    .flatten()
                    .filter_map(|c| c.get("containerID").and_then(text_of))
                    .collect();
            }
            Kind::ReplicationController | Kind::ReplicaSet | Kind::Deployment | Kind::DaemonSet => {
                if let Some(s) = item.get("selector").filter(|s| !s.is_null()) {
                    o.selector = pairs(Some(s));
                }
            }
            Kind::Service => {
                let s = pairs(item.get("selector"));
                if !s.is_empty() {
                    o.selector = s;
                }
            }
            Kind::Namespace | Kind::Node => {}
        }
        true
    }

    /// Rebuilds the links that depend on objects of `kind` (libsinsp's `update_cache`).
    fn relink(&mut self, kind: Kind) {
        let pods = &self.objects[Kind::Pod as usize];
        let first_selecting = |k: Kind, out: &mut HashMap<String, String>| {
            out.clear();
            for c in &self.objects[k as usize] {
                for p in pods.iter().filter(|p| c.selects(p)) {
                    out.entry(p.uid.clone()).or_insert_with(|| c.uid.clone());
                }
            }
        };
        match kind {
            Kind::Pod => {
                self.pod_by_container.clear();
                for p in pods {
                    for id in &p.container_ids {
                        if let Some(key) = container_key(id) {
                            self.pod_by_container.insert(key.to_owned(), p.uid.clone());
                        }
                    }
                }
            }
            Kind::ReplicationController => first_selecting(kind, &mut self.rc_of_pod),
            Kind::ReplicaSet => first_selecting(kind, &mut self.rs_of_pod),
            Kind::Deployment => first_selecting(kind, &mut self.deployment_of_pod),
            Kind::Service => {
                self.services_of_pod.clear();
                for s in &self.objects[Kind::Service as usize] {
                    for p in pods.iter().filter(|p| s.selects(p)) {
                        // libstdc++'s multimap puts a key's later entries right after its
                        // first: the first service, then the others newest first.
                        let v = self.services_of_pod.entry(p.uid.clone()).or_default();
                        let at = v.len().min(1);
                        v.insert(at, s.uid.clone());
                    }
                }
            }
            Kind::Namespace => {
                self.namespace_by_name.clear();
                for n in &self.objects[Kind::Namespace as usize] {
                    self.namespace_by_name
                        .entry(n.name.clone())
                        .or_insert_with(|| n.uid.clone());
                }
            }
            Kind::Node | Kind::DaemonSet => {}
        }
    }

    fn find(&self, kind: Kind, uid: &str) -> Option<&K8sObject> {
        self.objects[kind as usize].iter().find(|o| o.uid == uid)
    }

    /// The pod a container (by the id libsinsp gives threads: 12 characters for Docker)
    /// belongs to.
    pub fn pod_of_container(&self, container_id: &[u8]) -> Option<&K8sObject> {
        let id = std::str::from_utf8(container_id).ok()?;
        self.find(Kind::Pod, self.pod_by_container.get(id)?)
    }

    /// The object of `link` for `pod`.
    pub fn linked(&self, pod: &K8sObject, link: PodLink) -> Option<&K8sObject> {
        let (map, kind, key) = match link {
            PodLink::ReplicationController => {
                (&self.rc_of_pod, Kind::ReplicationController, &pod.uid)
            }
            PodLink::ReplicaSet => (&self.rs_of_pod, Kind::ReplicaSet, &pod.uid),
            PodLink::Deployment => (&self.deployment_of_pod, Kind::Deployment, &pod.uid),
            PodLink::Namespace => (&self.namespace_by_name, Kind::Namespace, &pod.namespace),
        };
        self.find(kind, map.get(key)?)
    }

    /// The services that select `pod`, in libsinsp's order.
    pub fn services(&self, pod: &K8sObject) -> impl Iterator<Item = &K8sObject> {
        self.services_of_pod
            .get(&pod.uid)
            .into_iter()
            .flatten()
            .filter_map(|u| self.find(Kind::Service, u))
    }
}

/// The key libsinsp finds a pod's container by.
fn container_key(id: &str) -> Option<&str> {
    let twelve = |s: &'_ str| -> usize { s.char_indices().nth(12).map_or(s.len(), |(i, _)| i) };
    for p in ["docker://", "containerd://", "cri-o://"] {
        if let Some(rest) = id.strip_prefix(p) {
            return Some(&rest[..twelve(rest)]);
        }
    }
    id.strip_prefix("rkt://")
}

/// A JSON object's text members, by key (libsinsp's `extract_object`).
fn pairs(v: Option<&J>) -> BTreeMap<String, String> {
    v.and_then(J::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect()
}

/// jsoncpp's `asString` for the values it converts (text, numbers, booleans); `None` for
/// `null`, which libsinsp tests for first.
fn text_of(v: &J) -> Option<String> {
    if v.is_null() {
        return None;
    }
    crate::jsoncpp::as_string(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(uid: &str, labels: &str, container: &str) -> String {
        format!(
            r#"{{"type":"ADDED","kind":"Pod","items":[{{"name":"p-{uid}","uid":"{uid}","namespace":"ns","labels":{labels},"containerStatuses":[{{"containerID":"{container}"}}]}}]}}"#
        )
    }

    #[test]
    fn pods_link_to_containers_services_and_namespaces() {
        let mut s = K8sState::default();
        s.apply(br#"{"type":"ADDED","kind":"Namespace","items":[{"name":"ns","uid":"n1","labels":{"team":"a"}}]}"#);
        s.apply(
            pod(
                "u1",
                r#"{"app":"web","b":"2"}"#,
                "docker://0123456789abcdef",
            )
            .as_bytes(),
        );
        s.apply(
            br#"{"type":"ADDED","kind":"Service","items":[
            {"name":"s1","uid":"s1","namespace":"ns","selector":{"app":"web"}},
            {"name":"s2","uid":"s2","namespace":"ns","selector":{"app":"web"}},
            {"name":"s3","uid":"s3","namespace":"ns","selector":{"app":"web"}},
            {"name":"other","uid":"s4","namespace":"ns2","selector":{"app":"web"}}]}"#,
        );
        let p = s.pod_of_container(b"0123456789ab").expect("pod");
        assert_eq!(p.name, "p-u1");
        let names: Vec<_> = s.services(p).map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["s1", "s3", "s2"]);
        assert_eq!(s.linked(p, PodLink::Namespace).unwrap().uid, "n1");
        assert!(s.linked(p, PodLink::ReplicaSet).is_none());
        assert!(s.pod_of_container(b"0123456789abcdef").is_none());
    }

    #[test]
    fn links_wait_for_an_event_of_their_kind() {
        let mut s = K8sState::default();
        s.apply(br#"{"type":"ADDED","kind":"ReplicaSet","items":[{"name":"rs","uid":"r1","namespace":"ns","selector":{"app":"web"}}]}"#);
        s.apply(pod("u1", r#"{"app":"web"}"#, "containerd://aaaaaaaaaaaaaaaa").as_bytes());
        let p = s.pod_of_container(b"aaaaaaaaaaaa").unwrap().clone();
        assert!(s.linked(&p, PodLink::ReplicaSet).is_none());
        s.apply(br#"{"type":"MODIFIED","kind":"ReplicaSet","items":[{"name":"rs","uid":"r1","namespace":"ns","selector":{"app":"web"}}]}"#);
        assert_eq!(s.linked(&p, PodLink::ReplicaSet).unwrap().name, "rs");
        // An update without statuses unlinks the pod's containers.
        s.apply(br#"{"type":"MODIFIED","kind":"Pod","items":[{"name":"x","uid":"u1","namespace":"ns"}]}"#);
        assert!(s.pod_of_container(b"aaaaaaaaaaaa").is_none());
        assert_eq!(s.find(Kind::Pod, "u1").unwrap().name, "p-u1");
        assert_eq!(s.find(Kind::Pod, "u1").unwrap().labels.len(), 1);
    }

    #[test]
    fn the_first_event_decides_the_form() {
        let mut s = K8sState::default();
        s.apply(br#"{"type":"ADDED","kind":"Pod","object":{"metadata":{"name":"p","uid":"u"}}}"#);
        s.apply(pod("u1", "{}", "docker://bbbbbbbbbbbb").as_bytes());
        assert!(s.pod_of_container(b"bbbbbbbbbbbb").is_none());
        let mut s = K8sState::default();
        s.apply(b"not json\0");
        s.apply(pod("u1", "{}", "docker://bbbbbbbbbbbb").as_bytes());
        assert!(s.pod_of_container(b"bbbbbbbbbbbb").is_none());
        let mut s = K8sState::default();
        s.apply(format!("{}\n\0", pod("u1", "{}", "rkt://long-rkt-id")).as_bytes());
        assert_eq!(s.pod_of_container(b"long-rkt-id").unwrap().uid, "u1");
    }
}
