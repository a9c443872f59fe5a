"""Write the PyTorch reference fixtures that graft's Java tests compare against.

Run by hand from the repository root with Debian's torch (CI never runs this; the
generated files are committed):

    apt-get install -y python3-torch libopenblas0-pthread
    /usr/bin/python3 tools/reference/make_fixtures.py

(Use /usr/bin/python3, the interpreter that sees Debian's python3-torch; a pyenv
``python3`` on PATH does not. Without libopenblas0-pthread Debian's torch falls back to
the slow reference BLAS; the results are the same, only slower.)

It writes, with its own minimal safetensors writer (F32 and I64 only):

    graft-core/src/test/resources/fixtures/tiny_bert.safetensors
    graft-core/src/test/resources/fixtures/tiny_gpt.safetensors

The models are written from scratch (no ``transformers`` import) but follow Hugging Face
``BertForMaskedLM`` (post-LN encoder, tied MLM decoder) and ``GPT2LMHeadModel`` (pre-LN
decoder, tied LM head) operation for operation, with Hugging Face's parameter names.

Each file holds:

    param.<name>   every parameter before training (F32)
    input.<name>   the batch (I64): input_ids, labels, and for BERT token_type_ids and
                   attention_mask
    output.logits  (B, T, V) F32
    output.loss    shape [] F32; mean cross-entropy over positions whose label != -100
    grad.<name>    d loss / d parameter at the initial weights (tied weights: the total
                   gradient on the one shared tensor)
    steps.loss     (10,) the loss before each of 10 torch.optim.AdamW steps on the same
                   batch, so steps.loss[0] == output.loss
    after.<name>   every parameter after the 10 steps

and string metadata with the configuration (see ``metadata`` below).

The model classes are also imported by tools/bench/train_torch.py, so the benchmark runs
the very modules these fixtures verify.
"""

import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 1234
BATCH = 3
SEQ = 11
ADAMW_STEPS = 10
ADAMW_LR = 1e-2
ADAMW_BETAS = (0.9, 0.999)
ADAMW_EPS = 1e-8
ADAMW_WEIGHT_DECAY = 0.01
PERTURBATION = 0.1  # uniform noise on LayerNorm weights/biases and all biases
IGNORE_INDEX = -100  # torch.nn.CrossEntropyLoss default, the Hugging Face convention

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURE_DIR = os.path.join(REPO_ROOT, "graft-core", "src", "test", "resources", "fixtures")


# ----------------------------------------------------------------------------------------
# Minimal safetensors writer (https://github.com/huggingface/safetensors, format section):
# u64 little-endian header length N, N bytes of JSON header, then the data buffer.
# ----------------------------------------------------------------------------------------

_DTYPES = {torch.float32: ("F32", "<f4"), torch.int64: ("I64", "<i8")}
# The Rust writer (safetensors::tensor::prepare) orders tensors by dtype, largest enum value
# first (I64 before F32), then by name; the header lists "__metadata__" first, then the
# tensors in data order, and is padded with spaces to a multiple of 8 bytes.
_DTYPE_RANK = {"I64": 13, "F32": 11}


def save_safetensors(path, tensors, metadata):
    entries = []
    for name, t in tensors.items():
        if t.dtype not in _DTYPES:
            raise ValueError(f"{name}: dtype {t.dtype} not supported by this writer (F32, I64)")
        dtype, np_dtype = _DTYPES[t.dtype]
        data = t.detach().contiguous().cpu().numpy().astype(np_dtype).tobytes()
        entries.append((name, dtype, list(t.shape), data))
    entries.sort(key=lambda e: (-_DTYPE_RANK[e[1]], e[0]))
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    for name, dtype, shape, data in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * ((8 - len(header_bytes) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for _, _, _, data in entries:
            f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# ----------------------------------------------------------------------------------------
# BERT, as Hugging Face transformers' modeling_bert.py (BertForMaskedLM, no pooler).
# ----------------------------------------------------------------------------------------


class BertConfig:
    def __init__(self, vocab_size, hidden_size, num_heads, intermediate_size, num_layers,
                 max_position_embeddings, type_vocab_size=2, layer_norm_eps=1e-12,
                 hidden_dropout=0.0, attention_dropout=0.0, pad_token_id=0,
                 initializer_range=0.02):
        if hidden_size % num_heads != 0:
            raise ValueError(f"hidden size {hidden_size} is not divisible by {num_heads} heads")
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_heads = num_heads
        self.intermediate_size = intermediate_size
        self.num_layers = num_layers
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.layer_norm_eps = layer_norm_eps
        self.hidden_dropout = hidden_dropout
        self.attention_dropout = attention_dropout
        self.pad_token_id = pad_token_id
        self.initializer_range = initializer_range


class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        # HF: padding_idx=config.pad_token_id. The lookup sends no gradient to that row (the
        # tied decoder still does), and _init_weights zeroes it.
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=c.pad_token_id)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout)

    def forward(self, input_ids, token_type_ids):
        T = input_ids.shape[1]
        position_ids = torch.arange(T, device=input_ids.device).unsqueeze(0)
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings = embeddings + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(embeddings))


class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.num_heads = c.num_heads
        self.head_size = c.hidden_size // c.num_heads
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)
        self.dropout = nn.Dropout(c.attention_dropout)

    def split_heads(self, x):  # (B, T, C) -> (B, nh, T, hd)
        B, T, _ = x.shape
        return x.view(B, T, self.num_heads, self.head_size).permute(0, 2, 1, 3)

    def forward(self, hidden, additive_mask):
        q = self.split_heads(self.query(hidden))
        k = self.split_heads(self.key(hidden))
        v = self.split_heads(self.value(hidden))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size)
        scores = scores + additive_mask  # (B, 1, 1, T) over keys
        probs = self.dropout(F.softmax(scores, dim=-1))
        context = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return context.view(context.shape[0], context.shape[1], -1)


class BertSelfOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout)

    def forward(self, hidden, residual):
        return self.LayerNorm(self.dropout(self.dense(hidden)) + residual)


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertSelfOutput(c)

    def forward(self, hidden, additive_mask):
        return self.output(self.self(hidden, additive_mask), hidden)


class BertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)

    def forward(self, hidden):
        return F.gelu(self.dense(hidden))  # exact (erf) GELU, HF "gelu"


class BertOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.intermediate_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout)

    def forward(self, hidden, residual):
        return self.LayerNorm(self.dropout(self.dense(hidden)) + residual)


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertOutput(c)

    def forward(self, hidden, additive_mask):
        attention_output = self.attention(hidden, additive_mask)
        return self.output(self.intermediate(attention_output), attention_output)


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(c) for _ in range(c.num_layers)])

    def forward(self, hidden, additive_mask):
        for layer in self.layer:
            hidden = layer(hidden, additive_mask)
        return hidden


class BertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = BertEmbeddings(c)
        self.encoder = BertEncoder(c)

    def forward(self, input_ids, token_type_ids, attention_mask):
        # HF get_extended_attention_mask: (1 - mask) * finfo(dtype).min, broadcast over
        # heads and queries; padded keys get a huge negative score, padded queries still
        # produce outputs.
        dtype = self.embeddings.word_embeddings.weight.dtype
        extended = attention_mask[:, None, None, :].to(dtype)
        additive_mask = (1.0 - extended) * torch.finfo(dtype).min
        return self.encoder(self.embeddings(input_ids, token_type_ids), additive_mask)


class BertPredictionHeadTransform(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, hidden):
        return self.LayerNorm(F.gelu(self.dense(hidden)))


class BertLMPredictionHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transform = BertPredictionHeadTransform(c)
        # HF: decoder = Linear(hidden, vocab, bias=False) with weight tied to
        # word_embeddings and decoder.bias = this bias. The tie is made in the caller.
        self.bias = nn.Parameter(torch.zeros(c.vocab_size))

    def forward(self, hidden, decoder_weight):
        return F.linear(self.transform(hidden), decoder_weight) + self.bias


class BertOnlyMLMHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.predictions = BertLMPredictionHead(c)


class BertForMaskedLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.bert = BertModel(c)
        self.cls = BertOnlyMLMHead(c)
        self._init_weights()

    def _init_weights(self):  # HF BertPreTrainedModel._init_weights
        std = self.config.initializer_range
        for m in self.modules():
            if isinstance(m, nn.Linear):
                m.weight.data.normal_(mean=0.0, std=std)
                if m.bias is not None:
                    m.bias.data.zero_()
            elif isinstance(m, nn.Embedding):
                m.weight.data.normal_(mean=0.0, std=std)
                if m.padding_idx is not None:
                    m.weight.data[m.padding_idx].zero_()
            elif isinstance(m, nn.LayerNorm):
                m.bias.data.zero_()
                m.weight.data.fill_(1.0)
        self.cls.predictions.bias.data.zero_()

    def forward(self, input_ids, token_type_ids, attention_mask, labels=None):
        hidden = self.bert(input_ids, token_type_ids, attention_mask)
        logits = self.cls.predictions(hidden, self.bert.embeddings.word_embeddings.weight)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1),
                                   ignore_index=IGNORE_INDEX)
        return logits, loss


def bert_parameter_names(num_layers):
    """Hugging Face's names for BertForMaskedLM without pooler, as in a safetensors file."""
    names = ["bert.embeddings.word_embeddings.weight",
             "bert.embeddings.position_embeddings.weight",
             "bert.embeddings.token_type_embeddings.weight",
             "bert.embeddings.LayerNorm.weight", "bert.embeddings.LayerNorm.bias"]
    for i in range(num_layers):
        p = f"bert.encoder.layer.{i}."
        for s in ["attention.self.query", "attention.self.key", "attention.self.value",
                  "attention.output.dense", "attention.output.LayerNorm",
                  "intermediate.dense", "output.dense", "output.LayerNorm"]:
            names += [p + s + ".weight", p + s + ".bias"]
    names += ["cls.predictions.bias",
              "cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias",
              "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.bias"]
    return names


# ----------------------------------------------------------------------------------------
# GPT-2, as Hugging Face transformers' modeling_gpt2.py (GPT2LMHeadModel).
# ----------------------------------------------------------------------------------------


class GPT2Config:
    def __init__(self, vocab_size, n_embd, n_head, n_inner, n_layer, n_positions,
                 layer_norm_epsilon=1e-5, embd_pdrop=0.0, attn_pdrop=0.0, resid_pdrop=0.0,
                 initializer_range=0.02):
        if n_embd % n_head != 0:
            raise ValueError(f"hidden size {n_embd} is not divisible by {n_head} heads")
        self.vocab_size = vocab_size
        self.n_embd = n_embd
        self.n_head = n_head
        self.n_inner = n_inner
        self.n_layer = n_layer
        self.n_positions = n_positions
        self.layer_norm_epsilon = layer_norm_epsilon
        self.embd_pdrop = embd_pdrop
        self.attn_pdrop = attn_pdrop
        self.resid_pdrop = resid_pdrop
        self.initializer_range = initializer_range


class Conv1D(nn.Module):
    """HF pytorch_utils.Conv1D: a linear layer whose weight is stored (in, out)."""

    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x):
        size_out = x.size()[:-1] + (self.nf,)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)


def gelu_new(x):
    """HF NewGELUActivation: the tanh approximation used by GPT-2."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class GPT2Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_head = c.n_head
        self.head_dim = c.n_embd // c.n_head
        self.split_size = c.n_embd
        self.c_attn = Conv1D(3 * c.n_embd, c.n_embd)
        self.c_proj = Conv1D(c.n_embd, c.n_embd)
        self.attn_dropout = nn.Dropout(c.attn_pdrop)
        self.resid_dropout = nn.Dropout(c.resid_pdrop)
        causal = torch.tril(torch.ones((c.n_positions, c.n_positions), dtype=torch.bool))
        self.register_buffer("causal", causal.view(1, 1, c.n_positions, c.n_positions), persistent=False)

    def split_heads(self, x):  # (B, T, C) -> (B, nh, T, hd)
        B, T, _ = x.shape
        return x.view(B, T, self.n_head, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, hidden):
        query, key, value = self.c_attn(hidden).split(self.split_size, dim=2)
        q, k, v = self.split_heads(query), self.split_heads(key), self.split_heads(value)
        w = torch.matmul(q, k.transpose(-1, -2))
        w = w / torch.full([], v.size(-1) ** 0.5, dtype=w.dtype)
        T = q.size(-2)
        mask_value = torch.full([], torch.finfo(w.dtype).min, dtype=w.dtype)
        w = torch.where(self.causal[:, :, :T, :T], w, mask_value)
        w = self.attn_dropout(F.softmax(w, dim=-1))
        out = torch.matmul(w, v).permute(0, 2, 1, 3).contiguous()
        out = out.view(out.shape[0], out.shape[1], -1)
        return self.resid_dropout(self.c_proj(out))


class GPT2MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = Conv1D(c.n_inner, c.n_embd)
        self.c_proj = Conv1D(c.n_embd, c.n_inner)
        self.dropout = nn.Dropout(c.resid_pdrop)

    def forward(self, hidden):
        return self.dropout(self.c_proj(gelu_new(self.c_fc(hidden))))


class GPT2Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c.n_embd, eps=c.layer_norm_epsilon)
        self.attn = GPT2Attention(c)
        self.ln_2 = nn.LayerNorm(c.n_embd, eps=c.layer_norm_epsilon)
        self.mlp = GPT2MLP(c)

    def forward(self, hidden):
        hidden = hidden + self.attn(self.ln_1(hidden))
        return hidden + self.mlp(self.ln_2(hidden))


class GPT2Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.wte = nn.Embedding(c.vocab_size, c.n_embd)
        self.wpe = nn.Embedding(c.n_positions, c.n_embd)
        self.drop = nn.Dropout(c.embd_pdrop)
        self.h = nn.ModuleList([GPT2Block(c) for _ in range(c.n_layer)])
        self.ln_f = nn.LayerNorm(c.n_embd, eps=c.layer_norm_epsilon)

    def forward(self, input_ids):
        T = input_ids.shape[1]
        position_ids = torch.arange(T, device=input_ids.device).unsqueeze(0)
        hidden = self.drop(self.wte(input_ids) + self.wpe(position_ids))
        for block in self.h:
            hidden = block(hidden)
        return self.ln_f(hidden)


class GPT2LMHeadModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.transformer = GPT2Model(c)
        self._init_weights()

    def _init_weights(self):  # HF GPT2PreTrainedModel._init_weights
        std = self.config.initializer_range
        for m in self.modules():
            if isinstance(m, (nn.Linear, Conv1D)):
                m.weight.data.normal_(mean=0.0, std=std)
                if m.bias is not None:
                    m.bias.data.zero_()
            elif isinstance(m, nn.Embedding):
                m.weight.data.normal_(mean=0.0, std=std)
            elif isinstance(m, nn.LayerNorm):
                m.bias.data.zero_()
                m.weight.data.fill_(1.0)
        # GPT-2 paper: residual projections scaled by 1/sqrt(2 * n_layer) at init.
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                p.data.normal_(mean=0.0, std=std / math.sqrt(2 * self.config.n_layer))

    def forward(self, input_ids, labels=None):
        hidden = self.transformer(input_ids)
        logits = F.linear(hidden, self.transformer.wte.weight)  # lm_head tied to wte
        loss = None
        if labels is not None:
            shift_logits = logits[..., :-1, :].contiguous()
            shift_labels = labels[..., 1:].contiguous()
            loss = F.cross_entropy(shift_logits.view(-1, shift_logits.size(-1)), shift_labels.view(-1),
                                   ignore_index=IGNORE_INDEX)
        return logits, loss


def gpt2_parameter_names(n_layer):
    names = ["transformer.wte.weight", "transformer.wpe.weight"]
    for i in range(n_layer):
        p = f"transformer.h.{i}."
        for s in ["ln_1", "attn.c_attn", "attn.c_proj", "ln_2", "mlp.c_fc", "mlp.c_proj"]:
            names += [p + s + ".weight", p + s + ".bias"]
    names += ["transformer.ln_f.weight", "transformer.ln_f.bias"]
    return names


# ----------------------------------------------------------------------------------------
# Shared: optimizer, perturbation, fixture assembly.
# ----------------------------------------------------------------------------------------


def adamw(model, lr, weight_decay):
    """torch.optim.AdamW with decay on parameters of dim >= 2, none on 1-D ones."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}],
                             lr=lr, betas=ADAMW_BETAS, eps=ADAMW_EPS, foreach=False)


def perturb_norms_and_biases(model, generator):
    """Add uniform noise in [-PERTURBATION, PERTURBATION) to every 1-D parameter (LayerNorm
    weights and biases, all biases), so their gradients are not the trivial ones of 1 and 0."""
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 1:
                p.add_((torch.rand(p.shape, generator=generator) * 2 - 1) * PERTURBATION)


def check_names(model, expected):
    actual = [n for n, _ in model.named_parameters()]
    if sorted(actual) != sorted(expected):
        raise AssertionError(f"parameter names differ from Hugging Face's:\n"
                             f"  extra {sorted(set(actual) - set(expected))}\n"
                             f"  missing {sorted(set(expected) - set(actual))}")


def build_fixture(model, loss_fn, inputs, metadata):
    tensors = {}
    for name, p in model.named_parameters():
        tensors["param." + name] = p.detach().clone()
    for name, t in inputs.items():
        tensors["input." + name] = t.clone()

    logits, loss = loss_fn()
    model.zero_grad(set_to_none=True)
    loss.backward()
    tensors["output.logits"] = logits.detach().clone()
    tensors["output.loss"] = loss.detach().clone().reshape([])
    for name, p in model.named_parameters():
        tensors["grad." + name] = p.grad.detach().clone()

    optimizer = adamw(model, ADAMW_LR, ADAMW_WEIGHT_DECAY)
    step_losses = []
    for _ in range(ADAMW_STEPS):
        optimizer.zero_grad(set_to_none=True)
        _, step_loss = loss_fn()
        step_losses.append(step_loss.detach().clone())
        step_loss.backward()
        optimizer.step()
    tensors["steps.loss"] = torch.stack(step_losses)
    if not torch.equal(tensors["steps.loss"][0], tensors["output.loss"]):
        raise AssertionError("steps.loss[0] differs from output.loss: the run is not deterministic")
    for name, p in model.named_parameters():
        tensors["after." + name] = p.detach().clone()

    common = {
        "torch_version": torch.__version__,
        "seed": SEED,
        "script": "tools/reference/make_fixtures.py",
        "loss_reduction": "mean over non-ignored positions",
        "ignore_index": IGNORE_INDEX,
        "optimizer": "torch.optim.AdamW",
        "optimizer_steps": ADAMW_STEPS,
        "lr": ADAMW_LR,
        "betas": f"{ADAMW_BETAS[0]},{ADAMW_BETAS[1]}",
        "adam_eps": ADAMW_EPS,
        "weight_decay": f"{ADAMW_WEIGHT_DECAY} on parameters with dim >= 2, 0 on 1-D parameters",
        "batch": "same batch every step",
        "dropout": 0.0,
        "perturbation": f"uniform +-{PERTURBATION} added to every 1-D parameter after Hugging Face init",
    }
    common.update(metadata)
    return tensors, common


def make_bert():
    torch.manual_seed(SEED)
    c = BertConfig(vocab_size=99, hidden_size=32, num_heads=4, intermediate_size=37, num_layers=2,
                   max_position_embeddings=16, type_vocab_size=2, layer_norm_eps=1e-12)
    model = BertForMaskedLM(c)
    check_names(model, bert_parameter_names(c.num_layers))
    g = torch.Generator().manual_seed(SEED + 1)
    perturb_norms_and_biases(model, g)

    lengths = [SEQ, SEQ - 3, SEQ - 6]
    attention_mask = torch.zeros(BATCH, SEQ, dtype=torch.int64)
    for b, n in enumerate(lengths):
        attention_mask[b, :n] = 1
    input_ids = torch.randint(0, c.vocab_size, (BATCH, SEQ), generator=g)
    input_ids[attention_mask == 0] = c.pad_token_id
    # One real position holds the pad id, so the fixture pins down nn.Embedding(padding_idx)
    # semantics: the lookup sends no gradient to row pad_token_id, only the tied decoder does.
    input_ids[0, 4] = c.pad_token_id
    token_type_ids = torch.zeros(BATCH, SEQ, dtype=torch.int64)
    for b, n in enumerate(lengths):
        token_type_ids[b, n // 2:n] = 1
    labels = torch.full((BATCH, SEQ), IGNORE_INDEX, dtype=torch.int64)
    for b, n in enumerate(lengths):
        count = max(1, round(0.15 * n))
        positions = torch.randperm(n, generator=g)[:count]
        labels[b, positions] = torch.randint(0, c.vocab_size, (count,), generator=g)

    inputs = {"input_ids": input_ids, "token_type_ids": token_type_ids,
              "attention_mask": attention_mask, "labels": labels}
    model.train()  # dropout is 0, so train and eval agree

    def loss_fn():
        return model(input_ids, token_type_ids, attention_mask, labels)

    return build_fixture(model, loss_fn, inputs, {
        "architecture": "BertForMaskedLM (post-LN encoder, MLM head, no pooler)",
        "vocab_size": c.vocab_size, "hidden_size": c.hidden_size, "num_heads": c.num_heads,
        "head_dim": c.hidden_size // c.num_heads, "ffn": c.intermediate_size, "layers": c.num_layers,
        "max_positions": c.max_position_embeddings, "type_vocab_size": c.type_vocab_size,
        "eps": c.layer_norm_eps, "hidden_act": "gelu (exact, erf)",
        "pad_token_id": c.pad_token_id,
        "padding_idx": "word_embeddings row pad_token_id gets no gradient from the lookup "
                       "(nn.Embedding padding_idx), only from the tied decoder; it starts at zero",
        "attention_mask": "additive (1 - mask) * finfo(float32).min over keys",
        "tied": "cls.predictions.decoder.weight = bert.embeddings.word_embeddings.weight; "
                "decoder bias = cls.predictions.bias",
        "loss": "cross-entropy of logits (B*T, V) vs labels (B*T), ignore_index -100",
    })


def make_gpt():
    torch.manual_seed(SEED)
    c = GPT2Config(vocab_size=99, n_embd=32, n_head=4, n_inner=37, n_layer=2, n_positions=16,
                   layer_norm_epsilon=1e-5)
    model = GPT2LMHeadModel(c)
    check_names(model, gpt2_parameter_names(c.n_layer))
    g = torch.Generator().manual_seed(SEED + 2)
    perturb_norms_and_biases(model, g)

    input_ids = torch.randint(0, c.vocab_size, (BATCH, SEQ), generator=g)
    labels = input_ids.clone()
    # Ignored targets at positions >= 1 (position 0's label is dropped by the shift anyway).
    labels[0, 5] = IGNORE_INDEX
    labels[1, 1] = IGNORE_INDEX
    labels[2, SEQ - 1] = IGNORE_INDEX
    inputs = {"input_ids": input_ids, "labels": labels}
    model.train()

    def loss_fn():
        return model(input_ids, labels)

    return build_fixture(model, loss_fn, inputs, {
        "architecture": "GPT2LMHeadModel (pre-LN decoder, LM head tied to wte)",
        "vocab_size": c.vocab_size, "hidden_size": c.n_embd, "num_heads": c.n_head,
        "head_dim": c.n_embd // c.n_head, "ffn": c.n_inner, "layers": c.n_layer,
        "max_positions": c.n_positions, "eps": c.layer_norm_epsilon,
        "hidden_act": "gelu_new (tanh approximation)",
        "conv1d": "c_attn, c_proj, c_fc weights stored (in, out): y = x @ W + b",
        "attention_mask": "causal only: scores where key > query replaced by finfo(float32).min",
        "init": "normal(0, 0.02); c_proj.weight normal(0, 0.02 / sqrt(2 * layers))",
        "tied": "lm_head.weight = transformer.wte.weight",
        "loss": "cross-entropy of logits[:, :-1] vs labels[:, 1:], ignore_index -100",
    })


def self_check():
    """Check the hand-written blocks against torch's own nn.TransformerEncoderLayer (an
    independent implementation of the same post-LN and pre-LN blocks), so a slip in the
    modules above cannot silently end up in the fixtures."""
    g = torch.Generator().manual_seed(SEED + 3)

    c = BertConfig(vocab_size=99, hidden_size=32, num_heads=4, intermediate_size=37, num_layers=1,
                   max_position_embeddings=16, layer_norm_eps=1e-12)
    bert = BertForMaskedLM(c)
    perturb_norms_and_biases(bert, g)
    mine = bert.bert.encoder.layer[0]
    ref = nn.TransformerEncoderLayer(32, 4, dim_feedforward=37, dropout=0.0, activation="gelu",
                                     layer_norm_eps=1e-12, batch_first=True, norm_first=False)
    with torch.no_grad():
        s = mine.attention.self
        ref.self_attn.in_proj_weight.copy_(torch.cat([s.query.weight, s.key.weight, s.value.weight]))
        ref.self_attn.in_proj_bias.copy_(torch.cat([s.query.bias, s.key.bias, s.value.bias]))
        ref.self_attn.out_proj.weight.copy_(mine.attention.output.dense.weight)
        ref.self_attn.out_proj.bias.copy_(mine.attention.output.dense.bias)
        ref.norm1.load_state_dict(mine.attention.output.LayerNorm.state_dict())
        ref.linear1.load_state_dict(mine.intermediate.dense.state_dict())
        ref.linear2.load_state_dict(mine.output.dense.state_dict())
        ref.norm2.load_state_dict(mine.output.LayerNorm.state_dict())
    x = torch.randn(2, 7, 32, generator=g)
    mask = torch.ones(2, 7, dtype=torch.int64)
    mask[1, 4:] = 0
    additive = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    ref.train()  # keeps torch 1.13 off its inference fast path, which zeroes padded rows
    _assert_close("post-LN block", mine(x, additive), ref(x, src_key_padding_mask=mask == 0))

    c = GPT2Config(vocab_size=99, n_embd=32, n_head=4, n_inner=37, n_layer=1, n_positions=16)
    gpt = GPT2LMHeadModel(c)
    perturb_norms_and_biases(gpt, g)
    mine = gpt.transformer.h[0]
    ref = nn.TransformerEncoderLayer(32, 4, dim_feedforward=37, dropout=0.0, activation=gelu_new,
                                     layer_norm_eps=1e-5, batch_first=True, norm_first=True)
    with torch.no_grad():
        ref.self_attn.in_proj_weight.copy_(mine.attn.c_attn.weight.t())
        ref.self_attn.in_proj_bias.copy_(mine.attn.c_attn.bias)
        ref.self_attn.out_proj.weight.copy_(mine.attn.c_proj.weight.t())
        ref.self_attn.out_proj.bias.copy_(mine.attn.c_proj.bias)
        ref.norm1.load_state_dict(mine.ln_1.state_dict())
        ref.linear1.weight.copy_(mine.mlp.c_fc.weight.t())
        ref.linear1.bias.copy_(mine.mlp.c_fc.bias)
        ref.linear2.weight.copy_(mine.mlp.c_proj.weight.t())
        ref.linear2.bias.copy_(mine.mlp.c_proj.bias)
        ref.norm2.load_state_dict(mine.ln_2.state_dict())
    x = torch.randn(2, 9, 32, generator=g)
    causal = torch.triu(torch.ones(9, 9, dtype=torch.bool), diagonal=1)
    ref.train()
    _assert_close("pre-LN causal block", mine(x), ref(x, src_mask=causal))


def _assert_close(what, actual, expected, tolerance=1e-5):
    difference = (actual - expected).abs().max().item()
    if not difference <= tolerance:
        raise AssertionError(f"self-check failed: {what} differs from nn.TransformerEncoderLayer "
                             f"by {difference:.3g} (tolerance {tolerance})")
    print(f"self-check: {what} matches nn.TransformerEncoderLayer (max |diff| {difference:.2g})")


def main():
    torch.set_default_dtype(torch.float32)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    self_check()
    os.makedirs(FIXTURE_DIR, exist_ok=True)
    for name, make in [("tiny_bert", make_bert), ("tiny_gpt", make_gpt)]:
        tensors, metadata = make()
        path = os.path.join(FIXTURE_DIR, name + ".safetensors")
        save_safetensors(path, tensors, metadata)
        losses = ", ".join(f"{x:.4f}" for x in tensors["steps.loss"].tolist())
        print(f"{os.path.relpath(path, REPO_ROOT)}: {len(tensors)} tensors, "
              f"{os.path.getsize(path)} bytes, losses {losses}")


if __name__ == "__main__":
    sys.exit(main())
