default_scope = 'mmsemsyn'

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

# Each trainable network gets its own DDP wrapper; frozen networks (VGG,
# Inception, evaluation segmenters) hold no trainable parameter and stay
# unwrapped.
model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)

default_hooks = dict(
    # mmengine's RuntimeInfoHook, but the logged losses are read on the host
    # (one sync) only where a log line, validation or checkpoint needs them.
    runtime_info=dict(type='DeferredRuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    # Every `interval` iterations and the last one (a short run logs too);
    # no extra line at the dataloader length (mmsemsyn/engine/hooks).
    logger=dict(type='SynthesisLoggerHook', interval=50,
                log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=5000, by_epoch=False,
                    max_keep_ckpts=5, save_last=True,
                    # best_FID_fid_iter_<n>.pth after each validation that
                    # improves FID (mmagic's choice); the synthetic demos
                    # use pixel/PSNR, rule 'greater'.
                    save_best='FID/fid', rule='less'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # Average BN running stats over ranks (DDP keeps only parameters equal).
    sync_buffers=dict(type='BufferSyncHook'),
    # Checkpoints carry the torch RNG state, so a resume is exact.
    rng_state=dict(type='RNGStateHook'),
    # Same checkpoint keys from single-process and distributed runs.
    checkpoint_keys=dict(type='PlainCheckpointKeysHook'),
    # Updates the generator's moving average of models built with
    # model.ema=dict(momentum=0.999, start_iter=0); a no-op otherwise.
    ema=dict(type='GeneratorEMAHook', num_batches=30),
    # Ramped loss weights (Lab2Pix's lambda_2, the diversity loss's ramp-in)
    # get the runner's progress before each iteration; a no-op otherwise.
    loss_ramp=dict(type='LossRampHook'),
    # Sizes that cannot train (batch 1 with a 1x1 BatchNorm map, too many
    # D scales, sizes the generator cannot divide) and loop/sampler/
    # scheduler units that disagree stop with the fix, not a torch error.
    trainability_check=dict(type='TrainabilityCheckHook'),
)
custom_hooks = [dict(type='SynthesisVisualizationHook', interval=1000)]

log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='SynthesisVisualizer', vis_backends=vis_backends,
                  name='visualizer')
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
