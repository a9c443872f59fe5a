#!/usr/bin/env python3
"""PyTorch twins of graft's distillation losses (dev.graft.distill), and the fixture the Java tests compare with.

Writes graft-core/src/test/resources/fixtures/distill_losses.safetensors: for each case its inputs, the loss and
the gradient of every input and projection parameter, computed by autograd in float64 from float32 inputs.

Cases (B = 3 sequences of T = 7 tokens with 7, 5 and 2 real ones):
  emb_mean_norm   EmbeddingLoss: mean pooling, normalized (all-MiniLM-L6-v2's), student width 32 -> teacher 24
  emb_cls         EmbeddingLoss: first-token pooling, not normalized, 32 -> 24
  emb_same        EmbeddingLoss: mean pooling, not normalized, equal widths (no projection)
  layers_avg      LayerLoss: 2 pairs, widths 32 -> 24 (projection), student 2 heads, teacher 4 (head averages)
  layers_heads    LayerLoss: 2 pairs, equal widths 32 (no projection), 4 heads each (head by head)

Run from the repository root with Debian's torch: /usr/bin/python3 tools/reference/make_distill_fixture.py
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import FIXTURE_DIR, save_safetensors  # noqa: E402

SEED = 2020
B, T = 3, 7
REAL = [7, 5, 2]
DS, DT = 32, 24
PAIRS = 2
NORM_EPS = 1e-12  # torch.nn.functional.normalize
PROB_FLOOR = 1e-30  # LayerLoss.PROBABILITY_FLOOR


def mask():
    m = torch.zeros(B, T, dtype=torch.float64)
    for b, n in enumerate(REAL):
        m[b, :n] = 1
    return m


def embedding_loss(hidden, m, target, weight, bias, pooling, normalize):
    """EmbeddingLoss: pool, project (when given), normalize (when asked), torch MSELoss(mean)."""
    if pooling == "mean":
        pooled = (hidden * m[:, :, None]).sum(1) / m.sum(1, keepdim=True).clamp(min=1e-9)
    else:
        pooled = hidden[:, 0, :]
    z = pooled @ weight.T + bias if weight is not None else pooled
    if normalize:
        z = torch.nn.functional.normalize(z, p=2, dim=1, eps=NORM_EPS)
    return torch.nn.functional.mse_loss(z, target, reduction="mean")


def layer_loss(s_hidden, s_probs, t_hidden, t_probs, m, weight, bias):
    """LayerLoss: hidden MSE over real tokens (projected), KL(teacher || student) of attention per real query."""
    pairs = s_hidden.shape[0]
    real = m.sum()
    hs, ht = s_probs.shape[2], t_probs.shape[2]
    hidden_total = 0
    attention_total = 0
    for p in range(pairs):
        h = s_hidden[p] @ weight.T + bias if weight is not None else s_hidden[p]
        se = ((h - t_hidden[p]) ** 2).sum(-1)  # (B, T)
        hidden_total = hidden_total + (se * m).sum() / (real * t_hidden.shape[-1])
        sp, tp = s_probs[p], t_probs[p]
        if hs != ht:
            sp = sp.mean(1, keepdim=True)
            tp = tp.mean(1, keepdim=True)
        heads = sp.shape[1]
        keys = m[:, None, None, :]
        queries = m[:, None, :, None]
        kl = torch.xlogy(tp, tp) - tp * torch.log(torch.clamp(sp, min=PROB_FLOOR))
        attention_total = attention_total + (kl * keys * queries).sum() / (real * heads)
    return hidden_total / pairs, attention_total / pairs


def probabilities(g, heads, m):
    """Softmax attention distributions with the padded keys excluded, as the encoder computes them."""
    scores = torch.randn(PAIRS, B, heads, T, T, generator=g, dtype=torch.float64) * 2
    scores = scores.masked_fill(m[None, :, None, None, :] == 0, float("-inf"))
    return torch.softmax(scores, dim=-1).float().double()


def leaf(x):
    return x.float().double().clone().requires_grad_(True)


def main():
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(SEED)
    m = mask()
    tensors = {"mask": m.float()}

    for name, pooling, normalize, width in [("emb_mean_norm", "mean", True, DT), ("emb_cls", "cls", False, DT),
                                            ("emb_same", "mean", False, DS)]:
        hidden = leaf(torch.randn(B, T, DS, generator=g, dtype=torch.float64))
        target = torch.randn(B, width, generator=g, dtype=torch.float64)
        if normalize:
            target = torch.nn.functional.normalize(target, dim=1)
        target = target.float().double()
        weight = leaf(torch.randn(width, DS, generator=g, dtype=torch.float64) * 0.2) if width != DS else None
        bias = leaf(torch.randn(width, generator=g, dtype=torch.float64) * 0.1) if width != DS else None
        loss = embedding_loss(hidden, m, target, weight, bias, pooling, normalize)
        loss.backward()
        tensors[f"{name}.hidden"] = hidden.detach().float()
        tensors[f"{name}.target"] = target.float()
        tensors[f"{name}.loss"] = loss.detach().float().reshape(())
        tensors[f"{name}.d_hidden"] = hidden.grad.float()
        if weight is not None:
            tensors[f"{name}.weight"] = weight.detach().float()
            tensors[f"{name}.bias"] = bias.detach().float()
            tensors[f"{name}.d_weight"] = weight.grad.float()
            tensors[f"{name}.d_bias"] = bias.grad.float()

    for name, width, hs, ht in [("layers_avg", DT, 2, 4), ("layers_heads", DS, 4, 4)]:
        s_hidden = leaf(torch.randn(PAIRS, B, T, DS, generator=g, dtype=torch.float64))
        t_hidden = (torch.randn(PAIRS, B, T, width, generator=g, dtype=torch.float64)).float().double()
        s_probs = leaf(probabilities(g, hs, m))
        t_probs = probabilities(g, ht, m)
        weight = leaf(torch.randn(width, DS, generator=g, dtype=torch.float64) * 0.2) if width != DS else None
        bias = leaf(torch.randn(width, generator=g, dtype=torch.float64) * 0.1) if width != DS else None
        hidden_loss, attention_loss = layer_loss(s_hidden, s_probs, t_hidden, t_probs, m, weight, bias)
        (hidden_loss + attention_loss).backward()
        tensors[f"{name}.s_hidden"] = s_hidden.detach().float()
        tensors[f"{name}.t_hidden"] = t_hidden.float()
        tensors[f"{name}.s_probs"] = s_probs.detach().float()
        tensors[f"{name}.t_probs"] = t_probs.float()
        tensors[f"{name}.loss_hidden"] = hidden_loss.detach().float().reshape(())
        tensors[f"{name}.loss_attention"] = attention_loss.detach().float().reshape(())
        tensors[f"{name}.d_s_hidden"] = s_hidden.grad.float()
        tensors[f"{name}.d_s_probs"] = s_probs.grad.float()
        if weight is not None:
            tensors[f"{name}.weight"] = weight.detach().float()
            tensors[f"{name}.bias"] = bias.detach().float()
            tensors[f"{name}.d_weight"] = weight.grad.float()
            tensors[f"{name}.d_bias"] = bias.grad.float()

    path = os.path.join(FIXTURE_DIR, "distill_losses.safetensors")
    save_safetensors(path, tensors, {"torch": torch.__version__, "script": "tools/reference/make_distill_fixture.py"})
    print(f"wrote {path}: {len(tensors)} tensors")


if __name__ == "__main__":
    main()
