package dev.graft.model;

import dev.graft.nn.Parameter;
import dev.graft.nn.ParameterSet;

import java.util.SplittableRandom;

/**
 * Initial weights as Hugging Face initializes BERT and GPT-2: matrices and embeddings from
 * N(0, initializerRange²), biases 0, LayerNorm weight 1 and bias 0, the padding token's embedding
 * row 0; GPT-2's residual projections ({@code c_proj}) scaled by 1/sqrt(2·layers) (Radford et al.
 * 2019, section 2.3). Seeded: the same seed gives the same weights.
 */
final class Initializer {
    private Initializer() {
    }

    static void initialize(ParameterSet parameters, ModelConfig config, long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (Parameter p : parameters.list()) {
            String name = p.name();
            float[] d = p.value().data();
            int off = p.value().offset();
            int n = p.size();
            if (p.shape().length >= 2) {
                double std = config.initializerRange();
                if (!config.isEncoder() && name.endsWith("c_proj.weight")) {
                    std /= Math.sqrt(2.0 * config.numberOfLayers());
                }
                for (int i = 0; i < n; i++) {
                    d[off + i] = (float) (gaussian(random) * std);
                }
            } else if (name.endsWith("LayerNorm.weight") || name.matches(".*ln_(1|2|f)\\.weight")) {
                p.value().fill(1f);
            } else {
                p.value().fill(0f);
            }
        }
        if (config.padTokenId() >= 0) {
            Parameter e = parameters.get(config.isEncoder() ? "bert.embeddings.word_embeddings.weight"
                    : "transformer.wte.weight");
            int c = config.embeddingSize();
            java.util.Arrays.fill(e.value().data(), e.value().offset() + config.padTokenId() * c,
                    e.value().offset() + (config.padTokenId() + 1) * c, 0f);
        }
    }

    /** A standard normal draw (Marsaglia's polar method). */
    static double gaussian(SplittableRandom r) {
        double u;
        double v;
        double s;
        do {
            u = 2 * r.nextDouble() - 1;
            v = 2 * r.nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        return u * Math.sqrt(-2 * Math.log(s) / s);
    }
}
