"""Write tiny Hugging Face folders of RoBERTa, XLM-RoBERTa, DistilBERT and an ELECTRA
discriminator, with PyTorch reference outputs, for graft's import tests (issue 21).

Run by hand from the repository root, as make_fixtures.py (whose BERT blocks and safetensors
writer it imports):

    apt-get install -y python3-torch libopenblas0-pthread
    /usr/bin/python3 tools/reference/make_hf_fixtures.py

The models are written from scratch (no ``transformers`` import) following transformers'
modeling_roberta.py, modeling_xlm_roberta.py, modeling_distilbert.py and modeling_electra.py
operation for operation, with their parameter names. For each NAME in roberta, xlm_roberta,
distilbert, electra it writes graft-core/src/test/resources/fixtures/hf/NAME/ holding

    config.json        the model's config as save_pretrained writes it (the fields graft reads)
    model.safetensors  the weights under Hugging Face's names, tied copies left out as
                       save_pretrained leaves them out (lm_head.decoder.*, vocab_projector.weight)
    tokenizer.json     a small tokenizer of the model's kind (99 tokens): byte-level BPE with
                       RobertaProcessing; SentencePiece Unigram with Metaspace and XLM-R's
                       template; WordPiece for DistilBERT and ELECTRA
    reference.safetensors
        input.input_ids, input.attention_mask (I64, (3, 11); rows of 11, 8 and 5 real tokens,
                       padding carries the pad id; one real token holds the pad id)
        input.token_type_ids  ELECTRA only (the others have one type or none)
        input.labels   MLM labels (-100 where ignored) or, for ELECTRA, the discriminator's
                       0/1 labels (-100 on padding)
        input.probe    (3, 11, hidden) a fixed random tensor
        output.hidden  (3, 11, hidden) the last hidden state (padded rows included)
        output.logits  (3, 11, 99) MLM logits, or (3, 11) ELECTRA discriminator logits
        output.head_loss   MLM cross-entropy, or ELECTRA's BCE over real tokens
        output.loss    the loss whose gradients are stored: MLM models head_loss +
                       sum(hidden * probe); ELECTRA sum(hidden * probe) (the body's gradients)
        grad.<hf name> d output.loss / d parameter (body and, for MLM models, the head)
"""

import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402

VOCAB = 99
HIDDEN = 32
HEADS = 4
FFN = 37
LAYERS = 2
POSITIONS = 16
ELECTRA_EMBEDDING = 24
OUT_DIR = os.path.join(mf.FIXTURE_DIR, "hf")


class Cfg:
    def __init__(self, **kw):
        self.__dict__.update(kw)


# ----------------------------------------------------------------------------------------
# RoBERTa / XLM-RoBERTa (modeling_roberta.py): BERT's encoder; positions from padding_idx + 1
# ----------------------------------------------------------------------------------------


def create_position_ids_from_input_ids(input_ids, padding_idx):
    """transformers.models.roberta.modeling_roberta.create_position_ids_from_input_ids."""
    mask = input_ids.ne(padding_idx).int()
    incremental = torch.cumsum(mask, dim=1).type_as(mask) * mask
    return incremental.long() + padding_idx


class RobertaEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=c.pad_token_id)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size,
                                                padding_idx=c.pad_token_id)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.padding_idx = c.pad_token_id

    def forward(self, input_ids):
        position_ids = create_position_ids_from_input_ids(input_ids, self.padding_idx)
        token_type_ids = torch.zeros_like(input_ids)
        e = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        e = e + self.position_embeddings(position_ids)
        return self.LayerNorm(e)


def additive_mask(attention_mask):
    extended = attention_mask[:, None, None, :].to(torch.float32)
    return (1.0 - extended) * torch.finfo(torch.float32).min


class RobertaModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = RobertaEmbeddings(c)
        self.encoder = mf.BertEncoder(c)

    def forward(self, input_ids, attention_mask):
        return self.encoder(self.embeddings(input_ids), additive_mask(attention_mask))


class RobertaLMHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.layer_norm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.bias = nn.Parameter(torch.zeros(c.vocab_size))  # decoder.bias is this one

    def forward(self, hidden, decoder_weight):
        x = self.layer_norm(F.gelu(self.dense(hidden)))  # transformers' gelu: exact (erf)
        return F.linear(x, decoder_weight) + self.bias


class RobertaForMaskedLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.roberta = RobertaModel(c)
        self.lm_head = RobertaLMHead(c)
        hf_init(self, c)

    def forward(self, input_ids, attention_mask):
        hidden = self.roberta(input_ids, attention_mask)
        return hidden, self.lm_head(hidden, self.roberta.embeddings.word_embeddings.weight)


# ----------------------------------------------------------------------------------------
# DistilBERT (modeling_distilbert.py)
# ----------------------------------------------------------------------------------------


class DistilEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.dim, padding_idx=c.pad_token_id)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.dim)
        self.LayerNorm = nn.LayerNorm(c.dim, eps=1e-12)

    def forward(self, input_ids):
        T = input_ids.shape[1]
        position_ids = torch.arange(T, dtype=torch.long).unsqueeze(0).expand_as(input_ids)
        return self.LayerNorm(self.word_embeddings(input_ids) + self.position_embeddings(position_ids))


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_heads = c.n_heads
        self.dim = c.dim
        self.q_lin = nn.Linear(c.dim, c.dim)
        self.k_lin = nn.Linear(c.dim, c.dim)
        self.v_lin = nn.Linear(c.dim, c.dim)
        self.out_lin = nn.Linear(c.dim, c.dim)

    def forward(self, x, mask):
        bs, q_length, dim = x.size()
        dim_per_head = self.dim // self.n_heads

        def shape(t):
            return t.view(bs, -1, self.n_heads, dim_per_head).transpose(1, 2)

        def unshape(t):
            return t.transpose(1, 2).contiguous().view(bs, -1, self.n_heads * dim_per_head)

        q = shape(self.q_lin(x)) / math.sqrt(dim_per_head)
        k = shape(self.k_lin(x))
        v = shape(self.v_lin(x))
        scores = torch.matmul(q, k.transpose(2, 3))
        m = (mask == 0).view(bs, 1, 1, -1).expand_as(scores)
        scores = scores.masked_fill(m, torch.tensor(torch.finfo(scores.dtype).min))
        weights = F.softmax(scores, dim=-1)
        return self.out_lin(unshape(torch.matmul(weights, v)))


class DistilFFN(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.lin1 = nn.Linear(c.dim, c.hidden_dim)
        self.lin2 = nn.Linear(c.hidden_dim, c.dim)

    def forward(self, x):
        return self.lin2(F.gelu(self.lin1(x)))


class TransformerBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = MultiHeadSelfAttention(c)
        self.sa_layer_norm = nn.LayerNorm(c.dim, eps=1e-12)
        self.ffn = DistilFFN(c)
        self.output_layer_norm = nn.LayerNorm(c.dim, eps=1e-12)

    def forward(self, x, mask):
        sa = self.sa_layer_norm(self.attention(x, mask) + x)
        return self.output_layer_norm(self.ffn(sa) + sa)


class DistilTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([TransformerBlock(c) for _ in range(c.n_layers)])

    def forward(self, x, mask):
        for layer in self.layer:
            x = layer(x, mask)
        return x


class DistilBertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = DistilEmbeddings(c)
        self.transformer = DistilTransformer(c)

    def forward(self, input_ids, attention_mask):
        return self.transformer(self.embeddings(input_ids), attention_mask)


class DistilBertForMaskedLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.distilbert = DistilBertModel(c)
        self.vocab_transform = nn.Linear(c.dim, c.dim)
        self.vocab_layer_norm = nn.LayerNorm(c.dim, eps=1e-12)
        self.vocab_projector_bias = None
        self.vocab_projector = nn.Linear(c.dim, c.vocab_size)
        hf_init(self, c)
        # tied: vocab_projector.weight is the word embedding table (dropped from the parameters so
        # named_parameters lists each tensor once, as save_pretrained stores it once)
        del self.vocab_projector.weight

    def forward(self, input_ids, attention_mask):
        hidden = self.distilbert(input_ids, attention_mask)
        x = self.vocab_layer_norm(F.gelu(self.vocab_transform(hidden)))
        logits = F.linear(x, self.distilbert.embeddings.word_embeddings.weight, self.vocab_projector.bias)
        return hidden, logits


# ----------------------------------------------------------------------------------------
# ELECTRA discriminator (modeling_electra.py): embeddings of embedding_size, embeddings_project
# ----------------------------------------------------------------------------------------


class ElectraEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.embedding_size, padding_idx=c.pad_token_id)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.embedding_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.embedding_size)
        self.LayerNorm = nn.LayerNorm(c.embedding_size, eps=c.layer_norm_eps)

    def forward(self, input_ids, token_type_ids):
        T = input_ids.shape[1]
        position_ids = torch.arange(T).unsqueeze(0)
        e = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        return self.LayerNorm(e + self.position_embeddings(position_ids))


class ElectraModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = ElectraEmbeddings(c)
        self.embeddings_project = nn.Linear(c.embedding_size, c.hidden_size)
        self.encoder = mf.BertEncoder(c)

    def forward(self, input_ids, token_type_ids, attention_mask):
        hidden = self.embeddings_project(self.embeddings(input_ids, token_type_ids))
        return self.encoder(hidden, additive_mask(attention_mask))


class ElectraDiscriminatorPredictions(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.dense_prediction = nn.Linear(c.hidden_size, 1)

    def forward(self, hidden):
        return self.dense_prediction(F.gelu(self.dense(hidden))).squeeze(-1)


class ElectraForPreTraining(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.electra = ElectraModel(c)
        self.discriminator_predictions = ElectraDiscriminatorPredictions(c)
        hf_init(self, c)

    def forward(self, input_ids, token_type_ids, attention_mask):
        hidden = self.electra(input_ids, token_type_ids, attention_mask)
        return hidden, self.discriminator_predictions(hidden)


# ----------------------------------------------------------------------------------------
# Shared
# ----------------------------------------------------------------------------------------


def hf_init(model, c):
    """PreTrainedModel._init_weights of these models: normal(0, 0.02) linears and embeddings,
    zero biases, padding rows zero, LayerNorm 1 and 0."""
    for m in model.modules():
        if isinstance(m, nn.Linear):
            m.weight.data.normal_(mean=0.0, std=c.initializer_range)
            if m.bias is not None:
                m.bias.data.zero_()
        elif isinstance(m, nn.Embedding):
            m.weight.data.normal_(mean=0.0, std=c.initializer_range)
            if m.padding_idx is not None:
                m.weight.data[m.padding_idx].zero_()
        elif isinstance(m, nn.LayerNorm):
            m.bias.data.zero_()
            m.weight.data.fill_(1.0)


def batch(g, pad):
    """Three rows of 11, 8 and 5 real tokens; padding carries the pad id; a real token holds
    the pad id (its word and, for RoBERTa, position rows get no gradient from the lookup)."""
    lengths = [mf.SEQ, mf.SEQ - 3, mf.SEQ - 6]
    mask = torch.zeros(mf.BATCH, mf.SEQ, dtype=torch.int64)
    for b, n in enumerate(lengths):
        mask[b, :n] = 1
    ids = torch.randint(5, VOCAB, (mf.BATCH, mf.SEQ), generator=g)
    ids[mask == 0] = pad
    ids[0, 4] = pad
    return ids, mask, lengths


def mlm_labels(g, lengths):
    labels = torch.full((mf.BATCH, mf.SEQ), mf.IGNORE_INDEX, dtype=torch.int64)
    for b, n in enumerate(lengths):
        count = max(2, round(0.3 * n))
        positions = torch.randperm(n, generator=g)[:count]
        labels[b, positions] = torch.randint(0, VOCAB, (count,), generator=g)
    return labels


def write_folder(name, model, config_json, tokenizer_json, tied, inputs, hidden, logits, head_loss, loss):
    folder = os.path.join(OUT_DIR, name)
    os.makedirs(folder, exist_ok=True)
    model.zero_grad(set_to_none=True)
    loss.backward()
    weights = {}
    grads = {}
    for n, p in model.named_parameters():
        weights[n] = p.detach().clone()
        if p.grad is not None:
            grads["grad." + n] = p.grad.detach().clone()
    for n in tied:
        if n in weights:
            raise AssertionError(f"{n} is a tied copy and must not be stored")
    mf.save_safetensors(os.path.join(folder, "model.safetensors"), weights, {"format": "pt"})
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config_json, f, indent=2)
        f.write("\n")
    with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json, f, indent=1, ensure_ascii=False)
        f.write("\n")
    ref = {"input." + k: v for k, v in inputs.items()}
    ref["output.hidden"] = hidden.detach().clone()
    ref["output.logits"] = logits.detach().clone()
    ref["output.head_loss"] = head_loss.detach().clone().reshape([])
    ref["output.loss"] = loss.detach().clone().reshape([])
    ref.update(grads)
    mf.save_safetensors(os.path.join(folder, "reference.safetensors"), ref, {
        "torch_version": torch.__version__, "script": "tools/reference/make_hf_fixtures.py",
        "model_type": config_json["model_type"], "architecture": config_json["architectures"][0],
        "loss": "MLM: head_loss + sum(hidden * probe); ELECTRA: sum(hidden * probe)"})
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
    print(f"{os.path.relpath(folder, mf.REPO_ROOT)}: {len(weights)} tensors, {size} bytes in the folder, "
          f"loss {loss.item():.6f}")


# ----------------------------------------------------------------------------------------
# Tokenizers (99 tokens each)
# ----------------------------------------------------------------------------------------


def added(tokens):
    return [{"id": i, "content": t, "single_word": False, "lstrip": t == "<mask>", "rstrip": False,
             "normalized": False, "special": True} for i, t in tokens]


def byte_level_bpe():
    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    dropped = set("\\^`{|}~@")
    chars = [chr(b) for b in range(33, 127) if chr(b) not in dropped]
    merges = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "a"), ("e", "r"), ("o", "n")]
    vocab = specials + ["Ġ"] + chars + [a + b for a, b in merges] + ["<mask>"]
    assert len(vocab) == VOCAB, len(vocab)
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": added([(0, "<s>"), (1, "<pad>"), (2, "</s>"), (3, "<unk>"), (VOCAB - 1, "<mask>")]),
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                           "trim_offsets": True, "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {t: i for i, t in enumerate(vocab)},
                  "merges": [a + " " + b for a, b in merges]},
    }


def unigram():
    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    pieces = ["▁"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
    pieces += ["▁" + chr(c) for c in range(ord("a"), ord("z") + 1)]
    pieces += [str(d) for d in range(10)] + list(".,!?'-")
    pieces += ["▁the", "▁is", "▁good", "▁bad", "▁movie", "▁film", "▁great", "▁fun", "▁not", "▁it",
               "er", "in", "on", "ing", "ed", "es", "▁and", "▁this", "▁was", "▁very", "ly", "▁love",
               "▁hate", "▁a", "é", "▁of"]
    pieces = [p for i, p in enumerate(pieces) if p not in pieces[:i]]
    vocab = [[t, 0.0] for t in specials]
    for i, p in enumerate(pieces):
        vocab.append([p, -2.0 - 0.25 * len(p) - 0.01 * i])
    vocab.append(["<mask>", 0.0])
    assert len(vocab) == VOCAB, len(vocab)

    def special(t, i):
        return {"id": t, "ids": [i], "tokens": [t]}

    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": added([(0, "<s>"), (1, "<pad>"), (2, "</s>"), (3, "<unk>"), (VOCAB - 1, "<mask>")]),
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                    {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "</s>", "type_id": 0}},
                                    {"SpecialToken": {"id": "</s>", "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 0}},
                                    {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "special_tokens": {"<s>": special("<s>", 0), "</s>": special("</s>", 2)}},
        "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": 3, "vocab": vocab, "byte_fallback": False},
    }


def wordpiece():
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    words = ["the", "is", "good", "bad", "movie", "film", "great", "fun", "boring", "not", "it", "was",
             "and", "this", "very", "awful", "love", "hate", "plot"]
    vocab = specials + letters + ["##" + x for x in letters] + [str(d) for d in range(10)] + list(".,!?'-:;\"()")
    vocab += words
    vocab += ["##s", "##ing"][:VOCAB - len(vocab)]
    assert len(vocab) == VOCAB, len(vocab)
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": added([(i, t) for i, t in enumerate(specials)]),
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                                    {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 1}},
                                    {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                           "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                                              "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(vocab)}},
    }


# ----------------------------------------------------------------------------------------
# The four folders
# ----------------------------------------------------------------------------------------


def roberta_like(name, model_type, architecture, seed, tokenizer):
    torch.manual_seed(seed)
    pad = 1
    c = Cfg(vocab_size=VOCAB, hidden_size=HIDDEN, num_heads=HEADS, intermediate_size=FFN, num_layers=LAYERS,
            max_position_embeddings=POSITIONS + pad + 1, type_vocab_size=1, layer_norm_eps=1e-5,
            hidden_dropout=0.0, attention_dropout=0.0, pad_token_id=pad, initializer_range=0.02)
    model = RobertaForMaskedLM(c)
    g = torch.Generator().manual_seed(seed + 1)
    mf.perturb_norms_and_biases(model, g)
    ids, mask, lengths = batch(g, pad)
    labels = mlm_labels(g, lengths)
    probe = torch.randn(mf.BATCH, mf.SEQ, HIDDEN, generator=g)
    hidden, logits = model(ids, mask)
    head_loss = F.cross_entropy(logits.view(-1, VOCAB), labels.view(-1), ignore_index=mf.IGNORE_INDEX)
    loss = head_loss + (hidden * probe).sum()
    config = {"architectures": [architecture], "model_type": model_type, "vocab_size": VOCAB,
              "hidden_size": HIDDEN, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
              "intermediate_size": FFN, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
              "attention_probs_dropout_prob": 0.1, "max_position_embeddings": POSITIONS + pad + 1,
              "type_vocab_size": 1, "initializer_range": 0.02, "layer_norm_eps": 1e-5, "pad_token_id": pad,
              "bos_token_id": 0, "eos_token_id": 2, "position_embedding_type": "absolute",
              "torch_dtype": "float32", "transformers_version": "4.46.0", "use_cache": True,
              "classifier_dropout": None}
    write_folder(name, model, config, tokenizer, ["lm_head.decoder.weight", "lm_head.decoder.bias"],
                 {"input_ids": ids, "attention_mask": mask, "labels": labels, "probe": probe},
                 hidden, logits, head_loss, loss)


def make_distilbert():
    seed = mf.SEED + 30
    torch.manual_seed(seed)
    c = Cfg(vocab_size=VOCAB, dim=HIDDEN, n_heads=HEADS, hidden_dim=FFN, n_layers=LAYERS,
            max_position_embeddings=POSITIONS, pad_token_id=0, initializer_range=0.02)
    model = DistilBertForMaskedLM(c)
    g = torch.Generator().manual_seed(seed + 1)
    mf.perturb_norms_and_biases(model, g)
    ids, mask, lengths = batch(g, 0)
    labels = mlm_labels(g, lengths)
    probe = torch.randn(mf.BATCH, mf.SEQ, HIDDEN, generator=g)
    hidden, logits = model(ids, mask)
    head_loss = F.cross_entropy(logits.view(-1, VOCAB), labels.view(-1), ignore_index=mf.IGNORE_INDEX)
    loss = head_loss + (hidden * probe).sum()
    config = {"architectures": ["DistilBertForMaskedLM"], "model_type": "distilbert", "vocab_size": VOCAB,
              "dim": HIDDEN, "n_layers": LAYERS, "n_heads": HEADS, "hidden_dim": FFN, "activation": "gelu",
              "dropout": 0.1, "attention_dropout": 0.1, "max_position_embeddings": POSITIONS,
              "sinusoidal_pos_embds": False, "initializer_range": 0.02, "pad_token_id": 0,
              "qa_dropout": 0.1, "seq_classif_dropout": 0.2, "tie_weights_": True,
              "torch_dtype": "float32", "transformers_version": "4.46.0"}
    write_folder("distilbert", model, config, wordpiece(), ["vocab_projector.weight"],
                 {"input_ids": ids, "attention_mask": mask, "labels": labels, "probe": probe},
                 hidden, logits, head_loss, loss)


def make_electra():
    seed = mf.SEED + 40
    torch.manual_seed(seed)
    c = Cfg(vocab_size=VOCAB, embedding_size=ELECTRA_EMBEDDING, hidden_size=HIDDEN, num_heads=HEADS,
            intermediate_size=FFN, num_layers=LAYERS, max_position_embeddings=POSITIONS, type_vocab_size=2,
            layer_norm_eps=1e-12, hidden_dropout=0.0, attention_dropout=0.0, pad_token_id=0,
            initializer_range=0.02)
    model = ElectraForPreTraining(c)
    g = torch.Generator().manual_seed(seed + 1)
    mf.perturb_norms_and_biases(model, g)
    ids, mask, lengths = batch(g, 0)
    types = torch.zeros_like(ids)
    for b, n in enumerate(lengths):
        types[b, n // 2:n] = 1
    labels = torch.randint(0, 2, ids.shape, generator=g)
    labels[mask == 0] = mf.IGNORE_INDEX
    probe = torch.randn(mf.BATCH, mf.SEQ, HIDDEN, generator=g)
    hidden, logits = model(ids, types, mask)
    active = mask.view(-1) == 1  # ElectraForPreTraining: BCE over attention_mask == 1
    head_loss = F.binary_cross_entropy_with_logits(logits.view(-1)[active], labels.view(-1)[active].float())
    loss = (hidden * probe).sum()
    config = {"architectures": ["ElectraForPreTraining"], "model_type": "electra", "vocab_size": VOCAB,
              "embedding_size": ELECTRA_EMBEDDING, "hidden_size": HIDDEN, "num_hidden_layers": LAYERS,
              "num_attention_heads": HEADS, "intermediate_size": FFN, "hidden_act": "gelu",
              "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
              "max_position_embeddings": POSITIONS, "type_vocab_size": 2, "initializer_range": 0.02,
              "layer_norm_eps": 1e-12, "pad_token_id": 0, "position_embedding_type": "absolute",
              "summary_type": "first", "summary_use_proj": True, "summary_activation": "gelu",
              "summary_last_dropout": 0.1, "torch_dtype": "float32", "transformers_version": "4.46.0"}
    write_folder("electra", model, config, wordpiece(), [],
                 {"input_ids": ids, "token_type_ids": types, "attention_mask": mask, "labels": labels,
                  "probe": probe},
                 hidden, logits, head_loss, loss)


def self_check():
    """The twins' blocks against independent code: RoBERTa's positions against a loop, DistilBERT's
    block (masked_fill attention) against nn.TransformerEncoderLayer."""
    ids = torch.tensor([[0, 5, 1, 7, 2, 1, 1]])
    expected = [[2, 3, 1, 4, 5, 1, 1]]
    got = create_position_ids_from_input_ids(ids, 1).tolist()
    if got != expected:
        raise AssertionError(f"RoBERTa position ids {got}, expected {expected}")
    g = torch.Generator().manual_seed(mf.SEED + 50)
    c = Cfg(dim=HIDDEN, n_heads=HEADS, hidden_dim=FFN)
    mine = TransformerBlock(c)
    mf.perturb_norms_and_biases(mine, g)
    ref = nn.TransformerEncoderLayer(HIDDEN, HEADS, dim_feedforward=FFN, dropout=0.0, activation="gelu",
                                     layer_norm_eps=1e-12, batch_first=True, norm_first=False)
    with torch.no_grad():
        a = mine.attention
        ref.self_attn.in_proj_weight.copy_(torch.cat([a.q_lin.weight, a.k_lin.weight, a.v_lin.weight]))
        ref.self_attn.in_proj_bias.copy_(torch.cat([a.q_lin.bias, a.k_lin.bias, a.v_lin.bias]))
        ref.self_attn.out_proj.weight.copy_(a.out_lin.weight)
        ref.self_attn.out_proj.bias.copy_(a.out_lin.bias)
        ref.norm1.load_state_dict(mine.sa_layer_norm.state_dict())
        ref.linear1.load_state_dict(mine.ffn.lin1.state_dict())
        ref.linear2.load_state_dict(mine.ffn.lin2.state_dict())
        ref.norm2.load_state_dict(mine.output_layer_norm.state_dict())
    x = torch.randn(2, 7, HIDDEN, generator=g)
    mask = torch.ones(2, 7, dtype=torch.int64)
    mask[1, 4:] = 0
    ref.train()
    mf._assert_close("DistilBERT block", mine(x, mask), ref(x, src_key_padding_mask=mask == 0))


def main():
    torch.set_default_dtype(torch.float32)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    self_check()
    roberta_like("roberta", "roberta", "RobertaForMaskedLM", mf.SEED + 10, byte_level_bpe())
    roberta_like("xlm_roberta", "xlm-roberta", "XLMRobertaForMaskedLM", mf.SEED + 20, unigram())
    make_distilbert()
    make_electra()


if __name__ == "__main__":
    sys.exit(main())
