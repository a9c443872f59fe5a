package dev.graft.model;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tensor names in files against graft's names, per {@link ModelConfig.Family}. graft names every encoder's
 * parameters as BERT's ({@code bert.embeddings.*}, {@code bert.encoder.layer.N.*}, the MLM head
 * {@code cls.predictions.*}); a checkpoint of another family keeps that family's Hugging Face names in its
 * model.safetensors, translated here when it is read and written:
 *
 * <table>
 * <caption>names in files</caption>
 * <tr><th>family</th><th>body</th><th>MLM head</th></tr>
 * <tr><td>BERT, GPT-2</td><td>as graft's</td><td>as graft's</td></tr>
 * <tr><td>RoBERTa, XLM-RoBERTa</td><td>{@code roberta.} instead of {@code bert.}, otherwise BERT's</td>
 * <td>{@code lm_head.dense}, {@code lm_head.layer_norm}, {@code lm_head.bias} (decoder tied, not stored)</td></tr>
 * <tr><td>ELECTRA</td><td>{@code electra.} instead of {@code bert.}; {@code electra.embeddings_project}</td>
 * <td>ElectraForMaskedLM's {@code generator_predictions.dense}, {@code generator_predictions.LayerNorm},
 * {@code generator_lm_head.bias} (weight tied, not stored); the discriminator head
 * {@code discriminator_predictions.*} is graft's name too</td></tr>
 * <tr><td>DistilBERT</td><td>{@code distilbert.embeddings.{word,position}_embeddings, LayerNorm};
 * {@code distilbert.transformer.layer.N.attention.{q,k,v,out}_lin}, {@code sa_layer_norm},
 * {@code ffn.lin1}, {@code ffn.lin2}, {@code output_layer_norm}</td>
 * <td>{@code vocab_transform}, {@code vocab_layer_norm}, {@code vocab_projector.bias} (weight tied)</td></tr>
 * </table>
 *
 * Other names of graft's under {@code bert.} (a fine-tuned model's pooler) take the family's prefix; names
 * outside {@code bert.} (task heads: {@code classifier.*}) are kept.
 */
public final class HfNames {
    private static final Pattern DISTIL_LAYER = Pattern.compile("^transformer\\.layer\\.(\\d+)\\.(.*)$");
    private static final Pattern BERT_LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.(.*)$");
    /** DistilBERT's block names against BERT's, after the layer prefix. */
    private static final List<String[]> DISTIL_BLOCK = List.of(
            new String[] {"attention.q_lin.", "attention.self.query."},
            new String[] {"attention.k_lin.", "attention.self.key."},
            new String[] {"attention.v_lin.", "attention.self.value."},
            new String[] {"attention.out_lin.", "attention.output.dense."},
            new String[] {"sa_layer_norm.", "attention.output.LayerNorm."},
            new String[] {"ffn.lin1.", "intermediate.dense."},
            new String[] {"ffn.lin2.", "output.dense."},
            new String[] {"output_layer_norm.", "output.LayerNorm."});
    /** MLM heads: {file prefix, graft prefix}. */
    private static final List<String[]> ROBERTA_HEAD = mlmHead("lm_head.dense.", "lm_head.layer_norm.",
            "lm_head.bias");
    /** ElectraForMaskedLM's ElectraGeneratorPredictions and generator_lm_head (weight tied, not stored). */
    private static final List<String[]> ELECTRA_HEAD = mlmHead("generator_predictions.dense.",
            "generator_predictions.LayerNorm.", "generator_lm_head.bias");
    private static final List<String[]> DISTIL_HEAD = mlmHead("vocab_transform.", "vocab_layer_norm.",
            "vocab_projector.bias");

    private HfNames() {
    }

    /** The prefix of the body's names in the family's files: "bert.", "roberta.", "distilbert.", ... */
    public static String prefix(ModelConfig.Family family) {
        return switch (family) {
            case BERT -> "bert.";
            case ROBERTA, XLM_ROBERTA -> "roberta.";
            case DISTILBERT -> "distilbert.";
            case ELECTRA -> "electra.";
            case GPT2 -> "transformer.";
        };
    }

    /** graft's name to the name in a file of {@code family}. */
    public static String toFile(ModelConfig.Family family, String name) {
        return translate(family, name, true);
    }

    /** The name in a file of {@code family} to graft's (names graft does not have come back unchanged). */
    public static String toGraft(ModelConfig.Family family, String fileName) {
        return translate(family, fileName, false);
    }

    /**
     * One name from graft's to the family's ({@code toFile}) or back: the MLM head's names swapped as a whole,
     * else the body's prefix ({@code bert.} against the family's) and, for DistilBERT, each block's names.
     */
    private static String translate(ModelConfig.Family family, String name, boolean toFile) {
        if (family == ModelConfig.Family.BERT || family == ModelConfig.Family.GPT2) {
            return name;
        }
        int from = toFile ? 1 : 0;
        int to = toFile ? 0 : 1;
        List<String[]> heads = switch (family) {
            case ROBERTA, XLM_ROBERTA -> ROBERTA_HEAD;
            case DISTILBERT -> DISTIL_HEAD;
            case ELECTRA -> ELECTRA_HEAD;
            default -> List.of();
        };
        String head = swap(heads, name, from, to);
        if (head != null) {
            return head;
        }
        String source = toFile ? "bert." : prefix(family);
        String target = toFile ? prefix(family) : "bert.";
        if (!name.startsWith(source)) {
            return name;
        }
        String rest = name.substring(source.length());
        if (family == ModelConfig.Family.DISTILBERT) {
            Matcher m = (toFile ? BERT_LAYER : DISTIL_LAYER).matcher(rest);
            if (m.matches()) {
                String inner = swap(DISTIL_BLOCK, m.group(2), from, to);
                return target + (toFile ? "transformer.layer." : "encoder.layer.") + m.group(1) + "."
                        + (inner != null ? inner : m.group(2));
            }
        }
        return target + rest;
    }

    /** A family's names of the MLM head's transform, its layer norm and its bias against graft's (BERT's). */
    private static List<String[]> mlmHead(String dense, String layerNorm, String bias) {
        return List.of(new String[] {dense, "cls.predictions.transform.dense."},
                new String[] {layerNorm, "cls.predictions.transform.LayerNorm."},
                new String[] {bias, "cls.predictions.bias"});
    }

    private static String swap(List<String[]> pairs, String name, int from, int to) {
        for (String[] p : pairs) {
            if (name.startsWith(p[from])) {
                return p[to] + name.substring(p[from].length());
            }
        }
        return null;
    }

    /**
     * Whether a file name of {@code family} lies inside the body (with or without the family prefix): its
     * embeddings and blocks, where a tensor that is not a parameter means the config and the weights disagree.
     */
    static boolean inBody(ModelConfig.Family family, String fileName) {
        String p = prefix(family);
        String n = fileName.startsWith(p) ? fileName.substring(p.length()) : fileName;
        return switch (family) {
            case GPT2 -> n.startsWith("wte.") || n.startsWith("wpe.") || n.startsWith("h.") || n.startsWith("ln_f.");
            case DISTILBERT -> n.startsWith("embeddings.") || n.startsWith("transformer.");
            case ELECTRA -> n.startsWith("embeddings.") || n.startsWith("embeddings_project.")
                    || n.startsWith("encoder.");
            default -> n.startsWith("embeddings.") || n.startsWith("encoder.");
        };
    }

    /** Tensors a family's files hold for tied weights; graft ties them itself and skips the copies. */
    static boolean isTiedCopy(ModelConfig.Family family, String fileName) {
        return switch (family) {
            case ROBERTA, XLM_ROBERTA -> fileName.equals("lm_head.decoder.weight")
                    || fileName.equals("lm_head.decoder.bias");
            case DISTILBERT -> fileName.equals("vocab_projector.weight");
            case ELECTRA -> fileName.equals("generator_lm_head.weight");
            default -> false;
        };
    }

    /** The class name transformers gives graft's {@code architecture} in {@code family}: BertModel to RobertaModel. */
    public static String architecture(ModelConfig.Family family, String architecture) {
        if ((architecture.equals("BertModel") || architecture.equals("BertForMaskedLM"))
                && family != ModelConfig.Family.BERT && family != ModelConfig.Family.GPT2) {
            return family.classPrefix() + architecture.substring(4);
        }
        return architecture;
    }
}
