//! Containers the capture describes, from its container events: the JSON ones (libsinsp's
//! `container` event with one JSON parameter) and the older `container` event with four
//! (id, type, name, image), which carries no address.
//!
//! sysdig 0.29 asked this table whether a connection's destination is the machine's own
//! (`fd.is_server`): a thread's container's address counts as local. The `container.*` fields
//! read the rest.

use std::net::Ipv4Addr;

use hashbrown::HashMap;

/// What the capture said of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContainerInfo {
    /// The container id, as threads name it (`container.id`).
    pub id: Vec<u8>,
    /// Its IPv4 address; unspecified (0.0.0.0) when not given.
    pub ip: Ipv4Addr,
    /// libsinsp's container type number (0 docker, 1 lxc, 2 libvirt-lxc, 3 mesos, 4 rkt,
    /// 5 custom, 6 cri, 7 containerd, 8 cri-o, 9 bpm, 10 static, 11 podman).
    pub kind: u32,
    /// `container.name`; empty when not given.
    pub name: String,
    /// `container.image`.
    pub image: String,
    /// `container.image.id`.
    pub image_id: String,
    /// `container.image.repository`.
    pub image_repo: String,
    /// `container.image.tag`.
    pub image_tag: String,
    /// `container.image.digest`.
    pub image_digest: String,
    /// Whether it runs privileged.
    pub privileged: bool,
    /// Its mounts, in the order given.
    pub mounts: Vec<Mount>,
    /// Its health check and Kubernetes probes.
    pub probes: Vec<Probe>,
    /// The container's labels, by key (`io.kubernetes.pod.name`, ...).
    pub labels: std::collections::BTreeMap<String, String>,
    /// The Mesos task the container runs (`mesos_task_id`); empty when not given.
    pub mesos_task_id: String,
}

/// One mount of a container (Docker's `Mounts` entries).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Mount {
    /// The host path.
    pub source: String,
    /// The path inside the container.
    pub dest: String,
    /// The mount mode (`ro`, `z`, ...), often empty.
    pub mode: String,
    /// Whether it is writable.
    pub rdwr: bool,
    /// The propagation (`rprivate`, ...).
    pub propagation: String,
}

impl std::fmt::Display for Mount {
    /// `source:dest:mode:rdwr:propagation`, as `container.mount` prints it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}:{}:{}",
            self.source, self.dest, self.mode, self.rdwr, self.propagation
        )
    }
}

/// Which probe a [`Probe`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProbeKind {
    /// Docker's `HEALTHCHECK` (`Healthcheck` in the JSON).
    Healthcheck,
    /// A Kubernetes liveness probe (`LivenessProbe`).
    Liveness,
    /// A Kubernetes readiness probe (`ReadinessProbe`).
    Readiness,
}

/// A health probe: the command a container runs to check itself.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Probe {
    /// Which probe.
    pub kind: ProbeKind,
    /// The program.
    pub exe: String,
    /// Its arguments.
    pub args: Vec<String>,
}

impl Default for ContainerInfo {
    fn default() -> Self {
        ContainerInfo {
            id: Vec::new(),
            ip: Ipv4Addr::UNSPECIFIED,
            kind: 0,
            name: String::new(),
            image: String::new(),
            image_id: String::new(),
            image_repo: String::new(),
            image_tag: String::new(),
            image_digest: String::new(),
            privileged: false,
            mounts: Vec::new(),
            probes: Vec::new(),
            labels: Default::default(),
            mesos_task_id: String::new(),
        }
    }
}

impl ContainerInfo {
    /// A container with only an id and an address.
    pub fn new(id: &[u8], ip: Ipv4Addr) -> Self {
        ContainerInfo {
            id: id.to_vec(),
            ip,
            ..Default::default()
        }
    }

    /// Reads a container event's JSON (`{"container":{...}}`) as libsinsp does: each key
    /// taken when it has the expected type, the others left at their defaults. `None` when
    /// the text is not JSON or has no `container` object.
    pub fn from_json(json: &[u8]) -> Option<Self> {
        use serde_json::Value as J;
        let root: J = serde_json::from_slice(json).ok()?;
        let c = root.get("container")?.as_object()?;
        let text = |k: &str| c.get(k).and_then(J::as_str).unwrap_or_default().to_owned();
        let mut info = ContainerInfo {
            id: text("id").into_bytes(),
            name: text("name"),
            image: text("image"),
            image_id: text("imageid"),
            image_repo: text("imagerepo"),
            image_tag: text("imagetag"),
            image_digest: text("imagedigest"),
            ..Default::default()
        };
        if let Some(t) = c.get("type").and_then(J::as_u64) {
            info.kind = t as u32;
        }
        if let Some(p) = c.get("privileged").and_then(J::as_bool) {
            info.privileged = p;
        }
        if let Some(ip) = c.get("ip").and_then(J::as_str).and_then(|s| s.parse().ok()) {
            info.ip = ip;
        }
        if let Some(mounts) = c.get("Mounts").and_then(J::as_array) {
            for m in mounts {
                let s = |k: &str| m.get(k).and_then(J::as_str).unwrap_or_default().to_owned();
                info.mounts.push(Mount {
                    source: s("Source"),
                    dest: s("Destination"),
                    mode: s("Mode"),
                    rdwr: m.get("RW").and_then(J::as_bool).unwrap_or(false),
                    propagation: s("Propagation"),
                });
            }
        }
        if let Some(labels) = c.get("labels").and_then(J::as_object) {
            for (k, v) in labels {
                if let Some(v) = json_text(v) {
                    info.labels.insert(k.clone(), v);
                }
            }
        }
        // libsinsp takes any value jsoncpp turns into text (numbers and booleans too).
        if let Some(t) = c
            .get("mesos_task_id")
            .filter(|v| !v.is_null())
            .and_then(crate::jsoncpp::as_string)
        {
            info.mesos_task_id = t;
        }
        for (key, kind) in [
            ("Healthcheck", ProbeKind::Healthcheck),
            ("LivenessProbe", ProbeKind::Liveness),
            ("ReadinessProbe", ProbeKind::Readiness),
        ] {
            let Some(p) = c.get(key).filter(|p| p.is_object()) else {
                continue;
            };
            let Some(exe) = p.get("exe").and_then(json_text) else {
                continue;
            };
            let args = p
                .get("args")
                .and_then(J::as_array)
                .map(|a| a.iter().filter_map(json_text).collect())
                .unwrap_or_default();
            info.probes.push(Probe { kind, exe, args });
        }
        Some(info)
    }

    /// The command line of the probe of `kind` (its program and arguments, space-separated).
    pub fn probe(&self, kind: ProbeKind) -> Option<&Probe> {
        self.probes.iter().find(|p| p.kind == kind)
    }

    fn heap_bytes(&self) -> usize {
        self.id.capacity()
            + [
                &self.name,
                &self.image,
                &self.image_id,
                &self.image_repo,
                &self.image_tag,
                &self.image_digest,
                &self.mesos_task_id,
            ]
            .iter()
            .map(|s| s.capacity())
            .sum::<usize>()
            + self
                .mounts
                .iter()
                .map(|m| {
                    std::mem::size_of::<Mount>()
                        + m.source.capacity()
                        + m.dest.capacity()
                        + m.mode.capacity()
                        + m.propagation.capacity()
                })
                .sum::<usize>()
            + self
                .probes
                .iter()
                .map(|p| {
                    std::mem::size_of::<Probe>()
                        + p.exe.capacity()
                        + p.args.iter().map(|a| a.capacity() + 24).sum::<usize>()
                })
                .sum::<usize>()
            + self
                .labels
                .iter()
                .map(|(k, v)| k.capacity() + v.capacity() + 48)
                .sum::<usize>()
    }
}

/// A JSON value as jsoncpp's `asString` gives it for the values it converts to text
/// (strings, numbers, booleans; `null` as empty).
fn json_text(v: &serde_json::Value) -> Option<String> {
    crate::jsoncpp::as_string(v)
}

/// The containers seen, at most a configured number (later ones are dropped and counted).
#[derive(Debug, Clone, Default)]
pub struct ContainerTable {
    by_id: HashMap<Vec<u8>, ContainerInfo>,
    max: usize,
    dropped: u64,
}

impl ContainerTable {
    /// An empty table holding at most `max` containers.
    pub fn new(max: usize) -> Self {
        ContainerTable {
            by_id: HashMap::new(),
            max,
            dropped: 0,
        }
    }

    /// The container `id`, if the capture described it.
    pub fn get(&self, id: &[u8]) -> Option<&ContainerInfo> {
        self.by_id.get(id)
    }

    /// Every container described so far, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &ContainerInfo> {
        self.by_id.values()
    }

    /// How many containers are known.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether none is known.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The bound on containers.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Approximate bytes held.
    pub fn approx_bytes(&self) -> usize {
        self.by_id.capacity() * (std::mem::size_of::<(Vec<u8>, ContainerInfo)>() + 1)
            + self
                .by_id
                .iter()
                .map(|(k, c)| k.capacity() + c.heap_bytes())
                .sum::<usize>()
    }

    /// Containers not recorded because the table was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Records (or replaces) a container.
    pub(crate) fn insert(&mut self, info: ContainerInfo) {
        if let Some(c) = self.by_id.get_mut(&info.id) {
            *c = info;
        } else if self.by_id.len() < self.max {
            self.by_id.insert(info.id.clone(), info);
        } else {
            self.dropped += 1;
        }
    }

    /// Whether `addr` is local to a thread of container `id` in sysdig 0.29's way: the
    /// container's own address if it has one, else any known container's. sysdig also
    /// made an entry without an address for every container a thread's cgroups named, so a
    /// container never described still has one: `0.0.0.0` is then local.
    pub fn is_local_ipv4(&self, id: &[u8], addr: Ipv4Addr) -> bool {
        match self.get(id) {
            Some(c) if !c.ip.is_unspecified() => c.ip == addr,
            _ => addr.is_unspecified() || self.iter().any(|c| c.ip == addr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_address_or_any_when_unknown() {
        let mut t = ContainerTable::new(2);
        let (a, b) = (Ipv4Addr::new(172, 17, 0, 2), Ipv4Addr::new(172, 17, 0, 3));
        t.insert(ContainerInfo::new(b"aaa", a));
        t.insert(ContainerInfo::new(b"bbb", Ipv4Addr::UNSPECIFIED));
        assert!(t.is_local_ipv4(b"aaa", a));
        assert!(!t.is_local_ipv4(b"aaa", b));
        // No address of its own: any container's counts.
        assert!(t.is_local_ipv4(b"bbb", a));
        // Never described: an empty entry, as sysdig made from the cgroups.
        assert!(t.is_local_ipv4(b"ccc", a));
        assert!(t.is_local_ipv4(b"ccc", Ipv4Addr::UNSPECIFIED));
        assert!(!t.is_local_ipv4(b"ccc", b));
        t.insert(ContainerInfo::new(b"ccc", b));
        assert_eq!((t.len(), t.dropped()), (2, 1));
    }

    #[test]
    fn container_json() {
        let j = br#"{"container":{"Mounts":[{"Destination":"/data","Mode":"","Propagation":"rprivate","RW":true,"Source":"/srv"}],"id":"9dbcbd0c435f","image":"nginx:latest","imagedigest":"sha256:96","imageid":"f68d","imagerepo":"nginx","imagetag":"latest","ip":"172.17.0.2","name":"epic_cray","privileged":true,"type":0,"Healthcheck":{"exe":"curl","args":["-f",1]}}}"#;
        let c = ContainerInfo::from_json(j).unwrap();
        assert_eq!(c.id, b"9dbcbd0c435f");
        assert_eq!(
            (c.name.as_str(), c.image_repo.as_str()),
            ("epic_cray", "nginx")
        );
        assert_eq!(c.ip, Ipv4Addr::new(172, 17, 0, 2));
        assert!(c.privileged);
        assert_eq!(c.mounts[0].to_string(), "/srv:/data::true:rprivate");
        let p = c.probe(ProbeKind::Healthcheck).unwrap();
        assert_eq!(
            (p.exe.as_str(), p.args.clone()),
            ("curl", vec!["-f".into(), "1".into()])
        );
        assert!(c.probe(ProbeKind::Liveness).is_none());
        assert!(ContainerInfo::from_json(b"{\"container\":3}").is_none());
        assert!(ContainerInfo::from_json(b"{nope").is_none());
    }
}

/// What parsing a container event's JSON gave, by the JSON's exact bytes, for the few texts
/// seen last: captures repeat their container events, and parsing is by far the dearest part
/// of taking one in. Parsing is a function of the bytes alone, so the answer is the same.
#[derive(Debug, Clone)]
pub(crate) struct JsonMemo<T> {
    entries: std::collections::VecDeque<(Vec<u8>, T)>,
}

impl<T> Default for JsonMemo<T> {
    fn default() -> Self {
        JsonMemo {
            entries: Default::default(),
        }
    }
}

impl<T: Clone> JsonMemo<T> {
    /// Texts kept, and the longest kept (a longer one is parsed every time).
    const ENTRIES: usize = 16;
    const MAX_BYTES: usize = 64 << 10;

    /// `parse(json)`, or what it gave last time for the same bytes.
    pub(crate) fn get_or(&mut self, json: &[u8], parse: impl FnOnce(&[u8]) -> T) -> T {
        if let Some((_, v)) = self.entries.iter().find(|(k, _)| k == json) {
            return v.clone();
        }
        let v = parse(json);
        if json.len() <= Self::MAX_BYTES {
            if self.entries.len() == Self::ENTRIES {
                self.entries.pop_front();
            }
            self.entries.push_back((json.to_vec(), v.clone()));
        }
        v
    }
}

#[cfg(test)]
mod memo_tests {
    use super::JsonMemo;

    #[test]
    fn same_bytes_are_parsed_once_and_the_memo_is_bounded() {
        let mut memo = JsonMemo::default();
        let mut parsed = 0;
        for _ in 0..3 {
            let v = memo.get_or(b"{\"a\":1}", |j| {
                parsed += 1;
                j.len()
            });
            assert_eq!(v, 7);
        }
        assert_eq!(parsed, 1);
        for i in 0..100u32 {
            memo.get_or(&i.to_le_bytes(), |_| 0);
        }
        assert!(memo.entries.len() <= JsonMemo::<usize>::ENTRIES);
        // The first text has been pushed out: parsed again.
        memo.get_or(b"{\"a\":1}", |_| {
            parsed += 1;
            0
        });
        assert_eq!(parsed, 2);
    }
}
