"""pixelflow's networks in PyTorch, for `pixelflow bench engine`.

- "small-vgg", as NetworkSpec.preset("small-vgg", HxWxC, 2): conv3x3 32/64/128/128 (VALID, ReLU) each followed by
  a 2x2 max-pool, flatten, dropout 0.5, dense 512 ReLU, one sigmoid output; binary cross-entropy; RMSprop at 1e-4
  with Keras' rho 0.9 and epsilon 1e-7; NCHW.
- "resnet-small", as NetworkSpec.preset("resnet-small", HxWxC, 2): conv3x3 32 stride 2 without bias, batch norm,
  ReLU; four stages of two basic blocks (32, 64, 128, 256 channels; stride 2 at the start of stages 2-4; a 1x1
  convolution with batch norm as the shortcut where the shape changes); global average pooling; one sigmoid output
  with binary cross-entropy and label smoothing 0.1; SGD with Nesterov momentum 0.9 at 0.1, weight decay 5e-4 on
  convolution and dense weights only (decoupled, as the engine applies it); channels-last memory, the faster of
  PyTorch's two layouts for it here.

Usage: python3 torch_reference.py [THREADS]. Reads one JSON command per line on stdin, {"net": "small-vgg",
"op": "train"|"infer", "h": 150, "w": 150, "c": 3, "batch": 32, "batches": 2, "seconds": 3, "warmup": 1}:
`warmup` untimed steps, then timed steps until at least `batches` steps and `seconds` seconds; it answers each with
one JSON line {"op": ..., "images_per_s": ..., "seconds": ..., "batches": ...}. The first line it prints says
whether torch could be imported.
"""
import json
import sys
import time

try:
    import torch
    from torch import nn
except Exception as e:  # noqa: BLE001 - any import failure means "no PyTorch here"
    print(json.dumps({"ready": False, "error": "%s: %s" % (type(e).__name__, e)}), flush=True)
    sys.exit(0)


def small_vgg(h, w, c):
    hh, ww = h, w
    for _ in range(4):
        hh, ww = (hh - 2) // 2, (ww - 2) // 2
    if hh < 1 or ww < 1:
        raise ValueError("input %dx%dx%d is too small for small-vgg" % (h, w, c))
    return nn.Sequential(
        nn.Conv2d(c, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(128, 128, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(128 * hh * ww, 512), nn.ReLU(),
        nn.Linear(512, 1), nn.Sigmoid())


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + (x if self.shortcut is None else self.shortcut(x)))


def resnet_small(h, w, c):
    layers = [nn.Conv2d(c, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU()]
    cin = 32
    for stage, cout in enumerate((32, 64, 128, 256)):
        layers += [BasicBlock(cin, cout, 1 if stage == 0 else 2), BasicBlock(cout, cout, 1)]
        cin = cout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, 1))


class SmoothedBce(nn.Module):
    """Binary cross-entropy on logits with the targets moved towards 0.5, as the engine's label smoothing."""

    def __init__(self, smoothing):
        super().__init__()
        self.smoothing = smoothing
        self.bce = nn.BCEWithLogitsLoss()

    def forward(self, logits, target):
        return self.bce(logits, target * (1 - self.smoothing) + 0.5 * self.smoothing)


class Reference:
    def __init__(self, net, h, w, c, batch):
        gen = torch.Generator().manual_seed(42)
        torch.manual_seed(42)
        self.channels_last = net == "resnet-small"
        if net == "small-vgg":
            self.model = small_vgg(h, w, c)
            self.optimizer = torch.optim.RMSprop(self.model.parameters(), lr=1e-4, alpha=0.9, eps=1e-7)
            self.loss = nn.BCELoss()
            self.decayed = []
        elif net == "resnet-small":
            self.model = resnet_small(h, w, c).to(memory_format=torch.channels_last)
            self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
            self.loss = SmoothedBce(0.1)
            self.decayed = [m.weight for m in self.model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
        else:
            raise ValueError("unknown network %r" % net)
        # A few distinct batches in memory, as the Java side uses: data loading is not what is measured.
        self.x = [torch.rand(batch, c, h, w, generator=gen) for _ in range(4)]
        if self.channels_last:
            self.x = [x.contiguous(memory_format=torch.channels_last) for x in self.x]
        self.y = [torch.randint(0, 2, (batch, 1), generator=gen).float() for _ in range(4)]

    def train_step(self, i):
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss(self.model(self.x[i % 4]), self.y[i % 4])
        loss.backward()
        self.optimizer.step()
        if self.decayed:
            with torch.no_grad():
                for w in self.decayed:
                    w.mul_(1 - 0.1 * 5e-4)

    def infer_step(self, i):
        self.model(self.x[i % 4])


def timed(step, warmup, min_batches, min_seconds):
    for i in range(warmup):
        step(i)
    done = 0
    t0 = time.perf_counter()
    while True:
        step(done)
        done += 1
        elapsed = time.perf_counter() - t0
        if done >= min_batches and elapsed >= min_seconds:
            return done, elapsed


def run(refs, cmd):
    key = (cmd.get("net", "small-vgg"), cmd["h"], cmd["w"], cmd["c"], cmd["batch"])
    if key not in refs:
        refs[key] = Reference(*key)
    ref = refs[key]
    op = cmd["op"]
    args = (int(cmd.get("warmup", 1)), int(cmd.get("batches", 1)), float(cmd.get("seconds", 0)))
    if op == "train":
        ref.model.train()
        done, elapsed = timed(ref.train_step, *args)
    elif op == "infer":
        ref.model.eval()
        with torch.inference_mode():
            done, elapsed = timed(ref.infer_step, *args)
    else:
        raise ValueError("unknown op %r" % op)
    return {"op": op, "images_per_s": cmd["batch"] * done / elapsed, "seconds": elapsed, "batches": done}


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    torch.set_num_threads(threads)
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "mkldnn": bool(torch.backends.mkldnn.is_available())}), flush=True)
    refs = {}
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            answer = run(refs, json.loads(line))
        except Exception as e:  # noqa: BLE001 - report it to the Java side instead of dying silently
            answer = {"error": "%s: %s" % (type(e).__name__, e)}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
