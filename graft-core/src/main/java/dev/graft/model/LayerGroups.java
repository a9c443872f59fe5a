package dev.graft.model;

import dev.graft.nn.Parameter;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ULMFiT's layer groups (Howard and Ruder 2018, section 3.2) of a transformer: group 0 is the
 * embeddings, group l (1..L) is block l-1, group L+1 the head (BERT's pooler, a classifier or tagger
 * layer, the MLM transform). A decoder's final LayerNorm goes with its last block. Groups are found
 * from Hugging Face parameter names, so they work for every model graft builds or loads.
 */
public final class LayerGroups {
    private static final Pattern BLOCK = Pattern.compile("^(?:bert\\.encoder\\.layer|transformer\\.h)\\.(\\d+)\\.");

    private LayerGroups() {
    }

    /** Number of groups: embeddings, each block, head. */
    public static int count(ModelConfig config) {
        return config.numberOfLayers() + 2;
    }

    /** The group of each parameter, in list order. */
    public static int[] of(List<Parameter> parameters, ModelConfig config) {
        int layers = config.numberOfLayers();
        int[] g = new int[parameters.size()];
        for (int i = 0; i < g.length; i++) {
            g[i] = groupOf(parameters.get(i).name(), layers);
        }
        return g;
    }

    /**
     * True for a token embedding table (BERT's {@code word_embeddings}, GPT-2's {@code wte}), not the position
     * or type embeddings: what fine-tuning's {@code freezeEmbeddings} keeps as it starts.
     */
    public static boolean isTokenEmbedding(String name) {
        return name.endsWith("embeddings.word_embeddings.weight") || name.equals("transformer.wte.weight");
    }

    static int groupOf(String name, int layers) {
        if (name.startsWith("bert.embeddings.") || name.startsWith("embeddings.")
                || name.startsWith("bert.embeddings_project.")
                || name.startsWith("transformer.wte.") || name.startsWith("transformer.wpe.")) {
            return 0;
        }
        Matcher m = BLOCK.matcher(name);
        if (m.find()) {
            return Integer.parseInt(m.group(1)) + 1;
        }
        if (name.startsWith("transformer.ln_f.") || name.startsWith("bert.encoder.final_LayerNorm.")) {
            return layers;
        }
        return layers + 1;
    }
}
