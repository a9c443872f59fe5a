package dev.graft.model;

import dev.graft.tensor.kernel.GeluForm;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Named model sizes. BERT presets follow Turc et al. 2019 ("Well-Read Students Learn Better"):
 * FFN = 4 x hidden, max length 128 by default, vocabulary 8192 until a tokenizer sets it.
 */
public final class Presets {
    /** Vocabulary size a preset has before a tokenizer decides it. */
    public static final int DEFAULT_VOCAB = 8192;
    /** Default maximum sequence length. */
    public static final int DEFAULT_MAX_POSITIONS = 128;

    private static final Map<String, ModelConfig> PRESETS = new TreeMap<>();

    static {
        PRESETS.put("bert-tiny", encoder(2, 128, 2));
        PRESETS.put("bert-mini", encoder(4, 256, 4));
        PRESETS.put("bert-small", encoder(4, 512, 8));
        PRESETS.put("bert-medium", encoder(8, 512, 8));
        PRESETS.put("gpt-tiny", decoder(2, 128, 2));
        PRESETS.put("gpt-mini", decoder(4, 256, 4));
        PRESETS.put("gpt-small", decoder(4, 512, 8));
    }

    private Presets() {
    }

    private static ModelConfig encoder(int layers, int hidden, int heads) {
        return new ModelConfig(ModelConfig.Architecture.ENCODER, DEFAULT_VOCAB, hidden, layers, heads, 4 * hidden,
                DEFAULT_MAX_POSITIONS, 2, 1e-12f, 0.1f, 0.1f, GeluForm.ERF, 0.02f, 0);
    }

    private static ModelConfig decoder(int layers, int hidden, int heads) {
        return new ModelConfig(ModelConfig.Architecture.DECODER, DEFAULT_VOCAB, hidden, layers, heads, 4 * hidden,
                DEFAULT_MAX_POSITIONS, 0, 1e-5f, 0.1f, 0.1f, GeluForm.TANH, 0.02f, -1);
    }

    public static List<String> names() {
        return List.copyOf(PRESETS.keySet());
    }

    /** The preset of that name; an unknown name is an error listing the known ones. */
    public static ModelConfig get(String name) {
        ModelConfig c = PRESETS.get(name.toLowerCase(Locale.ROOT));
        if (c == null) {
            throw new IllegalArgumentException("unknown model preset '" + name + "': choose one of "
                    + String.join(", ", PRESETS.keySet()));
        }
        return c;
    }
}
