#!/usr/bin/env python3
"""sync_trace.py -- where a commit's fdatasync(2) spends its time, per program.

Reads `perf script -F comm,tid,cpu,time,event,trace` of a system-wide record
of these events (bench/anchors.sh records them when TRACE is set):
    syscalls:sys_enter_fdatasync syscalls:sys_exit_fdatasync
    block:block_rq_issue block:block_rq_complete
and prints, for each program that synced often enough, medians over its
syncs (microseconds):

    sync       fdatasync's call to its return
    requests   block requests issued during it (page writes, the flush)
    writes     first request issued -> last write completed (the device)
    after      last write completed -> return (the cache flush, which the
               trace does not see complete, and the wakeups back to the
               caller)
    gap        previous sync's return (any program) -> this sync's call:
               the disk idle while the writer lock changes hands (with
               SESSION_SYNC=full it holds the meta page's own synced
               write too: LMDB writes it with O_DSYNC after the sync)

The protected page and the bare LMDB loop issue about as many requests per
sync, and their writes take about as long; where the page's sync is slower,
the difference is in `after' and `gap': wakeups, not the disk.
"""
import re
import sys
from collections import defaultdict

LINE = re.compile(r'^\s*(\S.*?)\s+(\d+)(?:/(\d+))?\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):')
MIN_SYNCS = 100


def median(v):
    v = sorted(v)
    return v[len(v) // 2] if v else float('nan')


def main():
    stats = defaultdict(lambda: defaultdict(list))
    cur = None
    last_return = None
    for line in sys.stdin:
        m = LINE.match(line)
        if not m:
            continue
        comm, pid, tid, _cpu, t, event = m.groups()
        tid = int(tid or pid)
        t = float(t) * 1e6
        if event == 'syscalls:sys_enter_fdatasync':
            cur = {'comm': comm, 'tid': tid, 'start': t, 'requests': 0,
                   'first': None, 'last': None,
                   'gap': t - last_return if last_return else None}
        elif event == 'syscalls:sys_exit_fdatasync':
            if cur and cur['tid'] == tid:
                s = stats[cur['comm']]
                s['sync'].append(t - cur['start'])
                s['requests'].append(cur['requests'])
                if cur['first'] is not None and cur['last'] is not None:
                    s['writes'].append(cur['last'] - cur['first'])
                    s['after'].append(t - cur['last'])
                # A gap over 5 ms is a pause between slices, not a hand-over.
                if cur['gap'] is not None and cur['gap'] < 5000:
                    s['gap'].append(cur['gap'])
            cur = None
            last_return = t
        elif event == 'block:block_rq_issue' and cur:
            cur['requests'] += 1
            if cur['first'] is None:
                cur['first'] = t
        elif event == 'block:block_rq_complete' and cur:
            cur['last'] = t
    cols = ['sync', 'requests', 'writes', 'after', 'gap']
    print('%-14s %7s ' % ('program', 'syncs') +
          ' '.join('%9s' % c for c in cols) + '   (medians, us)')
    for comm, s in sorted(stats.items(), key=lambda kv: -len(kv[1]['sync'])):
        if len(s['sync']) < MIN_SYNCS:
            continue
        print('%-14s %7d ' % (comm[:14], len(s['sync'])) +
              ' '.join('%9.0f' % median(s[c]) for c in cols))
    return 0


if __name__ == '__main__':
    sys.exit(main())
