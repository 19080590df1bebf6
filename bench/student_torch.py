# torchvision side of bench/student.ts: a worker that reads one op name per line on stdin, runs it
# `reps` times and answers with the seconds per call as one JSON line, so that node can interleave
# its rounds with typegrad's (on a shared machine a burst of load then hits both sides alike).
# Usage: /usr/bin/python3 bench/student_torch.py THREADS
import json, sys, time
import torch
import torchvision
from torchvision import transforms as T
from torchvision.models import vgg16, resnet18

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
torch.manual_seed(0)

# the course notebook's arguments (seeds/*.txt): RandomRotation(degrees=30), ColorJitter(0.5, 0.5, 0.5, 0.2),
# RandomPerspective(); applied to float32 [C, H, W] tensors in [0, 1], as typegrad's transforms take them
ops = {
    'vgg16': lambda x: vgg16(),
    'resnet18': lambda x: resnet18(),
    'RandomRotation': T.RandomRotation(degrees=30),
    'ColorJitter': T.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.2),
    # p=1: time the warp itself, not a coin flip that skips it half the time
    'RandomPerspective': T.RandomPerspective(p=1.0),
}
images = {}

def image(shape):
    if shape not in images:
        c, h, w = (int(v) for v in shape.split('x'))
        images[shape] = torch.rand(c, h, w)
    return images[shape]

print(json.dumps({'torch': torch.__version__, 'torchvision': torchvision.__version__, 'threads': torch.get_num_threads()}), flush=True)
for line in sys.stdin:
    name, shape, reps = line.split()
    fn, x = ops[name], image(shape)
    t0 = time.perf_counter()
    for _ in range(int(reps)):
        fn(x)
    print(json.dumps((time.perf_counter() - t0) / int(reps)), flush=True)
