"""Shared machinery of the incremental-send VM cases (010-012) and of the
random differential test (helpers/incremental-random).

A *chain* is a list of read-only snapshots s0, s1, ... of one subvolume on
the source filesystem. It is sent once per sender: s0 in full, then each
s(i) with -p s(i-1), and every stream is received onto that sender's own
received copies. The in-kernel chain is received onto the source
filesystem (under RECV_KERNEL), bsend's onto the second one: two
filesystems, so that btrfs receive finds each chain's own parent by its
received uuid and the two chains never share a subvolume.

After each send the received trees are compared with the source and with
each other by compare-trees' describe(): type, mode, owner, size, content,
mtime, xattrs, symlink targets, device numbers, hardlink sets, and the
data/hole map:
- after a full send the data map of each received file equals the source's;
- after an incremental (v1) send a hole punched since the parent may arrive
  as zeros (v1 has no command to punch one): every block that is data in
  the source must be data in the received file, and bsend may leave no file
  with more such zeros than the in-kernel send did. The WRITE bytes of both
  streams, and how many of them are whole 4 KiB blocks of zeros, are logged
  (bsend may write more in all, where the in-kernel send clones).
The subvolume root's own mtime is left out of the comparison between
senders: the in-kernel send leaves it at the time of the receive when its
stream made or removed an orphan in the root but the source's root did not
change (and 6.1's receive of a full stream does too); bsend sends UTIMES
for the root then, and its received root mtime must equal the source's.
"""
import fcntl
import importlib.machinery
import os
import stat
import struct
import subprocess
import sys
import time

HELPERS = os.path.dirname(os.path.abspath(__file__))
_loader = importlib.machinery.SourceFileLoader('compare_trees', os.path.join(HELPERS, 'compare-trees'))
compare_trees = _loader.load_module()

SENDCTL = os.environ.get('SENDCTL', '')
SENDERS = ('kernel', 'bsend')

# Stream command numbers (uapi/bsend_stream.h).
C_WRITE, C_CLONE, C_UPDATE_EXTENT = 15, 16, 22
BLOCK = 4096
A_DATA, A_CLONE_LEN = 19, 24
CMD_NAMES = {1: 'subvol', 2: 'snapshot', 3: 'mkfile', 4: 'mkdir', 5: 'mknod', 6: 'mkfifo',
             7: 'mksock', 8: 'symlink', 9: 'rename', 10: 'link', 11: 'unlink', 12: 'rmdir',
             13: 'set_xattr', 14: 'remove_xattr', 15: 'write', 16: 'clone', 17: 'truncate',
             18: 'chmod', 19: 'chown', 20: 'utimes', 21: 'end', 22: 'update_extent',
             23: 'fallocate', 24: 'fileattr', 25: 'encoded_write'}


class Log:
    """Appends to the case's .full log (FULL), or stderr."""

    def __init__(self, path=None):
        path = path or os.environ.get('FULL')
        self.f = open(path, 'a') if path else sys.stderr

    def __call__(self, *words):
        self.f.write(' '.join(str(w) for w in words) + '\n')
        self.f.flush()

    def run(self, cmd, check=False):
        """Runs cmd with its output in the log; returns the exit status."""
        self('+', ' '.join(cmd))
        self.f.flush()
        status = subprocess.call(cmd, stdout=self.f, stderr=self.f)
        if status:
            self('  exit status', status)
        if check and status:
            raise RuntimeError('%s failed with status %d' % (' '.join(cmd), status))
        return status


def stream_stats(path):
    """What a v1 or v2 stream holds: 'counts' (commands by name), 'write'
    (WRITE data bytes), 'zeros' (of those, the bytes in whole 4 KiB runs of
    zeros: how much of a hole went as zeros) and 'clone' (bytes CLONEd)."""
    stats = {'counts': {}, 'write': 0, 'zeros': 0, 'clone': 0}
    counts = stats['counts']
    zero_block = bytes(BLOCK)
    with open(path, 'rb') as f:
        data = f.read()
    if not data.startswith(b'btrfs-stream\0'):
        counts['error: no stream header'] = 1
        return stats
    version = struct.unpack_from('<I', data, 13)[0]
    pos = 13 + 4
    while pos + 10 <= len(data):
        length, cmd, _crc = struct.unpack_from('<IHI', data, pos)
        pos += 10
        name = CMD_NAMES.get(cmd, str(cmd))
        counts[name] = counts.get(name, 0) + 1
        end = pos + length
        p = pos
        while cmd in (C_WRITE, C_CLONE) and p + 4 <= end:
            tlv_type, tlv_len = struct.unpack_from('<HH', data, p)
            if tlv_type == A_DATA and version >= 2:
                # v2: no length, the data runs to the end of the command.
                stats['write'] += end - p - 2
                stats['zeros'] += data.count(zero_block, p + 2, end) * BLOCK
                break
            if tlv_type == A_DATA:
                stats['write'] += tlv_len
                stats['zeros'] += data.count(zero_block, p + 4, p + 4 + tlv_len) * BLOCK
            elif tlv_type == A_CLONE_LEN:
                stats['clone'] += struct.unpack_from('<Q', data, p + 4)[0]
            p += 4 + tlv_len
        pos = end
    return stats


def send(log, sender, snap, parent, out, clone_sources=(), options=()):
    """One send to the file out, from parent (or in full) with the given
    clone sources and further send options; returns (ok, milliseconds)."""
    if sender == 'kernel':
        cmd = ['btrfs', 'send', '-q', '-f', out]
    else:
        cmd = [SENDCTL, 'send', '-q', '-f', out]
    if parent:
        cmd += ['-p', parent]
    for source in clone_sources:
        cmd += ['-c', source]
    cmd += list(options)
    cmd.append(snap)
    start = time.monotonic()
    status = log.run(cmd)
    return status == 0, int((time.monotonic() - start) * 1000)


def mkfs(log, mnt, dev, options=()):
    """A new btrfs on dev, mounted on mnt (unmounted first if it is)."""
    while subprocess.call(['mountpoint', '-q', mnt]) == 0:
        log.run(['umount', mnt], check=True)
    log.run(['mkfs.btrfs', '-f', '-q'] + list(options) + [dev], check=True)
    log.run(['mount', dev, mnt], check=True)


def receive(log, stream, dest):
    os.makedirs(dest, exist_ok=True)
    return log.run(['btrfs', 'receive', '-f', stream, dest]) == 0


def data_bytes(ranges):
    return sum(e - s for s, e in ranges)


def covers(outer, inner):
    """Whether every byte of the ranges inner lies within the ranges outer."""
    i = 0
    for s, e in inner:
        while s < e:
            while i < len(outer) and outer[i][1] <= s:
                i += 1
            if i == len(outer) or outer[i][0] > s:
                return False
            s = min(e, outer[i][1])
    return True


FS_IOC_FIEMAP = 0xC020660B
FIEMAP_FLAG_SYNC = 0x1
FIEMAP_EXTENT_LAST = 0x1
FIEMAP_EXTENT_UNWRITTEN = 0x800


def written_map(path, size):
    """The (start, end) ranges of a file that hold written extents, by
    FIEMAP, in whole 4 KiB blocks, merged. Preallocated (unwritten) extents
    count as holes: SEEK_DATA reports them as data or not depending on the
    page cache, and send (v1) skips them as it skips holes."""
    ranges = []
    with open(path, 'rb') as f:
        start = 0
        while start < size:
            count = 128
            request = struct.pack('<QQIIII', start, size - start, FIEMAP_FLAG_SYNC, 0, count, 0)
            buf = bytearray(request + bytes(56 * count))
            fcntl.ioctl(f.fileno(), FS_IOC_FIEMAP, buf)
            mapped = struct.unpack_from('<I', buf, 20)[0]
            if not mapped:
                break
            last = False
            for i in range(mapped):
                logical, _phys, length = struct.unpack_from('<QQQ', buf, 32 + 56 * i)
                flags = struct.unpack_from('<I', buf, 32 + 56 * i + 40)[0]
                if not flags & FIEMAP_EXTENT_UNWRITTEN:
                    s = logical // BLOCK * BLOCK
                    e = min(-(-(logical + length) // BLOCK) * BLOCK, -(-size // BLOCK) * BLOCK)
                    if ranges and ranges[-1][1] >= s:
                        ranges[-1] = (ranges[-1][0], max(ranges[-1][1], e))
                    elif e > s:
                        ranges.append((s, e))
                start = logical + length
                last = last or flags & FIEMAP_EXTENT_LAST
            if last:
                break
    return ranges


def describe(root):
    """compare-trees' description of a tree, with written_map() as each
    regular file's data map."""
    entries, links = compare_trees.describe(root, {'holes': False, 'dir_mtime': True, 'root_mtime': False,
                                                   'mtime_seconds': False})
    for rel, item in entries.items():
        if item['type'] == stat.S_IFREG:
            item['data'] = written_map(os.path.join(root, rel), item['size'])
    return entries, links


def group_of(rel):
    """The top-level directory a path belongs to (a scenario, a seed)."""
    return rel.split('/', 1)[0] if rel != '.' else '.'


def differences(a, b, name_a, name_b, holes):
    """Differences between two describe() results, as (group, text).
    holes: 'equal' (data maps must be equal) or 'superset' (b's data must
    cover a's); the data maps are otherwise left out."""
    (ea, la), (eb, lb) = a, b
    out = []
    for rel in sorted(set(ea) | set(eb)):
        if rel not in ea or rel not in eb:
            out.append((group_of(rel), 'only in %s: %s' % (name_a if rel in ea else name_b, rel)))
            continue
        ia, ib = ea[rel], eb[rel]
        for key in sorted(set(ia) | set(ib)):
            if key == 'data':
                continue
            if ia.get(key) != ib.get(key):
                out.append((group_of(rel), '%s: %s differs: %s %r != %s %r' %
                            (rel, key, name_a, ia.get(key), name_b, ib.get(key))))
        if 'data' in ia and 'data' in ib and ia.get('sha256') == ib.get('sha256'):
            da, db = ia['data'], ib['data']
            if holes == 'equal' and da != db:
                out.append((group_of(rel), '%s: hole map differs: %s %r != %s %r' %
                            (rel, name_a, da, name_b, db)))
            elif holes == 'superset' and not covers(db, da):
                out.append((group_of(rel), '%s: data of %s not data in %s: %r, %r' %
                            (rel, name_a, name_b, da, db)))
    if la != lb:
        groups = sorted({group_of(p) for s in la + lb for p in s}) or ['.']
        sa = {tuple(s) for s in la}
        sb = {tuple(s) for s in lb}
        for g in groups:
            ga = sorted(s for s in sa if group_of(s[0]) == g)
            gb = sorted(s for s in sb if group_of(s[0]) == g)
            if ga != gb:
                out.append((g, 'hardlink sets differ: %s %r != %s %r' % (name_a, ga, name_b, gb)))
    return out


def extra_data(src, recv):
    """Per file: bytes that are data in recv and not in src (zeros written
    where the source has a hole)."""
    out = {}
    for rel, item in recv[0].items():
        if 'data' in item and rel in src[0] and 'data' in src[0][rel]:
            extra = data_bytes(item['data']) - data_bytes(src[0][rel]['data'])
            if extra > 0:
                out[rel] = extra
    return out


PREVIOUS = object()	# Chain.step()'s default parent: the snapshot before


class Chain:
    """The sends and receives of one chain of snapshots, by every sender.
    work: a directory for the stream files; recv: sender -> the directory
    that sender's received snapshots go to."""

    def __init__(self, log, work, recv, senders=SENDERS, label='', send=send, proto=1):
        self.log = log
        self.send = send
        # --proto for both senders; from 2 a hole punched since the parent
        # is punched at the receiver too, so hole maps must be equal.
        self.proto = proto
        self.work = work
        self.recv = recv
        self.senders = senders
        self.label = label
        self.snaps = []
        self.totals = {s: {'ms': 0, 'bytes': 0, 'write': 0, 'zeros': 0} for s in senders}
        self.broken = set()	# senders whose chain ended in a failed send/receive
        self.stats = {}		# sender -> stream_stats() of its last stream, with 'bytes' and 'ms'

        os.makedirs(work, exist_ok=True)

    def step(self, snap, clone_sources=(), parent=PREVIOUS):
        """Sends snap (in full, or from parent, by default the previous
        snapshot, with the given clone sources), receives it, compares.
        Returns a list of (group, text) problems; a group of '*' is about
        the whole send."""
        if parent is PREVIOUS:
            parent = self.snaps[-1] if self.snaps else None
        self.snaps.append(snap)
        index = len(self.snaps) - 1
        name = os.path.basename(snap)
        problems = []
        received = {}
        for sender in self.senders:
            if sender in self.broken:
                continue
            stream = os.path.join(self.work, '%s-%d.stream' % (sender, index))
            options = ('--proto', str(self.proto)) if self.proto != 1 else ()
            ok, ms = self.send(self.log, sender, snap, parent, stream, clone_sources, options)
            if not ok:
                problems.append(('*', '%s: %s send of %s failed' %
                                 (sender, 'incremental' if parent else 'full', name)))
                self.broken.add(sender)
                continue
            stats = stream_stats(stream)
            size = os.path.getsize(stream)
            stats.update(bytes=size, ms=ms)
            self.stats[sender] = stats
            self.log('%s%s: %s %s: %d bytes, %d WRITE bytes (%d in 4 KiB zero runs), %d CLONE bytes, %d ms; %s' % (
                self.label, sender, 'incremental' if parent else 'full', name, size, stats['write'],
                stats['zeros'], stats['clone'], ms,
                ' '.join('%s=%d' % kv for kv in sorted(stats['counts'].items()))))
            if parent:
                t = self.totals[sender]
                t['ms'] += ms
                t['bytes'] += size
                t['write'] += stats['write']
                t['zeros'] += stats['zeros']
            if not receive(self.log, stream, self.recv[sender]):
                problems.append(('*', '%s: receive of the %s stream of %s failed' %
                                 (sender, 'incremental' if parent else 'full', name)))
                self.broken.add(sender)
                continue
            received[sender] = os.path.join(self.recv[sender], name)
        src = describe(snap)
        desc = {s: describe(p) for s, p in received.items()}
        for sender, d in desc.items():
            # v1 cannot punch: a hole made since the parent may come as
            # zeros. bsend's v2 punches it; the in-kernel one's is logged.
            holes = 'equal' if not parent or (self.proto >= 2 and sender == 'bsend') else 'superset'
            for group, text in differences(src, d, 'source', sender, holes):
                problems.append((group, '%s vs source: %s' % (sender, text)))
            source_mtime = os.lstat(snap).st_mtime_ns
            received_mtime = os.lstat(received[sender]).st_mtime_ns
            self.log('%sroot mtime of %s: source %s, %s %s' % (
                self.label, name, source_mtime, sender, received_mtime))
            # bsend sends UTIMES for the root whenever its stream changed
            # the root in the receiver (an orphan made or removed there);
            # the in-kernel send does not always, so its is only logged.
            if sender == 'bsend' and source_mtime != received_mtime:
                problems.append(('.', 'bsend vs source: root mtime of %s differs: %d != %d' % (
                    name, source_mtime, received_mtime)))
        if 'kernel' in desc and 'bsend' in desc:
            # Holes after an incremental send: each against the source
            # above, and the zeros left as data per file below.
            for group, text in differences(desc['kernel'], desc['bsend'], 'kernel', 'bsend',
                                           None if parent else 'equal'):
                problems.append((group, 'bsend vs kernel: %s' % text))
            if parent:
                ek = extra_data(src, desc['kernel'])
                eb = extra_data(src, desc['bsend'])
                for rel in sorted(eb):
                    if eb[rel] > ek.get(rel, 0):
                        problems.append((group_of(rel), '%s: bsend left %d bytes of zeros as data, the'
                                         ' in-kernel send %d' % (rel, eb[rel], ek.get(rel, 0))))
        for sender, d in desc.items():
            if parent:
                extra = extra_data(src, d)
                if extra:
                    self.log('%s%s: zeros left as data in %s: %d bytes in %d paths' % (
                        self.label, sender, name, sum(extra.values()), len(extra)))
        for group, text in problems:
            self.log('%sPROBLEM [%s] %s' % (self.label, group, text))
        return problems
