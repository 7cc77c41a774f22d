"""The label-id check lives where the label file is read (issue 14 item 3):
``LoadLabelMap`` names the file, the id and the fix; the class count comes
from the dataset's metainfo unless given; the data preprocessor no longer
reads the batch on the host (its check is an opt-in)."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from mmsemsyn.datasets.transforms.loading import LoadLabelMap, check_label_ids
from mmsemsyn.fileio import write_image
from mmsemsyn.registry import DATASETS


def bad_label(tmp_path, bad_id=9, name='bad_label.png'):
    ids = np.zeros((6, 8), np.uint8)
    ids[2, 3] = bad_id
    path = str(tmp_path / name)
    write_image(ids, path)
    return path


def test_names_file_id_and_fix(tmp_path):
    path = bad_label(tmp_path)
    with pytest.raises(ValueError, match=r'bad_label.png contains id 9 '
                       r'\(1 pixels.*expects 0..5.*num_classes'):
        LoadLabelMap(num_classes=6)(dict(label_path=path))
    # the dontcare id is allowed, any other is not
    out = LoadLabelMap(num_classes=6, dontcare_label=9)(dict(label_path=path))
    assert out['gt_label'][2, 3] == 9
    check_label_ids(np.array([[0, 5]]), 6, None)


def test_class_count_from_the_sample_unless_a_remap(tmp_path):
    path = bad_label(tmp_path)
    with pytest.raises(ValueError, match='bad_label.png.*9'):
        LoadLabelMap()(dict(label_path=path, num_classes=6,
                            dontcare_label=None))
    # no class count: nothing to check against
    LoadLabelMap()(dict(label_path=path))
    # a remap changes the id space: the sample's count no longer applies
    out = LoadLabelMap(label_map={9: 255})(dict(label_path=path,
                                                num_classes=6))
    assert out['gt_label'][2, 3] == 255
    with pytest.raises(ValueError, match='id 255'):
        LoadLabelMap(label_map={9: 255}, num_classes=6)(dict(
            label_path=path))


def test_dataset_metainfo_drives_the_check(tmp_path):
    init_default_scope('mmsemsyn')
    (tmp_path / 'label').mkdir()
    (tmp_path / 'img').mkdir()
    bad_label(tmp_path / 'label', name='a.png')
    write_image(np.zeros((6, 8, 3), np.uint8), str(tmp_path / 'img' / 'a.png'))
    ds = DATASETS.build(dict(
        type='SynthesisDataset', data_root=str(tmp_path),
        data_prefix=dict(label_path='label', img_path='img'),
        img_suffix='.png', metainfo=dict(classes=tuple('abcdef')),
        pipeline=[dict(type='LoadLabelMap'), dict(type='LoadSynImage'),
                  dict(type='PackSynInputs')]))
    with pytest.raises(ValueError, match=r'a.png contains id 9'):
        ds[0]


def test_preprocessor_check_is_opt_in():
    from mmsemsyn.models.data_preprocessors.syn_data_preprocessor import (
        SynDataPreprocessor,
    )
    from mmsemsyn.structures import SynDataSample
    label = torch.zeros(1, 4, 4, dtype=torch.int64)
    label[0, 1, 1] = 9
    sample = SynDataSample(metainfo=dict(label_path='x_label.png'))
    data = dict(inputs=dict(label=[label]), data_samples=[sample])
    pre = SynDataPreprocessor(num_classes=6, check_labels=True)
    with pytest.raises(ValueError, match='x_label.png contains id 9'):
        pre(data)
