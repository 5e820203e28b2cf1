"""The scenarios of the in-kernel send's fix history, and what runs them.

Every fix to fs/btrfs/send.c describes a tree that once made the in-kernel
send fail or send a wrong stream. Each becomes a scenario here: a function
that builds that tree in a subvolume and takes the read-only snapshots of
the chain, decorated with @scenario(name, commit, title). The scenarios are
in helpers/history/, one file per family; `send-history` runs them (VM case
014 against the module on the booted kernel; `--offline` on a host, with
`sendctl send --image` against the host kernel's btrfs send).

For each scenario the runner sends its chain with every sender, the first
snapshot in full and each next one from its parent (the previous one unless
the scenario names another), receives every stream onto that sender's own
filesystem, and compares each received snapshot with the source and with
the other sender's (helpers/incremental.py's Chain: contents, metadata,
hardlinks, the data map). A scenario passes when bsend's received trees
equal the source and the in-kernel send's.

Where the in-kernel send of a supported kernel is itself wrong for a
scenario (its fix came later than that kernel), the scenario says so in
kernel_wrong, and on that kernel the in-kernel result is only logged.

The context a scenario gets (class Scenario):
  s.dir                 the writable tree it works in (a subvolume, or
                        subvolume 5 of a filesystem of its own with
                        top_level=True)
  s.path(*parts)        a path under s.dir
  s.write(rel, data, offset=None, mode='wb')
  s.sh(script)          bash, in s.dir, with $D = s.dir and $M = the mount
  s.snap(name, parent=, clone_sources=())
                        a read-only snapshot of s.dir, sent as the next
                        step of the chain (from parent: a snapshot path,
                        None for a full send; by default the previous one)
  s.snapshot(src, name, readonly=True)
                        a snapshot that is not sent (a clone source, a
                        writable copy to go on from)
  s.subvolume(name)     a new empty writable subvolume
  s.use(path)           work in another tree from now on
  s.received_copy(snap, name)
                        snap sent by the in-kernel send and received on the
                        same filesystem: a subvolume with other inode
                        numbers and generations and a received_uuid, as a
                        parent received from another filesystem has
  s.cycle_mount()       unmount and mount the source filesystem (inode
                        numbers freed since are used again)
  s.send_as_is(path, parent=None, clone_sources=())
                        a read-only subvolume that is not a snapshot of
                        s.dir (a received one) as the next step
  s.after_sends(fn)     fn() once the chain is sent and compared
Orphan inodes (nlink 0) cannot come from a file held open in s.dir:
snapshot creation clears the orphans of the subvolume it copies. They are
made in a read-only subvolume made writable for the time (history/reuse.py,
Holder), as fstests btrfs/278 makes them.
"""
import os
import re
import shutil
import subprocess
import sys
import time

HELPERS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HELPERS)
import incremental  # noqa: E402

REGISTRY = []
RECEIVERS_REMADE_EVERY = 30	# scenarios
PREVIOUS = object()	# s.snap()'s default parent: the snapshot before
NAME_RE = re.compile(r'^[a-z0-9][a-z0-9-]*$')


class Spec:
    def __init__(self, fn, name, commit, title, top_level, mkfs, mount, kernel_wrong, needs, offline, proto,
                 no_larger):
        self.fn = fn
        self.proto = proto
        self.no_larger = no_larger
        self.name = name
        self.commit = commit
        self.title = title
        self.top_level = top_level
        self.mkfs = tuple(mkfs)
        self.mount = mount
        self.kernel_wrong = dict(kernel_wrong or {})
        self.needs = tuple(needs)
        self.offline = offline

    @property
    def own_filesystem(self):
        return self.top_level or bool(self.mkfs) or bool(self.mount)


def scenario(name, commit, title, top_level=False, mkfs=(), mount='', kernel_wrong=None, needs=(),
             offline=True, proto=None, no_larger=False):
    """Registers a scenario.
    name:         short, unique, lower case with dashes
    commit:       the kernel commit whose message describes it: 'abcdef123456
                  ("btrfs: send: fix ...")'
    title:        what the scenario builds, in a sentence
    top_level:    work in subvolume 5 of a new filesystem, as fstests do
    mkfs, mount:  mkfs.btrfs options, mount options (a new filesystem)
    kernel_wrong: {'6.1': why, ...}: the in-kernel send of that kernel
                  series gets it wrong (its fix is later); its result is
                  then only logged there
    needs:        commands it runs that may be missing (skipped then)
    offline:      False when `sendctl send --image` cannot send it
    proto:        the stream version it is always sent with (a v2
                  feature); None: as send-history --proto says
    no_larger:    at every step bsend's stream must be no larger, and
                  clone no fewer bytes, than the in-kernel send's"""
    def register(fn):
        if not NAME_RE.match(name) or any(s.name == name for s in REGISTRY):
            raise ValueError('bad or duplicate scenario name %r' % name)
        REGISTRY.append(Spec(fn, name, commit, title, top_level, mkfs, mount, kernel_wrong, needs, offline,
                             proto, no_larger))
        return fn
    return register


def load_scenarios():
    """Imports every helpers/history/*.py, which register their scenarios."""
    directory = os.path.join(HELPERS, 'history')
    for entry in sorted(os.listdir(directory)):
        if entry.endswith('.py') and not entry.startswith('_'):
            path = os.path.join(directory, entry)
            namespace = {'__file__': path, '__name__': 'history_' + entry[:-3]}
            with open(path) as f:
                exec(compile(f.read(), path, 'exec'), namespace)
    return REGISTRY


class Filesystem:
    """A btrfs on dev (a block device or a loop device), mounted on mnt."""

    def __init__(self, log, dev, mnt):
        self.log = log
        self.dev = dev
        self.mnt = mnt
        self.mount_options = ''

    def make(self, mkfs=(), mount=''):
        self.unmount()
        self.log.run(['mkfs.btrfs', '-f', '-q'] + list(mkfs) + [self.dev], check=True)
        self.mount_options = mount
        self.mount()

    def mount(self, extra=''):
        os.makedirs(self.mnt, exist_ok=True)
        options = ','.join(o for o in (self.mount_options, extra) if o)
        self.log.run(['mount', '-t', 'btrfs'] + (['-o', options] if options else []) + [self.dev, self.mnt],
                     check=True)

    def unmount(self):
        while subprocess.call(['mountpoint', '-q', self.mnt]) == 0:
            self.log.run(['umount', self.mnt], check=True)

    def cycle(self):
        os.chdir('/')
        self.unmount()
        self.mount()


def loop_filesystem(log, image, mnt, size=2 << 30):
    """A Filesystem on a loop device over a sparse file."""
    with open(image, 'wb') as f:
        f.truncate(size)
    dev = subprocess.run(['losetup', '--find', '--show', image], check=True, capture_output=True,
                         text=True).stdout.strip()
    return Filesystem(log, dev, mnt)


class Step:
    def __init__(self, snap, parent, clone_sources):
        self.snap = snap
        self.parent = parent
        self.clone_sources = tuple(clone_sources)


class Scenario:
    """What a scenario function works with (see the module's docstring)."""

    def __init__(self, log, spec, fs, top):
        self.log = log
        self.spec = spec
        self.fs = fs
        self.top = top		# where its snapshots and subvolumes go
        self.dir = None
        self.steps = []
        self.finishers = []

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def write(self, rel, data, offset=None, mode='wb'):
        path = self.path(rel)
        if offset is None:
            with open(path, mode) as f:
                f.write(data)
        else:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
            try:
                os.pwrite(fd, data, offset)
            finally:
                os.close(fd)

    def sh(self, script):
        env = dict(os.environ, D=self.dir, M=self.fs.mnt)
        self.log('+ sh:', script.strip())
        done = subprocess.run(['bash', '-euo', 'pipefail', '-c', script], cwd=self.dir, env=env,
                              stdout=self.log.f, stderr=self.log.f)
        if done.returncode:
            raise RuntimeError('scenario %s: shell commands failed with status %d: %s' % (
                self.spec.name, done.returncode, script.strip()))

    def _snapshot(self, src, dest, readonly):
        self.log.run(['btrfs', 'subvolume', 'snapshot'] + (['-r'] if readonly else []) + [src, dest],
                     check=True)
        return dest

    def snap(self, name, parent=PREVIOUS, clone_sources=()):
        path = self._snapshot(self.dir, os.path.join(self.top, name), True)
        if parent is PREVIOUS:
            parent = self.steps[-1].snap if self.steps else None
        self.steps.append(Step(path, parent, clone_sources))
        return path

    def send_as_is(self, path, parent=None, clone_sources=()):
        """Sends path, a read-only subvolume that is not a snapshot of
        s.dir (a received one, one made read-only by property), as the
        next step of the chain: in full unless parent is given."""
        self.steps.append(Step(path, parent, clone_sources))
        return path

    def after_sends(self, callback):
        """Calls callback once the chain is sent and compared."""
        self.finishers.append(callback)

    def snapshot(self, src, name, readonly=True):
        return self._snapshot(src, os.path.join(self.top, name), readonly)

    def subvolume(self, name):
        path = os.path.join(self.top, name)
        self.log.run(['btrfs', 'subvolume', 'create', path], check=True)
        return path

    def use(self, path):
        self.dir = path

    def received_copy(self, snap, name):
        """snap, sent in full by the in-kernel send and received under
        top/name (a directory holding the received subvolume)."""
        dest = os.path.join(self.top, name)
        os.makedirs(dest)
        stream = os.path.join(dest + '.stream')
        self.log.run(['btrfs', 'send', '-q', '-f', stream, snap], check=True)
        self.log.run(['btrfs', 'receive', '-f', stream, dest], check=True)
        os.unlink(stream)
        return os.path.join(dest, os.path.basename(snap))

    def cycle_mount(self):
        here = os.getcwd()
        self.fs.cycle()
        os.chdir(here if os.path.isdir(here) else '/')

    def finish(self):
        finishers, self.finishers = self.finishers, []
        for callback in finishers:
            callback()


def kernel_series(release=None):
    """'6.1' for 6.1.0-57-amd64, '6.12' for 6.12.95+deb12-amd64."""
    release = release or os.uname().release
    return '.'.join(release.split('.')[:2])


def about_kernel(text):
    """Whether a problem of Chain.step is about the in-kernel send's result."""
    return text.startswith('kernel') or text.startswith('bsend vs kernel') or 'the in-kernel send' in text


class Runner:
    """Runs scenarios on a source filesystem, receiving each sender's
    chain on a filesystem of its own. offline: bsend's streams come from
    `sendctl send --image` of the unmounted source (sendctl: its path)."""

    def __init__(self, log, source, receivers, work, sendctl, offline=False, proto_of=lambda spec: 1):
        self.log = log
        self.proto_of = proto_of	# spec -> the stream version both senders write
        self.source = source
        self.receivers = receivers	# sender -> Filesystem
        self.work = work
        self.sendctl = sendctl
        self.offline = offline
        self.series = kernel_series()
        self.shared_ready = False
        self.runs = 0

    def prepare(self, spec):
        """The filesystem and directory a scenario starts in."""
        if spec.own_filesystem:
            self.source.make(spec.mkfs, spec.mount)
            self.shared_ready = False
            if spec.top_level:
                return self.source.mnt, self.source.mnt
            top = os.path.join(self.source.mnt, spec.name)
            os.makedirs(top)
            return top, None
        if not self.shared_ready:
            self.source.make()
            self.shared_ready = True
        top = os.path.join(self.source.mnt, spec.name)
        os.makedirs(top)
        return top, None

    def offline_streams(self, steps, stream_dir, proto):
        """bsend's streams of every step, from the unmounted source."""
        ids = {}
        for step in steps:
            for path in (step.snap, step.parent) + step.clone_sources:
                if path and path not in ids:
                    ids[path] = subprocess.run(['btrfs', 'inspect-internal', 'rootid', path], check=True,
                                               capture_output=True, text=True).stdout.strip()
        os.chdir('/')
        self.source.unmount()
        made = {}
        try:
            for index, step in enumerate(steps):
                out = os.path.join(stream_dir, 'bsend-offline-%d.stream' % index)
                cmd = [self.sendctl, 'send', '-q', '--image', self.source.dev, '--subvol', ids[step.snap], '-f', out]
                if step.parent:
                    cmd += ['-p', ids[step.parent]]
                for source in step.clone_sources:
                    cmd += ['-c', ids[source]]
                if proto != 1:
                    cmd += ['--proto', str(proto)]
                start = time.monotonic()
                ok = self.log.run(cmd) == 0
                elapsed = int((time.monotonic() - start) * 1000)
                if ok and step.parent:
                    # Without room for a change set (the inodes whose names
                    # stay come from pass 3's compare): the same stream.
                    unheld = out + '.unheld'
                    unheld_cmd = [unheld if arg == out else arg for arg in cmd] + ['--memory-budget', '1']
                    ok = self.log.run(unheld_cmd) == 0
                    with open(out, 'rb') as held_stream, open(unheld, 'rb') as unheld_stream:
                        if ok and held_stream.read() != unheld_stream.read():
                            self.log('the stream sent with --memory-budget 1 differs from the one without')
                            ok = False
                made[step.snap] = (ok, out, elapsed)
        finally:
            self.source.mount()
        return made

    @staticmethod
    def against_kernel(chain, name):
        """The last step's streams: bsend's may be no larger than the
        in-kernel send's, and may clone no fewer bytes (where it clones,
        the received file shares its extents as the in-kernel one's)."""
        if set(chain.stats) != {'bsend', 'kernel'}:
            return []
        bsend, kernel = chain.stats['bsend'], chain.stats['kernel']
        problems = []
        if bsend['bytes'] > kernel['bytes']:
            problems.append(('*', 'bsend: stream of %s larger than the in-kernel one: %d > %d bytes' % (
                name, bsend['bytes'], kernel['bytes'])))
        if bsend['clone'] < kernel['clone']:
            problems.append(('*', 'bsend: %s clones fewer bytes than the in-kernel send: %d < %d' % (
                name, bsend['clone'], kernel['clone'])))
        return problems

    def run(self, spec):
        """Builds, sends, receives and compares one scenario; returns the
        problems left once what kernel_wrong allows is set aside."""
        proto = self.proto_of(spec)
        self.log('==== %s: %s (stream version %d)' % (spec.name, spec.title, proto))
        self.runs += 1
        if self.runs % RECEIVERS_REMADE_EVERY == 0:
            # Loop devices over files in TEST_TMP hold their blocks in RAM.
            for fs in self.receivers.values():
                fs.make()
        top, workdir = self.prepare(spec)
        s = Scenario(self.log, spec, self.source, top)
        if workdir is None:
            workdir = s.subvolume('work')
        s.use(workdir)
        start = time.monotonic()
        try:
            os.chdir(workdir)
            spec.fn(s)
        finally:
            os.chdir('/')
        self.log('%s: built in %.1f s' % (spec.name, time.monotonic() - start))
        stream_dir = os.path.join(self.work, spec.name)
        os.makedirs(stream_dir, exist_ok=True)
        premade = self.offline_streams(s.steps, stream_dir, proto) if self.offline else {}

        def send(log, sender, snap, parent, out, clone_sources=(), options=()):
            if sender == 'bsend' and self.offline:
                ok, made, ms = premade[snap]
                if ok:
                    shutil.move(made, out)
                return ok, ms
            return incremental.send(log, sender, snap, parent, out, clone_sources, options)

        recv = {}
        for sender, fs in self.receivers.items():
            recv[sender] = os.path.join(fs.mnt, spec.name)
            os.makedirs(recv[sender], exist_ok=True)
        chain = incremental.Chain(self.log, stream_dir, recv, tuple(self.receivers), label=spec.name + ' ',
                                  send=send, proto=proto)
        problems = []
        for step in s.steps:
            problems += chain.step(step.snap, step.clone_sources, parent=step.parent)
            if spec.no_larger:
                problems += self.against_kernel(chain, os.path.basename(step.snap))
        s.finish()
        why = spec.kernel_wrong.get(self.series)
        if why:
            tolerated = [text for _, text in problems if about_kernel(text)]
            for text in tolerated:
                self.log('%s: in-kernel send known wrong on %s (%s): %s' % (spec.name, self.series, why, text))
            problems = [(g, text) for g, text in problems if not about_kernel(text)]
        return [text for _, text in problems]


def table(specs):
    """The README table: scenario, what it builds, the commit, the case."""
    rows = ['| scenario | what it builds | described by | case |', '|---|---|---|---|']
    for spec in specs:
        rows.append('| `%s` | %s | %s | 014 |' % (spec.name, spec.title, spec.commit.replace('|', '/')))
    return '\n'.join(rows) + '\n'
