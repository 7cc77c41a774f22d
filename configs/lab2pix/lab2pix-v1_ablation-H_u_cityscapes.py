# Table 1, row H_u (the paper's full Lab2Pix-V1): G_u + DG-Norm, i.e. the
# GenResBlks' norms also get the global label code (GlobalLabelEncoder).
# The official V1 code has no global encoder; this row follows the paper.
_base_ = ['./lab2pix-v1_cityscapes.py']
model = dict(generator=dict(use_global_encoder=True))
