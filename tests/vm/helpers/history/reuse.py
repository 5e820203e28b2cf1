"""Inode identity: the parent and the snapshot sent hold an inode under the
same number that is not the same inode, or an inode that is in neither's
tree of names.

- Numbers used again: btrfs gives a subvolume's new inodes the numbers after
  the highest one it found when it loaded the subvolume, so once the newest
  inodes are deleted and the filesystem is mounted again (s.cycle_mount())
  their numbers come back, with a new generation: a file where a directory
  was, a new parent where the old parent of a moved directory was.
- Orphans: inodes with no link left (nlink 0) that are still open. A
  snapshot drops the orphans of its source when it is taken (orphan
  cleanup), so they are made in the subvolume that is sent: a snapshot made
  writable for the while and read-only again (as fstests btrfs/278 does), or
  the sent subvolume itself made read-only. Holder keeps them open through
  a second mount of the source filesystem, so that the runner can still
  unmount its own for `sendctl send --image` (the filesystem stays active,
  everything it holds is in its last commit on the device, orphan items
  included, as after a crash) and the in-kernel send sees them too.
- Parents received from another filesystem (s.received_copy()), and
  subvolumes unrelated to each other sent one from the other: their
  numbers and generations do not follow the sent snapshot's history.
- Subvolume 5 and subvolume entries: snapshots of the top-level subvolume,
  which hold the earlier snapshots and other subvolumes as entries that a
  send leaves out.

Most scenarios are the trees of the fstests btrfs/* send tests and of the
send.c fixes on the linux-btrfs list; those marked "issue 15" vary them the
ways the issue lists (files, directories, hardlinks, in the root and deeper,
reused numbers as parents of moved entries). expect() checks that a number
was given out again as the scenario means, so that a kernel allocating
numbers otherwise fails the build instead of testing nothing."""
import atexit
import fcntl
import os
import struct
import tempfile

from send_history import scenario

FS_IOC_GETVERSION = 0x80087601	# _IOR('v', 1, long): an inode's generation
ISSUE = '(issue 15: %s)'


# -- helpers ---------------------------------------------------------------

def number(path):
    return os.lstat(path).st_ino


def generation(path):
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        return struct.unpack('q', fcntl.ioctl(fd, FS_IOC_GETVERSION, bytes(8)))[0]
    finally:
        os.close(fd)


def expect(s, numbers, where=None):
    """Raises unless each path (relative to where, s.dir by default) has
    the inode number given."""
    base = where or s.dir
    for rel, want in sorted(numbers.items()):
        got = number(os.path.join(base, rel))
        if got != want:
            raise RuntimeError('scenario %s: %s has inode number %d, not %d: not the tree it means to build'
                               % (s.spec.name, rel, got, want))


def expect_older(s, older, newer):
    """Raises unless the inode at path older has a lower generation than
    the one at path newer."""
    if generation(older) >= generation(newer):
        raise RuntimeError('scenario %s: %s is not older than %s' % (s.spec.name, older, newer))



def set_readonly(s, path, readonly=True):
    s.log.run(['btrfs', 'property', 'set', path, 'ro', 'true' if readonly else 'false'], check=True)


def received_incremental(s, snap, parent, name):
    """snap sent by the in-kernel send from parent and received in top/name,
    where s.received_copy(parent, name) put the received parent."""
    dest = os.path.join(s.top, name)
    stream = dest + '.incremental.stream'
    s.log.run(['btrfs', 'send', '-q', '-f', stream, '-p', parent, snap], check=True)
    s.log.run(['btrfs', 'receive', '-f', stream, dest], check=True)
    os.unlink(stream)
    return os.path.join(dest, os.path.basename(snap))


def write(path, data):
    with open(path, 'wb') as f:
        f.write(data)


class Holder:
    """Orphans: inodes opened through a second mount of the source
    filesystem (made when first needed) and unlinked there, kept open until
    the scenario's chain is sent (s.after_sends closes them and
    unmounts). While the filesystem stays active the device's page
    cache is not dropped between the runner's unmount and mount, so what a
    `sendctl send --image` of another scenario read stays there, stale:
    settle() drops it once the tree is built (@holding does)."""

    def __init__(self, s):
        self.s = s
        self.fds = []
        self.mnt = None
        s.after_sends(self.release)
        atexit.register(self.release)

    def mount(self):
        if not self.mnt:
            self.mnt = tempfile.mkdtemp(prefix='reuse-hold.')
            self.s.log.run(['mount', '-t', 'btrfs', self.s.fs.dev, self.mnt], check=True)
        return self.mnt

    def alias(self, path):
        """path (under the runner's mount) through the second mount."""
        return os.path.join(self.mount(), os.path.relpath(path, self.s.fs.mnt))

    def unlink_open(self, path):
        """Opens path (a file, or an empty directory) and removes its name."""
        there = self.alias(path)
        if os.path.isdir(there) and not os.path.islink(there):
            fd = os.open(there, os.O_RDONLY | os.O_DIRECTORY)
            os.rmdir(there)
        else:
            fd = os.open(there, os.O_RDONLY | os.O_NOFOLLOW)
            os.unlink(there)
        self.s.log('+ held open, unlinked:', path)
        self.fds.append(fd)

    def tmpfile(self, directory, data):
        """A file that never had a name (O_TMPFILE) in directory."""
        fd = os.open(self.alias(directory), os.O_TMPFILE | os.O_RDWR, 0o644)
        done = 0
        while done < len(data):
            done += os.pwrite(fd, data[done:], done)
        self.s.log('+ held open, O_TMPFILE in:', directory)
        self.fds.append(fd)

    def orphans_in(self, subvol, rels):
        """Makes orphans of rels (relative to the read-only subvol), which
        is writable meanwhile; a directory must be empty by then."""
        set_readonly(self.s, subvol, False)
        for rel in rels:
            self.unlink_open(os.path.join(subvol, rel))
        set_readonly(self.s, subvol, True)

    def settle(self):
        if self.mnt:
            os.sync()
            self.s.log.run(['blockdev', '--flushbufs', self.s.fs.dev], check=True)

    def release(self):
        fds, self.fds = self.fds, []
        for fd in fds:
            os.close(fd)
        if self.mnt:
            mnt, self.mnt = self.mnt, None
            self.s.log.run(['umount', mnt], check=True)
            os.rmdir(mnt)


def holding(fn):
    """A scenario fn(s, holder) that makes orphans with a Holder."""
    def build(s):
        holder = Holder(s)
        try:
            fn(s, holder)
            holder.settle()
        except BaseException:
            holder.release()
            raise
    build.__name__ = fn.__name__
    build.__doc__ = fn.__doc__
    return build


# -- numbers used again (fstests and their fixes) ---------------------------

@scenario('reuse-dir-by-root-file', '0b3f407e6728 ("btrfs: send: fix wrong file path when there is an inode'
          ' with a pending rmdir")', 'a directory with three files in the subvolume root removed, and after'
          ' a mount cycle its number given to a new file in the root (fstests btrfs/227)', top_level=True)
def reuse_dir_by_root_file(s):
    s.sh('mkdir dir && touch dir/file1 dir/file2 dir/file3')
    s.snap('mysnap1')
    s.sh('rm -rf dir')
    s.cycle_mount()
    s.sh('touch newfile')
    expect(s, {'newfile': 257})
    s.snap('mysnap2')


@scenario('reuse-dir-by-root-dir', '0b3f407e6728 ("btrfs: send: fix wrong file path when there is an inode'
          ' with a pending rmdir")', 'a directory with three files in the subvolume root removed, and after'
          ' a mount cycle its number given to a new directory holding a file (the other case fstests'
          ' btrfs/227 names)', top_level=True)
def reuse_dir_by_root_dir(s):
    s.sh('mkdir dir && touch dir/file1 dir/file2 dir/file3')
    s.snap('mysnap1')
    s.sh('rm -rf dir')
    s.cycle_mount()
    s.sh('mkdir newdir && echo data > newdir/file2')
    expect(s, {'newdir': 257, 'newdir/file2': 258})
    s.snap('mysnap2')


@scenario('reuse-moved-dir-new-parent-number', '"Btrfs: incremental send, do not delay rename when parent'
          ' inode is new"', 'a directory moved out of its parent, which is removed with a sibling; after a'
          ' mount cycle a new file takes the old parent\'s number and a new directory the sibling\'s, and'
          ' the directory moves into it (fstests btrfs/134)', top_level=True)
def reuse_moved_dir_new_parent_number(s):
    s.sh('mkdir dir257 dir258 dir259 && mv dir257 dir258/dir257')
    s.snap('mysnap1')
    s.sh('mv dir258/dir257 dir257 && rmdir dir258 dir259')
    s.cycle_mount()
    s.sh('touch file258 && mkdir new_dir259 && mv dir257 new_dir259/dir257')
    expect(s, {'file258': 258, 'new_dir259': 259, 'new_dir259/dir257': 257})
    s.snap('mysnap2')


@scenario('reuse-file-replaced-in-snapshot', '"Btrfs: send, fix corner case for reference overwrite'
          ' detection"', 'a writable snapshot of subvolume 5 whose file foo/bar is removed and, after a'
          ' mount cycle, written again at the same path under the same number with other data, sent from'
          ' a read-only snapshot taken before (fstests btrfs/105)', top_level=True)
def reuse_file_replaced_in_snapshot(s):
    os.mkdir(s.path('foo'))
    write(s.path('foo/bar'), b'\xaa' * 65536)
    first = s.snap('mysnap1')
    work = s.snapshot(s.dir, 'mysnap2', readonly=False)
    os.unlink(os.path.join(work, 'foo/bar'))
    # A snapshot's first free number is set when it is made: the number of
    # bar comes back only once the snapshot is loaded again.
    s.cycle_mount()
    write(os.path.join(work, 'foo/bar'), b'\xbb' * 98304)
    expect(s, {'foo/bar': number(os.path.join(first, 'foo/bar'))}, where=work)
    s.use(work)
    s.snap('mysnap2_ro')


# -- parents received from another filesystem, unrelated subvolumes --------

@scenario('reuse-root-entry-received-parent', '"Btrfs: send, fix failure to rename top level inode due to name'
          ' collision"', 'a parent received from another filesystem with directories a1 and a2 in its root,'
          ' and a snapshot of an unrelated subvolume whose older file a2 has the number of a1'
          ' (fstests btrfs/133)')
def reuse_root_entry_received_parent(s):
    s.sh('mkdir a1 a2')
    original = s.snapshot(s.dir, 'mysnap1')
    fresh = s.subvolume('fresh')
    s.use(fresh)
    s.sh('touch a2')
    os.sync()		# a2's generation older than anything the receive makes
    received = s.received_copy(original, 'other-fs')
    expect(s, {'a1': 257, 'a2': 258}, where=received)
    expect(s, {'a2': 257})
    expect_older(s, s.path('a2'), os.path.join(received, 'a1'))
    s.send_as_is(received)
    s.snap('mysnap2', parent=received)


@scenario('reuse-same-dir-number-same-entry-received', '"Btrfs: incremental send, do not issue invalid rmdir'
          ' operations"', 'a parent received from another filesystem and a snapshot of an unrelated'
          ' subvolume, each with a directory 259 holding an entry d1 that is a different inode in each'
          ' (fstests btrfs/135)')
def reuse_same_dir_number_same_entry_received(s):
    s.sh('touch f && mkdir d1 d259_old && mv d1 d259_old/d1')
    original = s.snapshot(s.dir, 'mysnap1')
    fresh = s.subvolume('fresh')
    s.use(fresh)
    s.sh('mkdir d1 dir258 dir259 && mv d1 dir259/d1')
    os.sync()		# their generation older than anything the receive makes
    received = s.received_copy(original, 'other-fs')
    expect(s, {'f': 257, 'd259_old/d1': 258, 'd259_old': 259}, where=received)
    expect(s, {'dir259/d1': 257, 'dir258': 258, 'dir259': 259})
    expect_older(s, s.path('dir259'), os.path.join(received, 'd259_old'))
    s.send_as_is(received)
    s.snap('mysnap2', parent=received)


@scenario('reuse-received-parent-modified', '37b8d27de5d0 ("Btrfs: use received_uuid of parent during send")',
          'a snapshot received from another filesystem, a writable snapshot of it with a block of its file'
          ' rewritten, sent from the received one (fstests btrfs/110)')
def reuse_received_parent_modified(s):
    write(s.path('foo'), b'\xaa' * 32768)
    original = s.snapshot(s.dir, 'snap1')
    received = s.received_copy(original, 'other-fs')
    s.send_as_is(received)
    work = s.snapshot(received, 'snap2_rw', readonly=False)
    s.use(work)
    s.write('foo', b'\xbb' * 4096, offset=4096)
    s.snap('snap2', parent=received)


@scenario('reuse-resend-received-chain', '"btrfs: fix resending received snapshot with parent"',
          'two snapshots received from another filesystem, the second incrementally, sent again from'
          ' there: the first in full, the second from it (fstests btrfs/111)')
def reuse_resend_received_chain(s):
    write(s.path('foo'), b'\xaa' * 32768)
    first = s.snapshot(s.dir, 'snap1')
    s.write('foo', b'\xbb' * 4096, offset=4096)
    second = s.snapshot(s.dir, 'snap2')
    received1 = s.received_copy(first, 'other-fs')
    received2 = received_incremental(s, second, first, 'other-fs')
    os.sync()
    s.send_as_is(received1)
    s.send_as_is(received2, parent=received1)


@scenario('reuse-unrelated-subvolume-root', '6d85ed05e16e ("Btrfs: don\'t treat top/root directory inode as'
          ' deleted/reused")', 'two subvolumes made in different transactions (their root directories'
          ' differ in generation), the numbers after 256 given to other inodes and types in each, one'
          ' sent from the other')
def reuse_unrelated_subvolume_root(s):
    s.sh('mkdir d && echo one > d/f && echo two > x && chmod 700 .')
    first = s.snap('first')
    other = s.subvolume('other')
    s.use(other)
    s.sh('echo three > d && mkdir x && echo four > x/f && ln d x/g && chmod 750 .')
    expect(s, {'d': 257, 'x': 258, 'x/f': 259})
    expect_older(s, first, s.dir)
    s.snap('second', parent=first)


SAME_GEN = ('"btrfs: send: fix invalid commands for inodes with changed type but same gen" (patch 2/4 of'
            ' "btrfs: send: correctly recreate changed inodes", 2021)')
NOT_MERGED = {v: 'the patch was not merged: an inode of the same number and generation is taken as the same'
              ' inode, though its type changed' for v in ('6.1', '6.12', '6.18')}


def same_generation_pair(s, first, second, pair):
    """Two subvolumes whose inodes are made in one transaction, built by
    the shell lines first and second, made read-only and sent the second
    from the first; pair: the names of one inode number in each, of one
    generation. (Their root directories may differ: some kernels commit
    when a subvolume is made.) A commit that comes between the two builds
    makes them again, up to three times."""
    for attempt in range(3):
        one = s.subvolume('subvol1-%d' % attempt)
        two = s.subvolume('subvol2-%d' % attempt)
        s.sh('cd %s && %s && cd %s && %s' % (one, first, two, second))
        a, b = (os.path.join(one, pair[0]), os.path.join(two, pair[1]))
        if number(a) == number(b) and generation(a) == generation(b):
            break
        s.log('%s: %s and %s differ in number or generation: a transaction ended between them' % (
            s.spec.name, a, b))
    else:
        raise RuntimeError('scenario %s: no two builds in one transaction' % s.spec.name)
    set_readonly(s, one)
    set_readonly(s, two)
    s.send_as_is(one)
    s.send_as_is(two, parent=one)


@scenario('reuse-same-gen-dir-becomes-file', SAME_GEN, 'two subvolumes made in one transaction, the first with'
          ' a directory a, the second with a file a of the same number and generation, one sent from the'
          ' other', kernel_wrong=NOT_MERGED)
def reuse_same_gen_dir_becomes_file(s):
    same_generation_pair(s, 'mkdir a', 'touch a', ('a', 'a'))


@scenario('reuse-same-gen-dir-file-other-names', SAME_GEN, 'two subvolumes made in one transaction, the first'
          ' with a directory a holding a file, the second with a file b that has a\'s number and generation,'
          ' one sent from the other', kernel_wrong=NOT_MERGED)
def reuse_same_gen_dir_file_other_names(s):
    same_generation_pair(s, 'mkdir a && touch a/inner', 'touch a && mv a b && echo x > c', ('a', 'b'))


# -- subvolume 5 and subvolume entries -------------------------------------

@scenario('reuse-dir-replaced-by-subvolume', 'c1895442be01 ("Btrfs: send, don\'t error in the presence of'
          ' subvols/snapshots")', 'a directory of subvolume 5 removed and a subvolume made under its name'
          ' before the next snapshot of subvolume 5 (fstests btrfs/054)', top_level=True)
def reuse_dir_replaced_by_subvolume(s):
    s.sh('mkdir testdir && touch testdir/file')
    s.snap('mysnap1')
    s.sh('rm -r testdir && btrfs subvolume create testdir && touch testdir/inside')
    s.snap('mysnap2')


@scenario('reuse-subvolume-replaced-by-dir', 'c55bfa67e94e ("Btrfs: set dead flag on the right root when'
          ' destroying snapshot")', 'a subvolume inside subvolume 5 deleted and a directory made under its'
          ' name before the next snapshot of subvolume 5 (fstests btrfs/054)', top_level=True)
def reuse_subvolume_replaced_by_dir(s):
    s.sh('btrfs subvolume create first_subvol && echo x > first_subvol/file && touch keep')
    s.snap('mysnap1')
    s.sh('btrfs subvolume delete first_subvol && mkdir first_subvol && echo y > first_subvol/file')
    s.snap('mysnap2')


@scenario('reuse-top-level-nested-subvolumes', ISSUE % 'snapshots of subvolume 5 holding subvolumes and'
          ' snapshots', 'subvolume 5 with files, a subvolume, a snapshot of it in a directory and a'
          ' subvolume deeper down; the next snapshot replaces the subvolume by a directory, renames the'
          ' directory holding the snapshot and adds a subvolume, the earlier snapshots being entries too',
          top_level=True)
def reuse_top_level_nested_subvolumes(s):
    s.sh('echo root > file && mkdir -p snaps d/e && btrfs subvolume create sv && echo a > sv/a'
         ' && btrfs subvolume snapshot sv snaps/sv-1 && btrfs subvolume create d/e/inner'
         ' && echo b > d/e/inner/b && echo c > d/e/c')
    s.snap('top1')
    s.sh('btrfs subvolume delete sv && mkdir sv && echo new > sv/a && mv snaps snaps-old'
         ' && btrfs subvolume create d/inner2 && mv d/e/c d/c && echo more >> file')
    s.snap('top2')


@scenario('reuse-top-level-subvolume-entries-moved', ISSUE % 'subvolume entries moved in subvolume 5',
          'a subvolume entry of subvolume 5 moved into a directory, a directory made under its old name and'
          ' the directory holding it renamed; at last the subvolume deleted and its directory removed',
          top_level=True)
def reuse_top_level_subvolume_entries_moved(s):
    s.sh('btrfs subvolume create sv && echo x > sv/x && mkdir a && touch a/f')
    s.snap('t1')
    s.sh('mv sv a/sv && mkdir sv && touch sv/y && mv a b')
    s.snap('t2')
    s.sh('btrfs subvolume delete b/sv && rm -r b && mv sv b')
    s.snap('t3')


# -- orphans -----------------------------------------------------------------

@scenario('reuse-orphan-tmpfile-snapshot', '3821f348889e ("Btrfs: update commit root on snapshot creation'
          ' after orphan cleanup")', 'a read-only snapshot of subvolume 5 made writable for a moment to hold'
          ' an open O_TMPFILE file of 64 KiB (never linked, with an orphan item), sent in full and then as'
          ' the parent of a later snapshot (fstests btrfs/058)', top_level=True)
@holding
def reuse_orphan_tmpfile_snapshot(s, holder):
    s.sh('mkfifo fifo && echo a > file')
    snap = s.snap('mysnap')
    set_readonly(s, snap, False)
    holder.tmpfile(snap, b'\x5a' * 65536)
    set_readonly(s, snap, True)
    s.sh('echo b > later')
    s.snap('mysnap2')


@scenario('reuse-orphan-readonly-subvolume', '46b2f4590aab ("Btrfs: fix send failure when root has deleted'
          ' files still open")', 'a subvolume with three files, one of them deleted while open, made'
          ' read-only and sent in full as it is (fstests btrfs/168)')
@holding
def reuse_orphan_readonly_subvolume(s, holder):
    write(s.path('foo'), b'\xf1' * 65536)
    write(s.path('bar'), b'\x7b' * 92160)
    write(s.path('baz'), b'\xea' * 262144)
    os.sync()
    holder.unlink_open(s.path('bar'))
    set_readonly(s, s.dir)
    s.send_as_is(s.dir)


@scenario('reuse-orphan-in-send-snapshot', '46b2f4590aab ("Btrfs: fix send failure when root has deleted'
          ' files still open")', 'a file changed between two snapshots, and another deleted from the second'
          ' while open (made writable for that), sent from the first (fstests btrfs/168)')
@holding
def reuse_orphan_in_send_snapshot(s, holder):
    write(s.path('foo'), b'\xf1' * 65536)
    write(s.path('bar'), b'\x7b' * 92160)
    write(s.path('baz'), b'\xea' * 262144)
    s.snap('snap1')
    s.write('baz', b'\x19' * 8192, offset=4096)
    snap2 = s.snap('snap2')
    holder.orphans_in(snap2, ['foo'])


@scenario('reuse-orphans-parent-and-send', '9ed0a72e5b355d ("btrfs: send: fix failures when processing'
          ' inodes with no links")', 'files and directories deleted while open in the parent, in the'
          ' snapshot sent or in both, new ones among them, the parent sent in full first (fstests btrfs/278)')
@holding
def reuse_orphans_parent_and_send(s, holder):
    s.sh('touch deleted.file changed_subcase1.file changed_subcase2.file'
         ' && mkdir deleted.dir changed_subcase1.dir changed_subcase2.dir'
         ' && touch changed_subcase1.dir/foo changed_subcase2.dir/foo')
    snap1 = s.snap('snap1')
    s.sh('rm deleted.file && rmdir deleted.dir && touch new.file && mkdir new.dir')
    snap2 = s.snap('snap2')
    set_readonly(s, snap1, False)
    os.unlink(os.path.join(snap1, 'changed_subcase1.dir/foo'))
    for rel in ('deleted.file', 'deleted.dir', 'changed_subcase1.file', 'changed_subcase1.dir'):
        holder.unlink_open(os.path.join(snap1, rel))
    set_readonly(s, snap1, True)
    set_readonly(s, snap2, False)
    os.unlink(os.path.join(snap2, 'changed_subcase1.dir/foo'))
    os.unlink(os.path.join(snap2, 'changed_subcase2.dir/foo'))
    for rel in ('changed_subcase1.file', 'changed_subcase1.dir', 'changed_subcase2.file',
                'changed_subcase2.dir', 'new.file', 'new.dir'):
        holder.unlink_open(os.path.join(snap2, rel))
    set_readonly(s, snap2, True)


@scenario('reuse-orphan-in-parent-linked-in-send', '9b8be45f1ef2 ("btrfs: send: fix send failure of a subcase'
          ' of orphan inodes")', 'a file deleted while open in one snapshot, sent in full, and a later'
          ' snapshot where the same file still has its name, sent from the first')
@holding
def reuse_orphan_in_parent_linked_in_send(s, holder):
    s.sh('echo data > foo && touch other')
    orphaned = s.snap('orphaned')
    holder.orphans_in(orphaned, ['foo'])
    s.snap('linked')


ORPHAN_EXTENT = {v: 'seen on 6.18: the incremental send fails with ENOENT when the parent holds, nameless,'
                 ' a file with a regular extent that the snapshot sent names again (no fix known)'
                 for v in ('6.1', '6.12', '6.18')}


@scenario('reuse-orphan-full-deep', ISSUE % 'a full send of a snapshot holding files deleted while open',
          'a snapshot holding, deleted while open, a 20000-byte file two directories down, an empty'
          ' directory and both names of a hardlinked file, sent in full; then a later snapshot where they'
          ' are all still named, sent from it', kernel_wrong=ORPHAN_EXTENT)
@holding
def reuse_orphan_full_deep(s, holder):
    s.sh('mkdir -p d1/d2 d1/empty && head -c 20000 /dev/zero | tr "\\0" q > d1/d2/file && touch d1/d2/keep'
         ' && echo two > d1/two && ln d1/two d1/d2/two2 && echo r > r')
    snap1 = s.snap('snap1')
    holder.orphans_in(snap1, ['d1/d2/file', 'd1/empty', 'd1/two', 'd1/d2/two2'])
    s.snap('snap2')


@scenario('reuse-orphan-extent-parent-linked-in-send', '9b8be45f1ef2 ("btrfs: send: fix send failure of a'
          ' subcase of orphan inodes")', 'a file of 20000 bytes (a regular extent, not inline) deleted while'
          ' open in the parent only, sent in full, and a later snapshot where it still has its name, sent'
          ' from it', kernel_wrong=ORPHAN_EXTENT)
@holding
def reuse_orphan_extent_parent_linked_in_send(s, holder):
    s.sh('head -c 20000 /dev/zero | tr "\\0" e > f && touch g')
    snap1 = s.snap('snap1')
    holder.orphans_in(snap1, ['f'])
    s.snap('snap2')


@scenario('reuse-orphan-parent-number-reused', ISSUE % 'an orphan in the parent whose number a new inode'
          ' takes', 'a file deleted while open in the parent only, and in the snapshot sent a new file'
          ' under its number (deleted there and given out again after a mount cycle)')
@holding
def reuse_orphan_parent_number_reused(s, holder):
    s.sh('echo a > a && echo b > b')
    snap1 = s.snap('snap1')
    s.sh('rm b')
    s.cycle_mount()
    s.sh('echo c > c')
    expect(s, {'c': 258})
    s.snap('snap2')
    holder.orphans_in(snap1, ['b'])


@scenario('reuse-orphan-in-both', ISSUE % 'the same orphan in the parent and in the snapshot sent',
          'a file and a directory deleted while open in both the parent and the snapshot sent, which'
          ' differ otherwise by a new file')
@holding
def reuse_orphan_in_both(s, holder):
    s.sh('echo f > f && mkdir d && touch d/x')
    snap1 = s.snap('snap1')
    s.sh('echo n > n')
    snap2 = s.snap('snap2')
    for snap in (snap1, snap2):
        set_readonly(s, snap, False)
        os.unlink(os.path.join(snap, 'd/x'))
        holder.unlink_open(os.path.join(snap, 'f'))
        holder.unlink_open(os.path.join(snap, 'd'))
        set_readonly(s, snap, True)


# -- numbers used again: the issue's variations ----------------------------

@scenario('reuse-root-files-become-dir', ISSUE % 'a new inode in the subvolume root with the number of an'
          ' old one', 'two files a and b of the subvolume root removed; after a mount cycle a directory b'
          ' takes a\'s number and a file b/a takes b\'s')
def reuse_root_files_become_dir(s):
    s.sh('echo A > a && echo B > b')
    s.snap('snap1')
    s.sh('rm a b')
    s.cycle_mount()
    s.sh('mkdir b && echo new > b/a')
    expect(s, {'b': 257, 'b/a': 258})
    s.snap('snap2')


@scenario('reuse-hardlinked-file-number', ISSUE % 'a hardlinked file\'s number given to another',
          'a file with three names in two directories and the root removed; after a mount cycle a new file'
          ' with three names swapped between the directories takes its number')
def reuse_hardlinked_file_number(s):
    s.sh('mkdir d1 d2 && echo old > d1/f && ln d1/f d2/g && ln d1/f h')
    s.snap('snap1')
    s.sh('rm d1/f d2/g h')
    s.cycle_mount()
    s.sh('echo new > d2/f && ln d2/f d1/g && ln d2/f h && mkdir d1/h')
    expect(s, {'d2/f': 259, 'd1/h': 260})
    s.snap('snap2')


@scenario('reuse-old-parent-number-new-parent', ISSUE % 'a directory moved into a new parent that has its'
          ' previous parent\'s number', 'a directory moved out of its parent two levels down, the parent'
          ' removed with its other entries; after a mount cycle a new directory elsewhere takes the old'
          ' parent\'s number and the directory moves into it, a new file inside taking the next')
def reuse_old_parent_number_new_parent(s):
    s.sh('mkdir -p top/A/B && touch top/A/B/f && mkdir top/old && mv top/A/B top/old/B'
         ' && touch top/old/junk && mkdir top/old/sub')
    expect(s, {'top/old': 261})
    s.snap('snap1')
    s.sh('mv top/old/B top/B && rm -r top/old')
    s.cycle_mount()
    s.sh('mkdir top/A/newp && mv top/B top/A/newp/B && touch top/A/newp/B/g')
    expect(s, {'top/A/newp': 261, 'top/A/newp/B/g': 262, 'top/A/newp/B': 259})
    s.snap('snap2')


@scenario('reuse-same-dir-number-same-entry', ISSUE % 'a directory of the same number but another generation'
          ' in both, with an entry of the same name to different inodes', 'a directory D with a file e'
          ' removed; after a mount cycle a new directory D takes its number, with e a new name of an older'
          ' file, and a new file keep/e takes the old e\'s number')
def reuse_same_dir_number_same_entry(s):
    s.sh('mkdir keep && echo f > keep/f && mkdir D && echo old > D/e')
    s.snap('snap1')
    s.sh('rm -r D')
    s.cycle_mount()
    s.sh('mkdir D && ln keep/f D/e && echo new > keep/e')
    expect(s, {'D': 259, 'D/e': 258, 'keep/e': 260})
    s.snap('snap2')


@scenario('reuse-number-parent-of-moved-entries', ISSUE % 'reused numbers as parents of moved entries',
          'a directory with a file removed; after a mount cycle a new directory takes its number and'
          ' receives a file and a directory moved from elsewhere, and a new directory inside it the'
          ' file\'s number, holding a new name of a moved file; the emptied source takes the old name')
def reuse_number_parent_of_moved_entries(s):
    s.sh('mkdir -p src/sub && echo one > src/f1 && echo two > src/sub/g && mkdir gone && echo z > gone/z')
    s.snap('snap1')
    s.sh('rm -r gone')
    s.cycle_mount()
    s.sh('mkdir dst && mv src/f1 dst/f1 && mv src/sub dst/sub && mkdir dst/n && ln dst/sub/g dst/n/g2'
         ' && mv src gone')
    expect(s, {'dst': 261, 'dst/n': 262, 'dst/sub': 258, 'dst/f1': 259})
    s.snap('snap2')


@scenario('reuse-number-three-generations', ISSUE % 'a number given out three times', 'the number of a root'
          ' file x given to a directory x holding a file x/x, then, after both are removed, to a file y,'
          ' with x/x\'s number now a directory x: three snapshots, each sent from the one before')
def reuse_number_three_generations(s):
    s.sh('echo one > x')
    s.snap('snap1')
    s.sh('rm x')
    s.cycle_mount()
    s.sh('mkdir x && echo two > x/x')
    expect(s, {'x': 257, 'x/x': 258})
    s.snap('snap2')
    s.sh('rm -r x')
    s.cycle_mount()
    s.sh('echo three > y && mkdir x')
    expect(s, {'y': 257, 'x': 258})
    s.snap('snap3')


@scenario('reuse-received-parent-reused-numbers', ISSUE % 'a parent received from another filesystem with'
          ' further changes', 'a snapshot received from another filesystem, a writable snapshot of it where'
          ' a file is removed and, after a mount cycle, its number taken by a directory that receives moved'
          ' files and a hardlink, sent from the received one, and a further change sent from that')
def reuse_received_parent_reused_numbers(s):
    s.sh('mkdir docs music && echo a > docs/a && echo b > docs/b && ln docs/b bl'
         ' && head -c 5000 /dev/zero | tr "\\0" m > music/m')
    original = s.snapshot(s.dir, 'orig')
    received = s.received_copy(original, 'other-fs')
    s.send_as_is(received)
    work = s.snapshot(received, 'work2', readonly=False)
    s.use(work)
    gone = number(s.path('music/m'))
    s.sh('rm music/m')
    s.cycle_mount()
    s.sh('mkdir docs/new && mv docs/a docs/new/a && ln docs/b docs/new/b2 && rm bl')
    expect(s, {'docs/new': gone})
    s.snap('w1', parent=received)
    s.sh('mv docs/new music/new && echo c > docs/c')
    s.snap('w2')
