# PyTorch peer for bench/run.ts: GEMM GFLOPS and the issue-3 CNN training step in images/s.
# Usage: python3 bench/torch_peer.py THREADS   (set OPENBLAS_NUM_THREADS / OMP_NUM_THREADS to THREADS too)
# Prints one JSON object.
import json, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
torch.set_num_threads(threads)
torch.manual_seed(0)

def best_of(fn, rounds=5, reps=1, warmup=2):
    for _ in range(warmup):
        fn()
    best = float('inf')
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        best = min(best, (time.perf_counter() - t0) / reps)
    return best

gemm = {}
for (m, n, k) in [(256, 256, 256), (512, 512, 512), (1024, 1024, 1024), (64, 3136, 576), (128, 784, 1152)]:
    a, b = torch.rand(m, k), torch.rand(k, n)
    reps = max(1, int(0.3 / (2 * m * n * k / 50e9)))
    t = best_of(lambda: torch.mm(a, b), reps=reps)
    gemm[f'{m}x{n}x{k}'] = 2 * m * n * k / t / 1e9

model = nn.Sequential(
    nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(4096, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
x = torch.randn(32, 3, 32, 32)
y = torch.randint(0, 10, (32,))

def step():
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()

t = best_of(step, rounds=7, reps=3, warmup=3)
print(json.dumps({'threads': threads, 'version': torch.__version__, 'gemmGflops': gemm, 'cnnImagesPerSecond': 32 / t}))
