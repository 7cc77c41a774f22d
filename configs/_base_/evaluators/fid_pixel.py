# Datasets without a standard segmenter (facades, pix2pix's colour-coded
# Cityscapes): FID + PSNR/SSIM/MSE/RMSE.
test_evaluator = [
    dict(type='FrechetInceptionDistance', inception_path=None),
    dict(type='PixelMetrics'),
]
# Validation during training: FID (the best checkpoint is kept by FID/fid).
val_evaluator = [m for m in test_evaluator
                 if m['type'] == 'FrechetInceptionDistance']
