"""The workloads of the benchmarks (issue 7), built on a mounted btrfs
filesystem by helpers/bench.

Each builder makes its own subvolume under the filesystem's top, changes it
as the workload says, and returns the sends to time: a list of Send, each a
read-only snapshot to send, with its parent for an incremental send. Sizes
are the issue's divided by `scale` (at least a few files each).

Files are made from Python, without a process per file, since a process
costs milliseconds under TCG; reflinks are FICLONE/FICLONERANGE ioctls.
"""
import ctypes
import fcntl
import os
import random
import struct
import subprocess

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
FICLONE = 0x40049409		# _IOW(0x94, 9, int)
FICLONERANGE = 0x4020940D	# _IOW(0x94, 13, struct file_clone_range)
FALLOC_FL_KEEP_SIZE = 0x01	# linux/falloc.h
FALLOC_FL_PUNCH_HOLE = 0x02
LIBC = ctypes.CDLL(None, use_errno=True)


class Send:
    """One send to time: `snap` (a read-only snapshot), `parent` (its
    parent snapshot, None for a full send), `name` (the table's row),
    `group` (the issue's workload number) and `data_dirs` (the directories
    whose files the page-cache read rate is measured on; empty for a
    workload that is not about data)."""

    def __init__(self, name, group, snap, parent=None, data_dirs=(), options=()):
        self.name = name
        self.group = group
        self.snap = snap
        self.parent = parent
        self.data_dirs = list(data_dirs)
        self.options = list(options)	# further send options, the same for both senders

    @property
    def slug(self):
        """A name for files about this send: its snapshot's, less .snap,
        -incremental for an incremental send, and its options."""
        name = os.path.basename(self.snap)
        if name.endswith('.snap'):
            name = name[:-len('.snap')]
        name = name + '-incremental' if self.parent else name
        return '-'.join([name] + [o.lstrip('-') for o in self.options])


def scaled(count, scale, least=2):
    return max(least, count // scale)


def subvolume(top, name):
    path = os.path.join(top, name)
    subprocess.run(['btrfs', 'subvolume', 'create', path], check=True, stdout=subprocess.DEVNULL)
    return path


def snapshot(subvol, name):
    """A read-only snapshot of subvol next to it, after a commit."""
    subprocess.run(['btrfs', 'filesystem', 'sync', subvol], check=True, stdout=subprocess.DEVNULL)
    path = os.path.join(os.path.dirname(subvol), name)
    subprocess.run(['btrfs', 'subvolume', 'snapshot', '-r', subvol, path], check=True,
                   stdout=subprocess.DEVNULL)
    return path


def write_file(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def small_content(i, size):
    """size bytes that differ from file to file (so nothing dedupes)."""
    line = b'file %d of the benchmark\n' % i
    return (line * (size // len(line) + 1))[:size]


def deep_dir(root, i, per_dir, fanout=8):
    """The directory of the i-th file in a deep tree: files per_dir to a
    directory, directories numbered in base fanout, one digit a level."""
    n = i // per_dir
    parts = []
    while True:
        parts.append('d%d' % (n % fanout))
        n //= fanout
        if n == 0:
            break
    return os.path.join(root, *reversed(parts))


def make_tree(root, count, size, first=0, per_dir=64):
    """count files of size bytes in a deep tree under root; returns their
    paths."""
    paths = []
    made = set()
    for i in range(first, first + count):
        d = deep_dir(root, i, per_dir)
        if d not in made:
            os.makedirs(d, exist_ok=True)
            made.add(d)
        path = os.path.join(d, 'f%d' % i)
        write_file(path, small_content(i, size))
        paths.append(path)
    return paths


def empty(top, scale):
    """0: an empty subvolume; a full send. Not one of the issue's: what a
    send costs whatever it sends (starting the tools, opening the devices,
    reading the roots), to read the other rows against."""
    vol = subvolume(top, 'empty')
    snap = snapshot(vol, 'empty.snap')
    return [Send('0 empty subvolume, full', 0, snap)]


def mixed_data(top, scale):
    """1: one 1 GiB file and 1k files of 1 MiB; a full send."""
    vol = subvolume(top, 'mixed-data')
    chunk = bytearray(random.Random(1).randbytes(MIB))
    fd = os.open(os.path.join(vol, 'big'), os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for i in range(max(1, GIB // scale // MIB)):
            chunk[:8] = struct.pack('<Q', i)
            os.write(fd, chunk)
    finally:
        os.close(fd)
    os.mkdir(os.path.join(vol, 'small'))
    for i in range(scaled(1000, scale)):
        chunk[:8] = struct.pack('<Q', (1 << 32) + i)
        write_file(os.path.join(vol, 'small', 'm%d' % i), chunk)
    snap = snapshot(vol, 'mixed-data.snap')
    return [Send('1 mixed data, full', 1, snap, data_dirs=[snap])]


def small_inline(top, scale):
    """2: 200k small inline files in a deep tree; a full send."""
    vol = subvolume(top, 'small-inline')
    make_tree(os.path.join(vol, 'tree'), scaled(200000, scale), 200)
    snap = snapshot(vol, 'small-inline.snap')
    return [Send('2 small inline files, full', 2, snap)]


def move_all(top, scale):
    """3: 20k files in A; snapshot; 20k new files in B; mv A/* B/; an
    incremental send."""
    vol = subvolume(top, 'move-all')
    count = scaled(20000, scale)
    a, b = os.path.join(vol, 'A'), os.path.join(vol, 'B')
    os.mkdir(a)
    os.mkdir(b)
    for i in range(count):
        write_file(os.path.join(a, 'a%d' % i), small_content(i, 200))
    parent = snapshot(vol, 'move-all.parent')
    for i in range(count):
        write_file(os.path.join(b, 'b%d' % i), small_content(count + i, 200))
    for name in os.listdir(a):
        os.rename(os.path.join(a, name), os.path.join(b, name))
    snap = snapshot(vol, 'move-all.snap')
    return [Send('3 mv A/* B/, incremental', 3, snap, parent)]


def change_one_percent(vol, paths, seed):
    """Changes 1% of the files: a third get new data, a third are renamed
    into another directory, a third are deleted."""
    rng = random.Random(seed)
    picked = rng.sample(paths, max(3, len(paths) // 100))
    third = len(picked) // 3
    for path in picked[:third]:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.pwrite(fd, b'changed %d\n' % rng.randrange(1 << 30), 0)
        finally:
            os.close(fd)
    moved = os.path.join(vol, 'moved')
    os.mkdir(moved)
    for i, path in enumerate(picked[third:2 * third]):
        os.rename(path, os.path.join(moved, 'r%d-%s' % (i, os.path.basename(path))))
    for path in picked[2 * third:]:
        os.unlink(path)


def one_percent(top, scale, count, label):
    """4: a tree of count files with 1% of them changed; an incremental
    send."""
    name = 'change-%s' % label
    vol = subvolume(top, name)
    n = scaled(count, scale, least=300)
    paths = make_tree(os.path.join(vol, 'tree'), n, 1000)
    parent = snapshot(vol, name + '.parent')
    change_one_percent(vol, paths, seed=n)
    snap = snapshot(vol, name + '.snap')
    return [Send('4 1%% changed of %s files, incremental' % label, 4, snap, parent)]


def change_200k(top, scale):
    return one_percent(top, scale, 200000, '200k')


def change_1m(top, scale):
    return one_percent(top, scale, 1000000, '1M')


def clone_file(src, dst):
    """dst as a reflink of the whole of src (FICLONE)."""
    with open(src, 'rb') as s:
        fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            fcntl.ioctl(fd, FICLONE, s.fileno())
        finally:
            os.close(fd)


def reflinks(top, scale):
    """5: 50k files, 1k extents of 64 KiB with 50 references each (each
    source file and its 49 reflinked copies); the parent holds the sources,
    the snapshot all 50k. A full and an incremental send."""
    vol = subvolume(top, 'reflinks')
    sources = scaled(1000, scale)
    os.mkdir(os.path.join(vol, 'src'))
    paths = []
    for i in range(sources):
        path = os.path.join(vol, 'src', 's%d' % i)
        write_file(path, small_content(i, 64 * KIB))
        paths.append(path)
    parent = snapshot(vol, 'reflinks.parent')
    for copy in range(1, 50):
        d = os.path.join(vol, 'copy%d' % copy)
        os.mkdir(d)
        for i, path in enumerate(paths):
            clone_file(path, os.path.join(d, 's%d' % i))
    snap = snapshot(vol, 'reflinks.snap')
    return [Send('5 50 reflinks each, full', 5, snap),
            Send('5 50 reflinks each, incremental', 5, snap, parent)]


def one_extent(top, scale):
    """5: one 64 KiB extent with 5k references, one file each; a full
    send. Not scaled: 5k reflinks are quick to make, and the in-kernel
    send clones nothing of an extent with more than 1024 references, which
    is what this workload is about."""
    vol = subvolume(top, 'one-extent')
    src = os.path.join(vol, 'extent')
    write_file(src, small_content(0, 64 * KIB))
    os.mkdir(os.path.join(vol, 'refs'))
    for i in range(5000):
        clone_file(src, os.path.join(vol, 'refs', 'r%d' % i))
    snap = snapshot(vol, 'one-extent.snap')
    return [Send('5 one extent, 5k references, full', 5, snap)]


def sparse_image(top, scale):
    """Issue 31's row: a 2 GiB sparse file (a VM image) with data in every
    other MiB; then a third of its data punched and one hole in eight
    written again; the incremental send in protocol 1 (holes as zeros) and
    in protocol 2 (holes punched with FALLOCATE)."""
    vol = subvolume(top, 'sparse-image')
    path = os.path.join(vol, 'image')
    mibs = scaled(2048, scale, least=48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.ftruncate(fd, mibs * MIB)
        for i in range(0, mibs, 2):
            os.pwrite(fd, random.Random(i).randbytes(MIB), i * MIB)
    finally:
        os.close(fd)
    s1 = snapshot(vol, 'sparse-image-1.snap')
    fd = os.open(path, os.O_WRONLY)
    try:
        for i in range(0, mibs, 6):
            fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, i * MIB, MIB)
        for i in range(1, mibs, 16):
            os.pwrite(fd, random.Random(-i).randbytes(MIB), i * MIB)
    finally:
        os.close(fd)
    s2 = snapshot(vol, 'sparse-image-2.snap')
    return [Send('31 sparse image, incremental, protocol 1', 31, s2, s1),
            Send('31 sparse image, incremental, protocol 2', 31, s2, s1, options=['--proto', '2'])]


def fallocate(fd, mode, offset, length):
    """fallocate(2), which Python's os module does not wrap with a mode."""
    if LIBC.fallocate(fd, mode, ctypes.c_long(offset), ctypes.c_long(length)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


# In the order, after the baseline.
WORKLOADS = [
    ('empty', empty),
    ('mixed-data', mixed_data),
    ('small-inline', small_inline),
    ('move-all', move_all),
    ('change-200k', change_200k),
    ('change-1m', change_1m),
    ('reflinks', reflinks),
    ('one-extent', one_extent),
    ('sparse-image', sparse_image),
]
