#!/usr/bin/env python3
"""Our engine beside diffusers on one GPU, in one run: the harness of ../shared/bench/README.md
(the timing protocol) for the issue "Speed and start-up on the GPU", part 1.

Both sides run the same weights, shapes and dtype (bf16, CUDA): a full-size ModelScope
TextToVideoSDPipeline with random weights, made once in --work/pipeline (the published
UNet3DConditionModel config, the SD VAE, the published text-encoder config, the toy world's
tokenizer, ModelScope's DDIM config; reruns reuse it). Parts (--parts, default all):

  unet      UNet3D forward, batch 2 (guidance), 16 frames of 32x32 latents (256x256 video).
            diffusers eager in this process, warmed up with --warmup forwards; ours is
            `motionprobe-cli bench --component unet` (a fresh process per round, CUDA graph and
            --no-cuda-graph). Rounds alternate: reference, ours (graph), ours (eager),
            reference, …
            Each round is --iters forwards between synchronisations; the reference also gives
            CUDA-event time per round and, from one profiled round after the timed ones, the sum
            of its kernels (GPU time the CPU's noise does not move).
  vae       VAE decode of 16 frames of 32x32 latents, the same way (`bench --component
            vae-decode`); the reference is AutoencoderKL.decode on (16, 4, 32, 32), as the
            pipeline's decode_latents calls it (its 1/0.18215 scaling is left out on both sides).
  load      what a user waits for before the first step. Ours: a fresh CLI process
            (`bench --component generate --steps 1 --reps 1`, which reports its in-process load
            time apart), with its wall clock and peak RSS; the reference: from_pretrained +
            .to("cuda") in this process (Python start-up and imports not counted, CUDA context
            already made), and in a fresh Python process timed after its imports.
  latte     Latte-1's transformer (the published config, random weights redrawn ~ N(0, 1/fan_in),
            bf16) at LattePipeline's step: batch 2 (guidance), 16 frames of 64x64 latents
            (512x512 video), 16 caption tokens; diffusers eager beside `bench --component
            transformer`, alternating as in the unet part. Then parity on one input (batch 2,
            t = 981 and 37): diffusers in fp32 (TF32 off) is the reference; ours in fp32 and in bf16
            through `run-component --component transformer`, and diffusers' own bf16, are
            reported as max|x − ref| / max|ref|. Not part of the default set.
  latte_generate
            a whole Latte job: a full-size LattePipeline with random weights (Latte-1's
            transformer, t5-v1_1-xxl's encoder, the SD VAE, our test SentencePiece vocabulary) made
            once in --work/latte-pipeline, bf16; 16 frames at 512x512, 50 steps, guidance 7.5,
            seed 0. Ours: a fresh `motionprobe-cli generate` process writing tensors; the
            reference: a fresh Python process (from_pretrained + the call, output_type "pt"),
            timed after its imports and with them; --whole-runs of each, alternating.
  latte_fp32
            end-to-end parity on that pipeline in fp32 (TF32 off on both sides): 50 steps at
            16x512x512, guidance 7.5, seed 0; our `generate --dtype fp32` latents against
            LattePipeline's (output_type "latent"), max|x - ref| / max|ref|.
  cogvideox CogVideoX-2b's and -5b's transformers (--cogvideox 2b,5b; the published configs,
            random weights redrawn ~ N(0, 1/fan_in), bf16) at CogVideoXPipeline's step: batch 2,
            13 latent frames of 60x90 (49x480x720 video), 226 caption tokens, t = 999, the 5b's
            rotary table as the pipeline builds it; diffusers eager beside `bench --component
            transformer`, alternating. Then parity on one input (t = 999 and 37): diffusers fp32
            (TF32 off) the reference; ours fp32 and bf16 through run-component, and diffusers'
            own bf16.
  cogvideox_memory
            a whole random CogVideoX-5b pipeline (the transformer above, t5-v1_1-xxl's encoder,
            the published VAE config, 5b's scheduler), bf16: our `bench --component probe`
            (55 pairs at interval 100, --cogvideox-probe-steps steps, 49x480x720) with
            --gpu-memory 24 (a 24 GiB card), its peak allocation and the batch it settled on;
            and the VAE's decode of 13 latent frames, whole and tiled, with their peaks.
  cogvideox_fp32
            end-to-end parity on that pipeline's transformer config at 2b size in fp32 (TF32 off
            both sides): a random 2b pipeline, 50 steps, 9 frames (3 latent) of 480x720, seed 0;
            our `generate --dtype fp32` latents against CogVideoXPipeline's.
  generate  the whole job: 16 frames at 256x256, 50 DDIM steps, guidance 9, seed 0. Ours: a
            fresh `motionprobe-cli generate` process (wall clock); the reference: a fresh Python
            process running from_pretrained + the pipeline call (output_type "np", its default),
            timed from inside after its imports, and with them. --whole-runs times each,
            alternating.

The reference's cuDNN benchmark mode is set as ours sets it (on; runtime/device.cpp) for the unet
and vae parts (--ref-cudnn-benchmark off for the library default); the whole-job reference runs
at diffusers' defaults, as a user runs it. TF32 flags stay at the library defaults (bf16 does not
use them). Prints one JSON line per round and a summary per part (per variant), each with the GPU,
driver, torch and diffusers versions, our command line, rounds and iters; a part that fails
prints a line with "error" and the next part runs.

    PYTHONPATH=/tmp/dref/diffusers/src python3 tools/bench/side_by_side.py --cli build/engine-gpu/bin/motionprobe-cli --work /tmp/sbs

About 4 to 6 minutes on one H200 with the defaults (about one more the first time, to make the
pipeline); `--parts unet,vae` and `--parts load,generate` split it in two.
"""

import argparse
import gc
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import torch
import diffusers
import transformers
from diffusers import (AutoencoderKL, DDIMScheduler, LatteTransformer3DModel,
                       TextToVideoSDPipeline, UNet3DConditionModel)
from diffusers import CogVideoXTransformer3DModel
from diffusers.utils import logging as diffusers_logging
from torch.autograd import DeviceType
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path[:0] = [HERE, os.path.join(REPO, "tools", "gpu")]
# The random full-size pipeline's parts as the naive probe's benchmark draws them (SD VAE config,
# ModelScope's DDIM config, weights redrawn ~ N(0, 1/fan_in)), and the published text-encoder
# config (text-to-video-ms-1.7b/text_encoder/config.json).
import probe_naive  # noqa: E402
from text_encoder_fullsize import CONFIG as TEXT_ENCODER  # noqa: E402

PARTS = ("unet", "vae", "load", "generate")
EXTRA_PARTS = ("latte", "latte_generate", "latte_fp32", "cogvideox", "cogvideox_memory",
               "cogvideox_fp32")
# THUDM/CogVideoX-2b and -5b transformer/config.json (the conversion script's values; the class
# defaults cover the rest: head size 64, 16 channels, patch 2, 60x90 latents, 49 frames, 226
# caption tokens of 4096).
COGVIDEOX = {"2b": dict(num_attention_heads=30, num_layers=30,
                        use_rotary_positional_embeddings=False),
             "5b": dict(num_attention_heads=48, num_layers=42,
                        use_rotary_positional_embeddings=True)}
COGVIDEOX_SNR_SHIFT = {"2b": 3.0, "5b": 1.0}
COGVIDEOX_SCALING = {"2b": 1.15258426, "5b": 0.7}
COGVIDEOX_FRAMES = 13  # latent frames of 49
# t5-v1_1-xxl's encoder (Latte-1's text_encoder), the SD VAE, Latte-1's DDIM.
T5_XXL = dict(d_model=4096, d_kv=64, d_ff=10240, num_layers=24, num_heads=64,
              relative_attention_num_buckets=32, relative_attention_max_distance=128,
              feed_forward_proj="gated-gelu", dropout_rate=0.0, vocab_size=32128, pad_token_id=0,
              eos_token_id=1)
LATTE_PROMPT = "a dog running on the beach at sunset"
# maxin-cn/Latte-1 transformer/config.json (the PixArt-alpha-512 lineage).
LATTE_1 = dict(num_attention_heads=16, attention_head_dim=72, in_channels=4, out_channels=8,
               num_layers=28, cross_attention_dim=1152, attention_bias=True, sample_size=64,
               patch_size=2, activation_fn="gelu-approximate", num_embeds_ada_norm=1000,
               norm_type="ada_norm_single", norm_elementwise_affine=False, norm_eps=1e-6,
               caption_channels=4096, video_length=16)
LATTE_TOKENS = 16
BATCH, FRAMES, LATENT, SIZE = 2, 16, 32, 256
STEPS, GUIDANCE, SEED = 50, 9.0, 0
PROMPT = "a blue square moves up on a black background"  # bench --component generate's
DT = torch.bfloat16
# The timing line `motionprobe-cli generate` prints.
GENERATE_SUMMARY = re.compile(r"text ([\d.]+) ms, denoise ([\d.]+) ms \(([\d.]+) ms/step\), "
                              r"decode ([\d.]+) ms")

# The reference's whole Latte job in a fresh Python process. argv: folder prompt steps seed.
LATTE_REFERENCE_JOB = r"""
import json, sys, time
t0 = time.perf_counter()
import torch
from diffusers import LattePipeline
from diffusers.utils import logging as diffusers_logging
t1 = time.perf_counter()
folder, prompt, steps, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
diffusers_logging.disable_progress_bar()
pipe = LattePipeline.from_pretrained(folder, torch_dtype=torch.bfloat16).to("cuda")
torch.cuda.synchronize()
t2 = time.perf_counter()
video = pipe(prompt, num_inference_steps=steps, guidance_scale=7.5, video_length=16, height=512,
             width=512, generator=torch.Generator().manual_seed(seed), output_type="pt").frames
torch.cuda.synchronize()
t3 = time.perf_counter()
print(json.dumps(dict(import_s=t1 - t0, load_s=t2 - t1, call_s=t3 - t2, after_imports_s=t3 - t1,
                      finite=bool(torch.isfinite(video).all()))))
"""

# The reference's whole job (or, with steps 0, its load alone) in a fresh Python process, timed
# from inside: after the imports and with them. argv: folder prompt steps seed frames size.
REFERENCE_JOB = r"""
import json, sys, time
t0 = time.perf_counter()
import torch
import diffusers
from diffusers import TextToVideoSDPipeline
from diffusers.utils import logging as diffusers_logging
t1 = time.perf_counter()
folder, prompt = sys.argv[1], sys.argv[2]
steps, seed, frames, size = (int(v) for v in sys.argv[3:7])
diffusers_logging.disable_progress_bar()
pipe = TextToVideoSDPipeline.from_pretrained(folder, torch_dtype=torch.bfloat16).to("cuda")
torch.cuda.synchronize()
t2 = time.perf_counter()
out = dict(import_s=t1 - t0, load_s=t2 - t1, cudnn_benchmark=torch.backends.cudnn.benchmark)
def host_peak_GiB():  # this process's VmHWM (ru_maxrss would start at the harness's size)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 2**20
out["host_peak_GiB"] = host_peak_GiB()
if steps > 0:
    marks = {}
    def on_step(i, t, latents):
        if i == steps - 1:
            torch.cuda.synchronize()
            marks["denoised"] = time.perf_counter()
    video = pipe(prompt, num_frames=frames, height=size, width=size, num_inference_steps=steps,
                 guidance_scale=9.0, generator=torch.Generator().manual_seed(seed),
                 callback=on_step, callback_steps=1).frames
    torch.cuda.synchronize()
    t3 = time.perf_counter()
    denoised = marks.get("denoised", t3)
    out.update(encode_denoise_s=denoised - t2, decode_s=t3 - denoised, call_s=t3 - t2,
               after_imports_s=t3 - t1, including_imports_s=t3 - t0, shape=list(video.shape),
               peak_GiB=torch.cuda.max_memory_allocated() / 2**30, host_peak_GiB=host_peak_GiB())
print(json.dumps(out), flush=True)
"""


class PartError(RuntimeError):
    pass


def median(values):
    return statistics.median(values) if values else None


def spread(values):
    return [min(values), max(values)] if values else None


def column(rows, key):
    """The median of one field over runs, those without it left out."""
    return median([row[key] for row in rows if row.get(key) is not None])


def ratio(a, b):
    return a / b if a is not None and b else None


def rounded(value, digits=4):
    # Small values (errors, ratios below 1) keep `digits` significant digits; 4 decimals would
    # print a 1e-5 parity error as 0.0.
    if isinstance(value, float):
        return float(f"{value:.{digits}g}") if abs(value) < 1 else round(value, digits)
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v, digits) for v in value]
    return value


def driver_version():
    try:
        r = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                           capture_output=True, text=True, timeout=60)
        return r.stdout.strip().splitlines()[0] if r.returncode == 0 and r.stdout.strip() else None
    except (OSError, subprocess.SubprocessError):
        return None


def free_gpu():
    gc.collect()
    torch.cuda.synchronize()
    torch.cuda.empty_cache()


def spawn(cmd, timeout, env=None):
    """Runs cmd to its end (with `env` added to this process's environment): exit status, output,
    wall-clock seconds. Not its memory: os.wait4's ru_maxrss starts at the forking process's
    high-water mark on Linux (this harness, reference pipeline and all), so memory figures come
    from each process's own VmHWM (`host_peak_GiB`)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        lock, state = threading.Lock(), {"done": False, "killed": False}
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err,
                                env=dict(os.environ, **env) if env else None)

        def expire():
            with lock:
                if not state["done"]:
                    os.kill(proc.pid, signal.SIGKILL)
                    state["killed"] = True

        timer = threading.Timer(timeout, expire)
        timer.start()
        try:
            _, status, _ = os.wait4(proc.pid, 0)
        except BaseException:
            timer.cancel()
            with lock:
                state["done"] = True
            proc.kill()
            proc.wait()
            raise
        wall = time.perf_counter() - t0
        with lock:
            state["done"] = True
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        return dict(rc=proc.returncode, stdout=out.read().decode(errors="replace"),
                    stderr=err.read().decode(errors="replace"), wall_s=wall,
                    timed_out=state["killed"])


def last_json(res, what):
    if res["timed_out"]:
        raise PartError(f"{what}: timed out after {res['wall_s']:.0f} s")
    if res["rc"] != 0:
        raise PartError(f"{what}: exit {res['rc']}: {res['stderr'].strip()[-1500:]}")
    for line in reversed(res["stdout"].strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise PartError(f"{what}: no JSON line on stdout: {res['stdout'].strip()[-500:]}")


def weights_bytes(folder):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(folder)
               for f in files if f.endswith(".safetensors"))


def warm_page_cache(folder):
    """Reads every file once, so both sides load from a warm page cache."""
    t0 = time.perf_counter()
    for d, _, files in os.walk(folder):
        for f in files:
            with open(os.path.join(d, f), "rb") as fh:
                while fh.read(1 << 24):
                    pass
    return time.perf_counter() - t0


def build(folder, tokenizer_dir):
    """The random full-size pipeline in bf16 safetensors, written once (to a side folder renamed
    into place, so a run stopped half-way is never taken for a made pipeline)."""
    if os.path.exists(os.path.join(folder, "model_index.json")):
        return None
    t0 = time.perf_counter()
    partial = folder + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    tokenizer = CLIPTokenizer.from_pretrained(tokenizer_dir)
    # Drawn on the GPU: 1.8 billion random weights take minutes on the CPU.
    with torch.device("cuda"):
        unet = UNet3DConditionModel(sample_size=32)  # the published config's; the class has none
        probe_naive.redraw(unet, 1)
        vae = AutoencoderKL(**probe_naive.SD_VAE)
        probe_naive.redraw(vae, 2)
        text = CLIPTextModel(CLIPTextConfig(**TEXT_ENCODER))
        probe_naive.redraw(text, 3)
    pipe = TextToVideoSDPipeline(vae=vae, text_encoder=text, tokenizer=tokenizer, unet=unet,
                                 scheduler=DDIMScheduler(**probe_naive.SCHEDULER))
    pipe.to(DT).save_pretrained(partial, safe_serialization=True)
    # Our CLI reads the CLIPTokenizer files (vocab.json, merges.txt; else tokenizer.json), and
    # transformers 5 saves tokenizer.json alone: the toy world's two files go in beside it.
    for name in ("vocab.json", "merges.txt"):
        if not os.path.exists(os.path.join(partial, "tokenizer", name)):
            shutil.copy(os.path.join(tokenizer_dir, name), os.path.join(partial, "tokenizer", name))
    os.rename(partial, folder)
    del pipe, unet, vae, text
    free_gpu()
    return time.perf_counter() - t0


class Bench:
    def __init__(self, args):
        self.args = args
        self.cli = os.path.abspath(args.cli)
        self.work = os.path.abspath(args.work)
        self.folder = os.path.join(self.work, "pipeline")
        self.common = dict(gpu=torch.cuda.get_device_name(), driver=driver_version(),
                           torch=torch.__version__, diffusers=diffusers.__version__,
                           transformers=transformers.__version__, rounds=args.rounds,
                           iters=args.iters, warmup=args.warmup, whole_runs=args.whole_runs)

    def emit(self, part, command, **fields):
        line = dict(part=part, **fields, **self.common,
                    command=shlex.join(command) if isinstance(command, list) else command)
        print(json.dumps(rounded(line)), flush=True)

    def bench_cmd(self, *argv):
        return [self.cli, "bench", *argv, "--device", "cuda", "--dtype", "bf16"]

    # --- unet and vae: reference in this process, ours a fresh process per round, alternating.

    def reference_round(self, fwd):
        """--iters forwards between synchronisations: (ms per forward, CUDA-event ms)."""
        iters = self.args.iters
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        start.record()
        for _ in range(iters):
            fwd()
        end.record()
        torch.cuda.synchronize()
        return (time.perf_counter() - t0) * 1000 / iters, start.elapsed_time(end) / iters

    def kernel_ms(self, fwd):
        """One more round under the profiler: its CUDA kernels' (and copies') summed time per
        forward; None where the profiler gives none."""
        from torch.profiler import ProfilerActivity, profile
        try:
            with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
                for _ in range(self.args.iters):
                    fwd()
                torch.cuda.synchronize()
            total_us = sum(e.time_range.elapsed_us() for e in prof.events()
                           if e.device_type == DeviceType.CUDA)
            return total_us / 1000 / self.args.iters if total_us > 0 else None
        except Exception:  # the profiler's API moves between releases; GPU time is extra
            return None

    def cudnn_variants(self, commands):
        """Each command once per --ours-cudnn-benchmark setting: {name: (command, env)}."""
        settings = [v for v in self.args.ours_cudnn_benchmark.split(",") if v]
        return {f"{name}, cudnn-benchmark-{v}": (cmd, {"MP_CUDNN_BENCHMARK": "1" if v == "on" else "0"})
                for name, cmd in commands.items() for v in settings}

    def alternate(self, part, what, fwd, variants):
        """Reference warm-up, then rounds: reference, each variant of ours, reference, …"""
        a = self.args
        ref_ms, ref_event = [], []
        ours = {name: [] for name in variants}
        with torch.no_grad():
            for _ in range(a.warmup):
                fwd()
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            # The reference's allocator cache is kept between rounds (an H200 holds both sides);
            # emptying it would make each reference round pay its allocations again.
            for r in range(a.rounds):
                ms, event = self.reference_round(fwd)
                ref_ms.append(ms)
                ref_event.append(event)
                self.emit(part, next(iter(variants.values()))[0], kind="round", round=r,
                          side="reference", ms_per_forward=ms, gpu_event_ms_per_forward=event)
                for name, (cmd, env) in variants.items():
                    res = spawn(cmd, a.timeout, env)
                    j = last_json(res, f"ours ({name})")
                    ours[name].append(dict(j, process_s=res["wall_s"]))
                    self.emit(part, cmd, kind="round", round=r, side="ours", variant=name,
                              ms_per_forward=j["step_ms"], peak_GiB=j.get("peak_GiB"),
                              cuda_graph=j.get("cuda_graph"), process_s=res["wall_s"])
            peak = torch.cuda.max_memory_allocated() / 2**30
            kernel = self.kernel_ms(fwd)
        reference = dict(ms_per_forward_median=median(ref_ms), ms_per_forward_range=spread(ref_ms),
                         rounds_ms=ref_ms, gpu_event_ms_median=median(ref_event),
                         gpu_event_ms_range=spread(ref_event), kernel_sum_ms_per_forward=kernel,
                         peak_GiB=peak, cudnn_benchmark=torch.backends.cudnn.benchmark,
                         eager=True, process="this one (loaded once, warmed up once)")
        for name, (cmd, env) in variants.items():
            runs = ours[name]
            ms = [j["step_ms"] for j in runs]
            mine = dict(ms_per_forward_median=median(ms), ms_per_forward_range=spread(ms),
                        rounds_ms=ms, peak_GiB=median([j.get("peak_GiB") or 0 for j in runs]),
                        cuda_graph=runs[-1].get("cuda_graph"),
                        cudnn_benchmark=(env or {}).get("MP_CUDNN_BENCHMARK") != "0",
                        output_finite=all(j.get("output_finite", True) for j in runs),
                        process_s_median=median([j["process_s"] for j in runs]),
                        process="fresh per round, warmed up with --warmup forwards each")
            self.emit(part, cmd, kind="summary", what=what, variant=name, reference=reference,
                      ours=mine,
                      ours_over_reference_median=ratio(mine["ms_per_forward_median"],
                                                       reference["ms_per_forward_median"]),
                      ours_over_reference_best=ratio(mine["ms_per_forward_median"], min(ref_ms)),
                      ours_over_reference_gpu_event=ratio(mine["ms_per_forward_median"],
                                                          reference["gpu_event_ms_median"]),
                      ours_over_reference_kernel_sum=ratio(mine["ms_per_forward_median"], kernel),
                      note="ours: ms per forward is wall clock over --iters forwards between "
                           "synchronisations (with a CUDA graph, one replay each); GPU time for "
                           "ours is not measured apart")

    def part_unet(self):
        a = self.args
        unet = UNet3DConditionModel.from_pretrained(self.folder, subfolder="unet", torch_dtype=DT)
        unet = unet.to("cuda").eval()
        g = torch.Generator(device="cuda").manual_seed(0)
        kw = dict(sample=torch.randn(BATCH, unet.config.in_channels, FRAMES, LATENT, LATENT,
                                     generator=g, device="cuda", dtype=DT),
                  timestep=torch.full((BATCH,), 981, device="cuda", dtype=torch.long),
                  encoder_hidden_states=torch.randn(BATCH, 77, unet.config.cross_attention_dim,
                                                    generator=g, device="cuda", dtype=DT))
        base = self.bench_cmd("--component", "unet", "--model", self.folder, "--batch",
                              str(BATCH), "--frames", str(FRAMES), "--height", str(LATENT),
                              "--width", str(LATENT), "--warmup", str(a.warmup), "--reps",
                              str(a.iters))
        try:
            self.alternate("unet", f"UNet3D forward, latents {BATCH}x4x{FRAMES}x{LATENT}x{LATENT}"
                           " (16x256x256 video, guidance batch), bf16",
                           lambda: unet(**kw, return_dict=False)[0],
                           self.cudnn_variants({"cuda-graph": base,
                                                "eager": base + ["--no-cuda-graph"]}))
        finally:
            del unet, kw
            free_gpu()

    def part_latte(self):
        a = self.args
        folder = os.path.join(self.work, "latte")
        tdir = os.path.join(folder, "transformer")
        if not os.path.exists(os.path.join(tdir, "config.json")):
            torch.manual_seed(0)
            with torch.device("cuda"):
                model = LatteTransformer3DModel(**LATTE_1)
            with torch.no_grad():
                for p in model.parameters():
                    fan_in = p[0].numel() if p.dim() >= 2 else 1
                    p.copy_(torch.randn_like(p) / fan_in ** 0.5 if p.dim() >= 2
                            else 0.1 * torch.randn_like(p))
            model.to(DT).save_pretrained(tdir, safe_serialization=True)
            del model
            free_gpu()
        model = LatteTransformer3DModel.from_pretrained(tdir, torch_dtype=DT).to("cuda").eval()
        latent, frames = LATTE_1["sample_size"], LATTE_1["video_length"]
        g = torch.Generator(device="cuda").manual_seed(0)
        kw = dict(hidden_states=torch.randn(BATCH, 4, frames, latent, latent, generator=g,
                                            device="cuda", dtype=DT),
                  timestep=torch.full((BATCH,), 981, device="cuda", dtype=torch.long),
                  encoder_hidden_states=torch.randn(BATCH, LATTE_TOKENS, 4096, generator=g,
                                                    device="cuda", dtype=DT))
        base = self.bench_cmd("--component", "transformer", "--model", tdir, "--batch",
                              str(BATCH), "--frames", str(frames), "--height", str(latent),
                              "--width", str(latent), "--caption-tokens", str(LATTE_TOKENS),
                              "--warmup", str(a.warmup), "--reps", str(a.iters))
        try:
            self.alternate("latte", f"Latte transformer forward, latents {BATCH}x4x{frames}x"
                           f"{latent}x{latent} (16x512x512 video, guidance batch), "
                           f"{LATTE_TOKENS} caption tokens, bf16",
                           lambda: model(**kw, return_dict=False)[0],
                           {"eager": (base, None)})
        finally:
            del kw
            free_gpu()
        self.latte_parity(model, tdir)

    def build_latte_pipeline(self, folder):
        """The full-size random LattePipeline, made once (seconds, or None when reused)."""
        if os.path.exists(os.path.join(folder, "model_index.json")):
            return None
        from transformers import T5Config, T5EncoderModel, T5Tokenizer
        from diffusers import LattePipeline
        t0 = time.perf_counter()
        tdir = os.path.join(self.work, "latte", "transformer")
        if not os.path.exists(os.path.join(tdir, "config.json")):
            raise RuntimeError("run the latte part first: it makes the transformer")
        transformer = LatteTransformer3DModel.from_pretrained(tdir, torch_dtype=DT)
        torch.manual_seed(1)
        with torch.device("cuda"):
            text = T5EncoderModel(T5Config(**T5_XXL)).to(DT)
            vae = AutoencoderKL(block_out_channels=(128, 256, 512, 512),
                                down_block_types=("DownEncoderBlock2D",) * 4,
                                up_block_types=("UpDecoderBlock2D",) * 4, layers_per_block=2,
                                latent_channels=4, sample_size=512,
                                scaling_factor=0.18215).to(DT)
        tok = T5Tokenizer.from_pretrained(os.path.join(REPO, "tests", "data", "golden",
                                                       "t5_tokenizer"))
        scheduler = DDIMScheduler(beta_start=0.0001, beta_end=0.02, beta_schedule="linear",
                                  clip_sample=False, set_alpha_to_one=True, steps_offset=0,
                                  timestep_spacing="leading", prediction_type="epsilon")
        pipe = LattePipeline(tokenizer=tok, text_encoder=text, vae=vae, transformer=transformer,
                             scheduler=scheduler)
        pipe.save_pretrained(folder, safe_serialization=True)
        del pipe, text, vae, transformer
        free_gpu()
        return time.perf_counter() - t0

    def part_latte_generate(self):
        a = self.args
        folder = os.path.join(self.work, "latte-pipeline")
        built = self.build_latte_pipeline(folder)
        warm_s = warm_page_cache(folder)
        out = os.path.join(self.work, "ours_latte.safetensors")
        cmd = [self.cli, "generate", "--model", folder, "--prompt", LATTE_PROMPT, "--out", out,
               "--steps", str(STEPS), "--seed", str(SEED), "--device", "cuda", "--dtype", "bf16",
               "--quiet"]
        summary = GENERATE_SUMMARY
        ref_cmd = [sys.executable, "-c", LATTE_REFERENCE_JOB, folder, LATTE_PROMPT, str(STEPS),
                   str(SEED)]
        theirs, mine = [], []
        for r in range(a.whole_runs):
            res = spawn(ref_cmd, a.timeout)
            theirs.append(dict(last_json(res, "reference Latte process"), process_s=res["wall_s"]))
            self.emit("latte_generate", "LattePipeline", kind="round", round=r,
                      side="reference", **theirs[-1])
            res = spawn(cmd, a.timeout, {"MP_CUDNN_BENCHMARK": "0"})
            if res["timed_out"] or res["rc"] != 0:
                last_json(res, "ours (Latte generate)")  # raises with the reason
            m = summary.search(res["stdout"])
            mine.append(dict(process_s=res["wall_s"],
                             text_ms=float(m.group(1)) if m else None,
                             denoise_ms=float(m.group(2)) if m else None,
                             ms_per_step=float(m.group(3)) if m else None,
                             decode_ms=float(m.group(4)) if m else None))
            self.emit("latte_generate", cmd, kind="round", round=r, side="ours", **mine[-1])
        if os.path.exists(out):
            os.remove(out)
        ours_s = column(mine, "process_s")
        self.emit("latte_generate", cmd, kind="summary", built_s=built, page_cache_warm_s=warm_s,
                  what="whole Latte generate: 16x512x512, 50 steps, guidance 7.5, bf16, fresh "
                       "processes",
                  weights_GiB=weights_bytes(folder) / 2**30,
                  ours=dict(process_s_median=ours_s, denoise_ms_median=column(mine, "denoise_ms"),
                            ms_per_step_median=column(mine, "ms_per_step"),
                            decode_ms_median=column(mine, "decode_ms"),
                            text_ms_median=column(mine, "text_ms")),
                  reference=dict(process_s_median=column(theirs, "process_s"),
                                 after_imports_s_median=column(theirs, "after_imports_s"),
                                 load_s_median=column(theirs, "load_s"),
                                 call_s_median=column(theirs, "call_s")),
                  ours_over_reference_after_imports=ratio(ours_s,
                                                          column(theirs, "after_imports_s")),
                  ours_over_reference_process=ratio(ours_s, column(theirs, "process_s")))

    def part_latte_fp32(self):
        from diffusers import LattePipeline
        from safetensors.torch import load_file
        folder = os.path.join(self.work, "latte-pipeline")
        if not os.path.exists(os.path.join(folder, "model_index.json")):
            raise RuntimeError("run the latte_generate part first: it makes the pipeline")
        out = os.path.join(self.work, "ours_latte_fp32.safetensors")
        cmd = [self.cli, "generate", "--model", folder, "--prompt", LATTE_PROMPT, "--out", out,
               "--steps", str(STEPS), "--seed", str(SEED), "--device", "cuda", "--dtype", "fp32",
               "--quiet"]
        res = spawn(cmd, self.args.timeout, {"MP_CUDNN_BENCHMARK": "0"})
        if res["timed_out"] or res["rc"] != 0:
            last_json(res, "ours (Latte generate, fp32)")  # raises with the reason
        ours = load_file(out)["latents"].float()
        tf32 = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
        pipe = LattePipeline.from_pretrained(folder, torch_dtype=torch.float32).to("cuda")
        with torch.no_grad():
            ref = pipe(LATTE_PROMPT, num_inference_steps=STEPS, guidance_scale=7.5,
                       video_length=16, height=512, width=512,
                       generator=torch.Generator().manual_seed(SEED),
                       output_type="latent").frames.float().cpu()
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = tf32
        del pipe
        free_gpu()
        self.emit("latte_fp32", cmd, kind="parity",
                  what="final latents after 50 steps, fp32 end to end, TF32 off; "
                       "max|ours - diffusers| / max|diffusers|",
                  shape=list(ref.shape), ref_max_abs=ref.abs().max().item(),
                  rel_max=((ours - ref).abs().max() / ref.abs().max()).item(),
                  ours_process_s=res["wall_s"])

    def latte_parity(self, model, folder):
        from safetensors.torch import load_file, save_file
        g = torch.Generator().manual_seed(1)
        inputs = dict(hidden_states=torch.randn(BATCH, 4, 16, 64, 64, generator=g),
                      timestep=torch.tensor([981, 37]),
                      encoder_hidden_states=torch.randn(BATCH, LATTE_TOKENS, 4096, generator=g))
        path = os.path.join(self.work, "latte-inputs.safetensors")
        save_file(inputs, path)
        cuda = {k: v.to("cuda") for k, v in inputs.items()}
        tf32 = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
        with torch.no_grad():
            theirs16 = model(**{k: v.to(DT) if v.is_floating_point() else v
                                for k, v in cuda.items()}, return_dict=False)[0].float()
            model.float()
            ref = model(**cuda, return_dict=False)[0].float()
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = tf32
        del model
        free_gpu()

        def err(x):
            return ((x.float().cpu() - ref.cpu()).abs().max() / ref.abs().max()).item()
        errors = dict(diffusers_bf16=err(theirs16))
        for dtype in ("fp32", "bf16"):
            out = os.path.join(self.work, f"latte-ours-{dtype}.safetensors")
            cmd = [self.cli, "run-component", "--model", folder, "--component", "transformer",
                   "--inputs", path, "--out", out, "--device", "cuda", "--dtype", dtype]
            res = spawn(cmd, self.args.timeout, {"MP_CUDNN_BENCHMARK": "0"})
            if res["rc"] != 0:
                errors[f"ours_{dtype}"] = f"exit {res['rc']}: {res['stderr'][-500:]}"
                continue
            errors[f"ours_{dtype}"] = err(load_file(out)["sample"])
        self.emit("latte", "run-component --component transformer", kind="parity",
                  what="max|x - ref| / max|ref|, ref = diffusers fp32 on CUDA (TF32 off), "
                       "batch 2, t = 981 and 37, 16x64x64 latents, 16 caption tokens",
                  ref_max_abs=ref.abs().max().item(), **errors)

    def part_vae(self):
        a = self.args
        vae = AutoencoderKL.from_pretrained(self.folder, subfolder="vae", torch_dtype=DT)
        vae = vae.to("cuda").eval()
        g = torch.Generator(device="cuda").manual_seed(0)
        z = torch.randn(FRAMES, vae.config.latent_channels, LATENT, LATENT, generator=g,
                        device="cuda", dtype=DT)
        cmd = self.bench_cmd("--component", "vae-decode", "--model", self.folder, "--batch", "1",
                             "--frames", str(FRAMES), "--height", str(LATENT), "--width",
                             str(LATENT), "--decode-batch", "0", "--warmup", str(a.warmup),
                             "--reps", str(a.iters))
        try:
            self.alternate("vae", f"VAE decode of {FRAMES} frames of {LATENT}x{LATENT} latents "
                           "at once (to 256x256), bf16",
                           lambda: vae.decode(z, return_dict=False)[0],
                           self.cudnn_variants({"default": cmd}))
        finally:
            del vae, z
            free_gpu()

    # --- load and generate: whole processes, what a user waits for.

    def reference_process(self, steps):
        cmd = [sys.executable, "-c", REFERENCE_JOB, self.folder, PROMPT, str(steps), str(SEED),
               str(FRAMES), str(SIZE)]
        res = spawn(cmd, self.args.timeout)
        j = last_json(res, "reference process")
        return dict(j, process_s=res["wall_s"])

    def part_load(self):
        a = self.args
        size = weights_bytes(self.folder)
        warm_s = warm_page_cache(self.folder)
        # Loads the whole pipeline, then one eager step and the decode (the job is timed apart).
        cmd = self.bench_cmd("--component", "generate", "--model", self.folder, "--steps", "1",
                             "--warmup", "0", "--reps", "1", "--no-cuda-graph")

        def reference_here():
            free_gpu()
            t0 = time.perf_counter()
            pipe = TextToVideoSDPipeline.from_pretrained(self.folder, torch_dtype=DT).to("cuda")
            torch.cuda.synchronize()
            seconds = time.perf_counter() - t0
            del pipe
            free_gpu()
            return seconds

        def ours_once():
            res = spawn(cmd, a.timeout)
            j = last_json(res, "ours (load)")
            job_s = j.get("median_ms", j["step_ms"]) / 1000
            return dict(load_s=j["load_ms"] / 1000, process_s=res["wall_s"], job_s=job_s,
                        process_minus_job_s=res["wall_s"] - job_s,
                        host_peak_GiB=j.get("host_peak_GiB"), peak_GiB=j.get("peak_GiB"))

        # Untimed first runs: the reference's first load imports the components' modules.
        reference_here()
        ours_once()
        here, fresh, mine = [], [], []
        for r in range(a.whole_runs):
            here.append(reference_here())
            self.emit("load", cmd, kind="round", round=r, side="reference",
                      load_s=here[-1], process="this one, CUDA context already made")
            mine.append(ours_once())
            self.emit("load", cmd, kind="round", round=r, side="ours", **mine[-1])
            fresh.append(self.reference_process(0))
            self.emit("load", cmd, kind="round", round=r, side="reference",
                      process="fresh Python process", **fresh[-1])
        gib = size / 2**30
        # Each process's own VmHWM: a child's ru_maxrss starts at this harness's size (Linux
        # carries the forking process's high-water mark across exec), so it cannot be used.
        ours_rss = column(mine, "host_peak_GiB")
        ref_rss = column(fresh, "host_peak_GiB")
        self.emit(
            "load", cmd, kind="summary",
            what="pipeline load (text encoder, UNet, VAE, tokenizer, scheduler) onto the GPU, "
                 "bf16, warm page cache",
            weights_GiB=gib, page_cache_warm_s=warm_s,
            ours=dict(load_s_median=column(mine, "load_s"),
                      load_s_range=spread([m["load_s"] for m in mine]),
                      process_s_median=column(mine, "process_s"),
                      process_minus_job_s_median=column(mine, "process_minus_job_s"),
                      job_s_median=column(mine, "job_s"), peak_rss_GiB=ours_rss,
                      peak_rss_over_weights=ratio(ours_rss, gib),
                      note="load_s: the CLI's own load_ms (reading the folder, CUDA context, "
                           "weights to the GPU); process_minus_job_s: the process's wall clock "
                           "less its 1-step job (start-up, LibTorch, load, exit)"),
            reference_this_process=dict(
                load_s_median=median(here), load_s_range=spread(here),
                note="from_pretrained(torch_dtype=bf16).to('cuda') in this process: Python "
                     "start-up and imports not counted, CUDA context already made"),
            reference_fresh_process=dict(
                load_s_median=column(fresh, "load_s"), import_s_median=column(fresh, "import_s"),
                process_s_median=column(fresh, "process_s"), peak_rss_GiB=ref_rss,
                peak_rss_over_weights=ratio(ref_rss, gib),
                note="load_s after imports (includes making the CUDA context); process_s: "
                     "interpreter start-up, imports, load and exit"),
            ours_load_over_reference_this_process=ratio(column(mine, "load_s"), median(here)),
            ours_load_over_reference_fresh_process=ratio(column(mine, "load_s"),
                                                         column(fresh, "load_s")),
            ours_process_minus_job_over_reference_fresh_process=ratio(
                column(mine, "process_minus_job_s"), column(fresh, "process_s")))

    def part_generate(self):
        a = self.args
        free_gpu()
        warm_s = warm_page_cache(self.folder)
        out = os.path.join(self.work, "ours_video.safetensors")
        cmd = [self.cli, "generate", "--model", self.folder, "--prompt", PROMPT, "--out", out,
               "--steps", str(STEPS), "--guidance", "9", "--seed", str(SEED), "--frames",
               str(FRAMES), "--height", str(SIZE), "--width", str(SIZE), "--device", "cuda",
               "--dtype", "bf16", "--quiet"]
        summary = GENERATE_SUMMARY
        # Our variants: cuDNN's benchmark mode (autotuning each convolution shape on first use)
        # on, as the engine sets it for CUDA, and off (MP_CUDNN_BENCHMARK=0), as a one-shot job
        # may prefer; the reference runs at the library default (off).
        variants = [v for v in a.ours_cudnn_benchmark.split(",") if v]
        theirs, mine = [], {v: [] for v in variants}
        for r in range(a.whole_runs):
            theirs.append(self.reference_process(STEPS))
            self.emit("generate", cmd, kind="round", round=r, side="reference", **theirs[-1])
            for v in variants:
                res = spawn(cmd, a.timeout, {"MP_CUDNN_BENCHMARK": "1" if v == "on" else "0"})
                if res["timed_out"] or res["rc"] != 0:
                    last_json(res, "ours (generate)")  # raises with the reason
                m = summary.search(res["stdout"])
                mine[v].append(dict(process_s=res["wall_s"],
                                    text_ms=float(m.group(1)) if m else None,
                                    denoise_ms=float(m.group(2)) if m else None,
                                    ms_per_step=float(m.group(3)) if m else None,
                                    decode_ms=float(m.group(4)) if m else None))
                self.emit("generate", cmd, kind="round", round=r, side="ours",
                          cudnn_benchmark=v, **mine[v][-1])
        if os.path.exists(out):
            os.remove(out)
        for v in variants:
            self.generate_summary(cmd, warm_s, v, mine[v], theirs)

    def generate_summary(self, cmd, warm_s, variant, mine, theirs):
        ours_process = column(mine, "process_s")
        ours_text_denoise = None  # the same span as the reference's encode_denoise_s
        if column(mine, "denoise_ms") is not None:
            ours_text_denoise = (column(mine, "text_ms") + column(mine, "denoise_ms")) / 1000
        self.emit(
            "generate", cmd, kind="summary", variant=f"cudnn-benchmark-{variant}",
            what=f"whole job: {FRAMES} frames at {SIZE}x{SIZE}, {STEPS} DDIM steps, guidance 9, "
                 f"seed {SEED}, bf16, warm page cache",
            page_cache_warm_s=warm_s,
            ours=dict(process_s_median=ours_process,
                      process_s_range=spread([m["process_s"] for m in mine]),
                      text_ms_median=column(mine, "text_ms"),
                      denoise_ms_median=column(mine, "denoise_ms"),
                      ms_per_step_median=column(mine, "ms_per_step"),
                      decode_ms_median=column(mine, "decode_ms"),
                      cuda_graph=True, cudnn_benchmark=variant,
                      note="a fresh CLI process, wall clock: start-up, load, the job, writing "
                           "the video and latents as safetensors, exit"),
            reference=dict(after_imports_s_median=column(theirs, "after_imports_s"),
                           after_imports_s_range=spread([t["after_imports_s"] for t in theirs]),
                           including_imports_s_median=column(theirs, "including_imports_s"),
                           process_s_median=column(theirs, "process_s"),
                           load_s_median=column(theirs, "load_s"),
                           encode_denoise_s_median=column(theirs, "encode_denoise_s"),
                           decode_s_median=column(theirs, "decode_s"),
                           peak_GiB=column(theirs, "peak_GiB"),
                           host_peak_GiB=column(theirs, "host_peak_GiB"),
                           cudnn_benchmark=theirs[-1].get("cudnn_benchmark"),
                           note="a fresh Python process: from_pretrained + .to('cuda') + the "
                                "pipeline call (output_type 'np'); after_imports_s excludes "
                                "Python start-up and the imports, including_imports_s adds the "
                                "imports, process_s is the wall clock of the whole process"),
            ours_over_reference_after_imports=ratio(ours_process,
                                                    column(theirs, "after_imports_s")),
            ours_over_reference_process=ratio(ours_process, column(theirs, "process_s")),
            ours_text_denoise_over_reference_encode_denoise=ratio(
                ours_text_denoise, column(theirs, "encode_denoise_s")))

    def setup(self, modelscope=True):
        """modelscope: make (or reuse) the random ModelScope pipeline the default parts use."""
        os.makedirs(self.work, exist_ok=True)
        built, pipeline = None, {}
        if modelscope:
            built = build(self.folder, self.args.tokenizer)
            with open(os.path.join(self.folder, "text_encoder", "config.json")) as f:
                text_config = json.load(f)
            pipeline = dict(folder=self.folder, built_s=built, reused=built is None,
                            weights_GiB=weights_bytes(self.folder) / 2**30,
                            text_encoder_vocab=text_config.get("vocab_size"))
        version = spawn([self.cli, "version"], 120)
        self.emit("setup", [self.cli, "version"], **pipeline,
                  cli_version=version["stdout"].strip() if version["rc"] == 0 else
                  f"exit {version['rc']}: {version['stderr'].strip()[-300:]}",
                  tf32_matmul=torch.backends.cuda.matmul.allow_tf32,
                  tf32_cudnn=torch.backends.cudnn.allow_tf32)

    # --- CogVideoX

    def cogvideox_transformer(self, size):
        """The random full-size transformer of `size`, made once: (folder, seconds or None)."""
        tdir = os.path.join(self.work, f"cogvideox-{size}", "transformer")
        if os.path.exists(os.path.join(tdir, "config.json")):
            return tdir, None
        t0 = time.perf_counter()
        torch.manual_seed(0)
        with torch.device("cuda"):
            model = CogVideoXTransformer3DModel(**COGVIDEOX[size]).to(DT)
        with torch.no_grad():
            for p in model.parameters():
                fan_in = p[0].numel() if p.dim() >= 2 else 1
                p.copy_(torch.randn_like(p) / fan_in ** 0.5 if p.dim() >= 2
                        else 0.1 * torch.randn_like(p))
        model.save_pretrained(tdir, safe_serialization=True)
        del model
        free_gpu()
        return tdir, time.perf_counter() - t0

    @staticmethod
    def cogvideox_rope(model, frames, h, w):
        if not model.config.use_rotary_positional_embeddings:
            return None
        from diffusers.models.embeddings import get_3d_rotary_pos_embed
        from diffusers.pipelines.cogvideo.pipeline_cogvideox import get_resize_crop_region_for_grid
        p = model.config.patch_size
        crops = get_resize_crop_region_for_grid((h // p, w // p), model.config.sample_width // p,
                                                model.config.sample_height // p)
        return get_3d_rotary_pos_embed(embed_dim=model.config.attention_head_dim,
                                       crops_coords=crops, grid_size=(h // p, w // p),
                                       temporal_size=frames, device=torch.device("cuda"))

    def part_cogvideox(self):
        a = self.args
        for size in [s.strip() for s in a.cogvideox.split(",") if s.strip()]:
            tdir, built = self.cogvideox_transformer(size)
            model = CogVideoXTransformer3DModel.from_pretrained(tdir, torch_dtype=DT)
            model = model.to("cuda").eval()
            c = model.config
            F, H, W = COGVIDEOX_FRAMES, c.sample_height, c.sample_width
            g = torch.Generator(device="cuda").manual_seed(0)
            kw = dict(hidden_states=torch.randn(BATCH, F, c.in_channels, H, W, generator=g,
                                                device="cuda", dtype=DT),
                      encoder_hidden_states=torch.randn(BATCH, c.max_text_seq_length,
                                                        c.text_embed_dim, generator=g,
                                                        device="cuda", dtype=DT),
                      timestep=torch.full((BATCH,), 999, device="cuda", dtype=torch.long),
                      image_rotary_emb=self.cogvideox_rope(model, F, H, W))
            base = self.bench_cmd("--component", "transformer", "--model", tdir, "--batch",
                                  str(BATCH), "--frames", str(F), "--height", str(H), "--width",
                                  str(W), "--warmup", str(a.warmup), "--reps", str(a.iters))
            try:
                self.alternate(f"cogvideox-{size}",
                               f"CogVideoX-{size} transformer forward, latents {BATCH}x{F}x"
                               f"{c.in_channels}x{H}x{W} (49x480x720 video, guidance batch), "
                               f"{c.max_text_seq_length} caption tokens, bf16"
                               + (f"; made in {built:.0f} s" if built else ""),
                               lambda: model(**kw, return_dict=False)[0],
                               {"eager": (base, None)})
            finally:
                del kw
                free_gpu()
            if not a.skip_parity:
                self.cogvideox_parity(size, model, tdir)
            del model
            free_gpu()

    def cogvideox_parity(self, size, model, folder):
        from safetensors.torch import load_file, save_file
        c = model.config
        F, H, W = COGVIDEOX_FRAMES, c.sample_height, c.sample_width
        g = torch.Generator().manual_seed(1)
        inputs = dict(hidden_states=torch.randn(BATCH, F, c.in_channels, H, W, generator=g),
                      timestep=torch.tensor([999, 37]),
                      encoder_hidden_states=torch.randn(BATCH, c.max_text_seq_length,
                                                        c.text_embed_dim, generator=g))
        path = os.path.join(self.work, f"cogvideox-{size}-inputs.safetensors")
        save_file(inputs, path)
        cuda = {k: v.to("cuda") for k, v in inputs.items()}
        rope = self.cogvideox_rope(model, F, H, W)
        tf32 = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
        with torch.no_grad():
            theirs16 = model(**{k: v.to(DT) if v.is_floating_point() else v
                                for k, v in cuda.items()}, image_rotary_emb=rope,
                             return_dict=False)[0].float().cpu()
            model.float()
            ref = model(**cuda, image_rotary_emb=rope, return_dict=False)[0].float().cpu()
            model.to(DT)
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = tf32
        free_gpu()

        def err(x):
            return ((x.float().cpu() - ref).abs().max() / ref.abs().max()).item()
        errors = dict(diffusers_bf16=err(theirs16))
        for dtype in ("fp32", "bf16"):
            out = os.path.join(self.work, f"cogvideox-{size}-ours-{dtype}.safetensors")
            cmd = [self.cli, "run-component", "--model", folder, "--component", "transformer",
                   "--inputs", path, "--out", out, "--device", "cuda", "--dtype", dtype]
            res = spawn(cmd, self.args.timeout, {"MP_CUDNN_BENCHMARK": "0"})
            if res["rc"] != 0:
                errors[f"ours_{dtype}"] = f"exit {res['rc']}: {res['stderr'][-500:]}"
                continue
            errors[f"ours_{dtype}"] = err(load_file(out)["sample"])
            os.remove(out)
        self.emit(f"cogvideox-{size}", "run-component --component transformer", kind="parity",
                  what="max|x - ref| / max|ref|, ref = diffusers fp32 on CUDA (TF32 off), "
                       f"batch 2, t = 999 and 37, {F}x{H}x{W} latents, "
                       f"{c.max_text_seq_length} caption tokens",
                  ref_max_abs=ref.abs().max().item(), **errors)

    def build_cogvideox_pipeline(self, size, folder, with_transformer=True):
        """A full-size random CogVideoXPipeline, made once (seconds, or None when reused)."""
        if os.path.exists(os.path.join(folder, "model_index.json")):
            return None
        from transformers import T5Config, T5EncoderModel, T5Tokenizer
        from diffusers import AutoencoderKLCogVideoX, CogVideoXDDIMScheduler, CogVideoXPipeline
        t0 = time.perf_counter()
        tdir, _ = self.cogvideox_transformer(size)
        transformer = CogVideoXTransformer3DModel.from_pretrained(tdir, torch_dtype=DT)
        torch.manual_seed(1)
        with torch.device("cuda"):
            text = T5EncoderModel(T5Config(**T5_XXL)).to(DT)
            vae = AutoencoderKLCogVideoX(scaling_factor=COGVIDEOX_SCALING[size]).to(DT)
        tok = T5Tokenizer.from_pretrained(os.path.join(REPO, "tests", "data", "golden",
                                                       "t5_tokenizer"))
        scheduler = CogVideoXDDIMScheduler(
            beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
            set_alpha_to_one=True, steps_offset=0, prediction_type="v_prediction",
            rescale_betas_zero_snr=True, timestep_spacing="trailing",
            snr_shift_scale=COGVIDEOX_SNR_SHIFT[size])
        pipe = CogVideoXPipeline(tokenizer=tok, text_encoder=text, vae=vae,
                                 transformer=transformer, scheduler=scheduler)
        pipe.save_pretrained(folder, safe_serialization=True)
        del pipe, text, vae, transformer
        free_gpu()
        return time.perf_counter() - t0

    def part_cogvideox_memory(self):
        a = self.args
        folder = os.path.join(self.work, "cogvideox-5b-pipeline")
        built = self.build_cogvideox_pipeline("5b", folder)
        cmd = self.bench_cmd("--component", "probe", "--model", folder, "--steps",
                             str(a.cogvideox_probe_steps), "--interval", "100",
                             "--frames", "49", "--height", "60", "--width", "90",  # latent h, w
                             "--warmup", "0", "--reps", "1", "--max-batch", "auto",
                             "--gpu-memory", "24")
        res = spawn(cmd, a.timeout, {"MP_CUDNN_BENCHMARK": "0"})
        probe = last_json(res, "ours (CogVideoX-5b probe)")
        self.emit("cogvideox_memory", cmd, kind="probe", built_s=built, process_s=res["wall_s"],
                  what="55-pair probe on CogVideoX-5b (random weights, bf16), 13 latent frames of "
                       "60x90, the GPU capped at 24 GiB",
                  **{k: probe.get(k) for k in ("peak_GiB", "max_batch", "max_batch_used",
                                               "evaluations", "planned_ms")},
                  ours_what=probe.get("what"))
        for tiled in (False, True):
            cmd = self.bench_cmd("--component", "vae-decode", "--model", folder, "--batch", "1",
                                 "--frames", str(COGVIDEOX_FRAMES), "--height", "60", "--width",
                                 "90", "--warmup", "1", "--reps", "1",
                                 *(["--vae-tiling"] if tiled else []))
            res = spawn(cmd, a.timeout, {"MP_CUDNN_BENCHMARK": "0"})
            j = last_json(res, "ours (CogVideoX VAE decode)")
            self.emit("cogvideox_memory", cmd, kind="vae-decode", tiled=tiled,
                      peak_GiB=j.get("peak_GiB"), step_ms=j.get("step_ms"),
                      process_s=res["wall_s"])

    def part_cogvideox_fp32(self):
        from diffusers import CogVideoXPipeline
        from safetensors.torch import load_file
        folder = os.path.join(self.work, "cogvideox-2b-pipeline")
        built = self.build_cogvideox_pipeline("2b", folder)
        frames, prompt = 9, LATTE_PROMPT
        out = os.path.join(self.work, "ours_cogvideox_fp32.safetensors")
        cmd = [self.cli, "generate", "--model", folder, "--prompt", prompt, "--out", out,
               "--steps", str(STEPS), "--seed", str(SEED), "--frames", str(frames),
               "--device", "cuda", "--dtype", "fp32", "--quiet"]
        res = spawn(cmd, self.args.timeout, {"MP_CUDNN_BENCHMARK": "0"})
        if res["timed_out"] or res["rc"] != 0:
            last_json(res, "ours (CogVideoX generate, fp32)")  # raises with the reason
        ours = load_file(out)["latents"].float()
        tf32 = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
        pipe = CogVideoXPipeline.from_pretrained(folder, torch_dtype=torch.float32).to("cuda")
        t0 = time.perf_counter()
        with torch.no_grad():
            ref = pipe(prompt, num_inference_steps=STEPS, guidance_scale=6.0, num_frames=frames,
                       height=480, width=720, generator=torch.Generator().manual_seed(SEED),
                       output_type="latent").frames.float().cpu()
        ref_s = time.perf_counter() - t0
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = tf32
        del pipe
        free_gpu()
        self.emit("cogvideox_fp32", cmd, kind="parity", built_s=built,
                  what=f"final latents after {STEPS} steps, CogVideoX-2b size, {frames} frames of "
                       "480x720, fp32 end to end, TF32 off; max|ours - diffusers| / max|diffusers|",
                  shape=list(ref.shape), ref_max_abs=ref.abs().max().item(),
                  rel_max=((ours - ref).abs().max() / ref.abs().max()).item(),
                  ours_process_s=res["wall_s"], reference_call_s=ref_s)

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True, help="our engine's motionprobe-cli")
    parser.add_argument("--work", default="/tmp/side-by-side", help="scratch folder")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help="comma-separated: " + ", ".join(PARTS + EXTRA_PARTS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--whole-runs", type=int, default=3)
    parser.add_argument("--tokenizer", default=os.path.join(REPO, "resources", "models", "toy",
                                                            "tokenizer"),
                        help="CLIPTokenizer folder for the random pipeline (the toy world's)")
    parser.add_argument("--ref-cudnn-benchmark", choices=("on", "off"), default="on",
                        help="the reference's torch.backends.cudnn.benchmark in the unet and vae "
                             "parts (ours turns it on)")
    parser.add_argument("--ours-cudnn-benchmark", default="on,off",
                        help="unet, vae, generate: our variants, cuDNN benchmark mode on and/or "
                             "off (MP_CUDNN_BENCHMARK), alternating with the reference")
    parser.add_argument("--cogvideox", default="2b,5b",
                        help="cogvideox: which transformer sizes to time")
    parser.add_argument("--skip-parity", action="store_true",
                        help="cogvideox: timing only")
    parser.add_argument("--cogvideox-probe-steps", type=int, default=10,
                        help="cogvideox_memory: the probe's steps (the batches, and so the peak, "
                             "do not depend on them)")
    parser.add_argument("--timeout", type=int, default=600,
                        help="seconds before a subprocess is killed")
    args = parser.parse_args()
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS + EXTRA_PARTS]
    if unknown:
        parser.error(f"--parts: unknown {', '.join(unknown)} "
                     f"(choose from {', '.join(PARTS + EXTRA_PARTS)})")
    if min(args.rounds, args.iters, args.whole_runs) < 1 or args.warmup < 0:
        parser.error("--rounds, --iters and --whole-runs must be at least 1, --warmup at least 0")
    if not torch.cuda.is_available():
        print(json.dumps(dict(part="setup", error="CUDA is not available")), flush=True)
        return 1
    diffusers_logging.disable_progress_bar()
    bench = Bench(args)
    try:
        bench.setup(modelscope=any(p in PARTS for p in parts))
    except Exception as e:
        bench.emit("setup", [bench.cli, "version"], error=repr(e)[:2000],
                   traceback=traceback.format_exc()[-3000:])
        return 1
    torch.backends.cudnn.benchmark = args.ref_cudnn_benchmark == "on"
    failed = 0
    for part in parts:
        try:
            getattr(bench, f"part_{part}")()
        except Exception as e:
            failed += 1
            bench.emit(part, [bench.cli], error=repr(e)[:2000],
                       traceback=traceback.format_exc()[-3000:])
            free_gpu()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
