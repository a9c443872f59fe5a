package dev.graft.pretrain;

import dev.graft.model.ModelConfig;
import dev.graft.train.Progress;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code --arch auto}: an encoder sized to the time budget. A short probe measures the tokens per second of
 * a reference shape (bert-mini's, with the run's settings) on this machine; the speed of every candidate
 * shape is scaled from it by the ratio of their training FLOPs per token ({@link #flopsPerToken}); the
 * budget then buys {@code speed × --max-time} tokens, and the largest candidate whose non-embedding
 * parameter count (Kaplan et al. 2020's N) is at most tokens / {@link #TOKENS_PER_PARAMETER} is chosen
 * (about 20 tokens per parameter: Hoffmann et al. 2022's compute-optimal ratio). When no candidate fits,
 * the smallest is taken and the choice says so.
 *
 * <p>Candidates: Turc et al. 2019's grid with head size 64 and FFN 4 × hidden, widened by the in-between
 * widths 192 and 384: layers 2, 3, 4, 6, 8, 10, 12 by hidden 128, 192, 256, 384, 512, 768.
 *
 * <p>The measured speed depends on the machine and its load at the probe, so the choice does too; a
 * resumed run keeps the shape it started with (read from its checkpoint).
 */
public final class ArchAuto {
    /** Training tokens per non-embedding parameter the chosen model is allowed. */
    public static final double TOKENS_PER_PARAMETER = 20;
    static final int[] LAYERS = {2, 3, 4, 6, 8, 10, 12};
    static final int[] HIDDEN = {128, 192, 256, 384, 512, 768};
    static final int HEAD_SIZE = 64;

    private ArchAuto() {
    }

    /**
     * The chosen shape and why.
     *
     * @param config               the chosen model (the template's settings with the candidate's shape)
     * @param parameters           its non-embedding parameters
     * @param tokensPerSecond      its estimated training speed
     * @param budgetTokens         tokens the budget buys at that speed
     * @param fits                 whether it is within {@link #TOKENS_PER_PARAMETER}; false when even the
     *                             smallest candidate is too large
     * @param explanation          one line for the log
     */
    public record Choice(ModelConfig config, long parameters, double tokensPerSecond, double budgetTokens,
                         boolean fits, String explanation) {
    }

    /** The candidate shapes built on {@code template} (vocabulary, positions, dropout, norms and biases kept). */
    static List<ModelConfig> candidates(ModelConfig template) {
        List<ModelConfig> list = new ArrayList<>();
        for (int layers : LAYERS) {
            for (int hidden : HIDDEN) {
                list.add(shape(template, layers, hidden));
            }
        }
        return list;
    }

    /** {@code template} with {@code layers} blocks of width {@code hidden} (heads of 64, FFN 4 × hidden). */
    static ModelConfig shape(ModelConfig t, int layers, int hidden) {
        return new ModelConfig(t.architecture(), t.vocabSize(), hidden, layers, Math.max(1, hidden / HEAD_SIZE),
                4 * hidden, t.maxPositions(), t.typeVocabSize(), t.layerNormEps(), t.hiddenDropout(),
                t.attentionDropout(), t.gelu(), t.initializerRange(), t.padTokenId(), t.preNorm(), t.linearBias());
    }

    /** Parameters outside the embedding tables and the tied output (Kaplan et al.'s N). */
    public static long nonEmbeddingParameters(ModelConfig c) {
        long embeddings = ((long) c.vocabSize() + c.maxPositions() + c.typeVocabSize()) * c.hiddenSize();
        long outputBias = c.isEncoder() ? c.vocabSize() : 0;
        return c.parameterCount() - embeddings - outputBias;
    }

    /**
     * Training FLOPs per token (forward and backward, 6 per multiply-add weight use): the blocks' weights,
     * attention's scores and weighted sums over {@code seqLen} keys, and the tied output layer at the
     * {@code predictedShare} of positions that carry a target. With {@code generatorSize} > 0 (ELECTRA) the
     * generator's share is added, and the discriminator's head at every position.
     */
    public static double flopsPerToken(ModelConfig c, int seqLen, double predictedShare, double generatorSize) {
        double blocks = (double) c.numberOfLayers() * (4.0 * c.hiddenSize() * c.hiddenSize()
                + 2.0 * c.hiddenSize() * c.intermediateSize());
        double attention = 2.0 * c.numberOfLayers() * seqLen * c.hiddenSize();
        double output = predictedShare * ((double) c.vocabSize() * c.hiddenSize() + (double) c.hiddenSize()
                * c.hiddenSize());
        double flops = 6 * (blocks + attention);
        if (generatorSize <= 0) {
            return flops + 6 * output;
        }
        // ELECTRA: the discriminator predicts no tokens; its one-logit head runs at every position, and the
        // generator runs on every position with its tied output at the masked ones
        ModelConfig g = dev.graft.model.ElectraModel.generatorConfig(c, generatorSize);
        double genBlocks = (double) g.numberOfLayers() * (4.0 * g.hiddenSize() * g.hiddenSize()
                + 2.0 * g.hiddenSize() * g.intermediateSize());
        double genAttention = 2.0 * g.numberOfLayers() * seqLen * g.hiddenSize();
        double genOutput = predictedShare * ((double) c.vocabSize() * c.hiddenSize()
                + (double) g.hiddenSize() * c.hiddenSize());
        double project = g.hiddenSize() == c.hiddenSize() ? 0 : (double) c.hiddenSize() * g.hiddenSize();
        double discriminatorHead = (double) c.hiddenSize() * c.hiddenSize() + c.hiddenSize();
        flops += 6 * (discriminatorHead + genBlocks + genAttention + genOutput + project);
        return flops;
    }

    /**
     * Chooses a shape.
     *
     * @param template        the run's settings on the reference shape the probe measured
     * @param probeSpeed      measured training tokens per second of {@code template}
     * @param budget          the time budget
     * @param predictedShare  share of positions that carry an MLM target (the mask probability)
     * @param generatorSize   ELECTRA's generator size, or 0 for MLM
     */
    public static Choice choose(ModelConfig template, double probeSpeed, Duration budget, int seqLen,
                                double predictedShare, double generatorSize) {
        if (!(probeSpeed > 0)) {
            throw new IllegalArgumentException("the speed probe measured " + probeSpeed + " tokens/s");
        }
        double probeCost = flopsPerToken(template, seqLen, predictedShare, generatorSize);
        double seconds = budget.toMillis() / 1000.0;
        ModelConfig best = null;
        ModelConfig smallest = null;
        double bestSpeed = 0;
        double smallestSpeed = 0;
        for (ModelConfig c : candidates(template)) {
            double speed = probeSpeed * probeCost / flopsPerToken(c, seqLen, predictedShare, generatorSize);
            long n = nonEmbeddingParameters(c);
            if (smallest == null || n < nonEmbeddingParameters(smallest)) {
                smallest = c;
                smallestSpeed = speed;
            }
            if (n * TOKENS_PER_PARAMETER <= speed * seconds
                    && (best == null || n > nonEmbeddingParameters(best))) {
                best = c;
                bestSpeed = speed;
            }
        }
        boolean fits = best != null;
        ModelConfig chosen = fits ? best : smallest;
        double speed = fits ? bestSpeed : smallestSpeed;
        long n = nonEmbeddingParameters(chosen);
        double tokens = speed * seconds;
        String why = String.format(Locale.ROOT, "arch auto: %d layers x hidden %d (%d heads, FFN %d), %,d "
                        + "non-embedding parameters: the probe measured %,.0f tokens/s on the reference shape "
                        + "(%d x %d), so this shape trains at about %,.0f tokens/s and %s buys about %,.0f tokens, "
                        + "%.1f per parameter%s", chosen.numberOfLayers(), chosen.hiddenSize(),
                chosen.numberOfHeads(), chosen.intermediateSize(), n, probeSpeed, template.numberOfLayers(),
                template.hiddenSize(), speed, Progress.format(budget), tokens, tokens / Math.max(1, n),
                fits ? " (the largest candidate within " + (int) TOKENS_PER_PARAMETER + " tokens per parameter)"
                        : "; even the smallest candidate gets fewer than " + (int) TOKENS_PER_PARAMETER
                        + " tokens per parameter: give a longer --max-time for a model sized by the rule");
        return new Choice(chosen, n, speed, tokens, fits, why);
    }
}
