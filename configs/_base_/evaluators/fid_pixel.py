# Datasets without a standard segmenter (facades, pix2pix's colour-coded
# Cityscapes): FID + PSNR/SSIM/MSE/RMSE.
test_evaluator = [
    dict(type='FrechetInceptionDistance', inception_path=None),
    dict(type='PixelMetrics'),
]
