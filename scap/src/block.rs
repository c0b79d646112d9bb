//! Blocks: the pcapng-style framing of a capture and the typed view of each block.
//!
//! A block is `type u32, total_length u32, body, padding, total_length u32`, in the byte order
//! of its section. [`Block`] is the typed view; unknown types (including the standard pcapng
//! blocks that Wireshark's tools add) come through as [`Block::Other`] and are never fatal.

use crate::bytes::Endian;
use crate::error::ErrorKind;
use crate::event::Event;
use crate::fdlist::FdList;
use crate::iflist::InterfaceList;
use crate::machine::MachineInfo;
use crate::proclist::ProcessList;
use crate::section::SectionHeader;
use crate::userlist::UserList;

/// Block type codes.
pub mod types {
    /// Section header block.
    pub const SHB: u32 = 0x0A0D_0D0A;
    /// Machine info.
    pub const MI: u32 = 0x201;
    /// Process list, version 1.
    pub const PL_V1: u32 = 0x202;
    /// File-descriptor list.
    pub const FDL: u32 = 0x203;
    /// Event, 22-byte header.
    pub const EV: u32 = 0x204;
    /// Interface list.
    pub const IL: u32 = 0x205;
    /// User and group list.
    pub const UL: u32 = 0x206;
    /// Process list, version 2.
    pub const PL_V2: u32 = 0x207;
    /// Event with flags, 22-byte header.
    pub const EVF: u32 = 0x208;
    /// Process list, version 3.
    pub const PL_V3: u32 = 0x209;
    /// Process list, version 4.
    pub const PL_V4: u32 = 0x210;
    /// Process list, version 5.
    pub const PL_V5: u32 = 0x211;
    /// Process list, version 6.
    pub const PL_V6: u32 = 0x212;
    /// Process list, version 7.
    pub const PL_V7: u32 = 0x213;
    /// Process list, version 8.
    pub const PL_V8: u32 = 0x214;
    /// Process list, version 9 (written today).
    pub const PL_V9: u32 = 0x215;
    /// Event, 26-byte header.
    pub const EV_V2: u32 = 0x216;
    /// Event with flags, 26-byte header.
    pub const EVF_V2: u32 = 0x217;
    /// File-descriptor list, version 2.
    pub const FDL_V2: u32 = 0x218;
    /// Interface list, version 2.
    pub const IL_V2: u32 = 0x219;
    /// User and group list, version 2.
    pub const UL_V2: u32 = 0x220;
    /// Event, 26-byte header, large-payload block.
    pub const EV_V2_LARGE: u32 = 0x221;
    /// Event with flags, 26-byte header, large-payload block.
    pub const EVF_V2_LARGE: u32 = 0x222;
    /// Pre-release number of PL_V1.
    pub const PL_V1_INT: u32 = 0x8000_ABCD;
    /// Pre-release number of FDL.
    pub const FDL_INT: u32 = 0x8001_ABCD;
    /// Pre-release number of MI.
    pub const MI_INT: u32 = 0x8002_ABCD;
    /// Pre-release number of EV.
    pub const EV_INT: u32 = 0x8010_ABCD;
    /// Pre-release number of IL.
    pub const IL_INT: u32 = 0x8011_ABCD;
    /// Pre-release number of UL.
    pub const UL_INT: u32 = 0x8012_ABCD;
    /// Pre-release number of PL_V2.
    pub const PL_V2_INT: u32 = 0x8013_ABCD;
    /// Pre-release number of PL_V3.
    pub const PL_V3_INT: u32 = 0x8014_ABCD;
}

use types::*;

/// What kind of block a type code is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BlockKind {
    /// Section header.
    Section,
    /// Machine info.
    MachineInfo,
    /// Process list (any version).
    ProcessList,
    /// File-descriptor list.
    FdList,
    /// Interface list.
    InterfaceList,
    /// User and group list.
    UserList,
    /// Event (any header version).
    Event,
    /// Anything else: surfaced raw and skipped.
    Other,
}

impl BlockKind {
    /// The kind of a block type code.
    #[inline(always)]
    pub const fn of(block_type: u32) -> BlockKind {
        match block_type {
            SHB => BlockKind::Section,
            MI | MI_INT => BlockKind::MachineInfo,
            PL_V1 | PL_V2 | PL_V3 | PL_V4 | PL_V5 | PL_V6 | PL_V7 | PL_V8 | PL_V9 | PL_V1_INT
            | PL_V2_INT | PL_V3_INT => BlockKind::ProcessList,
            FDL | FDL_V2 | FDL_INT => BlockKind::FdList,
            IL | IL_V2 | IL_INT => BlockKind::InterfaceList,
            UL | UL_V2 | UL_INT => BlockKind::UserList,
            EV | EVF | EV_V2 | EVF_V2 | EV_V2_LARGE | EVF_V2_LARGE | EV_INT => BlockKind::Event,
            _ => BlockKind::Other,
        }
    }
}

/// A short name for a block type code, for messages (`EV_V2`, `PL_V9`, ...).
pub const fn block_type_name(block_type: u32) -> &'static str {
    match block_type {
        SHB => "SHB",
        MI => "MI",
        PL_V1 => "PL_V1",
        FDL => "FDL",
        EV => "EV",
        IL => "IL",
        UL => "UL",
        PL_V2 => "PL_V2",
        EVF => "EVF",
        PL_V3 => "PL_V3",
        PL_V4 => "PL_V4",
        PL_V5 => "PL_V5",
        PL_V6 => "PL_V6",
        PL_V7 => "PL_V7",
        PL_V8 => "PL_V8",
        PL_V9 => "PL_V9",
        EV_V2 => "EV_V2",
        EVF_V2 => "EVF_V2",
        FDL_V2 => "FDL_V2",
        IL_V2 => "IL_V2",
        UL_V2 => "UL_V2",
        EV_V2_LARGE => "EV_V2_LARGE",
        EVF_V2_LARGE => "EVF_V2_LARGE",
        PL_V1_INT => "PL_V1_INT",
        FDL_INT => "FDL_INT",
        MI_INT => "MI_INT",
        EV_INT => "EV_INT",
        IL_INT => "IL_INT",
        UL_INT => "UL_INT",
        PL_V2_INT => "PL_V2_INT",
        PL_V3_INT => "PL_V3_INT",
        // Standard pcapng blocks Wireshark's tools may add.
        0x1 => "pcapng IDB",
        0x3 => "pcapng SPB",
        0x4 => "pcapng NRB",
        0x5 => "pcapng ISB",
        0x6 => "pcapng EPB",
        0xBAD => "pcapng CB",
        0x4000_0BAD => "pcapng DCB",
        _ => "unknown",
    }
}

/// A block as framed, before typed decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawBlock<'a> {
    /// Byte offset of the block in the (decompressed) stream.
    pub offset: u64,
    /// The block type code.
    pub block_type: u32,
    /// The body: everything between the 8-byte header and the 4-byte trailer, padding included.
    pub body: &'a [u8],
    /// Byte order of the section the block belongs to.
    pub endian: Endian,
}

impl RawBlock<'_> {
    /// The event header, if this is an event block: the cheapest decode of an event.
    #[inline(always)]
    pub fn event_header(&self) -> Option<Result<crate::event::EventHeader, ErrorKind>> {
        if self.block_type != EV_V2 && BlockKind::of(self.block_type) != BlockKind::Event {
            return None;
        }
        Some(crate::event::EventHeader::parse(
            self.block_type,
            self.body,
            self.endian,
        ))
    }
}

/// A typed block.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Block<'a> {
    /// A section header: a new section starts, with its own byte order.
    Section(SectionHeader<'a>),
    /// Machine info.
    MachineInfo(MachineInfo<'a>),
    /// A process (thread) list.
    ProcessList(ProcessList<'a>),
    /// The file descriptors of one thread.
    FdList(FdList<'a>),
    /// The network interfaces.
    InterfaceList(InterfaceList<'a>),
    /// Users and groups.
    UserList(UserList<'a>),
    /// An event.
    Event(Event<'a>),
    /// Any other block type, raw.
    Other(RawBlock<'a>),
}

impl<'a> Block<'a> {
    /// Decodes a framed block according to its type.
    #[inline]
    pub fn decode(raw: RawBlock<'a>) -> Result<Block<'a>, ErrorKind> {
        let (t, body, e) = (raw.block_type, raw.body, raw.endian);
        Ok(match BlockKind::of(t) {
            BlockKind::Section => Block::Section(SectionHeader::parse(body)?),
            BlockKind::MachineInfo => Block::MachineInfo(MachineInfo::parse(t, body, e)?),
            BlockKind::ProcessList => Block::ProcessList(ProcessList::parse(t, body, e)?),
            BlockKind::FdList => Block::FdList(FdList::parse(t, body, e)?),
            BlockKind::InterfaceList => Block::InterfaceList(InterfaceList::parse(t, body, e)?),
            BlockKind::UserList => Block::UserList(UserList::parse(t, body, e)?),
            BlockKind::Event => Block::Event(Event::parse(t, body, e)?),
            BlockKind::Other => Block::Other(raw),
        })
    }

    /// The block type code this block has (or will be written with).
    pub fn block_type(&self) -> u32 {
        match self {
            Block::Section(_) => SHB,
            Block::MachineInfo(b) => b.block_type(),
            Block::ProcessList(b) => b.block_type(),
            Block::FdList(b) => b.block_type(),
            Block::InterfaceList(b) => b.block_type(),
            Block::UserList(b) => b.block_type(),
            Block::Event(e) => e.block_type,
            Block::Other(r) => r.block_type,
        }
    }

    /// The event, if this is an event block.
    pub fn as_event(&self) -> Option<&Event<'a>> {
        match self {
            Block::Event(e) => Some(e),
            _ => None,
        }
    }
}
