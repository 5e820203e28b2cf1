"""Names: an inode's place in the tree changed between parent and snapshot
sent. Renames and moves, names swapped between inodes, parent/child
relationships inverted (the renames that must wait for another one, the
pending directory moves), inodes orphanized so that their old name can be
taken, directories removed while their children still wait to be moved,
hardlinks, extended refs (more names for one inode in one directory than an
inode ref item holds, quickly reached on 4 KiB nodes) and long paths.

Most trees are those of the fstests btrfs/* send tests that name the fix;
inode numbers matter for most of them (the in-kernel send walks the inodes
in ascending order), and every scenario starts in a new subvolume whose
first inode is 257, as on a new filesystem. The steps are written as short
command lines run by run() below (in Python, without a shell): mkdir [-p],
touch, mv and ln (onto an existing directory: into it, as mv and ln do),
rm [-f] [-r], rmdir, chmod, write/append PATH TEXT."""
import os
import shlex
import shutil

from send_history import scenario


def _target(s, src, dst):
    """dst as mv and ln see it: an existing directory means dst/basename(src)."""
    path = s.path(dst)
    if os.path.isdir(path) and not os.path.islink(path):
        path = os.path.join(path, os.path.basename(src.rstrip('/')))
    return path


def run(s, script):
    """Runs the command lines of script in s.dir, one a line (lines that
    begin with '#' are left out)."""
    for line in script.strip().splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        s.log('+ names:', line)
        words = shlex.split(line)
        verb, args = words[0], words[1:]
        flags = [a for a in args if a.startswith('-')]
        args = [a for a in args if not a.startswith('-')]
        if verb == 'mkdir':
            for a in args:
                if '-p' in flags:
                    os.makedirs(s.path(a), exist_ok=True)
                else:
                    os.mkdir(s.path(a))
        elif verb == 'touch':
            for a in args:
                with open(s.path(a), 'ab'):
                    pass
                os.utime(s.path(a))
        elif verb == 'mv':
            os.rename(s.path(args[0]), _target(s, args[0], args[1]))
        elif verb == 'ln':
            os.link(s.path(args[0]), _target(s, args[0], args[1]))
        elif verb == 'rm':
            letters = ''.join(f.lstrip('-') for f in flags)
            for a in args:
                path = s.path(a)
                if 'r' in letters and os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                elif 'f' not in letters or os.path.lexists(path):
                    os.unlink(path)
        elif verb == 'rmdir':
            for a in args:
                os.rmdir(s.path(a))
        elif verb == 'chmod':
            os.chmod(s.path(args[1]), int(args[0], 8))
        elif verb in ('write', 'append'):
            s.write(args[0], (' '.join(args[1:]) + '\n').encode(), mode='wb' if verb == 'write' else 'ab')
        else:
            raise ValueError('run(): unknown command %r' % line)


def many_links(s, target, names):
    """A hardlink of target (a path under s.dir) for every name in names."""
    source = s.path(target)
    for name in names:
        os.link(source, s.path(name))


def unlink_all(s, names):
    for name in names:
        os.unlink(s.path(name))


@scenario('recreated-dir-same-names', 'ebdad913aa9c ("Btrfs: check our parent dir when doing a'
          ' compare send") (fstests btrfs/019)',
          'a directory with files and a subdirectory removed and made again with the same names'
          ' in another order, so that every name now belongs to a new inode')
def recreated_dir_same_names(s):
    run(s, '''
        mkdir test
        touch test/baz test/blah
        mkdir test/foo
        touch test/foo/bar
    ''')
    s.snap('snap1')
    run(s, '''
        rm -r test
        mkdir test
        touch test/baz
        mkdir test/foo
        touch test/foo/bar test/blah
    ''')
    s.snap('snap2')


@scenario('inverted-nesting-deep', '9f03740a956d ("Btrfs: fix infinite path build loops in incremental'
          ' send") (fstests btrfs/030)',
          'several chains of nested directories turned upside down, children becoming the parents'
          ' of their former ancestors, with files renamed and linked on the way; the chains of'
          ' 5ed7f9ff15e6 and 03cb4fb9d86d (inversion without renaming the new parent, a renamed'
          ' file in an inverted parent) are among them')
def inverted_nesting_deep(s):
    run(s, '''
        mkdir -p a/b/c
        write a/b/c/file.txt hello
        mkdir a/b/c/d a/b/c2 a/b/www
        write a/b/foobar.txt hey
        mkdir -p a/b/c3/x/y a/b/foo1/foo2
        write a/b/foo1/foo2/f.txt hey
        mkdir a/b/foo3
        mkdir -p a/b/bar1/bar2/bar3/bar4
        write a/b/bar1/bar2/bar3/bar4/hello.txt ola
    ''')
    s.snap('snap1')
    run(s, '''
        append a/b/c/file.txt world
        mv a/b/c/d a/b/c2/d2
        mv a/b/c a/b/c2/d2/cc
        mv a/b/c3/x/y a/b/c2/y2
        mv a/b/c3/x a/b/c2/y2/x2
        mv a/b/c3 a/b/c2/y2/x2/Z
        mv a/b/www a/b/c2/y2/x2/WWW
        mv a/b/foobar.txt a/b/c2/y2/x2/qwerty.txt
        ln a/b/c2/d2/cc/file.txt a/b/c2/y2/x2/Z/file_link.txt
        mv a/b/c2/d2/cc/file.txt a/b/c2/y2/x2
        mv a/b/foo3 a/b/foo1/foo33
        mv a/b/foo1/foo2 a/b/foo1/foo33/foo22
        mv a/b/foo1/foo33/foo22/f.txt a/b/foo1/foo33/foo22/fff.txt
        append a/b/bar1/bar2/bar3/bar4/hello.txt hello
        mv a/b/bar1/bar2/bar3/bar4/hello.txt a/b/bar1/bar2/bar3/bar4/hello2.txt
        mv a/b/bar1/bar2/bar3/bar4 a/b/k44
        mv a/b/bar1/bar2/bar3 a/b/k44
        mv a/b/bar1/bar2 a/b/k44/bar3
        mv a/b/bar1 a/b/k44/bar3/bar2/k11
    ''')
    s.snap('snap2')


@scenario('renamed-file-in-delayed-dir', '03cb4fb9d86d ("Btrfs: fix send dealing with file renames and'
          ' directory moves")',
          'a directory moved under a higher-numbered directory that moved too, so its move waits,'
          ' while a file inside it is renamed')
def renamed_file_in_delayed_dir(s):
    run(s, '''
        mkdir -p a/b/c/d
        touch a/b/c/d/file
        mkdir -p a/b/x
    ''')
    s.snap('snap1')
    run(s, '''
        mv a/b/x a/b/c/x2
        mv a/b/c/d a/b/c/x2/d2
        mv a/b/c/x2/d2/file a/b/c/x2/d2/file2
    ''')
    s.snap('snap2')


@scenario('child-and-parent-renamed', '2b863a135f22 ("Btrfs: incremental send, fix invalid path after'
          ' dir rename") (fstests btrfs/039)',
          'two directories that are children of directories with higher inode numbers, each'
          ' renamed in place together with its parent')
def child_and_parent_renamed(s):
    run(s, '''
        mkdir -p a/b
        mkdir d
        mkdir a/b/c
        mv d a/b/c
        mkdir e
        mkdir -p a/b/f/g
        mv e a/b/f/g
    ''')
    s.snap('snap1')
    run(s, '''
        mv a/b/c a/b/x
        mv a/b/x/d a/b/x/y
        mv a/b/f a/b/w
        mv a/b/w/g/e a/b/w/g/z
    ''')
    s.snap('snap2')


@scenario('rmdir-with-hardlinks-inside', '29d6d30f5c8a ("Btrfs: send, don\'t send rmdir for same target'
          ' multiple times") (fstests btrfs/040)',
          'a directory removed whose highest-numbered child had two names in it and keeps a third'
          ' one outside')
def rmdir_with_hardlinks_inside(s):
    run(s, '''
        mkdir -p a/b/c
        write a/b/c/hel.txt hello world
        write a/b/c/foo.txt ola mundo
        ln a/b/c/foo.txt a/b/c/bar.txt
        ln a/b/c/foo.txt a/b/baz.txt
    ''')
    s.snap('snap1')
    run(s, '''
        rm -f a/b/c/foo.txt a/b/c/bar.txt a/b/c/hel.txt
        rmdir a/b/c
    ''')
    s.snap('snap2')


@scenario('rmdir-after-pending-children', '9dc442143b98 ("Btrfs: fix send attempting to rmdir non-empty'
          ' directories") (fstests btrfs/043)',
          'two directories removed whose subdirectories were moved into directories of higher'
          ' inode numbers that were renamed or moved too, so the removal must wait for those moves')
def rmdir_after_pending_children(s):
    run(s, '''
        mkdir -p a/b
        mkdir 0 1
        mkdir a/b/c
        mv 0 a/b/c
        mv 1 a/b/c
        write a/b/c/foo.txt ola mundo
        mkdir a/b/c/x a/b/c/x2 a/b/y a/b/z
        mkdir -p a/b/d1/d2/d3
        mkdir a/b/d4
    ''')
    s.snap('snap1')
    run(s, '''
        rm -f a/b/c/foo.txt
        mv a/b/y a/b/YY
        mv a/b/z a
        mv a/b/c/x a/b/YY
        mv a/b/c/0 a/b/YY/00
        mv a/b/c/x2 a/z/X_2
        mv a/b/c/1 a/z/X_2
        rmdir a/b/c
        mv a/b/d4 a/d44
        mv a/b/d1/d2 a/d44
        rmdir a/b/d1
    ''')
    s.snap('snap2')


@scenario('delayed-move-then-chmod', 'bf0d1f441d16 ("Btrfs: fix send issuing outdated paths for utimes,'
          ' chown and chmod") (fstests btrfs/044)',
          'a directory whose move waits for a renamed directory of a higher number, its mode changed'
          ' too, while its old ancestors are renamed as well')
def delayed_move_then_chmod(s):
    run(s, '''
        mkdir -p a/b/c/d/e
        mkdir a/b/c/f
        write a/b/c/d/e/file.txt ola
        chmod 0777 a/b/c/d/e
    ''')
    s.snap('snap1')
    run(s, '''
        append a/b/c/d/e/file.txt mundo
        mv a/b/c/d/e/file.txt a/b/c/d/e/file2.txt
        mv a/b/c/f a/b/f2
        mv a/b/c/d/e a/b/f2/e2
        mv a/b/c a/b/c2
        mv a/b/c2/d a/b/c2/d2
        chmod 0700 a/b/f2/e2
    ''')
    s.snap('snap2')


@scenario('delayed-move-decisions', '7b119a8b8998 ("Btrfs: fix incremental send\'s decision to delay a'
          ' dir move/rename") (fstests btrfs/045)',
          'eight subtrees where directories become children of directories with lower or higher'
          ' numbers that have moves pending, or whose ancestors moved, and an orphaned directory'
          ' with pending descendants (with bfa7e1f8be4b, f959492fc15b, c992ec94f24c)')
def delayed_move_decisions(s):
    run(s, '''
        mkdir -p a/b
        mkdir a/c a/b/d
        touch a/file1 a/b/file2
        mv a/file1 a/b/d/file3
        ln a/b/d/file3 a/b/file4
        mkdir a/b/f
        mv a/b a/c/b2
        touch a/c/b2/d/file5
        mkdir -p a/x1/x2
        mkdir a/Z
        mkdir -p a/x1/x2/x3/x4/x5
        mkdir -p _a/_b/_c/_d
        mkdir _a/_b/_c/_d/_e _a/_b/_c/_d/_f
        mv _a/_b/_c/_d/_e _a/_b/_c/_d/_f/_E2
        mkdir _a/_b/_c/_g
        mv _a/_b/_c/_d _a/_b/_D2
        mkdir -p za/zb/zc/zd
        mkdir za/zb/ze
        mv za/zb/zc za/zb/ze/zCC
        mkdir za/zb/ze/zCC/zd/zf
        mkdir za/zg
        mkdir -p y_a/y_b
        mkdir -p y_a/y_c/y_d
        mkdir y_a/y_b/y_e y_a/y_c/y_d/y_f
        mv y_a/y_b y_a/y_c/y_d/y_2b
        mkdir y_a/y_x y_a/y_y
        mkdir -p w_a/w_b
        mkdir -p w_a/w_c/w_d
        mkdir w_a/w_b/w_e w_a/w_c/w_d/w_f
        mv w_a/w_b w_a/w_c/w_d/w_2b
        mkdir -p xa/xb
        mkdir xa/xc
        mv xa/xb xa/xc/xb2
        mkdir xa/xe
        mkdir -p %a/%b
        mkdir %a/%c %a/%b/%d %a/%c/%e
    ''')
    s.snap('snap1')
    run(s, '''
        ln a/c/b2/file4 a/c/b2/f/file6
        mv a/c/b2/d/file5 a/c/file7
        touch a/c/b2/d/file8 a/c/b2/file9
        ln a/c/b2/file9 a/c/b2/file10
        mv a/c/b2/f a/f2
        mv a/c a/c2
        mv a/c2/b2 a/f2/b3
        mv a/c2 a/f2/b3/c3
        touch a/f2/b3/c3/file11
        mv a a2
        mv a2/x1/x2/x3 a2/Z/X33
        mv a2/x1/x2 a2/Z/X33/x4/x5/X22
        mkdir _a/_o
        mv _a/_b/_c/_g _a/_b/_D2/_f/_G2
        mv _a/_b/_D2 _a/_b/_dd
        mv _a/_b/_c _a/_C2
        mv _a/_b/_dd/_f _a/_o/_FF
        mv _a/_b _a/_o/_FF/_E2/_BB
        mkdir za/zg/zh
        mv za/zb/ze za/zg/zh/zEE
        mv za/zg/zh/zEE/zCC/zd za/zg/zh/zEE/zDD
        mv za/zg/zh/zEE/zDD/zf za/zg/zh/zEE/zDD/zFF
        mv y_a/y_x y_a/y_y
        mv y_a/y_c/y_d/y_2b/y_e y_a/y_c/y_d/y_2b/y_2e
        mv y_a/y_c/y_d y_a/y_y/y_x/y_2d
        mv y_a/y_c y_a/y_y/y_x/y_2d/y_2b/y_2c
        mv w_a/w_c/w_d/w_2b/w_e w_a/w_c/w_d/w_2b/w_2e
        mkdir w_a/w_h
        mv w_a/w_c/w_d w_a/w_h/w_2d
        mv w_a/w_c w_a/w_h/w_2d/w_2b/w_2c
        mv xa/xc/xb2 xa/xe/xb3
        mkdir xa/xe/xb3/xf xa/xh
        mv xa/xc xa/xe/xb3/xf/xc2
        mv xa/xe xa/xh/xe2
        write %a/foo hello
        mkdir %a/%b/%d/%f %a/%b/%g
        mv %a/%c/%e %a/%b/%g/%e2
        mv %a/%c %a/%b/%d/%f/%c2
        mv %a/%b/%d/%f %a/%b/%g/%e2/%f2
        mv %a/foo %a/%b/%g/%e2/%f2
    ''')
    s.snap('snap2')


@scenario('extref-only-name', '51a60253a585 ("Btrfs: send, fix incorrect ref access when using extrefs")'
          ' (fstests btrfs/050)',
          'on 4 KiB nodes, a file whose only name is held in an extended ref: hundreds of links'
          ' filled its inode ref, then every name but the last one was removed', mkfs=('-n', '4096'))
def extref_only_name(s):
    base = 'home/john/files/series/qwerty'
    os.makedirs(s.path(base))
    run(s, 'touch %s/foobar' % base)
    links = ['%s/foobar_link_%04d' % (base, i) for i in range(1, 401)]
    many_links(s, base + '/foobar', links)
    many_links(s, base + '/foobar', [base + '/final_foobar_name'])
    unlink_all(s, [base + '/foobar'] + links)
    s.snap('snap1')
    # and an incremental step, where the name moves on
    run(s, 'mv %s/final_foobar_name home/john/final' % base)
    s.snap('snap2')


LONG_DIR = ('fdmanana/.config/google-chrome-mysetup/Default/Pepper_Data/Shockwave_Flash/WritableRoot/'
            '#SharedObjects/JSHJ4ZKN/s.wsj.net/[[IMPORT]]/players.edgesuite.net/flash/plugins/osmf/'
            'advanced-streaming-plugin/v2.7/osmf1.6/Ak#')


@scenario('path-over-230-bytes', '("Btrfs: send, fix corrupted path strings for long paths")'
          ' (fstests btrfs/051)',
          'a file under a directory path of about 270 bytes, longer than the inline buffer of a'
          ' send path, sent in full and then moved one level up')
def path_over_230_bytes(s):
    os.makedirs(s.path(LONG_DIR))
    s.write(LONG_DIR + '/amaiAdvancedStreamingPlugin.txt', b'hello world\n')
    s.snap('snap1')
    parent = os.path.dirname(LONG_DIR)
    run(s, 'mv "%s/amaiAdvancedStreamingPlugin.txt" "%s/moved.txt"' % (LONG_DIR, parent))
    s.snap('snap2')


@scenario('dir-moved-under-new-namesake', 'bf8e8ca6fd4a ("Btrfs: send, don\'t delay dir move if there\'s'
          ' a new parent inode") (fstests btrfs/077)',
          'a directory renamed into a new directory that takes its old name, and a chain of three'
          ' moved into a new directory with the old name of one of them')
def dir_moved_under_new_namesake(s):
    run(s, '''
        mkdir -p merlin/RC/OSD/Source
        mkdir -p fdm/RCz/OSDz/Sourcez
        mkdir -p Z/Z2
    ''')
    s.snap('snap1')
    run(s, '''
        mkdir OSD
        mv merlin/RC/OSD OSD/OSD-Plane_788
        mv OSD merlin/RC
        mkdir OSDz
        mv Z/Z2 OSDz/xz2
        mv Z OSDz/xz2/xz
        mv fdm/RCz/OSDz OSDz/xz2/xz/OSD-Plane_788z
        mv OSDz fdm/RCz
    ''')
    s.snap('snap2')


@scenario('rename-into-delayed-name', '84471e2429ed ("Btrfs: incremental send, don\'t rename a directory'
          ' too soon") (fstests btrfs/083)',
          'a directory renamed to the old name of one whose move waits for a renamed directory of a'
          ' higher number, twice (once taking the name of a higher-numbered inode)')
def rename_into_delayed_name(s):
    run(s, '''
        mkdir a b c
        touch a/file
        mkdir d e
        touch e/file2
        mkdir f
    ''')
    s.snap('snap1')
    run(s, '''
        mv c x
        mv a x/y
        mv b a
        mv f f2
        mv e f2/e2
        mv d e
    ''')
    s.snap('snap2')


@scenario('subtree-roots-swapped', '("Btrfs: incremental send, clear name from cache after'
          ' orphanization") (fstests btrfs/084)',
          'two subtrees with the same path p1/p2 in two places whose parents are swapped, so that'
          ' both are orphanized while their names are cached')
def subtree_roots_swapped(s):
    run(s, '''
        mkdir -p data/n1/n2/p1/p2
        mkdir data/n4
        mkdir -p data/p1/p2
    ''')
    s.snap('snap1')
    run(s, '''
        mv data/p1/p2 data
        mv data/n1/n2/p1/p2 data/p1
        mv data/p2 data/n1/n2/p1
        mv data/n1/n2 data/p1
        mv data/p1 data/n4
        mv data/n4/p1/n2/p1 data
    ''')
    s.snap('snap2')


@scenario('rename-dependency-web', '("Btrfs: incremental send, don\'t delay directory renames'
          ' unnecessarily") (fstests btrfs/087)',
          'a deep hierarchy of directories with repeated names whose subtrees all move between'
          ' parents, inverting ancestry, in a way that once built a cycle of delayed renames')
def rename_dependency_web(s):
    run(s, '''
        mkdir data data/n1 data/n1/n2 data/n4 data/n1/n2/p1 data/n1/n2/p1/p2 data/t6 data/t7
        mkdir -p data/t5/t7
        mkdir data/t2 data/t4
        mkdir -p data/t1/t3
        mkdir data/p1
        mv data/t1 data/p1
        mkdir -p data/p1/p2
        mv data/t4 data/p1/p2/t1
        mv data/t5 data/n4/t5
        mv data/n1/n2/p1/p2 data/n4/t5/p2
        mv data/t7 data/n4/t5/p2/t7
        mv data/t2 data/n4/t1
        mv data/p1 data/n4/t5/p2/p1
        mv data/n1/n2 data/n4/t5/p2/p1/p2/n2
        mv data/n4/t5/p2/p1/p2/t1 data/n4/t5/p2/p1/p2/n2/t1
        mv data/n4/t5/t7 data/n4/t5/p2/p1/p2/n2/t1/t7
        mv data/n4/t5/p2/p1/t1/t3 data/n4/t5/p2/p1/p2/n2/t1/t3
        mv data/n4/t5/p2/p1/p2/n2/p1 data/n4/t5/p2/p1/p2/n2/t1/t7/p1
        mv data/t6 data/n4/t5/p2/p1/p2/n2/t1/t3/t5
        mv data/n4/t5/p2/p1/t1 data/n4/t5/p2/p1/p2/n2/t1/t3/t1
        mv data/n1 data/n4/t5/p2/p1/p2/n2/t1/t7/p1/n1
    ''')
    s.snap('snap1')
    run(s, '''
        mv data/n4/t1 data/n4/t5/p2/p1/p2/n2/t1/t7/p1/t1
        mv data/n4/t5/p2/p1/p2/n2/t1 data/n4/
        mv data/n4/t5/p2/p1/p2/n2 data/n4/t1/n2
        mv data/n4/t1/t7/p1 data/n4/t1/n2/p1
        mv data/n4/t1/t3/t1 data/n4/t1/n2/t1
        mv data/n4/t1/t3 data/n4/t1/n2/t1/t3
        mv data/n4/t5/p2/p1/p2 data/n4/t1/n2/p1/p2
        mv data/n4/t1/t7 data/n4/t1/n2/p1/t7
        mv data/n4/t5/p2/p1 data/n4/t1/n2/p1/p2/p1
        mv data/n4/t1/n2/t1/t3/t5 data/n4/t1/n2/p1/p2/t5
        mv data/n4/t5 data/n4/t1/n2/p1/p2/p1/t5
        mv data/n4/t1/n2/p1/p2/p1/t5/p2 data/n4/t1/n2/p1/p2/p1/p2
        mv data/n4/t1/n2/p1/p2/p1/p2/t7 data/n4/t1/t7
    ''')
    s.snap('snap2')


@scenario('orphanized-dir-must-wait', '("Btrfs: incremental send, check if orphanized dir inode needs'
          ' delayed rename") (fstests btrfs/092)',
          'a directory orphanized because a lower-numbered one takes its name, which also has its'
          ' ancestry inverted with another directory, so its rename from the orphan name must wait')
def orphanized_dir_must_wait(s):
    run(s, '''
        mkdir -p data/n1/n2
        mkdir data/n4
        mkdir -p data/t6/t7
        mkdir data/t5 data/t7 data/n4/t2 data/t4 data/t3
        mv data/t7 data/n4/t2
        mv data/t4 data/n4/t2/t7
        mv data/t5 data/n4/t2/t7/t4
        mv data/t6 data/n4/t2/t7/t4/t5
        mv data/n1/n2 data/n4/t2/t7/t4/t5/t6
        mv data/n1 data/n4/t2/t7/t4/t5/t6
        mv data/n4/t2/t7/t4/t5/t6/t7 data/n4/t2/t7/t4/t5/t6/n2
        mv data/t3 data/n4/t2/t7/t4/t5/t6/n2/t7
    ''')
    s.snap('snap1')
    run(s, '''
        mv data/n4/t2/t7/t4/t5/t6/n1 data/n4
        mv data/n4/t2 data/n4/n1
        mv data/n4/n1/t2/t7/t4/t5/t6/n2 data/n4/n1/t2
        mv data/n4/n1/t2/n2/t7/t3 data/n4/n1/t2
        mv data/n4/n1/t2/t7/t4/t5/t6 data/n4/n1/t2
        mv data/n4/n1/t2/t7/t4 data/n4/n1/t2/t6
        mv data/n4/n1/t2/t7 data/n4/n1/t2/t3
        mv data/n4/n1/t2/n2/t7 data/n4/n1/t2
    ''')
    s.snap('snap2')


@scenario('same-name-dirs-switched', '801bec365e0e ("Btrfs: send, fix failure to move directories with'
          ' the same name around") (fstests btrfs/127)',
          'four cases of directories whose entries of one name point to other inodes in the'
          ' snapshot sent (p1 inside p1, ance inside ance), one of them orphanized while its path is'
          ' cached (with "Btrfs: incremental send, fix invalid paths for rename operations")')
def same_name_dirs_switched(s):
    run(s, '''
        mkdir -p case_1/d/p1
        mkdir case_1/p1
        mkdir -p case_2/a
        mkdir case_2/d case_2/e case_2/f case_2/ance case_2/d/ance case_2/a/c
        mv case_2/e case_2/d/ance
        mv case_2/f case_2/d/ance
        mv case_2/ance case_2/d/ance
        mkdir -p case_3/d
        mkdir case_3/a case_3/waiting_dir
        mkdir -p case_3/pre/ance
        mkdir case_3/d/ance case_3/a/c
        mv case_3/waiting_dir case_3/d/ance
        mkdir -p case_4/tmp
        mkdir case_4/below_ance
        mkdir -p case_4/pre/wait_dir
        mkdir case_4/desc case_4/ance
        mv case_4/below_ance case_4/ance
        mkdir case_4/other_dir
    ''')
    s.snap('snap1')
    run(s, '''
        mv case_1/d/p1 case_1/p1
        mv case_1/p1 case_1/d
        mv case_2/a/c case_2
        mv case_2/d/ance case_2/c
        mv case_2/c/ance/ance case_2/d
        mv case_2/c/ance/f case_2
        mv case_2/c/ance/e case_2/f
        mv case_3/d/ance case_3/a
        mv case_3/a/c case_3
        mv case_3/a/ance/waiting_dir case_3/c
        mv case_3/pre/ance case_3/d
        mv case_3/pre case_3/c/waiting_dir
        mv case_4/other_dir case_4/tmp
        mv case_4/ance/below_ance case_4/tmp/other_dir
        mv case_4/pre/wait_dir case_4/tmp/other_dir
        mv case_4/pre case_4/tmp/other_dir/below_ance
        mv case_4/desc case_4/tmp/other_dir/wait_dir
        mv case_4/ance case_4/tmp/other_dir/wait_dir/desc
    ''')
    s.snap('snap2')


@scenario('rmdir-waits-twice', '("Btrfs: send, fix warning due to late freeing of orphan_dir_info'
          ' structures") (fstests btrfs/128)',
          'a removed directory whose three children leave for directories of lower and higher'
          ' numbers, one of them through a delayed move, so its rmdir is retried more than once')
def rmdir_waits_twice(s):
    run(s, '''
        mkdir a tmp del
        mv tmp del
        mkdir a/c del/x del/y
    ''')
    s.snap('snap1')
    run(s, '''
        mv a/c .
        mv del/x a
        mv del/y a
        mv del/tmp c
        rmdir del
    ''')
    s.snap('snap2')


@scenario('rmdir-not-before-last-child', '99ea42ddb13b ("Btrfs: incremental send, fix premature rmdir'
          ' operations") (fstests btrfs/129)',
          'a removed directory whose first child waits for a higher-numbered new parent and whose'
          ' last child, numbered above that parent, has not moved yet when the delayed move is done')
def rmdir_not_before_last_child(s):
    run(s, '''
        mkdir a tmp del
        mv tmp del
        mkdir a/c del/x
    ''')
    s.snap('snap1')
    run(s, '''
        mv a/c .
        mv del/x a
        mv del/tmp c
        rmdir del
    ''')
    s.snap('snap2')


@scenario('rmdir-children-wait-apart', '("Btrfs: send, fix invalid leaf accesses due to incorrect utimes'
          ' operations")',
          'a removed directory whose two subdirectories each wait for their own new parent, two'
          ' directories of higher numbers that move up to the root')
def rmdir_children_wait_apart(s):
    run(s, '''
        mkdir a b x y del
        mv x del
        mv y del
        mkdir a/c b/d
    ''')
    s.snap('snap1')
    run(s, '''
        mv a/c .
        mv b/d .
        mv del/y c
        mv del/x d
        rmdir del
    ''')
    s.snap('snap2')


@scenario('rename-link-and-take-name', '("Btrfs: send, fix invalid path after renaming and linking file")'
          ' (fstests btrfs/144)',
          'three files in a rotation of names, one of them also given a new hardlink')
def rename_link_and_take_name(s):
    run(s, 'touch f1 f2 f3')
    s.snap('snap1')
    run(s, '''
        mv f3 f4
        ln f2 f5
        mv f2 f3
        mv f1 f2
    ''')
    s.snap('snap2')


@scenario('file-takes-ancestor-name', '("Btrfs: incremental send, fix invalid path for unlink commands")'
          ' (fstests btrfs/145)',
          'a directory renamed to the name of a file it holds in the parent snapshot, and a file'
          ' renamed to the old name of that directory')
def file_takes_ancestor_name(s):
    run(s, '''
        mkdir dir1 dir1/dir2
        touch dir1/dir2/file1 dir1/dir2/file2 dir1/dir2/file3
        mkdir dir1/dir3
        mv dir1/dir2/file2 dir1/dir3/file22
        mkdir dir1/dir3/dir4
    ''')
    s.snap('snap1')
    run(s, '''
        mv dir1/dir2/file3 dir1/dir3/dir4/file33
        mv dir1/dir2/file1 dir1/dir3/dir4/file11
        mv dir1/dir3 dir1/file3
        mv dir1/file3/file22 dir1/dir3
    ''')
    s.snap('snap2')


@scenario('file-takes-moved-dir-name', '("Btrfs: incremental send, fix invalid path for link commands")'
          ' (fstests btrfs/147)',
          'a directory moved away and a file renamed to its old name, after the file got a new'
          ' hardlink inside that directory')
def file_takes_moved_dir_name(s):
    run(s, '''
        mkdir dir1 dir1/dir2 dir1/dir2/dir3 dir5
        touch dir1/dir2/dir3/file1
        mkdir dir1/dir2/dir3/dir4
    ''')
    s.snap('snap1')
    run(s, '''
        mkdir dir1/dir6
        mv dir5 dir1/dir2/dir3/dir4/dir55
        ln dir1/dir2/dir3/file1 dir1/dir2/dir3/dir4/file11
        mv dir1/dir2/dir3/dir4 dir1/dir6/dir44
        mv dir1/dir2/dir3/file1 dir1/dir2/dir3/dir4
    ''')
    s.snap('snap2')


@scenario('hardlink-renamed-to-dir-name', '("Btrfs: incremental send, fix wrong unlink path after renaming'
          ' file") (fstests btrfs/155)',
          'files with several hardlinks in several directories, one link renamed to the old name of'
          ' a directory that was moved, orphanized, and holds another link')
def hardlink_renamed_to_dir_name(s):
    run(s, '''
        mkdir a
        touch a/f1
        mkdir -p a/b/c
        ln a/f1 a/b/c/f1l1
        touch a/b/f2
        mkdir d
        mv a/b/c/f1l1 d/f1l1_2
        ln a/b/f2 a/f2l1
        ln a/b/f2 d/f2l2
        mv a/f1 d/f1_2
    ''')
    s.snap('snap1')
    run(s, '''
        mv d a/b/d2
        mv a/f2l1 d
        mkdir a/f2l1
        ln a/b/d2/f1_2 a/b/f1l2
        mv a/b a/f2l1/b2
        mv a/f2l1/b2/d2 a/f2l1/b2/c/d3
        mv a/f2l1/b2/c/d3/f2l2 a/f2l1/b2/c/d3/f2l2_2
    ''')
    s.snap('snap2')


@scenario('ancestry-inverted-many', '("Btrfs: send, fix infinite loop due to directory rename'
          ' dependencies") (fstests btrfs/178)',
          'twenty directories named after their inode numbers, nested one way and then nested'
          ' again so that many ancestors become descendants of their former descendants')
def ancestry_inverted_many(s):
    run(s, '''
        mkdir 257 258
        mv 257 258/257
        mkdir 259 260 261 262 263 264
        mv 258 264/258
        mkdir 265 266
        mv 259 266/259
        mv 260 266/260
        mv 264 266/264
        mv 265 266/265
        mkdir 266/260/267 266/268 266/269
        mv 262 266/269/262
        mkdir 266/270 271
        mv 266 271/266
        mkdir 271/266/272
        mv 263 271/266/272/263
        mkdir 273 271/266/274
        mv 273 271/266/274/273
        mkdir 271/266/272/275
        mv 271 261/271
    ''')
    s.snap('snap1')
    base = '275/274/273/262/269/258/271'
    deep = base + '/268/267/270/272/257'
    run(s, '''
        mv 261/271/266/272/275 275
        mv 261/271/266/274 275/274
        mv 261/271/266/269/262 275/274/273/262
        mv 261/271/266/269 275/274/273/262/269
        mv 261/271/266/264/258/257 261/271/266/272
        mv 261/271/266/264/258 275/274/273/262/269/258
        mv 261/271 {b}
        mv {b}/266/268 {b}/268
        mv {b}/266/260/267 {b}/268/267
        mv {b}/266/270 {b}/268/267/270
        mv {b}/266/265 {b}/266/259/265
        mv {b}/266/259 {b}/268/267/270/259
        mv {b}/266/272/263 {b}/266/264/263
        mv {b}/266/272 {b}/268/267/270/272
        mv {b}/266/260 {d}/260
        mv {b}/266/264 {d}/264
        mv 261 {d}/264/263/261
        mv {b}/266 {d}/264/263/261/266
    '''.format(b=base, d=deep))
    s.snap('snap2')


@scenario('file-swaps-with-its-dir', '("btrfs: send, orphanize first all conflicting inodes when'
          ' processing references") (fstests btrfs/221)',
          'a file that lived inside a directory takes the directory\'s old name at the root and the'
          ' old name of another file as a second link, while the directory is renamed')
def file_swaps_with_its_dir(s):
    run(s, '''
        touch a b
        mkdir testdir
        mv a testdir/a
    ''')
    s.snap('snap1')
    run(s, '''
        mv testdir/a a2
        touch testdir/a
        mv b b2
        ln a2 b
        mv testdir testdir_2
        mv a2 testdir
    ''')
    s.snap('snap2')


@scenario('two-links-swap-two-dirs', '("btrfs: send, recompute reference path after orphanization of a'
          ' directory") (fstests btrfs/222)',
          'a file whose two names are swapped with a directory and its subdirectory, each taking'
          ' the other\'s name and place')
def two_links_swap_two_dirs(s):
    run(s, '''
        touch f1 f2
        mkdir d1 d1/d2
    ''')
    s.snap('snap1')
    run(s, '''
        ln f2 d1/f2_link
        mv f1 d1/d2/f1
        mv d1 tmp
        mv f2 d1
        mv tmp f2
        mv f2/d2 tmp
        mv f2/f2_link f2/d2
        mv tmp f2/f2_link
    ''')
    s.snap('snap2')


@scenario('link-at-orphanized-dir-name', 'd8ac76cdd175 ("btrfs: send: fix invalid path for unlink'
          ' operations after parent orphanization") (fstests btrfs/241)',
          'a file takes the old name and place of a hardlink of another file inside a directory,'
          ' and a second link at the directory\'s old name, while the directory is renamed')
def link_at_orphanized_dir_name(s):
    run(s, '''
        touch file1 file2 file3
        mkdir A
        ln file3 A/hard_link
    ''')
    s.snap('snap1')
    run(s, '''
        mv file1 A/file1
        mv A/hard_link tmp
        mv file2 A/hard_link
        mv A B
        ln B/hard_link A
    ''')
    s.snap('snap2')


@scenario('extref-names-become-refs', '3aa5bd367fa5 ("btrfs: send: fix sending link commands for existing'
          ' file paths") (fstests btrfs/272)',
          'on 4 KiB nodes, 800 hardlinks of a file removed and the last 400 made again, so that names'
          ' held in extended refs in the parent are in the inode ref in the snapshot sent',
          mkfs=('-n', '4096'))
def extref_names_become_refs(s):
    run(s, 'touch foo')
    names = [str(i) for i in range(1, 801)]
    many_links(s, 'foo', names)
    s.snap('snap1')
    unlink_all(s, names)
    many_links(s, 'foo', names[400:])
    s.snap('snap2')


@scenario('extref-dirs-removed', '1fabe43b4e1a ("btrfs: send: fix duplicated rmdir operations when using'
          ' extrefs") (fstests btrfs/338)',
          'on 4 KiB nodes, two directories holding 400 hardlinks each of one file, their extended refs'
          ' interleaved in the tree, both removed with all the links', mkfs=('-n', '4096'),
          kernel_wrong={v: 'the fix (2025) is not in this kernel: it removes a directory twice'
                        for v in ('6.1', '6.12')})
def extref_dirs_removed(s):
    run(s, '''
        mkdir a b
        touch a/foo
    ''')
    for i in range(1, 401):
        os.link(s.path('a/foo'), s.path('a/foo.%d' % i))
        os.link(s.path('a/foo'), s.path('b/foo.%d' % i))
    s.snap('snap1')
    run(s, 'rm -r a b')
    s.snap('snap2')


@scenario('utimes-cache-past-renamed-dir', '("btrfs: send: fix emission of invalid paths when issuing'
          ' utimes commands") (linux-btrfs, Feb 2023)',
          'eighty directories inside one directory each get a file moved in (more pending directory'
          ' utimes than the in-kernel send caches), then that directory moves to another parent')
def utimes_cache_past_renamed_dir(s):
    run(s, 'mkdir a b')
    count = 80
    for i in range(count):
        os.mkdir(s.path('d%02d' % i))
        s.write('x%02d' % i, b'x%d\n' % i)
    run(s, 'mkdir a/top')
    for i in range(count):
        os.rename(s.path('d%02d' % i), s.path('a/top/d%02d' % i))
    s.snap('snap1')
    for i in range(count):
        os.rename(s.path('x%02d' % i), s.path('a/top/d%02d/x' % i))
    run(s, 'mv a/top b/top')
    s.snap('snap2')


def _long_path(total):
    """A path of total bytes: directories of 200-byte names, then a file."""
    parts = []
    left = total
    while left > 255:
        parts.append(('%d-' % len(parts)).ljust(200, 'd'))
        left -= 201
    parts.append(('f%d-' % total).ljust(left, 'f'))
    return '/'.join(parts)


@scenario('paths-filling-buffers', '("btrfs: send: fix buffer overflow when reversing path that is full")'
          ' (linux-btrfs, Sep 2024)',
          'files with data at every path length around 230, 256, 512, 1024 and 2048 bytes, the sizes'
          ' of the buffers a send path lives in, sent in full and again after the first directory'
          ' is renamed one byte longer and every file grows')
def paths_filling_buffers(s):
    lengths = []
    for size in (230, 256, 512, 1024, 2048):
        lengths += range(size - 3, size + 4)
    for total in lengths:
        rel = 'r/' + _long_path(total - 2)
        os.makedirs(os.path.dirname(s.path(rel)), exist_ok=True)
        s.write(rel, b'%d\n' % total)
    s.snap('snap1')
    for total in lengths:
        s.write('r/' + _long_path(total - 2), b'more\n', mode='ab')
    run(s, 'mv r rr')
    s.snap('snap2')
