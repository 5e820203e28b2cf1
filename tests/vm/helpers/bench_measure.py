"""Timing of one send, and of reading files through the page cache, for
helpers/bench. Every measurement starts from cold caches: dirty data is
written and the page cache, dentries and inodes are dropped first. The
programs of the measurement are then run once untimed, so that loading
them is not timed: the caches that count are the scratch filesystem's.

The two senders run from copies in a tmpfs of the guest (Tools). The VM's
root is the host's, shared over 9p without a cache: every exec of a
program there reads its pages from the host again, and sendctl (statically
linked to libstdc++ and Boost) touches more of them than btrfs. An
installed tool is read from the page cache once warm, which is what the
copies give both."""
import os
import re
import shutil
import subprocess
import tempfile
import time


class Tools:
    """The two senders, copied into a tmpfs of their own mounted for the
    benchmark: `sendctl` and `btrfs` are the paths of the copies. The
    shared libraries btrfs links stay on the root, as do libc's for both.
    A context manager: the tmpfs is unmounted on leaving."""

    def __init__(self, sendctl):
        self.dir = tempfile.mkdtemp(prefix='bench-tools-')
        subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=64m', 'bench-tools', self.dir],
                       check=True)
        self.sendctl = shutil.copy(sendctl, os.path.join(self.dir, 'sendctl'))
        self.btrfs = shutil.copy(shutil.which('btrfs'), os.path.join(self.dir, 'btrfs'))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        subprocess.run(['umount', self.dir], check=True)
        os.rmdir(self.dir)


def drop_caches(tools):
    os.sync()
    with open('/proc/sys/vm/drop_caches', 'w') as f:
        f.write('3\n')
    for tool in ([tools.sendctl, 'info'], [tools.btrfs, '--version'], ['wc', '--version'],
                 ['xargs', '--version'], ['cat', '--version']):
        subprocess.run(tool, check=True, stdout=subprocess.DEVNULL)


def send_command(sender, tools, send):
    """The argv of one send of send.snap to stdout."""
    if sender == 'kernel':
        cmd = [tools.btrfs, 'send', '-q']
    else:
        cmd = [tools.sendctl, 'send', '-q']
    if send.parent:
        cmd += ['-p', send.parent]
    return cmd + send.options + [send.snap]


class Timed:
    """What one timed send gave: `seconds` (wall time of the whole
    pipeline), `stream_bytes` (what the reader counted) and `peak_memory`
    (the module's send peak afterwards; None for the in-kernel send)."""

    def __init__(self, seconds, stream_bytes, peak_memory):
        self.seconds = seconds
        self.stream_bytes = stream_bytes
        self.peak_memory = peak_memory


def module_send_peak(tools):
    """The module's peak allocated bytes since the last send that started
    alone (sendctl info's "send peak memory")."""
    info = subprocess.run([tools.sendctl, 'info'], check=True, capture_output=True, text=True).stdout
    found = re.search(r'^send peak memory: (\d+) bytes$', info, re.M)
    if not found:
        raise RuntimeError('sendctl info gave no send peak memory:\n' + info)
    return int(found.group(1))


def time_send(sender, tools, send, log):
    """Sends send with sender ('kernel' or 'bsend') from cold caches
    through a pipe to a reader that counts the bytes and throws them
    away."""
    drop_caches(tools)
    cmd = send_command(sender, tools, send)
    start = time.monotonic()
    producer = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log.f)
    counter = subprocess.run(['wc', '-c'], stdin=producer.stdout, capture_output=True, text=True)
    producer.stdout.close()
    status = producer.wait()
    seconds = time.monotonic() - start
    if status or counter.returncode:
        raise RuntimeError('%s failed with status %d' % (' '.join(cmd), status or counter.returncode))
    peak = module_send_peak(tools) if sender == 'bsend' else None
    return Timed(seconds, int(counter.stdout.split()[0]), peak)


def time_dry_run(tools, send):
    """A bsend --dry-run of send from cold caches: the metadata part of the
    send alone (no data is read, no stream written)."""
    drop_caches(tools)
    cmd = [tools.sendctl, 'send', '--dry-run']
    if send.parent:
        cmd += ['-p', send.parent]
    start = time.monotonic()
    subprocess.run(cmd + send.options + [send.snap], check=True, capture_output=True)
    return time.monotonic() - start


def file_paths(dirs):
    paths = []
    for top in dirs:
        for d, _, names in os.walk(top):
            paths += [os.path.join(d, n) for n in names]
    paths.sort()
    return paths


def data_bytes(paths):
    return sum(os.lstat(p).st_size for p in paths)


def time_page_cache_read(tools, paths):
    """Seconds for cat to read every file in paths to /dev/null from cold
    caches, cat's arguments given by xargs (a few processes in all)."""
    drop_caches(tools)
    listing = b'\0'.join(p.encode() for p in paths)
    start = time.monotonic()
    subprocess.run('xargs -0 cat >/dev/null', shell=True, input=listing, check=True)
    return time.monotonic() - start


def profile_send(sender, tools, send, report_path, log):
    """One more cold send of send by sender, under `perf record` of every
    CPU (cpu-clock samples: no PMU under TCG); the report of where the
    time went, by command and object, by symbol, and by command and
    symbol, goes to report_path."""
    drop_caches(tools)
    data = report_path + '.data'
    pipeline = '%s | wc -c >/dev/null' % ' '.join(send_command(sender, tools, send))
    subprocess.run(['perf', 'record', '-q', '-a', '-g', '-e', 'cpu-clock', '-F', '1999',
                    '-o', data, '--', 'sh', '-c', pipeline], check=True, stdout=log.f, stderr=log.f)
    with open(report_path, 'w') as out:
        for sort in ('comm,dso', 'sym', 'comm,sym'):
            subprocess.run(['perf', 'report', '-i', data, '--stdio', '--no-children',
                            '--kallsyms=/proc/kallsyms', '-g', 'none', '--sort', sort,
                            '--percent-limit', '0.5'],
                           check=True, stdout=out, stderr=log.f)
    os.unlink(data)
