//! How full the state's tables are, what they hold in memory, and what their bounds cost.
//!
//! Every table of the state engine is bounded by [`Config`](crate::Config), so that a capture
//! from a stranger or a stream that runs for months cannot grow it without end. What a bound
//! turns away is counted here, so a tool can tell "not in the capture" from "not kept".

/// One table: its size, bound, memory, and what its bound turned away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TableStat {
    /// Entries held now.
    pub len: usize,
    /// The configured bound (for fds, per process; for users and groups, per container).
    pub max: usize,
    /// Approximate bytes held, the table's own slots and what its entries own.
    pub bytes: usize,
    /// Entries removed to make room for new ones (threads: the least recently active; fds:
    /// those of evicted processes).
    pub evicted: u64,
    /// New entries refused, or (pending enters) let go, because the table was full.
    pub dropped: u64,
}

/// Every bounded table of an [`Inspector`](crate::Inspector), from
/// [`Inspector::table_stats`](crate::Inspector::table_stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TableStats {
    /// Threads (`max_threads`). Their bytes include their fd tables and stored enters.
    pub threads: TableStat,
    /// Open fds over all processes (`max_fds_per_process`); their bytes are in `threads`'.
    pub fds: TableStat,
    /// Users over all containers (`max_users` per container, `max_containers` containers).
    pub users: TableStat,
    /// Groups, bounded as users are.
    pub groups: TableStat,
    /// Containers described by container events (`max_containers`).
    pub containers: TableStat,
    /// Enter events libsinsp 0.25's reading keeps aside for their exits, one per thread at
    /// most (`max_threads` threads).
    pub enters: TableStat,
}

impl TableStats {
    /// Bytes of all tables together.
    pub fn bytes(&self) -> usize {
        self.threads.bytes
            + self.users.bytes
            + self.groups.bytes
            + self.containers.bytes
            + self.enters.bytes
    }
}
