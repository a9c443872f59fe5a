"""Write the PyTorch reference fixtures of graft's pretraining recipe options (issue 17 part 3).

Run by hand from the repository root, as make_fixtures.py (whose modules and writer it
imports):

    apt-get install -y python3-torch libopenblas0-pthread
    /usr/bin/python3 tools/reference/make_electra_fixtures.py

It writes

    graft-core/src/test/resources/fixtures/tiny_bert_preln.safetensors
        a pre-LN, bias-free BERT with the MLM head (Cramming's encoder, graft's --norm pre
        --no-bias), in tiny_bert's format: params, batch, logits, loss, every gradient, 10
        AdamW steps. Its blocks are h = x + Attn(LN1(x)); y = h + FFN(LN2(h)), with a final
        LayerNorm; the norms are named attention.input_LayerNorm,
        intermediate.input_LayerNorm and bert.encoder.final_LayerNorm; the attention and
        feed-forward linears have no bias (LayerNorms and the MLM head keep theirs).

    graft-core/src/test/resources/fixtures/tiny_electra.safetensors
        ELECTRA's loss (Clark et al. 2020) on a tiny discriminator (vocab 99, hidden 32, 4
        heads, FFN 37, 2 layers) and its generator (hidden 8 = a quarter, 1 head, FFN 9, 2
        layers) sharing the token, position and type embeddings:
          param.<name>            every parameter (discriminator, then generator)
          input.input_ids         the masked batch (the generator's input)
          input.labels            the original ids at masked positions, -100 elsewhere
          input.token_type_ids, input.attention_mask
          input.replaced_ids      the discriminator's input: the originals with tokens sampled
                                  from the generator's softmax at the masked positions (one
                                  position's sample is set to its original: it counts as
                                  original)
          output.generator_logits (B, T, V) generator logits at every position
          output.discriminator_logits (B, T)
          output.generator_loss   mean MLM cross-entropy over masked positions
          output.discriminator_loss mean BCE-with-logits over real tokens, label = replaced
          output.loss             generator_loss + 50 * discriminator_loss
          grad.<name>             d output.loss / d parameter, the samples held fixed (no
                                  gradient through the sampling)

    graft-core/src/test/resources/fixtures/tiny_electra_narrow.safetensors
        the same with embeddings 24 wide for the 32-wide discriminator (ELECTRA-Small's shape,
        graft pretrain --embedding-size): bert.embeddings.* 24 wide, bert.embeddings_project
        24 -> 32; the generator's embedding LayerNorm 24 wide, its generator.embeddings_project
        24 -> 8 and generator_predictions back to 24 (transformers' ElectraForMaskedLM with
        embedding_size 24).
"""

import copy
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402

DISCRIMINATOR_WEIGHT = 50.0
GENERATOR_SIZE = 0.25
NARROW_EMBEDDING_SIZE = 24
MASK_ID = 3


# ----------------------------------------------------------------------------------------
# Pre-LN, optionally bias-free BERT (graft's --norm pre, --no-bias)
# ----------------------------------------------------------------------------------------


def _self_attention(c, bias):
    s = mf.BertSelfAttention(c)
    if not bias:
        s.query = nn.Linear(c.hidden_size, c.hidden_size, bias=False)
        s.key = nn.Linear(c.hidden_size, c.hidden_size, bias=False)
        s.value = nn.Linear(c.hidden_size, c.hidden_size, bias=False)
    return s


class PreLnBertLayer(nn.Module):
    def __init__(self, c, bias):
        super().__init__()
        self.attention = nn.Module()
        self.attention.self = _self_attention(c, bias)
        self.attention.output = nn.Module()
        self.attention.output.dense = nn.Linear(c.hidden_size, c.hidden_size, bias=bias)
        self.attention.input_LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(c.hidden_size, c.intermediate_size, bias=bias)
        self.intermediate.input_LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.output = nn.Module()
        self.output.dense = nn.Linear(c.intermediate_size, c.hidden_size, bias=bias)

    def forward(self, hidden, additive_mask):
        a = self.attention.output.dense(self.attention.self(self.attention.input_LayerNorm(hidden),
                                                            additive_mask))
        h = hidden + a
        f = self.output.dense(F.gelu(self.intermediate.dense(self.intermediate.input_LayerNorm(h))))
        return h + f


class PreLnBertEncoder(nn.Module):
    def __init__(self, c, bias):
        super().__init__()
        self.layer = nn.ModuleList([PreLnBertLayer(c, bias) for _ in range(c.num_layers)])
        self.final_LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, hidden, additive_mask):
        for layer in self.layer:
            hidden = layer(hidden, additive_mask)
        return self.final_LayerNorm(hidden)


def encoder(c, pre_norm, bias):
    return PreLnBertEncoder(c, bias) if pre_norm else mf.BertEncoder(c)


class PreLnBertForMaskedLM(mf.BertForMaskedLM):
    def __init__(self, c, bias):
        nn.Module.__init__(self)
        self.config = c
        self.bert = mf.BertModel(c)
        self.bert.encoder = PreLnBertEncoder(c, bias)
        self.cls = mf.BertOnlyMLMHead(c)
        self._init_weights()


def preln_parameter_names(num_layers, bias):
    names = ["bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight",
             "bert.embeddings.token_type_embeddings.weight",
             "bert.embeddings.LayerNorm.weight", "bert.embeddings.LayerNorm.bias"]
    for i in range(num_layers):
        p = f"bert.encoder.layer.{i}."
        for s in ["attention.self.query", "attention.self.key", "attention.self.value",
                  "attention.output.dense", "intermediate.dense", "output.dense"]:
            names += [p + s + ".weight"] + ([p + s + ".bias"] if bias else [])
        for s in ["attention.input_LayerNorm", "intermediate.input_LayerNorm"]:
            names += [p + s + ".weight", p + s + ".bias"]
    names += ["bert.encoder.final_LayerNorm.weight", "bert.encoder.final_LayerNorm.bias",
              "cls.predictions.bias",
              "cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias",
              "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.bias"]
    return names


def tiny_config(num_layers=2):
    return mf.BertConfig(vocab_size=99, hidden_size=32, num_heads=4, intermediate_size=37,
                         num_layers=num_layers, max_position_embeddings=16, type_vocab_size=2,
                         layer_norm_eps=1e-12)


def tiny_batch(c, g):
    """tiny_bert's batch: rows of 11, 8 and 5 real tokens, a real token holding the pad id,
    two segments, about 15% of each row labelled."""
    lengths = [mf.SEQ, mf.SEQ - 3, mf.SEQ - 6]
    attention_mask = torch.zeros(mf.BATCH, mf.SEQ, dtype=torch.int64)
    for b, n in enumerate(lengths):
        attention_mask[b, :n] = 1
    input_ids = torch.randint(0, c.vocab_size, (mf.BATCH, mf.SEQ), generator=g)
    input_ids[attention_mask == 0] = c.pad_token_id
    input_ids[0, 4] = c.pad_token_id
    token_type_ids = torch.zeros(mf.BATCH, mf.SEQ, dtype=torch.int64)
    for b, n in enumerate(lengths):
        token_type_ids[b, n // 2:n] = 1
    positions = []
    for b, n in enumerate(lengths):
        count = max(2, round(0.2 * n))
        positions.append(torch.randperm(n, generator=g)[:count])
    return input_ids, token_type_ids, attention_mask, positions


def make_preln():
    torch.manual_seed(mf.SEED)
    c = tiny_config()
    model = PreLnBertForMaskedLM(c, bias=False)
    mf.check_names(model, preln_parameter_names(c.num_layers, bias=False))
    g = torch.Generator().manual_seed(mf.SEED + 11)
    mf.perturb_norms_and_biases(model, g)
    input_ids, token_type_ids, attention_mask, positions = tiny_batch(c, g)
    labels = torch.full((mf.BATCH, mf.SEQ), mf.IGNORE_INDEX, dtype=torch.int64)
    for b, p in enumerate(positions):
        labels[b, p] = torch.randint(0, c.vocab_size, (len(p),), generator=g)
    inputs = {"input_ids": input_ids, "token_type_ids": token_type_ids,
              "attention_mask": attention_mask, "labels": labels}
    model.train()

    def loss_fn():
        return model(input_ids, token_type_ids, attention_mask, labels)

    return mf.build_fixture(model, loss_fn, inputs, {
        "architecture": "BertForMaskedLM, pre-LN with a final LayerNorm, bias-free attention and FFN linears",
        "script": "tools/reference/make_electra_fixtures.py",
        "pre_norm": "true", "linear_bias": "false",
        "vocab_size": c.vocab_size, "hidden_size": c.hidden_size, "num_heads": c.num_heads,
        "head_dim": c.hidden_size // c.num_heads, "ffn": c.intermediate_size, "layers": c.num_layers,
        "max_positions": c.max_position_embeddings, "type_vocab_size": c.type_vocab_size,
        "eps": c.layer_norm_eps, "hidden_act": "gelu (exact, erf)", "pad_token_id": c.pad_token_id,
        "block": "h = x + Attn(LN1(x)); y = h + FFN(LN2(h)); final LayerNorm after the last block",
    })


# ----------------------------------------------------------------------------------------
# ELECTRA
# ----------------------------------------------------------------------------------------


def generator_config(c, size):
    """graft's ElectraModel.generatorConfig: same depth, round(size * hidden) wide, heads of the
    discriminator's head size, FFN round(size * FFN)."""
    hidden = max(1, round(c.hidden_size * size))
    heads = max(1, hidden // (c.hidden_size // c.num_heads))
    while hidden % heads != 0:
        heads -= 1
    ffn = max(1, round(c.intermediate_size * size))
    return mf.BertConfig(vocab_size=c.vocab_size, hidden_size=hidden, num_heads=heads,
                         intermediate_size=ffn, num_layers=c.num_layers,
                         max_position_embeddings=c.max_position_embeddings,
                         type_vocab_size=c.type_vocab_size, layer_norm_eps=c.layer_norm_eps)


class NarrowBertModel(mf.BertModel):
    """The encoder with embeddings narrower than the model, as modeling_electra.py's ElectraModel:
    embeddings and their LayerNorm embedding_size wide, then embeddings_project to the hidden size
    (graft's bert.embeddings_project)."""

    def __init__(self, c, embedding_size):
        nn.Module.__init__(self)
        ec = copy.copy(c)
        ec.hidden_size = embedding_size
        self.embeddings = mf.BertEmbeddings(ec)
        self.embeddings_project = nn.Linear(embedding_size, c.hidden_size)
        self.encoder = mf.BertEncoder(c)

    def forward(self, input_ids, token_type_ids, attention_mask):
        extended = attention_mask[:, None, None, :].float()
        additive_mask = (1.0 - extended) * torch.finfo(torch.float32).min
        x = self.embeddings_project(self.embeddings(input_ids, token_type_ids))
        return self.encoder(x, additive_mask)


class Electra(nn.Module):
    """Discriminator (bert.*, discriminator_predictions.*) and generator (generator.*,
    generator_predictions.*, generator_lm_head.bias) sharing bert.embeddings' three tables,
    embedding_size wide (the hidden size unless given)."""

    def __init__(self, c, gc, pre_norm=False, bias=True, embedding_size=None):
        super().__init__()
        self.config = c
        e = embedding_size or c.hidden_size
        self.bert = mf.BertModel(c) if e == c.hidden_size else NarrowBertModel(c, e)
        if pre_norm or not bias:
            self.bert.encoder = encoder(c, pre_norm, bias)
        self.discriminator_predictions = nn.Module()
        self.discriminator_predictions.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.discriminator_predictions.dense_prediction = nn.Linear(c.hidden_size, 1)
        self.generator = nn.Module()
        self.generator.embeddings = nn.Module()
        self.generator.embeddings.LayerNorm = nn.LayerNorm(e, eps=c.layer_norm_eps)
        self.generator.embeddings_project = nn.Linear(e, gc.hidden_size)
        self.generator.encoder = encoder(gc, pre_norm, bias)
        self.generator_predictions = nn.Module()
        self.generator_predictions.dense = nn.Linear(gc.hidden_size, e)
        self.generator_predictions.LayerNorm = nn.LayerNorm(e, eps=c.layer_norm_eps)
        self.generator_lm_head = nn.Module()
        self.generator_lm_head.bias = nn.Parameter(torch.zeros(c.vocab_size))
        self._init_weights()

    def _init_weights(self):  # HF ElectraPreTrainedModel._init_weights (= BERT's)
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

    def generator_logits(self, input_ids, token_type_ids, attention_mask):
        e = self.bert.embeddings
        T = input_ids.shape[1]
        position_ids = torch.arange(T).unsqueeze(0)
        x = e.word_embeddings(input_ids) + e.token_type_embeddings(token_type_ids)
        x = x + e.position_embeddings(position_ids)
        x = self.generator.embeddings_project(self.generator.embeddings.LayerNorm(x))
        extended = attention_mask[:, None, None, :].float()
        additive = (1.0 - extended) * torch.finfo(torch.float32).min
        h = self.generator.encoder(x, additive)
        p = self.generator_predictions
        h = p.LayerNorm(F.gelu(p.dense(h)))
        return F.linear(h, e.word_embeddings.weight) + self.generator_lm_head.bias

    def discriminator_logits(self, replaced_ids, token_type_ids, attention_mask):
        h = self.bert(replaced_ids, token_type_ids, attention_mask)
        d = self.discriminator_predictions
        return d.dense_prediction(F.gelu(d.dense(h))).squeeze(-1)

    def losses(self, input_ids, labels, token_type_ids, attention_mask, replaced_ids):
        gen_logits = self.generator_logits(input_ids, token_type_ids, attention_mask)
        gen_loss = F.cross_entropy(gen_logits.reshape(-1, gen_logits.shape[-1]), labels.reshape(-1),
                                   ignore_index=mf.IGNORE_INDEX)
        original = torch.where(labels != mf.IGNORE_INDEX, labels, input_ids)
        disc_logits = self.discriminator_logits(replaced_ids, token_type_ids, attention_mask)
        active = attention_mask == 1
        target = (replaced_ids != original).float()
        disc_loss = F.binary_cross_entropy_with_logits(disc_logits[active], target[active])
        return gen_logits, disc_logits, gen_loss, disc_loss


def make_electra(embedding_size=None):
    torch.manual_seed(mf.SEED)
    c = tiny_config()
    gc = generator_config(c, GENERATOR_SIZE)
    model = Electra(c, gc, embedding_size=embedding_size)
    g = torch.Generator().manual_seed(mf.SEED + 21)
    mf.perturb_norms_and_biases(model, g)
    original, token_type_ids, attention_mask, positions = tiny_batch(c, g)
    original[original == MASK_ID] = MASK_ID + 1
    labels = torch.full((mf.BATCH, mf.SEQ), mf.IGNORE_INDEX, dtype=torch.int64)
    input_ids = original.clone()
    for b, p in enumerate(positions):
        labels[b, p] = original[b, p]
        input_ids[b, p] = MASK_ID
    input_ids[2, positions[2][0]] = original[2, positions[2][0]]  # a selected token left unchanged (BERT's 10%)
    model.train()  # dropout is 0
    with torch.no_grad():
        logits = model.generator_logits(input_ids, token_type_ids, attention_mask)
        replaced_ids = original.clone()
        for b, p in enumerate(positions):
            probs = F.softmax(logits[b, p], dim=-1)
            replaced_ids[b, p] = torch.multinomial(probs, 1, generator=g).squeeze(-1)
        replaced_ids[0, positions[0][0]] = original[0, positions[0][0]]  # a sample equal to the original
    gen_logits, disc_logits, gen_loss, disc_loss = model.losses(input_ids, labels, token_type_ids,
                                                                attention_mask, replaced_ids)
    loss = gen_loss + DISCRIMINATOR_WEIGHT * disc_loss
    model.zero_grad(set_to_none=True)
    loss.backward()
    tensors = {}
    for name, p in model.named_parameters():
        tensors["param." + name] = p.detach().clone()
        tensors["grad." + name] = (p.grad if p.grad is not None else torch.zeros_like(p)).detach().clone()
    for name, t in {"input_ids": input_ids, "labels": labels, "token_type_ids": token_type_ids,
                    "attention_mask": attention_mask, "replaced_ids": replaced_ids}.items():
        tensors["input." + name] = t.clone()
    tensors["output.generator_logits"] = gen_logits.detach().clone()
    tensors["output.discriminator_logits"] = disc_logits.detach().clone()
    tensors["output.generator_loss"] = gen_loss.detach().reshape([])
    tensors["output.discriminator_loss"] = disc_loss.detach().reshape([])
    tensors["output.loss"] = loss.detach().reshape([])
    replaced = int(((replaced_ids != original) & (attention_mask == 1)).sum())
    metadata = {
        "torch_version": torch.__version__, "seed": mf.SEED,
        "script": "tools/reference/make_electra_fixtures.py",
        "architecture": "ELECTRA: BERT discriminator + generator sharing token/position/type embeddings",
        "vocab_size": c.vocab_size, "hidden_size": c.hidden_size, "num_heads": c.num_heads,
        "ffn": c.intermediate_size, "layers": c.num_layers, "max_positions": c.max_position_embeddings,
        "type_vocab_size": c.type_vocab_size, "eps": c.layer_norm_eps, "pad_token_id": c.pad_token_id,
        "embedding_size": embedding_size or c.hidden_size,
        "generator_size": GENERATOR_SIZE, "generator_hidden": gc.hidden_size,
        "generator_heads": gc.num_heads, "generator_ffn": gc.intermediate_size,
        "discriminator_weight": DISCRIMINATOR_WEIGHT, "mask_id": MASK_ID, "replaced_tokens": replaced,
        "loss": "CE(generator logits, labels; ignore -100) + 50 * BCEWithLogits(discriminator logits, "
                "replaced_ids != original) over attention_mask == 1",
        "dropout": 0.0,
        "perturbation": f"uniform +-{mf.PERTURBATION} added to every 1-D parameter after Hugging Face init",
    }
    return tensors, metadata


def self_check():
    """The pre-LN block (with biases) against nn.TransformerEncoderLayer(norm_first=True) with a
    padding mask."""
    g = torch.Generator().manual_seed(mf.SEED + 31)
    c = tiny_config(num_layers=1)
    layer = PreLnBertLayer(c, bias=True)
    torch.manual_seed(mf.SEED + 32)  # torch's default init, then noise on everything
    with torch.no_grad():
        for p in layer.parameters():
            p.add_((torch.rand(p.shape, generator=g) * 2 - 1) * mf.PERTURBATION)
    ref = nn.TransformerEncoderLayer(32, 4, dim_feedforward=37, dropout=0.0, activation="gelu",
                                     layer_norm_eps=1e-12, batch_first=True, norm_first=True)
    with torch.no_grad():
        s = layer.attention.self
        ref.self_attn.in_proj_weight.copy_(torch.cat([s.query.weight, s.key.weight, s.value.weight]))
        ref.self_attn.in_proj_bias.copy_(torch.cat([s.query.bias, s.key.bias, s.value.bias]))
        ref.self_attn.out_proj.weight.copy_(layer.attention.output.dense.weight)
        ref.self_attn.out_proj.bias.copy_(layer.attention.output.dense.bias)
        ref.norm1.load_state_dict(layer.attention.input_LayerNorm.state_dict())
        ref.linear1.load_state_dict(layer.intermediate.dense.state_dict())
        ref.linear2.load_state_dict(layer.output.dense.state_dict())
        ref.norm2.load_state_dict(layer.intermediate.input_LayerNorm.state_dict())
    x = torch.randn(2, 7, 32, generator=g)
    mask = torch.ones(2, 7, dtype=torch.int64)
    mask[1, 4:] = 0
    additive = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    ref.train()
    mf._assert_close("pre-LN BERT block", layer(x, additive), ref(x, src_key_padding_mask=mask == 0))


def main():
    torch.set_default_dtype(torch.float32)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    self_check()
    os.makedirs(mf.FIXTURE_DIR, exist_ok=True)
    for name, make in [("tiny_bert_preln", make_preln), ("tiny_electra", make_electra),
                       ("tiny_electra_narrow", lambda: make_electra(NARROW_EMBEDDING_SIZE))]:
        tensors, metadata = make()
        path = os.path.join(mf.FIXTURE_DIR, name + ".safetensors")
        mf.save_safetensors(path, tensors, metadata)
        loss = tensors["output.loss"].item()
        print(f"{os.path.relpath(path, mf.REPO_ROOT)}: {len(tensors)} tensors, "
              f"{os.path.getsize(path)} bytes, loss {loss:.6f}")


if __name__ == "__main__":
    sys.exit(main())
