"""Inode attributes: extended attributes (large values, empty values, ACLs,
btrfs properties, xattrs of directories, symlinks and special files),
file capabilities, which a chown on the receiving side drops, setuid and
setgid bits, which it drops too, owners and modes that change alone,
timestamps, and special files: fifos, sockets, character and block devices
and symlinks, made, replaced, and changed. The in-kernel send once lost
capabilities or put them on the wrong files, or sent xattrs that did not
fit its limits, for these trees; three it still gets wrong (kernel_wrong):
setuid bits dropped by a chown, ACLs inherited from the root's default ACL
through the orphan names, and a device of the same number and generation
in an unrelated parent."""
import os
import socket

from send_history import scenario

INITIAL = '31db9f7c23fb ("Btrfs: introduce BTRFS_IOC_SEND for btrfs send/receive")'
CAPS = '89efda52e6b6 ("btrfs: send: emit file capabilities after chown")'
NO_CHMOD = ('it sends CHOWN but no CHMOD when the mode is the same as in the parent, and the receiver\'s'
            ' chown clears the setuid and setgid bits of the file')


def touch(s, *rels):
    for rel in rels:
        with open(s.path(rel), 'ab'):
            pass


def set_times(s, rel, atime, mtime):
    """Sets atime and mtime (seconds, with a fixed nanosecond part) without
    following a symlink."""
    os.utime(s.path(rel), ns=(atime * 10**9 + 123456789, mtime * 10**9 + 987654321), follow_symlinks=False)


def make_socket(s, rel):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(s.path(rel))
    finally:
        sock.close()



# -- xattrs ---------------------------------------------------------------

@scenario('large-xattr-values', '"Btrfs: send, use the right limits for xattr names and values"',
          'a file with a 6000-byte xattr value, which the next snapshot changes to 6666 bytes next to a new'
          ' 5555-byte one (fstests btrfs/053)')
def large_xattr_values(s):
    s.write('foobar', b'hello world\n')
    os.setxattr(s.path('foobar'), 'user.xattr_name_1', b'A' * 6000)
    s.snap('mysnap1')
    os.setxattr(s.path('foobar'), 'user.xattr_name_1', b'Z' * 6666)
    os.setxattr(s.path('foobar'), 'user.xattr_name_2', b'U' * 5555)
    s.snap('mysnap2')


@scenario('xattr-changes-every-type', INITIAL, 'xattrs added, changed, emptied and removed on a file, a'
          ' directory, the subvolume root, and trusted xattrs on a symlink and a fifo')
def xattr_changes_every_type(s):
    s.sh('mkdir dir && echo data > file && ln -s file link && mkfifo fifo')
    for rel in ('file', 'dir', '.'):
        os.setxattr(s.path(rel), 'user.keep', b'same')
        os.setxattr(s.path(rel), 'user.change', b'before')
        os.setxattr(s.path(rel), 'user.drop', b'x' * 300)
    os.setxattr(s.path('link'), 'trusted.on_link', b'1', follow_symlinks=False)
    os.setxattr(s.path('fifo'), 'trusted.on_fifo', b'2')
    s.snap('snap1')
    for rel in ('file', 'dir', '.'):
        os.setxattr(s.path(rel), 'user.change', b'after, and longer than before')
        os.removexattr(s.path(rel), 'user.drop')
        os.setxattr(s.path(rel), 'user.empty', b'')
        os.setxattr(s.path(rel), 'user.new', bytes(range(256)))
    os.setxattr(s.path('link'), 'trusted.on_link', b'changed', follow_symlinks=False)
    os.removexattr(s.path('fifo'), 'trusted.on_fifo')
    s.snap('snap2')


@scenario('posix-acls', INITIAL, 'access ACLs on a file and a default ACL on a directory whose new file'
          ' inherits it, then ACL entries changed and removed', needs=('setfacl',))
def posix_acls(s):
    s.sh('echo a > file && mkdir dir && setfacl -m u:1234:rw,g:2345:r file && setfacl -d -m u:1234:rwx dir'
         ' && touch dir/inherited')
    s.snap('snap1')
    s.sh('setfacl -m u:1234:r,u:4321:rwx file && setfacl -k dir && setfacl -b dir/inherited'
         ' && touch dir/plain')
    s.snap('snap2')


@scenario('posix-acl-default-on-root', INITIAL, 'a default ACL on the subvolume root, with a directory and'
          ' a file below it whose inherited ACLs were removed, so that nothing created through the root'
          ' may keep one', needs=('setfacl',),
          kernel_wrong={v: 'it makes every new inode under its orphan name in the root, where it inherits the'
                        ' root\'s default ACL, and sends no removal of xattrs a new inode should not have'
                        for v in ('6.1', '6.12', '6.18')})
def posix_acl_default_on_root(s):
    s.sh('setfacl -d -m u:1234:rwx,g::r-x "$D" && mkdir sub && setfacl -b sub && echo f > sub/file'
         ' && echo g > top && setfacl -b top && mkdir keep && touch keep/acl')
    s.snap('snap1')
    s.sh('echo h > sub/new && setfacl -b sub/new && mkdir sub/newdir && setfacl -b sub/newdir')
    s.snap('snap2')


@scenario('compression-property', '"btrfs: fix vanished compression property after failed set" (fstests'
          ' btrfs/048, properties sent as btrfs.compression xattrs)', 'a directory with the lzo compression'
          ' property and a file created in it, then a second file created there and the property of the'
          ' first changed')
def compression_property(s):
    s.sh('mkdir -p testdir/subdir1 && btrfs property set testdir/subdir1 compression lzo'
         ' && touch testdir/subdir1/foobar')
    s.snap('mysnap1')
    s.sh('touch testdir/subdir1/foobar2 && btrfs property set testdir/subdir1/foobar compression zstd')
    s.snap('mysnap2')


# -- capabilities -----------------------------------------------------------

@scenario('caps-added-incremental', CAPS, 'a file without capabilities that gets two in the next snapshot'
          ' (fstests btrfs/214)', needs=('setcap',))
def caps_added_incremental(s):
    touch(s, 'foo.bar')
    s.snap('snap_init')
    s.sh('setcap "cap_sys_ptrace+ep cap_sys_nice+ep" foo.bar')
    s.snap('snap_inc')


@scenario('caps-after-chgrp', CAPS, 'a file with capabilities that changes group and gets the same'
          ' capabilities again, then changes group and capabilities (fstests btrfs/214)', needs=('setcap',))
def caps_after_chgrp(s):
    touch(s, 'foo.bar')
    s.sh('setcap "cap_sys_ptrace+ep cap_sys_nice+ep" foo.bar')
    s.snap('snap_init')
    s.sh('chgrp 100 foo.bar && setcap "cap_sys_ptrace+ep cap_sys_nice+ep" foo.bar')
    s.snap('snap_inc')
    s.sh('chgrp 0 foo.bar && setcap "cap_sys_time+ep cap_syslog+ep" foo.bar')
    s.snap('snap_inc2')


@scenario('caps-file-among-others', CAPS, 'the file with capabilities first, between and last among other'
          ' files of three directories, chowned and given them again (fstests btrfs/214)', needs=('setcap',))
def caps_file_among_others(s):
    groups = {'first': ('foo.bar', 'foo.bax', 'foo.baz'), 'middle': ('foo1', 'foo.bar', 'foo3'),
              'last': ('foo1', 'foo2', 'foo.bar')}
    for d, names in groups.items():
        os.mkdir(s.path(d))
        touch(s, *('%s/%s' % (d, n) for n in names))
        s.sh('setcap "cap_sys_ptrace+ep cap_sys_nice+ep" %s/foo.bar' % d)
    s.snap('snap_init')
    for d in groups:
        s.sh('chown 1000:100 %s/*; setcap "cap_sys_ptrace+ep cap_sys_nice+ep" %s/foo.bar' % (d, d))
    s.snap('snap_inc')


@scenario('caps-not-propagated', 'btrfs-progs 81d8ea9346c6 ("btrfs-progs: receive: remove workaround for'
          ' setting capabilities")', 'a capability on a file with a lower inode number than its'
          ' neighbours, then on a middle one and on a new file (fstests btrfs/235)', needs=('setcap',))
def caps_not_propagated(s):
    touch(s, 'foo', 'bar', 'baz')
    s.sh('setcap cap_net_raw=p foo')
    s.snap('mysnap1')
    touch(s, 'foo2', 'bar2', 'baz2')
    s.sh('setcap cap_net_raw=p bar && setcap cap_sys_nice=ep foo2')
    s.snap('mysnap2')


@scenario('caps-removed-and-owner', CAPS, 'a capability removed from one file while another changes owner'
          ' and keeps its capability, and a third gets one with a new owner', needs=('setcap',))
def caps_removed_and_owner(s):
    touch(s, 'a', 'b', 'c')
    s.sh('setcap cap_net_admin=ep a && setcap cap_chown=p b')
    s.snap('snap1')
    s.sh('setcap -r a && chown 2000:2000 b && setcap cap_chown=p b && chown 3000 c && setcap cap_kill=ep c')
    s.snap('snap2')


# -- modes and owners -------------------------------------------------------

@scenario('setuid-kept-after-chown', CAPS, 'setuid and setgid files and a setgid directory that change owner'
          ' and get the same mode bits back, so only the owner differs from the parent (and one file whose'
          ' mode differs too)', kernel_wrong={v: NO_CHMOD for v in ('6.1', '6.12', '6.18')})
def setuid_kept_after_chown(s):
    s.sh('echo x > suid && echo y > sgid && mkdir sgdir && chmod 4755 suid && chmod 2755 sgid'
         ' && chmod 2775 sgdir && echo z > both && chmod 6711 both && echo w > other && chmod 4755 other')
    s.snap('snap1')
    s.sh('chown 1000:1000 suid sgid sgdir both other && chmod 4755 suid && chmod 2755 sgid'
         ' && chmod 2775 sgdir && chmod 6711 both && chmod 4750 other')
    s.snap('snap2')


@scenario('mode-and-owner-only', INITIAL, 'files, directories (one sticky), a fifo and a symlink whose only'
          ' change between snapshots is their mode or their owner')
def mode_and_owner_only(s):
    s.sh('echo a > f1 && echo b > f2 && mkdir d1 d2 && mkfifo p && ln -s f1 l && chmod 600 f1'
         ' && chmod 1777 d2 && chown 10:20 f2 d1')
    s.snap('snap1')
    s.sh('chmod 751 f1 && chown 30:40 f2 && chmod 700 d1 && chown 0:0 d1 && chmod 1755 d2'
         ' && chmod 640 p && chown 50:60 p && chown -h 70:80 l')
    s.snap('snap2')


@scenario('symlink-owner', '"Btrfs-progs: Receive: preserve ownership for symlinks, by using \'lchown\'"'
          ' (btrfs-progs e1a97972)', 'symlinks owned by other users, one dangling, then one chowned without'
          ' touching its target')
def symlink_owner(s):
    s.sh('echo t > target && chown 500:500 target && ln -s target l1 && ln -s nowhere l2'
         ' && chown -h 1001:1002 l1 l2')
    s.snap('snap1')
    s.sh('chown -h 2001:2002 l1')
    s.snap('snap2')


# -- times ------------------------------------------------------------------

@scenario('times-only-change', INITIAL, 'a file, a directory and a symlink given old access and'
          ' modification times with nanoseconds, then only new times, without other changes')
def times_only_change(s):
    s.sh('echo a > file && mkdir dir && ln -s file link')
    for rel, t in (('file', 1000000000), ('dir', 1100000000), ('link', 1200000000)):
        set_times(s, rel, t, t + 5)
    s.snap('snap1')
    for rel, t in (('file', 1300000000), ('dir', 1400000000), ('link', 1500000000)):
        set_times(s, rel, t, t + 7)
    s.snap('snap2')


@scenario('dir-times-after-entries', '"btrfs: send: cache utimes operations for directories if possible"',
          'directories that get entries added, removed and moved between them, the last with its times set'
          ' afterwards')
def dir_times_after_entries(s):
    s.sh('mkdir a b c && for i in 1 2 3 4 5; do echo $i > a/f$i; done && touch b/x c/y')
    set_times(s, 'c', 1200000000, 1200000000)
    s.snap('snap1')
    s.sh('mv a/f1 b/ && rm a/f2 && echo n > a/new && mv b/x c/ && mkdir b/sub && rm c/y')
    set_times(s, 'c', 1250000000, 1260000000)
    set_times(s, 'b/sub', 1270000000, 1280000000)
    s.snap('snap2')


@scenario('root-times-last-file-in-subdir', 'btrfs-progs issue 461 ("btrfs send | btrfs receive: incorrect'
          ' modification time")', 'the subvolume root with old times whose last new inode is a file in a'
          ' subdirectory, then a snapshot that adds one more file in a subdirectory only')
def root_times_last_file_in_subdir(s):
    s.sh('mkdir hello && touch hello/world')
    set_times(s, '.', 1000000000, 1000000000)
    s.snap('snap1')
    s.sh('mkdir hello/again && touch hello/again/there')
    s.snap('snap2')


# -- special files ------------------------------------------------------------

@scenario('special-files-full', INITIAL, 'a fifo, a socket, character and block devices, and symlinks'
          ' (short, dangling, 4000 bytes long) with their own modes and owners, sent in full')
def special_files_full(s):
    s.sh('mkfifo -m 640 fifo && mknod -m 600 null c 1 3 && mknod blk b 7 200 && mknod big c 4095 1048575'
         ' && ln -s fifo short && ln -s /does/not/exist dangling && chown 7:8 blk fifo')
    make_socket(s, 'sock')
    os.symlink('x' * 4000, s.path('long'))
    s.snap('snap1')


@scenario('special-files-replaced', INITIAL, 'a fifo replaced by a device of the same name, a device'
          ' recreated with other numbers, a socket turned into a directory and a symlink given a new'
          ' target')
def special_files_replaced(s):
    s.sh('mkfifo p && mknod dev c 10 20 && ln -s old link')
    make_socket(s, 'sock')
    s.snap('snap1')
    s.sh('rm p dev sock link && mknod p b 8 16 && mknod dev c 10 21 && mkdir sock && ln -s new-target link')
    s.snap('snap2')


@scenario('rdev-changed-same-generation', '"btrfs: send: fix invalid commands for inodes with changed rdev'
          ' but same gen" (patch 3/4 of "btrfs: send: correctly recreate changed inodes", 2021)',
          'two subvolumes made in one transaction, each with a character device of the same inode number'
          ' and name but other minor numbers, sent one as the parent of the other',
          kernel_wrong={v: 'the patch was not merged: an inode of the same number and generation is taken'
                        ' as unchanged, its rdev too' for v in ('6.1', '6.12', '6.18')})
def rdev_changed_same_generation(s):
    one = s.subvolume('subvol1')
    two = s.subvolume('subvol2')
    os.mknod(os.path.join(one, 'a'), 0o20644, os.makedev(1, 3))
    os.mknod(os.path.join(two, 'a'), 0o20644, os.makedev(1, 5))
    s.sh('btrfs property set %s ro true && btrfs property set %s ro true' % (one, two))
    s.send_as_is(one)
    s.send_as_is(two, parent=one)


# -- inode flags (protocol v2's FILEATTR) -----------------------------------

@scenario('v2-chattr-flags', '"btrfs: send: add new command FILEATTR for file attributes"',
          'sent as stream v2: files and a directory that get chattr +C, +c, +a and, last, +i between'
          ' the snapshots, a new file with flags of its own, and a symlink beside them', needs=('chattr',),
          proto=2, no_larger=True)
def v2_chattr_flags(s):
    s.sh('touch nocow && echo data >compress && echo log >append && echo fixed >immutable &&'
         ' mkdir dir && ln -s compress link')
    s.snap('f1')
    s.sh('chattr +C nocow && echo written >>nocow && chattr +c compress dir && chattr +a append &&'
         ' touch new && chattr +c new && chattr +i immutable')
    s.after_sends(lambda: s.sh('chattr -i immutable; chattr -a append'))
    s.snap('f2')
