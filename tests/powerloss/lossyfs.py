"""lossyfs: a FUSE filesystem that forgets what was not fsynced, for simulated power cuts.

It mirrors a *backing directory* that holds only what a disk would still hold after a power loss:

* **File data is durable only once fsynced.** Every write, truncate or size change of a file is held
  in memory, in an overlay of that file (4 KiB blocks, its size, the log of the operations in the
  order they came), until an fsync or fdatasync of that file applies the overlay to the backing file
  and `os.fsync`s it. Reads see the overlay over the backing file, so the processes using the mount
  see their writes as on any filesystem. Closing a file (FUSE's flush and release) makes nothing
  durable, as on a real filesystem, and drops nothing either: the data stays "in the page cache".
  As the kernel's own fsync does, a file's fsync covers what every handle of it wrote.
* **Directory operations are durable at once** (create, unlink, rename, mkdir, rmdir, chmod,
  utimens go straight to the backing directory): a simplification. A created file is there after
  the cut, empty or with the data last fsynced; ramd fsyncs its data directory after SQLite makes
  the WAL, so this only spares the test modelling a lost directory entry. fsync of a directory is
  an fsync of the backing directory. (A file unlinked while open is renamed `.fuse_hidden*` by
  libfuse until its last close, so fstat keeps working on it; a cut meanwhile leaves that name.)
* **The cut.** `LossyMount.cut()` stops the process using the mount (SIGSTOP, so it answers nobody
  after the cut), then asks the daemon, over its stdin, to end: it takes the lock every operation
  takes (so an fsync under way either completed before the cut or did not start), optionally lets a
  random part of the unsynced writes reach the backing files (below), and exits with `os._exit`
  without applying anything else. The caller then kills the process; the dead mount is detached
  (`umount -l`). What remains is the backing directory: the disk after the power loss.
* **Torn cut** (`cut(torn=p)`): before a sync, a disk may have written any part of what it was given,
  in any order. Per file, a random prefix of the unsynced operations reaches the backing file whole
  (so a commit the cut interrupted may survive complete); after it, each write is split at 512-byte
  sector boundaries and each piece, like each size change, gets there with probability `p`. They
  are applied in the order they were issued, so a sector ends up with its last durable content or
  one of the versions written to it since (or zeros, in a hole a piece past the end left).

mmap works: the mount goes through the page cache (no direct_io; `kernel_cache`, since nothing
changes the files behind the kernel's back), which SQLite's `-shm` file needs; POSIX locks are the
kernel's own (no `lock` operation).

Run as a daemon: `python lossyfs.py BACKING MOUNTPOINT` (needs fusepy and libfuse 2). It prints
`mounted` once the mount is up; on stdin it reads `cut P SEED` (answered with one JSON line of what
was dropped, then it exits); at end of stdin (its parent died) it detaches the mount and exits.
"""

from __future__ import annotations

import errno
import json
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

BLOCK = 4096
SECTOR = 512


class Overlay:
    """One file's unsynced state over its backing file: what a page cache would hold dirty."""

    def __init__(self, fd: int):
        self.fd = fd  # the backing file, open read-write
        self.size = os.fstat(fd).st_size  # the size the processes see
        self.floor = self.size  # backing bytes at or past this offset were truncated away
        self.blocks: dict[int, bytearray] = {}  # block number -> its current content
        self.log: list[tuple] = []  # ("w", offset, data) / ("t", length), as issued since the last sync
        self.handles = 0

    @property
    def dirty(self) -> bool:
        return bool(self.log)

    def _durable_block(self, n: int) -> bytearray:
        block = bytearray(BLOCK)
        start = n * BLOCK
        if start < self.floor:
            data = os.pread(self.fd, min(BLOCK, self.floor - start), start)
            block[: len(data)] = data
        return block

    def read(self, size: int, offset: int) -> bytes:
        end = min(offset + size, self.size)
        out = bytearray()
        pos = offset
        while pos < end:
            n, within = divmod(pos, BLOCK)
            take = min(BLOCK - within, end - pos)
            block = self.blocks.get(n)
            if block is None:
                block = self._durable_block(n)
            out += block[within : within + take]
            pos += take
        return bytes(out)

    def write(self, data: bytes, offset: int) -> int:
        pos, src = offset, 0
        while src < len(data):
            n, within = divmod(pos, BLOCK)
            take = min(BLOCK - within, len(data) - src)
            block = self.blocks.get(n)
            if block is None:
                block = self.blocks[n] = self._durable_block(n)
            block[within : within + take] = data[src : src + take]
            pos += take
            src += take
        self.size = max(self.size, offset + len(data))
        self.log.append(("w", offset, bytes(data)))
        return len(data)

    def truncate(self, length: int) -> None:
        if length < self.size:
            # Bytes past the new end read as zeros if the file grows again.
            self.floor = min(self.floor, length)
            last, within = divmod(length, BLOCK)
            for n in [n for n in self.blocks if n > last or (n == last and within == 0)]:
                del self.blocks[n]
            if within and last in self.blocks:
                self.blocks[last][within:] = bytes(BLOCK - within)
        self.size = length
        self.log.append(("t", length))

    def sync(self) -> None:
        """fsync: the file as the processes see it becomes the backing file, on disk."""
        if self.dirty:
            if self.floor < os.fstat(self.fd).st_size:
                os.ftruncate(self.fd, self.floor)
            for n, block in sorted(self.blocks.items()):
                start = n * BLOCK
                if start < self.size:
                    os.pwrite(self.fd, bytes(block[: min(BLOCK, self.size - start)]), start)
            os.ftruncate(self.fd, self.size)
            self.blocks.clear()
            self.log.clear()
            self.floor = self.size
        os.fsync(self.fd)

    def tear(self, rng: random.Random, p: float) -> dict:
        """At a torn cut: part of the unsynced writes reaches the backing file (see the module
        comment): a random prefix of them whole, then each later sector piece or size change with
        probability `p`, in issue order."""
        prefix = rng.randint(0, len(self.log))
        applied = dropped = 0
        for i, op in enumerate(self.log):
            if op[0] == "t":
                if i < prefix or rng.random() < p:
                    os.ftruncate(self.fd, op[1])
                    applied += 1
                else:
                    dropped += 1
                continue
            _, offset, data = op
            pos = 0
            while pos < len(data):
                take = min(SECTOR - (offset + pos) % SECTOR, len(data) - pos)
                if i < prefix or rng.random() < p:
                    os.pwrite(self.fd, data[pos : pos + take], offset + pos)
                    applied += 1
                else:
                    dropped += 1
                pos += take
        os.fsync(self.fd)
        return {"ops_in_order": prefix, "pieces_applied": applied, "pieces_dropped": dropped}


def _serve(backing: str, mountpoint: str) -> None:
    from fuse import FUSE, FuseOSError, Operations  # fusepy; imported here so controllers need none

    root = os.path.realpath(backing)
    lock = threading.Lock()

    class LossyFS(Operations):
        use_ns = True
        flag_nullpath_ok = 1  # operations on an open handle work once its file is unlinked (path None)

        def __init__(self):
            self.files: dict[str, Overlay] = {}  # by path: the overlay of each file open or dirty
            self.handles: dict[int, Overlay] = {}
            self.next_fh = 1

        def _real(self, path: str) -> str:
            return os.path.join(root, path.lstrip("/"))

        def _overlay(self, path: str) -> Overlay:
            ov = self.files.get(path)
            if ov is None:
                ov = self.files[path] = Overlay(os.open(self._real(path), os.O_RDWR))
            return ov

        def _forget_if_idle(self, ov: Overlay) -> None:
            # A clean file no handle holds needs no overlay; a dirty one keeps it (its data is "in
            # the page cache") until a sync or the cut. One no path names (unlinked, replaced by a
            # rename) is dropped with its last handle: its data went with it.
            if ov.handles:
                return
            named = [p for p, o in self.files.items() if o is ov]
            if named and ov.dirty:
                return
            for p in named:
                del self.files[p]
            os.close(ov.fd)

        def _handle(self, ov: Overlay) -> int:
            fh = self.next_fh
            self.next_fh += 1
            ov.handles += 1
            self.handles[fh] = ov
            return fh

        # -- the cut -------------------------------------------------------------------------

        def cut(self, torn: float, seed: int) -> dict:
            rng = random.Random(seed)
            report = {}
            for path, ov in sorted(self.files.items()):
                if not ov.dirty:
                    continue
                entry = {"unsynced_ops": len(ov.log),
                         "unsynced_bytes": sum(len(op[2]) for op in ov.log if op[0] == "w")}
                if torn > 0:
                    entry.update(ov.tear(rng, torn))
                report[path] = entry
            return report

        # -- files ---------------------------------------------------------------------------

        def getattr(self, path, fh=None):
            with lock:
                ov = self.handles.get(fh) if fh else None
                st = os.fstat(ov.fd) if ov else os.lstat(self._real(path))  # by handle: also unlinked
                ov = ov or self.files.get(path)
                attrs = {k: getattr(st, k) for k in (
                    "st_mode", "st_nlink", "st_uid", "st_gid", "st_size",
                    "st_atime_ns", "st_mtime_ns", "st_ctime_ns")}
                attrs = {k.replace("_ns", ""): v for k, v in attrs.items()}
                if ov is not None and stat.S_ISREG(st.st_mode):
                    attrs["st_size"] = ov.size
                attrs["st_blocks"] = (attrs["st_size"] + 511) // 512
                return attrs

        def create(self, path, mode, fi=None):
            with lock:
                real = self._real(path)
                existed = os.path.exists(real)
                os.close(os.open(real, os.O_CREAT | os.O_WRONLY, mode))
                ov = self._overlay(path)
                if existed:
                    ov.truncate(0)
                return self._handle(ov)

        def open(self, path, flags):
            with lock:
                ov = self._overlay(path)
                if flags & os.O_TRUNC:
                    ov.truncate(0)
                return self._handle(ov)

        def read(self, path, size, offset, fh):
            with lock:
                return self.handles[fh].read(size, offset)

        def write(self, path, data, offset, fh):
            with lock:
                return self.handles[fh].write(data, offset)

        def truncate(self, path, length, fh=None):
            with lock:
                ov = self.handles[fh] if fh else self._overlay(path)
                ov.truncate(length)
                self._forget_if_idle(ov)

        def fsync(self, path, datasync, fh):
            with lock:
                self.handles[fh].sync()

        def flush(self, path, fh):
            return 0  # close() is not a sync

        def release(self, path, fh):
            with lock:
                ov = self.handles.pop(fh)
                ov.handles -= 1
                self._forget_if_idle(ov)

        # -- directories and metadata: straight to the backing directory ---------------------

        def unlink(self, path):
            with lock:
                os.unlink(self._real(path))
                ov = self.files.pop(path, None)
                if ov is not None:  # open handles still read it, as an unlinked open file
                    self._forget_if_idle(ov)

        def rename(self, old, new):
            with lock:
                os.rename(self._real(old), self._real(new))
                replaced = self.files.pop(new, None)
                if replaced is not None:
                    self._forget_if_idle(replaced)
                if old in self.files:
                    self.files[new] = self.files.pop(old)

        def mkdir(self, path, mode):
            os.mkdir(self._real(path), mode)

        def rmdir(self, path):
            os.rmdir(self._real(path))

        def readdir(self, path, fh):
            return [".", ".."] + os.listdir(self._real(path))

        def fsyncdir(self, path, datasync, fh):
            fd = os.open(self._real(path), os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

        def chmod(self, path, mode):
            os.chmod(self._real(path), mode)

        def chown(self, path, uid, gid):
            os.chown(self._real(path), uid, gid)

        def utimens(self, path, times=None):
            if times is None:
                os.utime(self._real(path))
            else:
                os.utime(self._real(path), ns=times)

        def access(self, path, amode):
            if not os.access(self._real(path), amode):
                raise FuseOSError(errno.EACCES)

        def statfs(self, path):
            sv = os.statvfs(self._real(path))
            return {k: getattr(sv, k) for k in (
                "f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree",
                "f_files", "f_flag", "f_frsize", "f_namemax")}

        def init(self, path):
            print("mounted", flush=True)

    fs = LossyFS()

    def control():
        for line in sys.stdin:
            words = line.split()
            if words and words[0] == "cut":
                lock.acquire()  # held until the exit: no operation runs after the cut
                try:
                    report = fs.cut(float(words[1]), int(words[2]))
                except Exception as e:  # noqa: BLE001 - reported, the cut happens anyway
                    report = {"error": repr(e)}
                print(json.dumps(report), flush=True)
                os._exit(0)
        # The controller went away without a cut: do not leave a mount behind.
        subprocess.run(["umount", "-l", mountpoint], capture_output=True)
        os._exit(1)

    threading.Thread(target=control, daemon=True).start()
    # Without hard_remove, libfuse renames a file unlinked while open to .fuse_hidden* until its last
    # close, so that fstat still works on it (a cut meanwhile leaves that name in the backing dir).
    FUSE(fs, mountpoint, foreground=True, nothreads=False, kernel_cache=True,
         big_writes=True, max_write=131072, fsname="lossyfs")


def is_mounted(mountpoint: Path) -> bool:
    """Whether a mount sits on `mountpoint`, also a dead FUSE mount (os.path.ismount cannot stat it)."""
    target = os.path.realpath(mountpoint)
    with open("/proc/self/mountinfo") as f:
        for line in f:
            where = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4])  # \040: a space
            if where == target:
                return True
    return False


class MountError(RuntimeError):
    """The filesystem could not be mounted here (no /dev/fuse, no permission, no libfuse or fusepy)."""


class LossyMount:
    """A running lossyfs daemon: `LossyMount(backing, mountpoint, log)` mounts (or raises MountError),
    `.cut(victim, torn, seed)` cuts the power, `.close()` ends it and detaches the mount."""

    def __init__(self, backing: Path, mountpoint: Path, log: Path, timeout: float = 15.0):
        self.backing, self.mountpoint = Path(backing), Path(mountpoint)
        self.backing.mkdir(parents=True, exist_ok=True)
        self.mountpoint.mkdir(parents=True, exist_ok=True)
        self.log = Path(log)
        self._err = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, __file__, str(self.backing), str(self.mountpoint)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err)
        line = self._readline(timeout)
        if line != "mounted" or not is_mounted(self.mountpoint):
            self.close()
            raise MountError(f"lossyfs did not mount {self.mountpoint}: {line!r} "
                             f"{self.log.read_text(errors='replace')[-1500:]}")

    def _readline(self, timeout: float) -> str:
        out: list[bytes] = []
        reader = threading.Thread(target=lambda: out.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        return out[0].decode().strip() if out else ""

    def cut(self, victim: int | None = None, torn: float = 0.0, seed: int = 0) -> dict:
        """The power cut: `victim` (the process using the mount) is stopped first, then the
        filesystem ends, dropping what was not synced (or a random part of it, `torn`). The
        caller kills the stopped victim; `close()` detaches the dead mount."""
        if victim is not None:
            os.kill(victim, signal.SIGSTOP)
        self.proc.stdin.write(f"cut {torn} {seed}\n".encode())
        self.proc.stdin.flush()
        line = self._readline(30.0)
        self.proc.wait(timeout=30)
        return json.loads(line) if line else {"error": "no report"}

    def close(self) -> None:
        """Ends the daemon if it still runs (dropping unsynced data) and detaches the mount."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for _ in range(50):
            if not is_mounted(self.mountpoint):
                break
            cmd = ["umount", "-l", str(self.mountpoint)]
            if os.geteuid() != 0 and shutil.which("fusermount"):
                cmd = ["fusermount", "-u", "-z", str(self.mountpoint)]
            subprocess.run(cmd, capture_output=True)
            time.sleep(0.05)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self._err.close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: lossyfs.py BACKING MOUNTPOINT")
    _serve(sys.argv[1], sys.argv[2])
