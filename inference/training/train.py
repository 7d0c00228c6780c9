"""Train EarNet on rendered photos, export it to ONNX with its model card, and evaluate it.

    python -m inference.training.train --out inference/models --version 2.0.0 --style photo ...
    python -m inference.training.train --out inference/models --version 1.0.0 --style flat
    python -m inference.training.train --version 1.1.0 --style flat --init artifacts/earnet.pt --steps 500 ...

README.md has the exact commands of each shipped version. Seeds 0..N-1 train; evaluation uses
seeds from 1,000,000 (test) and 2,000,000 (calibration), so no rendered photo is shared. For the
photographic style, the negative set's training split gives backgrounds and negative photos, and
albumentations adds photometric augmentation (brightness, colour, noise, blur, JPEG) to each
batch; geometry is untouched, so the landmarks stay exact. One process, at most two threads: the
machine is shared. ``--state`` keeps the optimiser and the step so an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from inference.training.dataset import NUM_EAR, Samples, build_samples
from inference.training.model import HEATMAP_SIZE, INPUT_SIZE, EarNet

MEAN = (0.5, 0.5, 0.5)
STD = (0.25, 0.25, 0.25)
# Flipping an image left-right keeps anatomical ear labels (front stays front) but swaps the
# card's left and right corners.
FLIP_ORDER = [*range(NUM_EAR), NUM_EAR + 1, NUM_EAR, NUM_EAR + 3, NUM_EAR + 2]


def _load_or_build(cache: Path | None, scenes: int, style: str = "flat", negative_views: int = 0) -> Samples:
    if cache is not None and cache.exists():
        data = np.load(cache)
        if int(data["scenes"]) == scenes:
            print(f"using cached samples {cache}")
            return Samples(
                data["images"], data["keypoints"], data["keypoint_mask"], data["presence"], data["presence_mask"]
            )
    if style == "photo":
        from inference.training.negatives import load_negatives

        train_split = [image for _, image in load_negatives(split="train")]
        samples = build_samples(
            range(scenes),
            INPUT_SIZE,
            style="photo",
            backgrounds=train_split,
            negatives=train_split,
            views_per_negative=negative_views,
            processes=2,
        )
    else:
        samples = build_samples(range(scenes), INPUT_SIZE)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, scenes=scenes, **samples.__dict__)
    return samples


def photometric_augmenter(seed: int) -> Any:
    """What a phone and a room do to a photo, on top of the renderer's own finish (2.x only)."""
    import albumentations as A

    return A.Compose(
        [
            A.RandomBrightnessContrast(brightness_limit=0.25, contrast_limit=0.3, p=0.6),
            A.HueSaturationValue(hue_shift_limit=8, sat_shift_limit=25, val_shift_limit=15, p=0.5),
            A.PlanckianJitter(p=0.3),
            A.RandomGamma(gamma_limit=(70, 140), p=0.3),
            A.OneOf([A.GaussNoise(std_range=(0.01, 0.08)), A.ISONoise(intensity=(0.1, 0.6))], p=0.4),
            A.OneOf([A.MotionBlur(blur_limit=(3, 5)), A.GaussianBlur(sigma_limit=(0.3, 1.2))], p=0.25),
            A.RandomShadow(
                shadow_roi=(0, 0, 1, 1), num_shadows_limit=(1, 2), shadow_intensity_range=(0.2, 0.5), p=0.15
            ),
            A.ImageCompression(quality_range=(35, 95), p=0.4),
            A.Sharpen(alpha=(0.1, 0.4), p=0.15),
            A.ToGray(p=0.03),
        ],
        seed=seed,
    )


def network_input(images: torch.Tensor) -> torch.Tensor:
    """(N, H, W, 3) RGB in [0, 1] as the network takes it: normalised, NCHW (the card's contract)."""
    mean = torch.tensor(MEAN).view(1, 1, 1, 3)
    std = torch.tensor(STD).view(1, 1, 1, 3)
    return ((images - mean) / std).permute(0, 3, 1, 2).contiguous()


def _batch(
    s: Samples, idx: np.ndarray, rng: np.random.Generator, augment: Any = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    pixels = s.images[idx]
    if augment is not None:
        pixels = np.stack([augment(image=p)["image"] for p in pixels])
    images = torch.from_numpy(pixels).float().div_(255.0)
    kps = torch.from_numpy(s.keypoints[idx]).clone()
    mask = torch.from_numpy(s.keypoint_mask[idx]).clone()
    flip = torch.from_numpy(rng.random(len(idx)) < 0.5)
    if flip.any():
        images[flip] = images[flip].flip(dims=[2])
        flipped = kps[flip][:, FLIP_ORDER]
        flipped[..., 0] = 1.0 - flipped[..., 0]
        kps[flip] = flipped
        mask[flip] = mask[flip][:, FLIP_ORDER]
    gain = torch.from_numpy(rng.uniform(0.8, 1.2, (len(idx), 1, 1, 1))).float()
    bias = torch.from_numpy(rng.uniform(-0.08, 0.08, (len(idx), 1, 1, 1))).float()
    x = network_input((images * gain + bias).clamp_(0, 1))
    presence = torch.from_numpy(s.presence[idx])
    presence_mask = torch.from_numpy(s.presence_mask[idx])
    return x, kps, mask, presence, presence_mask


def _heatmap_ce(logits: torch.Tensor, kps: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Cross-entropy against a Gaussian target (sigma one cell): speeds up integral regression."""
    n, k, h, w = logits.shape
    grid = (torch.arange(h, dtype=torch.float32) + 0.5) / h
    sigma = 1.0 / h
    gx = torch.exp(-((grid.view(1, 1, -1) - kps[..., 0:1]) ** 2) / (2 * sigma**2))
    gy = torch.exp(-((grid.view(1, 1, -1) - kps[..., 1:2]) ** 2) / (2 * sigma**2))
    target = gy.unsqueeze(-1) * gx.unsqueeze(-2)
    target = target / target.sum(dim=(-1, -2), keepdim=True).clamp_min(1e-8)
    logp = torch.log_softmax(logits.reshape(n, k, -1), dim=-1).reshape(n, k, h, w)
    ce = -(target * logp).sum(dim=(-1, -2))
    return (ce * mask).sum() / mask.sum().clamp_min(1.0)


def train(
    samples: Samples,
    *,
    steps: int,
    batch: int,
    seed: int,
    checkpoint: Path | None = None,
    init: Path | None = None,
    peak_lr: float = 2e-3,
    warmup: int = 100,
    ema_decay: float = 0.0,
    augment: Any = None,
    state: Path | None = None,
    channels: tuple[int, int, int, int] = (12, 24, 48, 80),
) -> EarNet:
    """Train from scratch, or fine-tune from ``init`` (warm-up then cosine decay from ``peak_lr``).

    With ``ema_decay`` > 0 the returned (and checkpointed) weights are an exponential moving
    average of the trained ones, BatchNorm statistics included.
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = EarNet(channels)
    if init is not None:
        model.load_state_dict(torch.load(init, weights_only=True))
    ema = EarNet(channels) if ema_decay > 0 else None
    if ema is not None:
        ema.load_state_dict(model.state_dict())
        ema.eval()
    opt = torch.optim.AdamW(model.parameters(), lr=peak_lr, weight_decay=1e-4)
    first = 0
    if state is not None and state.exists():
        saved = torch.load(state, weights_only=False)  # our own file: optimiser and generator state  # nosec B614
        model.load_state_dict(saved["model"])
        if ema is not None:
            ema.load_state_dict(saved["ema"])
        opt.load_state_dict(saved["opt"])
        rng.bit_generator.state = saved["rng"]
        first = int(saved["step"])
        print(f"resuming at step {first} from {state}")
    n = len(samples.images)
    start = time.monotonic()
    model.train()
    for step in range(first, steps):
        lr = peak_lr * (min(1.0, (step + 1) / max(1, warmup)) * 0.5 * (1 + math.cos(math.pi * step / steps)))
        for group in opt.param_groups:
            group["lr"] = lr
        idx = rng.integers(0, n, batch)
        x, kps, mask, presence, presence_mask = _batch(samples, idx, rng, augment)
        logits, presence_logits = model.heatmap_logits(x)
        coords, _, _ = _decode(model, logits, presence_logits)
        l1 = ((coords - kps).abs().sum(-1) * mask).sum() / mask.sum().clamp_min(1.0) * INPUT_SIZE
        ce = _heatmap_ce(logits, kps, mask)
        bce = F.binary_cross_entropy_with_logits(presence_logits, presence, reduction="none")
        bce = (bce * presence_mask).sum() / presence_mask.sum().clamp_min(1.0)
        loss = l1 + 0.2 * ce + 2.0 * bce
        opt.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]  # torch leaves Tensor.backward untyped
        opt.step()
        if ema is not None:
            with torch.no_grad():
                for e, p in zip(ema.state_dict().values(), model.state_dict().values(), strict=True):
                    if e.dtype.is_floating_point:
                        e.mul_(ema_decay).add_(p.detach(), alpha=1 - ema_decay)
                    else:
                        e.copy_(p)
        if checkpoint is not None and step % 100 == 99:  # a stopped session loses at most 100 steps
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            torch.save((ema or model).state_dict(), checkpoint)
            if state is not None:
                saved_state = {"model": model.state_dict(), "opt": opt.state_dict(), "step": step + 1}
                saved_state |= {"ema": ema.state_dict() if ema is not None else None, "rng": rng.bit_generator.state}
                torch.save(saved_state, state)
        if step % 50 == 0 or step == steps - 1:
            elapsed = time.monotonic() - start
            print(
                f"step {step:5d}/{steps} loss {loss.item():.3f} l1_px {l1.item():.3f} ce {ce.item():.3f} "
                f"bce {bce.item():.4f} lr {lr:.2e} {elapsed:.0f}s",
                flush=True,
            )
    if ema is not None:
        return ema
    model.eval()
    return model


def _decode(
    model: EarNet, logits: torch.Tensor, presence: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    n, k, h, w = logits.shape
    assert h == HEATMAP_SIZE
    prob = torch.softmax(logits.reshape(n, k, h * w), dim=-1).reshape(n, k, h, w)
    grid = model.grid
    coords = torch.stack([(prob.sum(2) * grid).sum(-1), (prob.sum(3) * grid).sum(-1)], dim=-1)
    return coords, prob, presence


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("inference/models"))
    parser.add_argument("--scenes", type=int, default=4500, help="rendered training photos")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--batch", type=int, default=48)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--version", required=True, help="model version written to the file names and card")
    parser.add_argument("--cache", type=Path, default=Path("artifacts/earnet-train-samples.npz"))
    parser.add_argument("--eval-photos", type=int, default=400)
    parser.add_argument("--skip-eval", action="store_true")
    parser.add_argument("--checkpoint", type=Path, default=Path("artifacts/earnet.pt"))
    parser.add_argument("--from-checkpoint", action="store_true", help="export + evaluate only")
    parser.add_argument("--init", type=Path, default=None, help="fine-tune from these weights")
    parser.add_argument("--lr", type=float, default=2e-3, help="peak learning rate")
    parser.add_argument("--warmup", type=int, default=100, help="linear warm-up steps")
    parser.add_argument("--ema", type=float, default=0.0, help="weight-average decay (0 = off)")
    parser.add_argument("--style", choices=("photo", "flat"), default="photo", help="renderer (flat: 1.x)")
    parser.add_argument("--negative-views", type=int, default=80, help="views of each negative photo (photo style)")
    parser.add_argument("--state", type=Path, default=None, help="resumable training state (optimiser, step)")
    parser.add_argument("--channels", default="12,24,48,80", help="encoder widths (1.x: 12,24,48,80)")
    parser.add_argument(
        "--train-seconds",
        type=float,
        default=None,
        help="with --from-checkpoint: the training run's wall time, for the card",
    )
    args = parser.parse_args()
    channels = tuple(int(c) for c in args.channels.split(","))
    if len(channels) != 4:
        parser.error("--channels takes four widths")
    torch.set_num_threads(2)

    from inference.training.export import export_model

    t0 = time.monotonic()
    samples = _load_or_build(args.cache, args.scenes, args.style, args.negative_views)
    print(f"{len(samples.images)} samples from {args.scenes} photos in {time.monotonic() - t0:.0f}s")
    t1 = time.monotonic()
    if args.from_checkpoint:
        model = EarNet(channels)  # type: ignore[arg-type]  # four ints, checked above
        model.load_state_dict(torch.load(args.checkpoint, weights_only=True))
        model.eval()
    else:
        model = train(
            samples,
            steps=args.steps,
            batch=args.batch,
            seed=args.seed,
            checkpoint=args.checkpoint,
            init=args.init,
            peak_lr=args.lr,
            warmup=args.warmup,
            ema_decay=args.ema,
            augment=photometric_augmenter(args.seed) if args.style == "photo" else None,
            state=args.state,
            channels=channels,  # type: ignore[arg-type]  # four ints, checked above
        )
        args.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        torch.save(model.state_dict(), args.checkpoint)
    train_seconds = time.monotonic() - t1
    if args.from_checkpoint and args.train_seconds is not None:
        train_seconds = args.train_seconds
    card_path = export_model(
        model,
        out_dir=args.out,
        version=args.version,
        training={
            "scenes": args.scenes,
            "samples": len(samples.images),
            "steps": args.steps,
            "batch": args.batch,
            "seed": args.seed,
            "train_seconds": round(train_seconds),
            "seeds": f"0..{args.scenes - 1}",
            "style": args.style,
            "channels": list(channels),
            "peak_lr": args.lr,
            "ema": args.ema,
            **({"negative_views_per_photo": args.negative_views} if args.style == "photo" else {}),
            **({"fine_tuned_from": str(args.init), "warmup": args.warmup} if args.init is not None else {}),
        },
        mean=MEAN,
        std=STD,
        style=args.style,
    )
    print(f"wrote {card_path}")
    if not args.skip_eval:
        from inference.training.evaluate import evaluate_and_record

        evaluate_and_record(card_path, photos=args.eval_photos)


if __name__ == "__main__":
    main()
