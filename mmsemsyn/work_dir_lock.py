"""One run per work dir: a lock file for the live run, a record of the
last one.

Two trainings started in one ``--work-dir`` write the same ``iter_N.pth``
and ``last_checkpoint`` and silently overwrite each other. ``tools/train.py``
calls :func:`acquire_work_dir` before it builds anything:

- ``<work_dir>/mmsemsyn_run.lock`` (created with ``O_EXCL``, so two starts
  cannot both get it) holds the pid, host, config and start time of the
  live run. A second run stops while that process is alive; a lock left by
  a process that no longer exists (killed run) is taken over.
- ``<work_dir>/mmsemsyn_run.json`` records the config of the last run. A
  run of *another* config in a work dir that already has checkpoints stops
  (also with ``--resume``: it would resume another model), unless
  ``overwrite=True`` (``tools/train.py --overwrite-work-dir``).
"""
import glob
import json
import os
import os.path as osp
import socket
import time
from typing import Optional

__all__ = ['WorkDirInUseError', 'WorkDirLock', 'acquire_work_dir']

LOCK_NAME = 'mmsemsyn_run.lock'
RECORD_NAME = 'mmsemsyn_run.json'


class WorkDirInUseError(RuntimeError):
    """The work dir belongs to a live run or to a run of another config."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def _read_json(path: str) -> Optional[dict]:
    try:
        with open(path) as f:
            data = json.load(f)
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def _checkpoints(work_dir: str):
    return sorted(glob.glob(osp.join(work_dir, '*.pth')))


class WorkDirLock:
    """The lock of a live run; :meth:`release` (or leaving the ``with``
    block) marks the run finished and removes the lock file."""

    def __init__(self, work_dir: str, info: dict):
        self.work_dir = work_dir
        self.info = info
        self.lock_path = osp.join(work_dir, LOCK_NAME)
        self.released = False

    def release(self, status: str = 'finished') -> None:
        if self.released:
            return
        self.released = True
        from mmsemsyn.fileio import atomic_write_bytes
        record = dict(self.info, status=status, ended=time.strftime(
            '%Y-%m-%d %H:%M:%S'))
        atomic_write_bytes(json.dumps(record, indent=2).encode(),
                           osp.join(self.work_dir, RECORD_NAME))
        held = _read_json(self.lock_path)
        if held and held.get('pid') == self.info['pid'] and \
                held.get('host') == self.info['host']:
            os.remove(self.lock_path)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.release('finished' if exc_type is None else 'failed')


def _describe(info: dict) -> str:
    return (f'pid {info.get("pid")} on {info.get("host")}, config '
            f'{info.get("config")!r}, started {info.get("started")}')


def acquire_work_dir(work_dir: str, config: str, resume: bool = False,
                     overwrite: bool = False) -> WorkDirLock:
    """Take ``work_dir`` for a run of ``config``.

    Args:
        work_dir: the run's ``--work-dir`` (created if missing).
        config: the config file of this run (compared by absolute path).
        resume: the run continues from the work dir's checkpoints.
        overwrite: take a work dir holding another config's checkpoints
            (they will be overwritten), or one locked from another host.

    Returns:
        The :class:`WorkDirLock`; release it when the run ends.

    Raises:
        WorkDirInUseError: a live run holds the lock, or the work dir holds
            checkpoints of another config and ``overwrite`` is False. The
            message names the other run and the ways out.
    """
    os.makedirs(work_dir, exist_ok=True)
    config = osp.abspath(config)
    host = socket.gethostname()
    info = dict(pid=os.getpid(), host=host, config=config,
                started=time.strftime('%Y-%m-%d %H:%M:%S'))
    lock_path = osp.join(work_dir, LOCK_NAME)
    for _ in range(3):
        try:
            fd = os.open(lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            held = _read_json(lock_path) or {}
            same_host = held.get('host') == host
            if same_host and isinstance(held.get('pid'), int) and \
                    not _pid_alive(held['pid']):
                os.remove(lock_path)  # a killed run's lock: take it over
                continue
            if not held:
                # Being written by a run that started this instant.
                time.sleep(0.2)
                if not osp.exists(lock_path) or _read_json(lock_path):
                    continue
            if same_host or not overwrite:
                raise WorkDirInUseError(
                    f'Work dir {work_dir!r} is in use by a live run '
                    f'({_describe(held)}); a second run would overwrite its '
                    'checkpoints. Give this run another --work-dir, or wait '
                    'for that run to end. If that run is dead (e.g. on '
                    f'another machine), delete {lock_path}'
                    + ('' if same_host else ' or pass --overwrite-work-dir')
                    + '.') from None
            os.remove(lock_path)
            continue
        with os.fdopen(fd, 'w') as f:
            json.dump(info, f)
        break
    else:
        raise WorkDirInUseError(f'Could not take the lock {lock_path}.')

    lock = WorkDirLock(work_dir, info)
    last = _read_json(osp.join(work_dir, RECORD_NAME))
    ckpts = _checkpoints(work_dir)
    other = last is not None and last.get('config') != config
    if ckpts and other and not overwrite:
        lock.release('refused')
        # The refused attempt must not replace the record of the real run.
        from mmsemsyn.fileio import atomic_write_bytes
        atomic_write_bytes(json.dumps(last, indent=2).encode(),
                           osp.join(work_dir, RECORD_NAME))
        raise WorkDirInUseError(
            f'Work dir {work_dir!r} holds {len(ckpts)} checkpoint(s) of a '
            f'run of another config ({_describe(last)}, '
            f'{last.get("status", "unknown")}); this run of {config!r} '
            'would overwrite them' + (' and resume from them' if resume
                                      else '') +
            '. Give this run another --work-dir, resume the other config, '
            'or pass --overwrite-work-dir to replace them.')
    if ckpts and not resume and not other:
        # No record: a run from before the record existed, or of plain
        # mmengine -- its config is unknown, so do not call it this one.
        whose = 'this config' if last is not None else (
            f'a run that left no {RECORD_NAME} (its config is unknown)')
        print(f'[mmsemsyn] {work_dir} already holds {len(ckpts)} '
              f'checkpoint(s) of {whose}; this run starts over and '
              'overwrites them (use --resume to continue instead, or '
              'another --work-dir to keep them).', flush=True)
    from mmsemsyn.fileio import atomic_write_bytes
    atomic_write_bytes(json.dumps(dict(info, status='running'),
                                  indent=2).encode(),
                       osp.join(work_dir, RECORD_NAME))
    return lock
