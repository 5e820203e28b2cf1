"""File data: what the extents of a file are between two snapshots: holes
(punched, implicit with no-holes, trailing), preallocated extents inside and
beyond the size, sizes that grow and shrink, inline extents, compressed
extents referred to from a data offset, extents shared with other files,
with the same file, with clone sources (send -c), deduplicated ranges, and
clone ranges that end at an unaligned size. The in-kernel send once wrote
zeros over data, left stale data or a wrong size, or sent clone commands
the receiver refused, for each of these trees."""
import shlex

from send_history import scenario

K = 1024
M = 1024 * K


def xfs_io(s, rel, *commands, flags=''):
    """xfs_io with the given commands on s.dir/rel (created if missing)."""
    s.sh('xfs_io -f %s %s %s' % (flags, ' '.join('-c %s' % shlex.quote(c) for c in commands),
                                 shlex.quote(rel)))


def commit(s):
    """Commits the transaction, so that later writes get extents of their own."""
    s.sh('btrfs filesystem sync "$D"')


def fixed_offsets(count, span, sizes, seed):
    """count (offset, size) pairs in [0, span), the same on every run (a
    small linear congruential generator, so no module state is touched)."""
    x = seed
    out = []
    for _ in range(count):
        x = (x * 1103515245 + 12345) % (1 << 31)
        size = sizes[x % len(sizes)]
        x = (x * 1103515245 + 12345) % (1 << 31)
        out.append((x % (span - size), size))
    return out



# -- holes, preallocation, sizes ------------------------------------------

@scenario('hole-punched-mid-file', '"Btrfs: fix send to deal with sparse files properly"',
          'a 1 MiB file that gets a 256 KiB hole punched in its middle (fstests btrfs/016)')
def hole_punched_mid_file(s):
    xfs_io(s, 'foo', 'pwrite -S 0x5a 0 1M')
    s.snap('snap')
    xfs_io(s, 'foo', 'fpunch 256K 256K')
    s.snap('snap1')


@scenario('hole-detection-across-leaves', 'bf54f412f062 ("Btrfs: fix send file hole detection leading'
          ' to data corruption")', 'a sparse file whose alternating prealloc and written extents fill'
          ' several 4 KiB leaves, then truncated down into them (fstests btrfs/034)', mkfs=('-n', '4096'))
def hole_detection_across_leaves(s):
    commands = ['truncate 8M']
    for i in range(200):
        offset = 32 * K + i * 8 * K
        commands += ['falloc -k %d %d' % (offset, offset + 8 * K), 'pwrite -S 0xf0 %d 4K' % offset]
    xfs_io(s, 'foo', *commands)
    s.snap('mysnap1')
    xfs_io(s, 'foo', 'truncate 1234567')
    s.snap('mysnap2')


@scenario('prealloc-scattered-writes', '"Btrfs: send, fix data corruption due to incorrect hole detection"',
          'a file preallocated in full with 80 small writes scattered into it over several leaves, then'
          ' one 10-byte overwrite (fstests btrfs/046)', mkfs=('-n', '4096'))
def prealloc_scattered_writes(s):
    xfs_io(s, 'foo', 'falloc -k 0 8M')
    s.snapshot(s.dir, 'mysnap0')
    writes = fixed_offsets(80, 8 * M, (123, 1121, 7000, 9216, 17408, 23552, 39936), seed=46)
    xfs_io(s, 'foo', *('pwrite -S 0x%02x -b %d %d %d' % (1 + i % 250, size, offset, size)
                       for i, (offset, size) in enumerate(writes)))
    s.snap('mysnap1')
    xfs_io(s, 'foo', 'pwrite -S 0xff -b 10 %d 10' % writes[0][0])
    s.snap('mysnap2')


@scenario('sparse-file-holes', '"Btrfs: incremental send, fix unnecessary hole writes for sparse files"',
          'a file that grows past a 1 MiB hole and a sparse file whose last extent is rewritten'
          ' (fstests btrfs/137, no-holes)')
def sparse_file_holes(s):
    xfs_io(s, 'foo', 'pwrite -S 0xaa -b 64K 0 64K')
    xfs_io(s, 'bar', 'pwrite -S 0xaa -b 64K 0 64K', 'pwrite -S 0xbb -b 64K 1088K 64K')
    s.snap('snap1')
    xfs_io(s, 'foo', 'pwrite -S 0xbb -b 64K 1088K 64K')
    xfs_io(s, 'bar', 'pwrite -S 0xcc -b 64K 1088K 64K')
    s.snap('snap2')


@scenario('sparse-file-hole-items', '"Btrfs: incremental send, fix unnecessary hole writes for sparse files"',
          'the trees of sparse-file-holes on a filesystem with explicit hole extent items'
          ' (fstests btrfs/137 without no-holes)', mkfs=('-O', '^no-holes'))
def sparse_file_hole_items(s):
    sparse_file_holes(s)


@scenario('prealloc-beyond-eof-punched', '"Btrfs: send, fix incorrect file layout after hole punching'
          ' beyond eof"', 'a 1 MiB file with 4 MiB preallocated from 0 that gets a hole punched from its'
          ' size into the preallocated range (fstests btrfs/169)')
def prealloc_beyond_eof_punched(s):
    xfs_io(s, 'foobar', 'falloc -k 0 4M', 'pwrite -S 0xea 0 1M')
    s.snap('snap1')
    xfs_io(s, 'foobar', 'fpunch 1M 2M')
    s.snap('snap2')


@scenario('no-holes-punch-to-size', '"Btrfs: incremental send, fix file corruption when no-holes feature is'
          ' enabled"', 'a 500 KiB file with a preallocated extent past its size that gets all its data'
          ' punched out (fstests btrfs/188)', mkfs=('-O', 'no-holes'))
def no_holes_punch_to_size(s):
    xfs_io(s, 'foobar', 'pwrite -S 0xab 0 500K', 'falloc -k 1200K 800K')
    s.snap('base')
    xfs_io(s, 'foobar', 'fpunch 0 500K')
    s.snap('incr')


@scenario('prealloc-past-size-grows', '"Btrfs: send, fix missing truncate for inode with prealloc extent'
          ' past eof"', 'a file that gets a new extent past its old size, a larger size and a preallocated'
          ' extent beyond that size, so that its last write ends well before the size')
def prealloc_past_size_grows(s):
    xfs_io(s, 'foo', 'pwrite -S 0x11 0 320739')
    s.snap('snap1')
    xfs_io(s, 'foo', 'pwrite -S 0x22 471040 26624', 'truncate 1434624', 'falloc -k 1682432 86016')
    s.snap('snap2')


@scenario('sparse-trailing-hole', '5897710b28ca ("btrfs: send: don\'t issue unnecessary zero writes for'
          ' trailing hole")', 'a 16 MiB file with no data that gets one extent at 0 and one in the middle,'
          ' leaving a trailing hole up to its size (fstests btrfs/303)')
def sparse_trailing_hole(s):
    xfs_io(s, 'foobar', 'truncate 16M')
    s.snap('mysnap1')
    xfs_io(s, 'foobar', 'pwrite -S 0xab -b 64K 0 64K', 'pwrite -S 0xcd -b 64K 8M 64K')
    s.snap('mysnap2')


@scenario('truncated-down-then-up', '5897710b28ca ("btrfs: send: don\'t issue unnecessary zero writes for'
          ' trailing hole")', 'a 1 MiB file truncated to 100 KiB and back up to 600 KiB, so that a'
          ' trailing hole now covers data the parent has, and a second file grown by truncation only')
def truncated_down_then_up(s):
    xfs_io(s, 'foo', 'pwrite -S 0x61 0 1M')
    xfs_io(s, 'bar', 'pwrite -S 0x62 0 40000')
    s.snap('snap1')
    xfs_io(s, 'foo', 'truncate 100K', 'truncate 600K')
    xfs_io(s, 'bar', 'truncate 3M')
    s.snap('snap2')
    xfs_io(s, 'bar', 'truncate 12345')
    s.snap('snap3')


@scenario('sparse-punch-written-range', 'btrfs-progs issue #1001 ("btrfs send incremental mode explodes size'
          ' of sparse file")', 'a 16 MiB sparse file that gets 1 MiB written in its middle, and that range'
          ' punched out again in the next snapshot')
def sparse_punch_written_range(s):
    xfs_io(s, 'sparse', 'truncate 16M')
    s.snap('d1')
    xfs_io(s, 'sparse', 'pwrite -S 0x3c -b 1M 7M 1M')
    s.snap('d2')
    xfs_io(s, 'sparse', 'fpunch 7M 1M')
    s.snap('d3')


@scenario('v2-holes-punched-and-refilled', '005b0a0c24e1 ("btrfs: send: use fallocate for hole punching'
          ' with send stream v2")', 'sent as stream v2: a 4 MiB file that gets every other 256 KiB punched,'
          ' part of one punched range written again, then its first 128 KiB and its last 300 KiB punched',
          proto=2, no_larger=True)
def v2_holes_punched_and_refilled(s):
    xfs_io(s, 'file', 'pwrite -S 0x71 -b 1M 0 4M')
    s.snap('v1')
    xfs_io(s, 'file', *['fpunch %d 256K' % (i * 512 * K) for i in range(8)])
    xfs_io(s, 'file', 'pwrite -S 0x72 1100K 64K')
    s.snap('v2')
    xfs_io(s, 'file', 'fpunch 0 128K', 'fpunch %d 300K' % (4 * M - 300 * K))
    s.snap('v3')


@scenario('v2-truncated-and-extended-past-hole', '005b0a0c24e1 ("btrfs: send: use fallocate for hole punching'
          ' with send stream v2")', 'sent as stream v2: a 1 MiB file truncated to 200 KiB, then written at'
          ' 1.5 MiB, and another with a hole punched before it grows by truncation', proto=2, no_larger=True)
def v2_truncated_and_extended_past_hole(s):
    xfs_io(s, 'a', 'pwrite -S 0x61 0 1M')
    xfs_io(s, 'b', 'pwrite -S 0x62 0 512K')
    s.snap('t1')
    xfs_io(s, 'a', 'truncate 200K', 'pwrite -S 0x63 1536K 64K')
    xfs_io(s, 'b', 'fpunch 128K 128K', 'truncate 2M')
    s.snap('t2')


@scenario('v2-inline-parent-punched', '"btrfs: send: check for inline extents in range_is_hole_in_parent()"',
          'sent as stream v2: files with an inline extent in the parent that gets a hole punched over it,'
          ' one of them also written at 64 KiB', proto=2, no_larger=True)
def v2_inline_parent_punched(s):
    xfs_io(s, 'inline', 'pwrite -S 0x49 0 1000')
    xfs_io(s, 'grows', 'pwrite -S 0x4a 0 2000')
    s.snap('i1')
    xfs_io(s, 'inline', 'fpunch 0 4K')
    xfs_io(s, 'grows', 'fpunch 0 4K', 'pwrite -S 0x4b 64K 16K')
    s.snap('i2')


@scenario('v2-prealloc-over-punched-data', '005b0a0c24e1 ("btrfs: send: use fallocate for hole punching'
          ' with send stream v2")', 'sent as stream v2: a 2 MiB file whose middle MiB is punched and half'
          ' of it preallocated again, inside the size and past it', proto=2, no_larger=True)
def v2_prealloc_over_punched_data(s):
    xfs_io(s, 'p', 'pwrite -S 0x70 -b 1M 0 2M')
    s.snap('p1')
    xfs_io(s, 'p', 'fpunch 512K 1M', 'falloc 512K 512K', 'falloc -k 2M 1M')
    s.snap('p2')


@scenario('delalloc-subvolume-set-readonly', '"Btrfs: send, flush dellaloc in order to avoid data loss"',
          'a subvolume with 108 KiB of buffered, unflushed writes that is made read-only by property and'
          ' sent as it is (fstests btrfs/186)')
def delalloc_subvolume_set_readonly(s):
    sv = s.subvolume('sv')
    s.use(sv)
    xfs_io(s, 'foo', 'pwrite -S 0xea 0 108K')
    s.sh('btrfs property set "$D" ro true')
    s.send_as_is(sv)


# -- inline extents -------------------------------------------------------

@scenario('inline-then-hole-then-extent', '74dd17fbe3d6 ("Btrfs: fix btrfs send for inline items and'
          ' compression")', 'a file with a small inline extent at 0, a hole after it and a regular extent'
          ' at 64 KiB, then an inline file grown past the inline limit')
def inline_then_hole_then_extent(s):
    xfs_io(s, 'foo', 'pwrite -S 0x41 0 1000')
    xfs_io(s, 'grow', 'pwrite -S 0x42 0 2000')
    commit(s)
    xfs_io(s, 'foo', 'pwrite -S 0x43 64K 16K')
    s.snap('snap1')
    xfs_io(s, 'grow', 'pwrite -S 0x44 2000 70000')
    xfs_io(s, 'foo', 'pwrite -S 0x45 100 50')
    s.snap('snap2')


@scenario('inline-compressed-then-hole', '74dd17fbe3d6 ("Btrfs: fix btrfs send for inline items and'
          ' compression")', 'a compressed inline extent at 0 followed by a hole and a compressed extent,'
          ' and a compressed extent referred to from a data offset', mount='compress=zlib')
def inline_compressed_then_hole(s):
    xfs_io(s, 'foo', 'pwrite -S 0x61 0 3500')
    commit(s)
    xfs_io(s, 'foo', 'pwrite -S 0x62 128K 64K')
    xfs_io(s, 'bar', 'pwrite -S 0x63 0 128K')
    commit(s)
    xfs_io(s, 'bar', 'pwrite -S 0x64 0 40K')
    s.snap('snap1')
    xfs_io(s, 'foo', 'pwrite -S 0x65 1000 100')
    xfs_io(s, 'bar', 'pwrite -S 0x66 100K 4K')
    s.snap('snap2')


# -- compression ------------------------------------------------------------

@scenario('compressed-clone-source-offset', '"Btrfs: use right clone root offset for compressed extents"',
          'compress-force=lzo extents referred to from non-zero data offsets, sent with a clone source'
          ' (fstests btrfs/038)', mount='compress-force=lzo')
def compressed_clone_source_offset(s):
    xfs_io(s, 'foo', 'truncate 118811', 'pwrite -S 0x0d -b 39987 92267 39987')
    a = s.snap('mysnap1')
    xfs_io(s, 'foo', 'pwrite -S 0x3e -b 80000 200000 80000')
    commit(s)
    xfs_io(s, 'foo', 'pwrite -S 0xdc -b 10000 250000 10000', 'pwrite -S 0xff -b 10000 300000 10000')
    clones = s.snap('clones_snap', parent=None)
    s.snap('mysnap2', parent=a, clone_sources=[clones])


@scenario('compressed-partial-extent-clone', '"Btrfs: incremental send, fix clone operations for compressed'
          ' extents"', 'one block of a 32-block compressed extent, referred to from a data offset of 28'
          ' blocks, cloned into a new file (fstests btrfs/094)', mount='compress')
def compressed_partial_extent_clone(s):
    xfs_io(s, 'foo', 'pwrite -S 0xaa 64K 128K', 'fsync')
    xfs_io(s, 'foo', 'pwrite -S 0xbb 64K 112K', 'fsync')
    xfs_io(s, 'foo', 'pwrite -S 0xcc 180K 12K', 'fsync')
    s.snap('mysnap1')
    xfs_io(s, 'bar', 'reflink foo 176K 176K 4K')
    s.snap('mysnap2')


@scenario('reflink-compressed-data-offset', '"Btrfs: send, fix file corruption due to incorrect cloning'
          ' operations"', 'a file of three compressed extents, one referred to from a 40 KiB data offset,'
          ' copied with reflink (fstests btrfs/109)', mount='compress')
def reflink_compressed_data_offset(s):
    xfs_io(s, 'foo', 'pwrite -S 0xaa 0 100K', 'fsync')
    xfs_io(s, 'foo', 'pwrite -S 0xbb 0 40K', 'pwrite -S 0xcc 100K 100K')
    s.sh('cp --reflink=always foo bar')
    s.snap('snap')


@scenario('clone-uncompressed-extent-at-zero', '"Btrfs: incremental send, fix emission of invalid clone'
          ' operations"', 'a 4 KiB direct-IO (uncompressed, not inline) extent at offset 0 of a file'
          ' mounted with compression, cloned to offset 8 KiB (fstests btrfs/149)',
          mount='compress,max_inline=0')
def clone_uncompressed_extent_at_zero(s):
    xfs_io(s, 'foobar', 'pwrite -S 0xab 0 4K', flags='-d')
    s.snap('mysnap1')
    xfs_io(s, 'foobar', 'reflink foobar 0 8K 4K')
    s.snap('mysnap2')


# -- clones and reflinks ------------------------------------------------------

@scenario('clone-unaligned-prealloc-truncate', 'patchwork.kernel.org/patch/3470401 (the fix fstests btrfs/025'
          ' links to, by address only)',
          'a file with a preallocated range past its size, an unaligned write beyond it and then a'
          ' truncation to an unaligned size inside that range (fstests btrfs/025)')
def clone_unaligned_prealloc_truncate(s):
    xfs_io(s, 'foo', 'truncate 819200')
    commit(s)
    xfs_io(s, 'foo', 'falloc -k 819200 667648')
    commit(s)
    xfs_io(s, 'foo', 'pwrite 1482752 2978')
    commit(s)
    s.snap('mysnap1')
    xfs_io(s, 'foo', 'truncate 883305')
    commit(s)
    s.snap('mysnap2')


@scenario('clone-to-lower-offsets', '"Btrfs: teach backref walking about backrefs with underflowed offset'
          ' values"', 'parts of a file\'s only extent, which starts at 128 KiB, cloned to lower offsets of'
          ' the same file (fstests btrfs/097)')
def clone_to_lower_offsets(s):
    xfs_io(s, 'foo', 'pwrite -S 0xaa 128K 64K')
    s.snap('mysnap1')
    xfs_io(s, 'foo', 'reflink foo 144K 0 16K', 'reflink foo 176K 16K 16K')
    s.snap('mysnap2')


@scenario('reflink-copy-then-overwrite', '"Btrfs: send, fix file corruption due to incorrect cloning'
          ' operations"', 'a 100 KiB file copied with reflink, then the original partly overwritten and'
          ' punched, sent in full (fstests btrfs/108)')
def reflink_copy_then_overwrite(s):
    xfs_io(s, 'foo', 'pwrite -S 0xaa 0 100K')
    s.sh('cp --reflink=always foo bar')
    xfs_io(s, 'foo', 'pwrite -S 0xbb 50K 10K', 'pwrite -S 0xcc 90K 10K', 'fpunch 70K 10K')
    s.snap('snap')


@scenario('clone-rewritten-head', '040ee6120cb6 ("Btrfs: send, improve clone range")', 'a 1 MiB file copied'
          ' with reflink and the copy\'s first 4 KiB rewritten, so that the rest of it refers to the extent'
          ' from a data offset')
def clone_rewritten_head(s):
    xfs_io(s, '1M', 'pwrite -S 0 -b 1M 0 1M')
    s.snap('snap1')
    s.sh('cp --reflink=always 1M clone')
    xfs_io(s, 'clone', 'pwrite -S 0 0 4K', 'fsync')
    s.snap('snap2')


@scenario('clone-source-deep-path', '"Btrfs: send, fix extent buffer tree lock assertion failure"',
          'a reflink copy, partly rewritten, of a file three directories deep, among enough empty files'
          ' for several leaves, sent with a clone source (fstests btrfs/117)', mkfs=('-n', '4096'))
def clone_source_deep_path(s):
    s.sh('mkdir -p a/b/c')
    xfs_io(s, 'a/b/c/x', 'pwrite -S 0xfd 0 128K')
    a = s.snap('snap1')
    s.sh('for i in $(seq 1 200); do : > a/b/c/z_$i; done')
    s.sh('cp --reflink=always a/b/c/x a/b/c/y')
    xfs_io(s, 'a/b/c/y', 'pwrite -S 0xab 32K 16K')
    clones = s.snap('clones_snap', parent=None)
    s.snap('snap2', parent=a, clone_sources=[clones])


@scenario('one-block-many-refs', '"Btrfs: send, skip backreference walking for extents with many'
          ' references"', 'a 1 MiB file whose 256 blocks all refer to the same 4 KiB extent'
          ' (fstests btrfs/130)')
def one_block_many_refs(s):
    xfs_io(s, 'foobar', 'pwrite -S 0xcd 0 4K', *('reflink foobar 0 %dK 4K' % (4 * i) for i in range(1, 256)))
    s.snap('ro_snap')
    xfs_io(s, 'foobar', 'pwrite -S 0xce 512K 4K')
    s.snap('ro_snap2')


@scenario('clone-truncated-unaligned-source', '3c850b451109 ("Btrfs: incremental send, fix emission of'
          ' invalid clone operations")', 'a range cloned within one file and into the middle of another,'
          ' then the source truncated to an unaligned size inside the range (fstests btrfs/189)')
def clone_truncated_unaligned_source(s):
    for name, byte in (('foo', 0xb1), ('bar', 0xc7), ('baz', 0x4d), ('zoo', 0xe2)):
        xfs_io(s, name, 'pwrite -S 0x%02x 0 512K' % byte)
    s.snap('base')
    xfs_io(s, 'bar', 'reflink bar 400K 160K 32K')
    xfs_io(s, 'zoo', 'reflink bar 400K 0 32K')
    xfs_io(s, 'bar', 'truncate 181760')
    s.snap('incr')


@scenario('dedupe-into-both-snapshots', '"Btrfs: fix incremental send failure after deduplication"',
          'a file deduplicated, in the parent snapshot and in the snapshot sent, into different ranges of'
          ' an identical file (fstests btrfs/191)')
def dedupe_into_both_snapshots(s):
    xfs_io(s, 'foo', 'pwrite -S 0xb8 -b 64K 0 512K', flags='-s')
    xfs_io(s, 'foo', 'pwrite -S 0xb8 512K 512K')
    a = s.snap('mysnap1')
    xfs_io(s, 'bar', 'pwrite -S 0xb8 0 1M')
    b = s.snap('mysnap2')
    s.sh('xfs_io -r -c "dedupe %s/bar 0 0 512K" %s/foo' % (shlex.quote(b), shlex.quote(a)))
    s.sh('xfs_io -r -c "dedupe %s/bar 512K 512K 512K" %s/foo' % (shlex.quote(b), shlex.quote(b)))


@scenario('clone-within-same-file', '"Btrfs: send, allow clone operations within the same file"',
          'a file whose only extent is shared with itself at another offset, and another file that gets'
          ' the same in the next snapshot (fstests btrfs/200)')
def clone_within_same_file(s):
    xfs_io(s, 'foo', 'pwrite -S 0xb1 -b 128K 0 128K', 'reflink foo 0 128K 128K')
    xfs_io(s, 'bar', 'pwrite -S 0xc7 -b 128K 0 128K')
    s.snap('base')
    xfs_io(s, 'bar', 'reflink bar 0 128K 128K')
    s.snap('incr')


@scenario('clone-within-file-past-old-size', '"Btrfs: send, fix emission of invalid clone operations within'
          ' the same file"', 'a 64 KiB file that grows by an extent at 512 KiB and a clone, within itself,'
          ' of a range that starts in the hole before it (fstests btrfs/203)')
def clone_within_file_past_old_size(s):
    xfs_io(s, 'foobar', 'pwrite -S 0xf1 0 64K')
    s.snap('base')
    xfs_io(s, 'foobar', 'pwrite -S 0xab 512K 64K', 'pwrite -S 0xcd 576K 64K', 'pwrite -S 0xef 640K 64K',
           'pwrite -S 0x64 704K 64K', 'pwrite -S 0x73 768K 64K', 'reflink foobar 448K 192K 192K')
    s.snap('incr')


@scenario('clone-same-file-overwritten-subranges', '"btrfs: send, fix invalid clone operations when cloning'
          ' from the same file and root"', 'parts of a 1 MiB extent cloned into the same file at three'
          ' offsets and most of the extent then overwritten (fstests btrfs/229)')
def clone_same_file_overwritten_subranges(s):
    xfs_io(s, 'foobar', 'pwrite -S 0xab 0 128K', 'pwrite -S 0xcd 128K 128K', 'pwrite -S 0xef 256K 256K',
           'pwrite -S 0x1a 512K 512K')
    s.snap('mysnap1')
    xfs_io(s, 'foobar', 'reflink foobar 64K 1M 960K', 'reflink foobar 0K 512K 256K',
           'reflink foobar 512K 128K 256K', 'pwrite -S 0x73 384K 640K')
    s.snap('mysnap2')


@scenario('clone-full-and-partial-refs', 'c7499a64dcf6 ("btrfs: send: optimize clone detection to increase'
          ' extent sharing")', 'a 128 KiB extent shared by three files, one of which overwrites its second'
          ' half (fstests btrfs/283)')
def clone_full_and_partial_refs(s):
    xfs_io(s, 'foo', 'pwrite -S 0xab -b 128K 0 128K')
    s.sh('cp --reflink=always foo bar && cp --reflink=always foo baz')
    xfs_io(s, 'foo', 'pwrite -S 0xcd -b 64K 64K 64K')
    s.snap('snap')


@scenario('clone-unaligned-extent-at-eof', '46a6e10a1ab1 ("btrfs: send: allow cloning non-aligned extent if'
          ' it ends at i_size")', 'a file of 128 KiB + 5 bytes in one extent, copied with reflink'
          ' (fstests btrfs/319)', no_larger=True)
def clone_unaligned_extent_at_eof(s):
    size = 128 * K + 5
    xfs_io(s, 'foo', 'pwrite -S 0xab -b %d 0 %d' % (size, size), flags='-d')
    s.sh('cp --reflink=always foo bar')
    s.snap('snap')


@scenario('clone-into-shrunk-file', 'fa630df665aa ("btrfs: send: fix invalid clone operation for file that'
          ' got its size decreased")', 'a 1 MiB file truncated to 0 and given a reflink of a file whose last'
          ' extent ends at an unaligned size (fstests btrfs/322)', no_larger=True)
def clone_into_shrunk_file(s):
    last = 128 * K + 5
    xfs_io(s, 'foo', 'pwrite -S 0xab -b 128K 0 128K', 'pwrite -S 0xcd -b %d 128K %d' % (last, last),
           flags='-d')
    xfs_io(s, 'bar', 'pwrite -S 0xef 0 1M')
    s.snap('snap1')
    xfs_io(s, 'bar', 'truncate 0', 'reflink foo')
    s.snap('snap2')


FIX_SHRUNK = 'fa630df665aa ("btrfs: send: fix invalid clone operation for file that got its size decreased")'


def unaligned_source(s, name, last):
    """name: 128 KiB, then an extent of `last` bytes ending the file."""
    xfs_io(s, name, 'pwrite -S 0xab -b 128K 0 128K', 'pwrite -S 0xcd -b %d 128K %d' % (last, last), flags='-d')


@scenario('clone-at-eof-into-grown-file', FIX_SHRUNK, 'a 100 KiB file given a reflink of a file whose'
          ' last extent ends 5 bytes past 256 KiB, so that it grows; and one of 300 KiB that shrinks to'
          ' the source\'s size the same way', no_larger=True)
def clone_at_eof_into_grown_file(s):
    unaligned_source(s, 'src', 128 * K + 5)
    xfs_io(s, 'grown', 'pwrite -S 0x11 0 100K')
    xfs_io(s, 'shrunk', 'pwrite -S 0x22 0 300K')
    s.snap('g1')
    xfs_io(s, 'grown', 'reflink src')
    xfs_io(s, 'shrunk', 'reflink src')
    s.snap('g2')


@scenario('clone-at-eof-source-size-changed', FIX_SHRUNK, 'a file reflinked whole from a source whose'
          ' unaligned size then changes (grown by 3 bytes, or cut inside its last extent), and reflinked'
          ' whole again into a file that had the old copy', no_larger=True)
def clone_at_eof_source_size_changed(s):
    unaligned_source(s, 'src', 128 * K + 5)
    unaligned_source(s, 'cut', 128 * K + 5)
    xfs_io(s, 'copy', 'reflink src')
    xfs_io(s, 'copy2', 'reflink cut')
    s.snap('c1')
    xfs_io(s, 'src', 'pwrite -S 0xee %d 3' % (256 * K + 5))
    xfs_io(s, 'cut', 'truncate %d' % (200 * K + 7))
    xfs_io(s, 'copy', 'reflink src')
    xfs_io(s, 'copy2', 'reflink cut')
    s.snap('c2')


@scenario('clone-unaligned-extent-mid-file', FIX_SHRUNK, 'the unaligned last extent of a file reflinked'
          ' into the middle of another, which goes on past it, and into its end, both new since the'
          ' parent', no_larger=True)
def clone_unaligned_extent_mid_file(s):
    unaligned_source(s, 'src', 128 * K + 5)
    xfs_io(s, 'mid', 'pwrite -S 0x33 0 1M')
    xfs_io(s, 'tail', 'pwrite -S 0x44 0 512K')
    s.snap('m1')
    s.sh('xfs_io -c "reflink src 128K 256K 128K" mid || true')
    s.sh('xfs_io -c "truncate 384K" -c "reflink src 128K 256K %d" tail' % (128 * K + 5))
    s.snap('m2')


@scenario('fragmented-file-many-snapshots', '"Btrfs: add regression test for iterating backrefs" (fstests'
          ' btrfs/033 names no kernel patch)', 'a file of 256 blocks written backwards with direct IO, one'
          ' extent each, in a subvolume with 20 more snapshots sharing them')
def fragmented_file_many_snapshots(s):
    xfs_io(s, 'foo', *('pwrite %d 4096' % (i * 4096) for i in range(256, 0, -1)), flags='-d')
    for i in range(20):
        s.snapshot(s.dir, 'snap_%d' % i)
    s.snap('snap_sent')


@scenario('clone-from-renamed-or-deleted', '"Btrfs: send, fix file corruption due to incorrect cloning'
          ' operations"', 'new files that share the extents of files of the parent snapshot which are'
          ' renamed or deleted in the snapshot sent, and so have another path, or none, at the receiver')
def clone_from_renamed_or_deleted(s):
    s.sh('mkdir d')
    xfs_io(s, 'a', 'pwrite -S 0xa1 0 256K')
    xfs_io(s, 'd/b', 'pwrite -S 0xb2 0 192K')
    xfs_io(s, 'c', 'pwrite -S 0xc3 0 128K')
    s.snap('snap1')
    s.sh('cp --reflink=always a a2 && rm a && cp --reflink=always d/b b2 && mv d/b d/renamed && mv d moved'
         ' && cp --reflink=always c c2 && mv c c-old')
    xfs_io(s, 'c2', 'pwrite -S 0xcc 64K 4K')
    s.snap('snap2')


@scenario('clone-source-other-subvolume', '"Btrfs: introduce BTRFS_IOC_SEND for btrfs send/receive"'
          ' (31db9f7c23fb, send -c)', 'a second subvolume whose files become reflinks of ranges of files of'
          ' another subvolume, sent from its own earlier snapshot with a snapshot of the other as clone'
          ' source')
def clone_source_other_subvolume(s):
    xfs_io(s, 'big', 'pwrite -S 0x71 0 256K', 'pwrite -S 0x72 256K 256K')
    xfs_io(s, 'small', 'pwrite -S 0x73 0 20000')
    src = s.snap('source', parent=None)
    s.use(s.subvolume('other'))
    xfs_io(s, 'old', 'pwrite -S 0x70 0 64K')
    base = s.snap('other0', parent=None)
    s.sh('cp --reflink=always %s/big whole && xfs_io -f -c "reflink %s/big 128K 0 256K" part'
         ' && xfs_io -f -c "reflink %s/small 0 0 20000" tail && xfs_io -c "pwrite -S 0x74 8K 4K" part'
         ' && xfs_io -c "reflink %s/big 0 32K 16K" old' % ((shlex.quote(src),) * 4))
    s.snap('other1', parent=base, clone_sources=[src])
