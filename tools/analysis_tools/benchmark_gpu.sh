#!/usr/bin/env bash
# Every method's Cityscapes config at 256x512 on one GPU: training step in
# fp32, bf16 (autocast, no loss scaling) and bf16 + torch.compile, through
# tools/analysis_tools/benchmark.py (issue 14 item 9).
#
#   bash tools/analysis_tools/benchmark_gpu.sh          # from the repo root
#
# Needs: torch with CUDA, mmengine, mmcv(-lite), mmsegmentation and this
# package installed (pip install -e .); no internet (random weights, every
# pretrained switch off). Results: $OUT/benchmark_gpu/ when OUT is set, else
# work_dirs/benchmark_gpu/ -- one JSON + one table per config, and
# summary.txt with every table.
#
# Budget: BUDGET_S seconds (default 420) in all. The four methods of the
# issue (SPADE, pix2pixHD, LGGAN, Lab2Pix-V2) run first in fp32 and bf16,
# then their bf16+compile variants, then the other methods; a config is
# skipped once the budget is spent, and every variant process has a time
# limit (VARIANT_TIMEOUT_S, default 150), so the script ends in time.
#
# Side by side with the official code: set any of
#   OFFICIAL_SPADE=/path/to/SPADE            (NVlabs/SPADE, sync_batchnorm in)
#   OFFICIAL_PIX2PIXHD=/path/to/pix2pixHD    (NVIDIA/pix2pixHD)
#   OFFICIAL_LGGAN=/path/to/LGGAN/semantic_image_synthesis
#   OFFICIAL_LAB2PIX_V2=/path/to/Lab2Pix-V2
# (each the folder whose train.py imports models/ and options/) and that
# method's eager run gets the variant "official" first (benchmark.py
# --variant official --official-root DIR), so its table's speed-up column
# is ours / official throughput and the summary prints fp32 / official.
# The official code runs as it is (fp32). The official pix2pixHD turns
# cuDNN autotuning on (torch.backends.cudnn.benchmark) in its process; our
# configs leave it off (env_cfg.cudnn_benchmark, which benchmark.py applies
# as the Runner does): EXTRA_ARGS="--cfg-options env_cfg.cudnn_benchmark=True"
# gives ours the same.
set -u
cd "$(dirname "$0")/../.."
BUDGET_S=${BUDGET_S:-420}
VARIANT_TIMEOUT_S=${VARIANT_TIMEOUT_S:-150}
BATCH=${BATCH:-4}
ITERS=${ITERS:-10}
WARMUP=${WARMUP:-3}
SIZE=${SIZE:-256x512}
# e.g. SKIP_COMPILE=1 SIZE=64x128 ITERS=1 WARMUP=0 for a CPU dry run.
SKIP_COMPILE=${SKIP_COMPILE:-0}
EXTRA_ARGS=${EXTRA_ARGS:-}  # more benchmark.py flags, e.g. --no-flops
DEST=${OUT:-work_dirs}/benchmark_gpu
mkdir -p "$DEST"
SUMMARY="$DEST/summary.txt"
: > "$SUMMARY"
START=$(date +%s)

python3 - <<'EOF' || { echo 'benchmark_gpu.sh: missing packages (see above)'; exit 1; }
import importlib, sys
missing = [m for m in ('torch', 'mmengine', 'mmcv', 'mmseg', 'mmsemsyn')
           if importlib.util.find_spec(m) is None]
if missing:
    sys.exit(f'not importable: {missing}; install mmengine, mmcv-lite, '
             'mmsegmentation and `pip install -e .` first')
import torch
print('torch', torch.__version__, 'cuda', torch.cuda.is_available(),
      torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')
EOF
nvidia-smi --query-gpu=name,memory.total,clocks.max.sm --format=csv \
    >> "$SUMMARY" 2>/dev/null

MAIN="configs/spade/spade_cityscapes.py
configs/pix2pixhd/pix2pixhd_512p_cityscapes.py
configs/lggan/lggan_cityscapes.py
configs/lab2pix/lab2pix-v2_cityscapes-512x256.py"
OTHERS="configs/pix2pix/pix2pix_cityscapes.py
configs/crn/crn_256p_cityscapes.py
configs/lab2pix/lab2pix-v1_cityscapes.py
configs/denoising_gan/denoising-gan_cityscapes.py
configs/diversity/pix2pix-div_cityscapes.py
configs/diversity/crn-div_cityscapes.py"

official_root() {  # official_root CONFIG -> the OFFICIAL_* folder or ''
    case "$1" in
        configs/spade/spade_*) echo "${OFFICIAL_SPADE:-}" ;;
        configs/pix2pixhd/*) echo "${OFFICIAL_PIX2PIXHD:-}" ;;
        configs/lggan/*) echo "${OFFICIAL_LGGAN:-}" ;;
        configs/lab2pix/lab2pix-v2*) echo "${OFFICIAL_LAB2PIX_V2:-}" ;;
        *) echo "" ;;
    esac
}

OFF_ARGS=()  # --official-root DIR for the run that has an official variant
run() {  # run CONFIG TAG VARIANT...
    local cfg=$1 tag=$2; shift 2
    local left=$(( BUDGET_S - ($(date +%s) - START) ))
    if [ ! -f "$cfg" ]; then echo "skip $cfg (absent)" | tee -a "$SUMMARY"; return; fi
    if [ "$left" -lt 30 ]; then
        echo "skip $cfg $tag: budget spent" | tee -a "$SUMMARY"; return
    fi
    local name; name=$(basename "$cfg" .py)
    local vargs=(); for v in "$@"; do vargs+=(--variant "$v"); done
    local tmo=$(( left < VARIANT_TIMEOUT_S ? left : VARIANT_TIMEOUT_S ))
    python3 tools/analysis_tools/benchmark.py "$cfg" --mode train \
        --size "$SIZE" --batch-size "$BATCH" --iters "$ITERS" \
        --warmup "$WARMUP" --peak-tflops 989 --timeout "$tmo" \
        "${vargs[@]}" ${OFF_ARGS[@]+"${OFF_ARGS[@]}"} $EXTRA_ARGS \
        --out "$DEST/${name}_${tag}.json" \
        > "$DEST/${name}_${tag}.log" 2>&1
    { echo; echo "== $cfg ($tag, $(( $(date +%s) - START )) s elapsed)";
      sed -n '/^config: /,$p' "$DEST/${name}_${tag}.log"; } | tee -a "$SUMMARY"
}

for cfg in $MAIN; do
    root=$(official_root "$cfg")
    if [ -n "$root" ]; then
        OFF_ARGS=(--official-root "$root")
        run "$cfg" eager official fp32 bf16
        OFF_ARGS=()
    else
        run "$cfg" eager fp32 bf16
    fi
done
if [ "$SKIP_COMPILE" != 1 ]; then
    for cfg in $MAIN; do run "$cfg" compile bf16+compile; done
fi
for cfg in $OTHERS; do run "$cfg" eager fp32 bf16; done
# One line per config: img/s of every variant and the ratios to fp32.
python3 - "$DEST" <<'EOF' | tee -a "$SUMMARY"
import glob, json, os, sys
rows = {}
for path in sorted(glob.glob(os.path.join(sys.argv[1], '*.json'))):
    with open(path) as f:
        data = json.load(f)
    for r in data['results']:
        if 'error' not in r:
            rows.setdefault(data['config'], {})[r['variant']] = r
print()
print(f'{"config":<48} {"official img/s":>14} {"fp32 img/s":>18} '
      f'{"bf16":>12} {"bf16+compile":>14}'
      f' {"GFLOP/step":>11} {"peak GiB fp32":>13}')
for cfg, v in rows.items():
    base = v.get('fp32')
    def cell(key):
        r = v.get(key)
        if r is None:
            return 'n/a'
        s = f'{r["images_per_s"]:.2f}'
        if base and key != 'fp32':
            s += f' ({r["images_per_s"] / base["images_per_s"]:.2f}x)'
        return s
    gf = base and base.get('flops_per_step')
    off = v.get('official')
    fp32 = cell('fp32')
    if off and base:  # ours / official throughput
        fp32 += f' ({base["images_per_s"] / off["images_per_s"]:.2f}x off.)'
    off_s = f'{off["images_per_s"]:.2f}' if off else 'n/a'
    print(f'{os.path.basename(cfg):<48} {off_s:>14} '
          f'{fp32:>18} {cell("bf16"):>12}'
          f' {cell("bf16+compile"):>14} '
          f'{(gf / 1e9 if gf else float("nan")):>11.1f} '
          f'{(base["peak_bytes"] / 2**30 if base else float("nan")):>13.2f}')
EOF
echo "total $(( $(date +%s) - START )) s; TFLOP/s column: % of 989 (H100/H200 dense bf16)" | tee -a "$SUMMARY"
