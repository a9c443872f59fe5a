"""PyTorch side of `./graft bench train`: time full training steps of the same model.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/bench/train_torch.py --arch bert-mini --threads 1 --steps 20

tools/bench/train_compare.sh runs this beside the Java benchmark and prints the ratio.

Workload (must match graft's bench):
  bert-mini  BertForMaskedLM (post-LN), vocab 8192, 4 layers, hidden 256, 4 heads, FFN 1024,
             128 positions, 2 token types; MLM loss on 15% of positions (others -100). As in
             Hugging Face, the tied decoder projects every position to the vocabulary.
  gpt-mini   GPT2LMHeadModel (pre-LN), same sizes; causal LM loss with labels = inputs.
  batch 16 x seq 128, dropout 0.1 (embeddings, attention probabilities, hidden states, as
  Hugging Face places it), torch.optim.AdamW lr 1e-4 (weight decay 0.01 on dim >= 2).
  The models are the modules of tools/reference/make_fixtures.py, which the fixtures verify.

A step is forward, backward, optimizer.step and zero_grad, timed wall-clock. Three warm-up
steps are not measured. Prints one line per measured step, then `peak RSS MiB: N` and, as the
last line, `tokens/s: X`: the median over measured steps of batch * seq / step time.
"""

import argparse
import os
import resource
import statistics
import sys
import time

BATCH = 16
SEQ = 128
WARMUP_STEPS = 3
MLM_PROBABILITY = 0.15
LEARNING_RATE = 1e-4
WEIGHT_DECAY = 0.01
DROPOUT = 0.1
SEED = 1234


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=["bert-mini", "gpt-mini"], required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=20, help="measured steps (after %d warm-up)" % WARMUP_STEPS)
    args = parser.parse_args()
    if args.threads < 1 or args.steps < 1:
        parser.error("--threads and --steps must be >= 1")
    return args


args = parse_args()
# Thread pools read these when torch (OpenMP) and Debian's generic BLAS (OpenBLAS) load, so set
# them before the import; torch.set_num_threads alone does not reach OpenBLAS's own pool.
for variable in ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"]:
    os.environ[variable] = str(args.threads)
if os.environ.get("OMP_WAIT_POLICY", "").upper() != "PASSIVE":
    print("note: OMP_WAIT_POLICY is not PASSIVE; setting it (run through tools/bench/train_compare.sh)",
          file=sys.stderr)
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"

import torch  # noqa: E402

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
import make_fixtures as ref  # noqa: E402


def build(arch):
    if arch == "bert-mini":
        config = ref.BertConfig(vocab_size=8192, hidden_size=256, num_heads=4, intermediate_size=1024,
                                num_layers=4, max_position_embeddings=128, type_vocab_size=2,
                                layer_norm_eps=1e-12, hidden_dropout=DROPOUT, attention_dropout=DROPOUT)
        return ref.BertForMaskedLM(config), config.vocab_size
    config = ref.GPT2Config(vocab_size=8192, n_embd=256, n_head=4, n_inner=1024, n_layer=4, n_positions=128,
                            layer_norm_epsilon=1e-5, embd_pdrop=DROPOUT, attn_pdrop=DROPOUT, resid_pdrop=DROPOUT)
    return ref.GPT2LMHeadModel(config), config.vocab_size


def batches(arch, vocab_size, count, generator):
    """Synthetic batches (seeded), made before timing starts."""
    out = []
    for _ in range(count):
        input_ids = torch.randint(0, vocab_size, (BATCH, SEQ), generator=generator)
        if arch == "bert-mini":
            labeled = torch.rand(BATCH, SEQ, generator=generator) < MLM_PROBABILITY
            labels = torch.where(labeled, input_ids, torch.full_like(input_ids, ref.IGNORE_INDEX))
            out.append((input_ids, torch.zeros_like(input_ids), torch.ones_like(input_ids), labels))
        else:
            out.append((input_ids, input_ids.clone()))
    return out


def main():
    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    model, vocab_size = build(args.arch)
    model.train()
    optimizer = ref.adamw(model, LEARNING_RATE, WEIGHT_DECAY)
    data = batches(args.arch, vocab_size, WARMUP_STEPS + args.steps, torch.Generator().manual_seed(SEED + 1))
    parameters = sum(p.numel() for p in model.parameters())
    print(f"torch {torch.__version__}, arch {args.arch}, {parameters} parameters, batch {BATCH} x seq {SEQ},"
          f" threads {torch.get_num_threads()}, warm-up {WARMUP_STEPS}, measured steps {args.steps}")

    rates = []
    for step, batch in enumerate(data):
        start = time.perf_counter()
        _, loss = model(*batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        seconds = time.perf_counter() - start
        if step < WARMUP_STEPS:
            print(f"warm-up {step + 1}: loss {loss.item():.4f}, {seconds * 1000:.1f} ms")
            continue
        rate = BATCH * SEQ / seconds
        rates.append(rate)
        print(f"step {step - WARMUP_STEPS + 1}: loss {loss.item():.4f}, {seconds * 1000:.1f} ms, {rate:.1f} tokens/s")

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    print(f"peak RSS MiB: {peak_mib:.0f}")
    print(f"tokens/s: {statistics.median(rates):.1f}")


if __name__ == "__main__":
    main()
