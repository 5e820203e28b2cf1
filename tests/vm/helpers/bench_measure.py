"""Timing of one send, and of reading files through the page cache, for
helpers/bench. Every measurement starts from cold caches: dirty data is
written and the page cache, dentries and inodes are dropped first. The
programs of the measurement are then run once untimed, so that loading
them (over 9p from the host, slow under TCG) is not timed: the caches that
count are the scratch filesystem's."""
import os
import re
import subprocess
import time


def drop_caches(sendctl):
    os.sync()
    with open('/proc/sys/vm/drop_caches', 'w') as f:
        f.write('3\n')
    for tool in ([sendctl, 'info'], ['btrfs', '--version'], ['wc', '--version'],
                 ['xargs', '--version'], ['cat', '--version']):
        subprocess.run(tool, check=True, stdout=subprocess.DEVNULL)


def send_command(sender, sendctl, send):
    """The argv of one send of send.snap to stdout."""
    if sender == 'kernel':
        cmd = ['btrfs', 'send', '-q']
    else:
        cmd = [sendctl, 'send', '-q']
    if send.parent:
        cmd += ['-p', send.parent]
    return cmd + [send.snap]


class Timed:
    """What one timed send gave: `seconds` (wall time of the whole
    pipeline), `stream_bytes` (what the reader counted) and `peak_memory`
    (the module's send peak afterwards; None for the in-kernel send)."""

    def __init__(self, seconds, stream_bytes, peak_memory):
        self.seconds = seconds
        self.stream_bytes = stream_bytes
        self.peak_memory = peak_memory


def module_send_peak(sendctl):
    """The module's peak allocated bytes since the last send that started
    alone (sendctl info's "send peak memory")."""
    info = subprocess.run([sendctl, 'info'], check=True, capture_output=True, text=True).stdout
    found = re.search(r'^send peak memory: (\d+) bytes$', info, re.M)
    if not found:
        raise RuntimeError('sendctl info gave no send peak memory:\n' + info)
    return int(found.group(1))


def time_send(sender, sendctl, send, log):
    """Sends send with sender ('kernel' or 'bsend') from cold caches
    through a pipe to a reader that counts the bytes and throws them
    away."""
    drop_caches(sendctl)
    cmd = send_command(sender, sendctl, send)
    start = time.monotonic()
    producer = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log.f)
    counter = subprocess.run(['wc', '-c'], stdin=producer.stdout, capture_output=True, text=True)
    producer.stdout.close()
    status = producer.wait()
    seconds = time.monotonic() - start
    if status or counter.returncode:
        raise RuntimeError('%s failed with status %d' % (' '.join(cmd), status or counter.returncode))
    peak = module_send_peak(sendctl) if sender == 'bsend' else None
    return Timed(seconds, int(counter.stdout.split()[0]), peak)


def time_dry_run(sendctl, send):
    """A bsend --dry-run of send from cold caches: the metadata part of the
    send alone (no data is read, no stream written)."""
    drop_caches(sendctl)
    cmd = [sendctl, 'send', '--dry-run']
    if send.parent:
        cmd += ['-p', send.parent]
    start = time.monotonic()
    subprocess.run(cmd + [send.snap], check=True, capture_output=True)
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


def time_page_cache_read(sendctl, paths):
    """Seconds for cat to read every file in paths to /dev/null from cold
    caches, cat's arguments given by xargs (a few processes in all)."""
    drop_caches(sendctl)
    listing = b'\0'.join(p.encode() for p in paths)
    start = time.monotonic()
    subprocess.run('xargs -0 cat >/dev/null', shell=True, input=listing, check=True)
    return time.monotonic() - start


def profile_send(sender, sendctl, send, report_path, log):
    """One more cold send of send by sender, under `perf record` of every
    CPU (cpu-clock samples: no PMU under TCG); the report of where the
    time went, by command, object and symbol, goes to report_path."""
    drop_caches(sendctl)
    data = report_path + '.data'
    pipeline = '%s | wc -c >/dev/null' % ' '.join(send_command(sender, sendctl, send))
    subprocess.run(['perf', 'record', '-q', '-a', '-g', '-e', 'cpu-clock', '-F', '1999',
                    '-o', data, '--', 'sh', '-c', pipeline], check=True, stdout=log.f, stderr=log.f)
    with open(report_path, 'w') as out:
        for sort in ('comm,dso', 'sym'):
            subprocess.run(['perf', 'report', '-i', data, '--stdio', '--no-children',
                            '--kallsyms=/proc/kallsyms', '-g', 'none', '--sort', sort,
                            '--percent-limit', '0.5'],
                           check=True, stdout=out, stderr=log.f)
    os.unlink(data)
