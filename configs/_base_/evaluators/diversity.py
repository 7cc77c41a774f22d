# Multi-modal synthesis: mean pairwise LPIPS over K samples per label map.
# Run `tools/test.py CONFIG CKPT --num-samples 10` (K = 10 as in DivCo/SMIS).
test_evaluator = [dict(type='LPIPSDiversity', net='alex')]
