# Cross-view translation (Dayton / CVUSA, LGGAN Tables 1-2, SelectionGAN
# protocol): IS all/top-1/top-5, top-1/top-5 accuracy, KL, SSIM, PSNR,
# sharpness difference with the CSAIL Places365 AlexNet; plus FID.
# Offline: --cfg-options test_evaluator.0.classifier_path=/path/
# alexnet_places365.pth.tar
test_evaluator = [
    dict(type='CrossViewScores', classifier_path=None),
    dict(type='FrechetInceptionDistance', inception_path=None),
]
# Validation during training: FID (the best checkpoint is kept by FID/fid).
val_evaluator = [m for m in test_evaluator
                 if m['type'] == 'FrechetInceptionDistance']
