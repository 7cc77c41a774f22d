"""Check a whole dataset up front: decode every file and check it against
the config, so a truncated label is found before training, not hours in.

Used by ``tools/analysis_tools/check_dataset.py CONFIG [--split train]`` and
``tools/train.py --check-data``. Each sample goes through the config's own
pipeline up to (not including) ``PackSynInputs`` -- the same loaders, hence
the same reader (:func:`~mmsemsyn.datasets.image_reader.read_image`) and the
same checks as training: missing / corrupt / truncated files, id maps and
instance maps in a lossy format, colour maps in a foreign palette, a crop
larger than the image. On top of the pipeline it checks what the model
would only see later:

- every label id is one the model accepts (``0..num_classes-1`` or the
  ``dontcare_label`` of ``model.data_preprocessor``);
- photo, label and instance map of a sample have one size;
- every sample has an instance map when the model uses instance edges.
"""
import io
import multiprocessing
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import numpy as np

from .image_reader import LossyFormatError
from .transforms.loading import LabelIdError

SPLITS = ('train', 'val', 'test')
PATH_KEYS = ('label_path', 'img_path', 'inst_path')


@dataclass
class Problem:
    """One problem of one sample."""
    index: int
    kind: str
    path: str
    message: str


@dataclass
class DatasetReport:
    """What :func:`check_dataset` found for one split."""
    split: str
    dataset: str
    num_samples: int = 0
    num_checked: int = 0
    problems: List[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def bad_samples(self) -> int:
        return len({p.index for p in self.problems})

    def by_kind(self) -> 'OrderedDict[str, List[Problem]]':
        kinds = OrderedDict()
        for problem in self.problems:
            kinds.setdefault(problem.kind, []).append(problem)
        return kinds

    def summary(self) -> str:
        """One line: samples checked, samples with problems."""
        state = 'OK' if self.ok else 'FAILED'
        return (f'{self.dataset} {self.split}: {self.num_checked} of '
                f'{self.num_samples} samples checked, {self.bad_samples} '
                f'with problems -- {state}')

    def table(self) -> str:
        """The summary table (problem | samples | first file | message) as
        plain text, for logs and terminals alike."""
        from rich.console import Console
        from rich.table import Table
        table = Table(title=self.summary(), show_lines=True)
        for name, width in (('problem', 16), ('samples', 7),
                            ('first file', 48), ('message', 80)):
            table.add_column(name, overflow='fold', max_width=width)
        if self.ok:
            table.add_row('none', '0', '-', 'every file decodes and fits '
                          'the config')
        for kind, problems in self.by_kind().items():
            first = problems[0]
            table.add_row(kind, str(len({p.index for p in problems})),
                          first.path, first.message)
        console = Console(width=160, record=True, force_terminal=False,
                          file=io.StringIO())
        console.print(table)
        return console.export_text()


def dataset_config(cfg, split: str) -> dict:
    """The ``{split}_dataloader.dataset`` of a config, or a ``KeyError``
    naming the loaders the config has."""
    if split not in SPLITS:
        raise ValueError(f'split must be one of {SPLITS}, got {split!r}.')
    loader = cfg.get(f'{split}_dataloader')
    if not loader or not loader.get('dataset'):
        have = [s for s in SPLITS if (cfg.get(f'{s}_dataloader') or {})
                .get('dataset')]
        raise KeyError(
            f'The config has no {split}_dataloader.dataset to check; it has '
            f'{have or "none"}. Pass --split with one of those.')
    return loader['dataset']


def _leaf_datasets(dataset) -> list:
    """The datasets holding samples inside wrappers (Concat / Repeat)."""
    if hasattr(dataset, 'datasets'):
        return [d for sub in dataset.datasets for d in _leaf_datasets(sub)]
    if hasattr(dataset, 'dataset') and not hasattr(dataset, 'pipeline'):
        return _leaf_datasets(dataset.dataset)
    return [dataset]


def _classify(err: Exception) -> str:
    if isinstance(err, LossyFormatError):
        return 'lossy format'
    if isinstance(err, LabelIdError):  # LoadLabelMap's check
        return 'label ids'
    if isinstance(err, FileNotFoundError):
        return 'missing file'
    if isinstance(err, OSError):
        return 'corrupt file'
    text = str(err)
    if 'palette' in text:
        return 'colour label'
    if 'size mismatch' in text:
        return 'size mismatch'
    if 'larger than the image' in text:
        return 'crop'
    return f'pipeline ({type(err).__name__})'


class SampleChecker:
    """Checks one sample of ``dataset`` against the model's label setup."""

    def __init__(self, dataset, num_classes: Optional[int],
                 dontcare_label: Optional[int], needs_instances: bool):
        self.dataset = dataset
        self.num_classes = num_classes
        self.dontcare_label = dontcare_label
        self.needs_instances = needs_instances
        transforms = getattr(dataset.pipeline, 'transforms', [])
        names = [type(t).__name__ for t in transforms]
        stop = names.index('PackSynInputs') if 'PackSynInputs' in names \
            else len(transforms)
        self.transforms = transforms[:stop]

    def __call__(self, index: int) -> List[Problem]:
        from .transforms.geometric import check_paired_shapes
        info = self.dataset.get_data_info(index)
        path = str(next((info[k] for k in PATH_KEYS if info.get(k)), index))
        results = dict(info)
        try:
            for transform in self.transforms:
                results = transform(results)
                if results is None:  # a transform that filters samples
                    return []
            check_paired_shapes(results)
        except KeyError as err:
            # A bare missing key ('img_path') gets an explanation; loaders
            # that raise KeyError with a sentence keep theirs.
            said = err.args[0] if err.args else ''
            message = said if isinstance(said, str) and ' ' in said else (
                f'a transform of the pipeline reads {err} but the sample '
                'has none: the dataset does not list that file (e.g. '
                'photos with require_img=False); remove the transform or '
                'add the files.')
            return [Problem(index, 'pipeline (missing key)', path, message)]
        except Exception as err:  # noqa: BLE001 -- reported, not raised
            return [Problem(index, _classify(err), path, str(err))]
        problems = []
        label = results.get('gt_label')
        if label is not None and self.num_classes is not None:
            label = np.asarray(label)
            valid = (label >= 0) & (label < self.num_classes)
            if self.dontcare_label is not None:
                valid |= label == self.dontcare_label
            if not valid.all():
                ids, counts = np.unique(label[~valid], return_counts=True)
                allowed = f'0..{self.num_classes - 1}'
                if self.dontcare_label is not None:
                    allowed += f' or {self.dontcare_label} (dontcare)'
                found = ', '.join(f'{i} ({c} px)' for i, c in
                                  list(zip(ids.tolist(), counts.tolist()))[:8])
                problems.append(Problem(
                    index, 'label ids', info.get('label_path', path),
                    f'ids {found} outside {allowed} (model.data_preprocessor'
                    '). Fix the file, set num_classes/dontcare_label to the '
                    "dataset's, or remap ids with LoadLabelMap(label_map=)."))
        if self.needs_instances and 'gt_inst' not in results:
            problems.append(Problem(
                index, 'instance map', path,
                'model.data_preprocessor.use_instance_edges=True but the '
                'sample has no instance map: add LoadInstanceMap to the '
                'pipeline and the instance folder to the dataset, or set '
                'use_instance_edges=False.'))
        return problems


# The checker of the running check, for forked worker processes (set before
# the pool forks, so nothing is pickled but indices and problems).
_WORKER_CHECKER: Optional[SampleChecker] = None


def _check_in_worker(index: int) -> List[Problem]:
    return _WORKER_CHECKER(index)


def check_dataset(cfg,
                  split: str = 'train',
                  limit: Optional[int] = None,
                  num_workers: int = 0,
                  progress: bool = True) -> List[DatasetReport]:
    """Decode and check every sample of a config's ``split``.

    Args:
        cfg: an mmengine ``Config`` (its dataset, pipeline and
            ``model.data_preprocessor``).
        split: 'train', 'val' or 'test' (the ``{split}_dataloader``).
        limit: check only the first ``limit`` samples of each dataset.
        num_workers: processes decoding in parallel (0: this process).
        progress: allow mmengine's progress bar (on stderr, drawn when
            :func:`mmsemsyn.progress.progress_enabled` says so: stderr is a
            terminal or ``MMSEMSYN_PROGRESS=1``); False: never.

    Returns:
        one :class:`DatasetReport` per dataset (wrappers such as
        ``ConcatDataset`` hold several). A dataset that cannot even list
        its files (a missing folder, a photo without label) yields a report
        with one 'listing' problem.
    """
    from mmengine.registry import init_default_scope

    from mmsemsyn.registry import DATASETS
    from mmsemsyn.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    init_default_scope(cfg.get('default_scope', 'mmsemsyn'))
    ds_cfg = dataset_config(cfg, split)
    name = ds_cfg.get('type', 'dataset')
    name = name if isinstance(name, str) else name.__name__
    try:
        datasets = _leaf_datasets(DATASETS.build(ds_cfg))
    except Exception as err:  # noqa: BLE001 -- reported, not raised
        report = DatasetReport(split, name)
        report.problems.append(Problem(-1, 'listing', str(
            ds_cfg.get('data_root', '')), f'{type(err).__name__}: {err}'))
        return [report]
    pre = (cfg.get('model') or {}).get('data_preprocessor') or {}
    reports = []
    for dataset in datasets:
        checker = SampleChecker(dataset, pre.get('num_classes'),
                                pre.get('dontcare_label'),
                                bool(pre.get('use_instance_edges', False)))
        total = len(dataset)
        indices = list(range(total if limit is None else min(limit, total)))
        report = DatasetReport(split, type(dataset).__name__, total,
                               len(indices))
        report.problems = _run(checker, indices, num_workers, progress)
        reports.append(report)
    return reports


def _run(checker: SampleChecker, indices: Sequence[int], num_workers: int,
         progress: bool) -> List[Problem]:
    # The tools' one progress convention: stderr, only on a terminal or
    # with MMSEMSYN_PROGRESS=1, so the tables on stdout and the logs of
    # ``tools/train.py --check-data`` stay clean.
    from mmsemsyn.progress import Progress
    bar = Progress(len(indices), None if progress else False) \
        if indices else None
    problems = []
    if num_workers > 0 and 'fork' in multiprocessing.get_all_start_methods():
        global _WORKER_CHECKER
        _WORKER_CHECKER = checker
        try:
            with multiprocessing.get_context('fork').Pool(num_workers) as pool:
                for found in pool.imap(_check_in_worker, indices,
                                       chunksize=4):
                    problems.extend(found)
                    if bar:
                        bar.update()
        finally:
            _WORKER_CHECKER = None
    else:
        for index in indices:
            problems.extend(checker(index))
            if bar:
                bar.update()
    if bar:
        bar.close()
    return problems
