//! 断电文件系统: a FUSE file system for power-cut tests, with LazyFS's semantics for file data.
//! Files live in memory; each file keeps what the processes above it see (`data`, what a page
//! cache would hold) and what has reached the "disk" (`synced`, updated by fsync/fdatasync only).
//! [`LazyFs::power_cut`] turns writes off, lets the caller kill the writer, and then drops every
//! byte (and every size change) no fsync covered, and every directory entry (create, rename,
//! unlink, mkdir) made since its directory was last fsynced: POSIX's promise, stricter than a
//! journaling file system's. Files are opened with direct I/O and attributes are never cached, so the
//! kernel keeps no page cache of its own above this one. `sync_file_range` never reaches a FUSE
//! file system: it persists nothing here, as it persists neither size nor device cache on disk.

use std::collections::{BTreeMap, HashMap};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use fuser::{
    Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo, LockOwner,
    OpenFlags, RenameFlags, ReplyAttr, ReplyCreate, ReplyData, ReplyDirectory, ReplyEmpty,
    ReplyEntry, ReplyOpen, ReplyWrite, Request, TimeOrNow, WriteFlags,
};

const TTL: Duration = Duration::ZERO;

struct Node {
    kind: FileType,
    perm: u16,
    /// What readers see.
    data: Vec<u8>,
    /// What survives a power cut.
    synced: Vec<u8>,
    /// `data` equals `synced` below this offset.
    dirty_from: usize,
    children: BTreeMap<OsString, u64>,
    /// The entries of a directory as of its last fsync.
    synced_children: BTreeMap<OsString, u64>,
    mtime: SystemTime,
}

impl Node {
    fn new(kind: FileType, perm: u16) -> Node {
        Node {
            kind,
            perm,
            data: Vec::new(),
            synced: Vec::new(),
            dirty_from: 0,
            children: BTreeMap::new(),
            synced_children: BTreeMap::new(),
            mtime: SystemTime::now(),
        }
    }

    fn attr(&self, ino: u64) -> FileAttr {
        FileAttr {
            ino: INodeNo(ino),
            size: self.data.len() as u64,
            blocks: (self.data.len() as u64).div_ceil(512),
            atime: self.mtime,
            mtime: self.mtime,
            ctime: self.mtime,
            crtime: self.mtime,
            kind: self.kind,
            perm: self.perm,
            nlink: if self.kind == FileType::Directory {
                2
            } else {
                1
            },
            uid: 0,
            gid: 0,
            rdev: 0,
            blksize: 4096,
            flags: 0,
        }
    }
}

#[derive(Default)]
struct State {
    nodes: HashMap<u64, Node>,
    next: u64,
    /// While set (a power cut in progress), writes and syncs fail with EIO.
    off: bool,
    syncs: u64,
}

/// The shared state of a mounted [`LazyFs`] (the test keeps one to cut power).
#[derive(Clone)]
pub struct LazyFs(Arc<Mutex<State>>);

/// A mounted [`LazyFs`]; unmounted when dropped.
pub struct Mounted {
    pub fs: LazyFs,
    pub path: PathBuf,
    session: Option<fuser::BackgroundSession>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(s) = self.session.take() {
            let _ = s.umount_and_join();
        }
    }
}

impl LazyFs {
    /// Mount an empty file system at `path` (an existing empty directory).
    pub fn mount(path: &Path) -> std::io::Result<Mounted> {
        let mut state = State {
            next: 2,
            ..State::default()
        };
        state.nodes.insert(1, Node::new(FileType::Directory, 0o755));
        let fs = LazyFs(Arc::new(Mutex::new(state)));
        let mut config = fuser::Config::default();
        config.mount_options = vec![
            fuser::MountOption::FSName("powerdesk-lazyfs".into()),
            fuser::MountOption::DefaultPermissions,
        ];
        let session = fuser::spawn_mount(fs.clone(), path, &config)?;
        Ok(Mounted {
            fs,
            path: path.to_path_buf(),
            session: Some(session),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Cut power: from now on writes fail; `kill` stops the writer (it must not return before
    /// the writer is gone); then every file is put back to what fsync made durable.
    pub fn power_cut(&self, kill: impl FnOnce()) {
        self.state().off = true;
        kill();
        let mut state = self.state();
        for node in state.nodes.values_mut() {
            node.data = node.synced.clone();
            node.dirty_from = node.data.len();
            node.children = node.synced_children.clone();
        }
        state.off = false;
    }

    /// How many fsync/fdatasync calls reached the file system.
    pub fn syncs(&self) -> u64 {
        self.state().syncs
    }
}

fn ino(i: INodeNo) -> u64 {
    i.0
}

impl State {
    fn child(&self, parent: u64, name: &OsStr) -> Option<u64> {
        self.nodes.get(&parent)?.children.get(name).copied()
    }

    fn add(&mut self, parent: u64, name: &OsStr, node: Node) -> Result<(u64, FileAttr), Errno> {
        if self.child(parent, name).is_some() {
            return Err(Errno::EEXIST);
        }
        let id = self.next;
        self.next += 1;
        let attr = node.attr(id);
        self.nodes.insert(id, node);
        self.nodes
            .get_mut(&parent)
            .ok_or(Errno::ENOENT)?
            .children
            .insert(name.to_os_string(), id);
        Ok((id, attr))
    }
}

impl Filesystem for LazyFs {
    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        let state = self.state();
        match state.child(ino(parent), name) {
            Some(id) => reply.entry(&TTL, &state.nodes[&id].attr(id), Generation(0)),
            None => reply.error(Errno::ENOENT),
        }
    }

    fn getattr(&self, _req: &Request, i: INodeNo, _fh: Option<FileHandle>, reply: ReplyAttr) {
        let state = self.state();
        match state.nodes.get(&ino(i)) {
            Some(n) => reply.attr(&TTL, &n.attr(ino(i))),
            None => reply.error(Errno::ENOENT),
        }
    }

    fn setattr(
        &self,
        _req: &Request,
        i: INodeNo,
        mode: Option<u32>,
        _uid: Option<u32>,
        _gid: Option<u32>,
        size: Option<u64>,
        _atime: Option<TimeOrNow>,
        _mtime: Option<TimeOrNow>,
        _ctime: Option<SystemTime>,
        _fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        let mut state = self.state();
        let off = state.off;
        let Some(n) = state.nodes.get_mut(&ino(i)) else {
            return reply.error(Errno::ENOENT);
        };
        if let Some(size) = size {
            if off {
                return reply.error(Errno::EIO);
            }
            n.data.resize(size as usize, 0);
            n.dirty_from = n.dirty_from.min(size as usize);
            n.mtime = SystemTime::now();
        }
        if let Some(mode) = mode {
            n.perm = (mode & 0o7777) as u16;
        }
        reply.attr(&TTL, &n.attr(ino(i)));
    }

    fn mkdir(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        _umask: u32,
        reply: ReplyEntry,
    ) {
        let node = Node::new(FileType::Directory, (mode & 0o7777) as u16);
        match self.state().add(ino(parent), name, node) {
            Ok((_, attr)) => reply.entry(&TTL, &attr, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn unlink(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let mut state = self.state();
        match state
            .nodes
            .get_mut(&ino(parent))
            .and_then(|p| p.children.remove(name))
        {
            Some(_) => reply.ok(),
            None => reply.error(Errno::ENOENT),
        }
    }

    fn rmdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let mut state = self.state();
        let Some(id) = state.child(ino(parent), name) else {
            return reply.error(Errno::ENOENT);
        };
        if !state.nodes[&id].children.is_empty() {
            return reply.error(Errno::ENOTEMPTY);
        }
        state
            .nodes
            .get_mut(&ino(parent))
            .unwrap()
            .children
            .remove(name);
        reply.ok();
    }

    fn rename(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        newparent: INodeNo,
        newname: &OsStr,
        _flags: RenameFlags,
        reply: ReplyEmpty,
    ) {
        let mut state = self.state();
        let Some(id) = state
            .nodes
            .get_mut(&ino(parent))
            .and_then(|p| p.children.remove(name))
        else {
            return reply.error(Errno::ENOENT);
        };
        match state.nodes.get_mut(&ino(newparent)) {
            Some(p) => {
                p.children.insert(newname.to_os_string(), id);
                reply.ok()
            }
            None => reply.error(Errno::ENOENT),
        }
    }

    fn open(&self, _req: &Request, _ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        reply.opened(FileHandle(0), FopenFlags::FOPEN_DIRECT_IO);
    }

    fn read(
        &self,
        _req: &Request,
        i: INodeNo,
        _fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyData,
    ) {
        let state = self.state();
        let Some(n) = state.nodes.get(&ino(i)) else {
            return reply.error(Errno::ENOENT);
        };
        let start = (offset as usize).min(n.data.len());
        let end = (start + size as usize).min(n.data.len());
        reply.data(&n.data[start..end]);
    }

    fn write(
        &self,
        _req: &Request,
        i: INodeNo,
        _fh: FileHandle,
        offset: u64,
        data: &[u8],
        _write_flags: WriteFlags,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyWrite,
    ) {
        let mut state = self.state();
        if state.off {
            return reply.error(Errno::EIO);
        }
        let Some(n) = state.nodes.get_mut(&ino(i)) else {
            return reply.error(Errno::ENOENT);
        };
        let start = offset as usize;
        let end = start + data.len();
        if n.data.len() < end {
            n.data.resize(end, 0);
        }
        n.data[start..end].copy_from_slice(data);
        n.dirty_from = n.dirty_from.min(start);
        n.mtime = SystemTime::now();
        reply.written(data.len() as u32);
    }

    fn flush(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _lock_owner: LockOwner,
        reply: ReplyEmpty,
    ) {
        reply.ok(); // close(2) persists nothing
    }

    fn fsync(
        &self,
        _req: &Request,
        i: INodeNo,
        _fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        let mut state = self.state();
        if state.off {
            return reply.error(Errno::EIO);
        }
        state.syncs += 1;
        let Some(n) = state.nodes.get_mut(&ino(i)) else {
            return reply.error(Errno::ENOENT);
        };
        let from = n.dirty_from.min(n.data.len()).min(n.synced.len());
        n.synced.truncate(from);
        n.synced.extend_from_slice(&n.data[from..]);
        n.dirty_from = n.data.len();
        reply.ok();
    }

    fn readdir(
        &self,
        _req: &Request,
        i: INodeNo,
        _fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        let state = self.state();
        let Some(dir) = state.nodes.get(&ino(i)) else {
            return reply.error(Errno::ENOENT);
        };
        let mut entries = vec![
            (ino(i), FileType::Directory, OsString::from(".")),
            (ino(i), FileType::Directory, OsString::from("..")),
        ];
        for (name, id) in &dir.children {
            entries.push((*id, state.nodes[id].kind, name.clone()));
        }
        for (k, (id, kind, name)) in entries.into_iter().enumerate().skip(offset as usize) {
            if reply.add(INodeNo(id), (k + 1) as u64, kind, &name) {
                break;
            }
        }
        reply.ok();
    }

    fn fsyncdir(
        &self,
        _req: &Request,
        i: INodeNo,
        _fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        let mut state = self.state();
        if state.off {
            return reply.error(Errno::EIO);
        }
        state.syncs += 1;
        match state.nodes.get_mut(&ino(i)) {
            Some(dir) => {
                dir.synced_children = dir.children.clone();
                reply.ok()
            }
            None => reply.error(Errno::ENOENT),
        }
    }

    fn create(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        _umask: u32,
        _flags: i32,
        reply: ReplyCreate,
    ) {
        let node = Node::new(FileType::RegularFile, (mode & 0o7777) as u16);
        match self.state().add(ino(parent), name, node) {
            Ok((_, attr)) => reply.created(
                &TTL,
                &attr,
                Generation(0),
                FileHandle(0),
                FopenFlags::FOPEN_DIRECT_IO,
            ),
            Err(e) => reply.error(e),
        }
    }
}
