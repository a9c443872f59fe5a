package dev.graft.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.tensor.kernel.GeluForm;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@link ModelConfig} to and from Hugging Face's {@code config.json}, in the fields of
 * transformers' BertConfig ({@code model_type "bert"}) and GPT2Config ({@code model_type "gpt2"}),
 * so a graft checkpoint folder reads like theirs and theirs read here. RobertaConfig and XLMRobertaConfig
 * ({@code roberta}, {@code xlm-roberta}: BERT's fields; {@code max_position_embeddings} counts the
 * {@code pad_token_id + 1} rows before the first position, which {@link ModelConfig#maxPositions} does not),
 * ElectraConfig ({@code electra}: BERT's fields and {@code embedding_size}) and DistilBertConfig
 * ({@code distilbert}: dim, hidden_dim, n_layers, n_heads, activation, dropout, attention_dropout,
 * max_position_embeddings, sinusoidal_pos_embds) are read and written too ({@link ModelConfig.Family}).
 *
 * <p>Written for an encoder: architectures, model_type, vocab_size, hidden_size,
 * num_hidden_layers, num_attention_heads, intermediate_size, hidden_act, hidden_dropout_prob,
 * attention_probs_dropout_prob, max_position_embeddings, type_vocab_size, initializer_range,
 * layer_norm_eps, pad_token_id. For a decoder: architectures, model_type, vocab_size, n_embd,
 * n_layer, n_head, n_inner, n_positions, n_ctx, activation_function, resid_pdrop, embd_pdrop,
 * attn_pdrop, layer_norm_epsilon, initializer_range. graft's own variants add {@code graft_pre_norm: true}
 * (a pre-LN encoder) and {@code graft_linear_bias: false} (bias-free linears in attention and the
 * feed-forward); they are written only when set, so a standard config.json stays as it was, and Hugging
 * Face's loaders, which ignore them, report the renamed or missing tensors rather than load a different
 * model silently.
 */
public final class HfConfig {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HfConfig() {
    }

    /**
     * The config.json names of the fields every family's config class has, which differ by class: BertConfig's
     * (also RoBERTa's, XLM-RoBERTa's, ELECTRA's), GPT2Config's, DistilBertConfig's.
     *
     * @param layerNormEps null where the class has no such field (DistilBERT's epsilon is fixed)
     * @param padTokenId   null where the class has no such field (GPT-2)
     */
    private record Names(String hidden, String layers, String heads, String intermediate, String activation,
                         String hiddenDropout, String attentionDropout, String positions, String layerNormEps,
                         String padTokenId) {
        static final Names BERT = new Names("hidden_size", "num_hidden_layers", "num_attention_heads",
                "intermediate_size", "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob",
                "max_position_embeddings", "layer_norm_eps", "pad_token_id");
        static final Names GPT2 = new Names("n_embd", "n_layer", "n_head", "n_inner", "activation_function",
                "resid_pdrop", "attn_pdrop", "n_positions", "layer_norm_epsilon", null);
        static final Names DISTILBERT = new Names("dim", "n_layers", "n_heads", "hidden_dim", "activation",
                "dropout", "attention_dropout", "max_position_embeddings", null, "pad_token_id");

        static Names of(ModelConfig.Family family) {
            return switch (family) {
                case GPT2 -> GPT2;
                case DISTILBERT -> DISTILBERT;
                default -> BERT;
            };
        }
    }

    /** The config.json object for {@code c}; {@code architecture} is e.g. "BertForMaskedLM". */
    public static ObjectNode toJson(ModelConfig c, String architecture) {
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add(HfNames.architecture(c.family(), architecture));
        Names n = Names.of(c.family());
        o.put("model_type", c.family().modelType());
        o.put("vocab_size", c.vocabSize());
        o.put(n.hidden(), c.hiddenSize());
        o.put(n.layers(), c.numberOfLayers());
        o.put(n.heads(), c.numberOfHeads());
        o.put(n.intermediate(), c.intermediateSize());
        o.put(n.activation(), c.gelu() == GeluForm.ERF ? "gelu" : "gelu_new");
        o.put(n.hiddenDropout(), c.hiddenDropout());
        o.put(n.attentionDropout(), c.attentionDropout());
        // the rows of the table: RoBERTa's count its pad_token_id + 1 rows before the first position
        o.put(n.positions(), c.positionTableSize());
        o.put("initializer_range", c.initializerRange());
        if (n.layerNormEps() != null) {
            o.put(n.layerNormEps(), c.layerNormEps());
        }
        if (n.padTokenId() != null) {
            o.put(n.padTokenId(), Math.max(0, c.padTokenId()));
        }
        switch (c.family()) {
            case GPT2 -> {
                o.put("n_ctx", c.maxPositions());
                o.put("embd_pdrop", c.hiddenDropout());
            }
            case DISTILBERT -> {
                o.put("sinusoidal_pos_embds", false);
                o.put("tie_weights_", true);
            }
            default -> {
                o.put("type_vocab_size", c.typeVocabSize());
                if (c.family() == ModelConfig.Family.ELECTRA) {
                    o.put("embedding_size", c.embeddingSize());
                }
                o.put("position_embedding_type", "absolute");
            }
        }
        if (c.isEncoder() && c.preNorm()) {
            o.put("graft_pre_norm", true);
        }
        if (!c.linearBias()) {
            o.put("graft_linear_bias", false);
        }
        return o;
    }

    public static void write(Path file, ModelConfig c, String architecture) throws IOException {
        JsonFiles.write(file, toJson(c, architecture));
    }

    /** Reads a BERT-family or GPT-2 config.json. */
    public static ModelConfig read(Path file) throws IOException {
        return fromJson(HeadConfig.readJson(file), file);
    }

    public static ModelConfig fromJson(JsonNode o, Path file) throws IOException {
        String type = o.path("model_type").asText("");
        switch (type.toLowerCase(Locale.ROOT)) {
            case "bert", "roberta", "xlm-roberta", "electra" -> {
                ModelConfig.Family family = switch (type.toLowerCase(Locale.ROOT)) {
                    case "roberta" -> ModelConfig.Family.ROBERTA;
                    case "xlm-roberta" -> ModelConfig.Family.XLM_ROBERTA;
                    case "electra" -> ModelConfig.Family.ELECTRA;
                    default -> ModelConfig.Family.BERT;
                };
                Names n = Names.BERT;
                String act = o.path(n.activation()).asText("gelu");
                String positions = o.path("position_embedding_type").asText("absolute");
                if (!"absolute".equals(positions)) {
                    throw new IOException(file + ": position_embedding_type '" + positions + "' is not supported; "
                            + "graft's encoder has absolute (learned) position embeddings");
                }
                if (o.path("is_decoder").asBoolean(false) || o.path("add_cross_attention").asBoolean(false)) {
                    throw new IOException(file + ": is_decoder / add_cross_attention is set: a BERT used as a "
                            + "decoder is not supported; graft's BERT is a bidirectional encoder");
                }
                int hidden = required(o, n.hidden(), file);
                int pad = o.path(n.padTokenId()).asInt(family.offsetsPositions() ? 1 : 0);
                int table = required(o, n.positions(), file);
                int offset = family.offsetsPositions() ? pad + 1 : 0;
                if (table <= offset) {
                    throw new IOException(file + ": max_position_embeddings " + table + " leaves no position after "
                            + "the first " + offset + " (" + type + " counts positions from pad_token_id + 1)");
                }
                int embedding = family == ModelConfig.Family.ELECTRA ? o.path("embedding_size").asInt(hidden) : hidden;
                if (family != ModelConfig.Family.BERT && family != ModelConfig.Family.ELECTRA
                        && o.path("graft_pre_norm").asBoolean(false)) {
                    throw new IOException(file + ": graft_pre_norm is set on a " + type + " config; only graft's own "
                            + "BERT and ELECTRA (model_type bert, electra) are pre-LN");
                }
                return new ModelConfig(ModelConfig.Architecture.ENCODER,
                        required(o, "vocab_size", file), hidden,
                        required(o, n.layers(), file), required(o, n.heads(), file),
                        required(o, n.intermediate(), file), table - offset,
                        o.path("type_vocab_size").asInt(2), (float) o.path(n.layerNormEps()).asDouble(1e-12),
                        (float) o.path(n.hiddenDropout()).asDouble(0.1),
                        (float) o.path(n.attentionDropout()).asDouble(0.1),
                        gelu(act, file), (float) o.path("initializer_range").asDouble(0.02),
                        pad, o.path("graft_pre_norm").asBoolean(false),
                        o.path("graft_linear_bias").asBoolean(true), family, embedding);
            }
            case "distilbert" -> {
                if (o.path("sinusoidal_pos_embds").asBoolean(false)) {
                    throw new IOException(file + ": sinusoidal_pos_embds is true: graft trains the position embeddings "
                            + "that DistilBERT keeps fixed, so it reads only DistilBERT with learned positions (false)");
                }
                Names n = Names.DISTILBERT;
                String act = o.path(n.activation()).asText("gelu");
                return new ModelConfig(ModelConfig.Architecture.ENCODER,
                        required(o, "vocab_size", file), required(o, n.hidden(), file), required(o, n.layers(), file),
                        required(o, n.heads(), file), required(o, n.intermediate(), file),
                        required(o, n.positions(), file), 0, 1e-12f,
                        (float) o.path(n.hiddenDropout()).asDouble(0.1),
                        (float) o.path(n.attentionDropout()).asDouble(0.1),
                        gelu(act, file), (float) o.path("initializer_range").asDouble(0.02),
                        o.path(n.padTokenId()).asInt(0), false, true, ModelConfig.Family.DISTILBERT,
                        required(o, n.hidden(), file));
            }
            case "camembert" -> throw new IOException(file + ": model_type 'camembert' is not supported: graft reads "
                    + "bert, roberta, xlm-roberta, distilbert and electra encoders and gpt2 decoders");
            case "gpt2" -> {
                if (o.path("scale_attn_by_inverse_layer_idx").asBoolean(false)) {
                    throw new IOException(file + ": scale_attn_by_inverse_layer_idx is set; graft's GPT-2 "
                            + "scales attention by 1/sqrt(head size) only");
                }
                if (!o.path("scale_attn_weights").asBoolean(true)) {
                    throw new IOException(file + ": scale_attn_weights is false; graft's GPT-2 always scales "
                            + "attention by 1/sqrt(head size)");
                }
                Names n = Names.GPT2;
                int hidden = required(o, n.hidden(), file);
                JsonNode inner = o.get(n.intermediate());
                return new ModelConfig(ModelConfig.Architecture.DECODER,
                        required(o, "vocab_size", file), hidden, required(o, n.layers(), file),
                        required(o, n.heads(), file), inner == null || inner.isNull() ? 4 * hidden : inner.asInt(),
                        required(o, n.positions(), file), 0, (float) o.path(n.layerNormEps()).asDouble(1e-5),
                        (float) o.path(n.hiddenDropout()).asDouble(0.1),
                        (float) o.path(n.attentionDropout()).asDouble(0.1),
                        gelu(o.path(n.activation()).asText("gelu_new"), file),
                        (float) o.path("initializer_range").asDouble(0.02), -1, true,
                        o.path("graft_linear_bias").asBoolean(true));
            }
            default -> throw new IOException(file + ": model_type '" + type + "' is not supported; graft reads "
                    + "the encoders bert, roberta, xlm-roberta, distilbert, electra (discriminator) and the decoder "
                    + "gpt2");
        }
    }

    private static GeluForm gelu(String act, Path file) throws IOException {
        return switch (act) {
            case "gelu" -> GeluForm.ERF;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GeluForm.TANH;
            default -> throw new IOException(file + ": activation '" + act + "' is not supported; graft has gelu "
                    + "(erf) and gelu_new (tanh)");
        };
    }

    private static int required(JsonNode o, String field, Path file) throws IOException {
        JsonNode v = o.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new IOException(file + ": field '" + field + "' is missing or not an integer");
        }
        return v.asInt();
    }
}
