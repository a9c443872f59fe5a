package dev.graft.experiment;

import java.util.ArrayList;
import java.util.List;

/**
 * A pretraining run as the experiment report shows it.
 *
 * @param name            e.g. "bert-mini MLM on wikitext"
 * @param tokens          tokens seen
 * @param seconds         wall time
 * @param finalLoss       the last validation loss (nats per token)
 * @param finalPerplexity exp(finalLoss) for a language-model loss, as the run reported it
 * @param curve           the validation curve as {tokens, loss} points, tokens increasing; may be empty
 * @param unigramLoss     the validation loss word frequencies alone reach (a held-out estimate from the
 *                        validation targets' frequencies), NaN when unknown
 * @param finalAccuracy   the last validation accuracy of the objective (masked-token or next-token), NaN when
 *                        unknown
 * @param unigramAccuracy the accuracy of always predicting the most frequent validation target, NaN when unknown
 */
public record PretrainingSummary(String name, long tokens, double seconds, double finalLoss, double finalPerplexity,
                                 List<double[]> curve, double unigramLoss, double finalAccuracy,
                                 double unigramAccuracy) {
    /**
     * Nats by which a run's final validation loss must beat {@link #unigramLoss} for the run to count as having
     * learned more than word frequencies: within this margin the model predicts masked tokens about as a
     * frequency table does, its features barely depend on the input, and a classifier on top can learn little
     * more than the class prior.
     */
    public static final double FREQUENCY_ONLY_MARGIN = 0.1;
    /**
     * Accuracy by which a run must beat always predicting the most frequent target: within half a point it
     * predicts (nearly) one token everywhere, whatever its loss says.
     */
    public static final double FREQUENCY_ONLY_ACCURACY_MARGIN = 0.005;

    /** A run whose frequency baselines are unknown. */
    public PretrainingSummary(String name, long tokens, double seconds, double finalLoss, double finalPerplexity,
                              List<double[]> curve) {
        this(name, tokens, seconds, finalLoss, finalPerplexity, curve, Double.NaN, Double.NaN, Double.NaN);
    }

    /** A run with a loss baseline only. */
    public PretrainingSummary(String name, long tokens, double seconds, double finalLoss, double finalPerplexity,
                              List<double[]> curve, double unigramLoss) {
        this(name, tokens, seconds, finalLoss, finalPerplexity, curve, unigramLoss, Double.NaN, Double.NaN);
    }

    /**
     * Whether the run learned little beyond word frequencies ({@link #frequencyOnly(double, double, double,
     * double)}).
     */
    public boolean frequencyOnly() {
        return frequencyOnly(finalLoss, unigramLoss, finalAccuracy, unigramAccuracy);
    }

    /**
     * Whether a run learned little beyond word frequencies: its validation loss is within {@link
     * #FREQUENCY_ONLY_MARGIN} of (or above) the frequency baseline's, or its accuracy within {@link
     * #FREQUENCY_ONLY_ACCURACY_MARGIN} of (or below) always answering the most frequent token. An unknown
     * figure never flags.
     */
    public static boolean frequencyOnly(double loss, double unigramLoss, double accuracy, double unigramAccuracy) {
        boolean byLoss = Double.isFinite(loss) && Double.isFinite(unigramLoss) && loss > unigramLoss - FREQUENCY_ONLY_MARGIN;
        boolean byAccuracy = Double.isFinite(accuracy) && Double.isFinite(unigramAccuracy)
                && accuracy < unigramAccuracy + FREQUENCY_ONLY_ACCURACY_MARGIN;
        return byLoss || byAccuracy;
    }

    /** "validation loss 6.952 against 7.137 for word frequencies alone; accuracy 0.048 against 0.048 ...". */
    public String frequencyComparison() {
        List<String> parts = new ArrayList<>();
        if (Double.isFinite(finalLoss) && Double.isFinite(unigramLoss)) {
            parts.add(String.format(java.util.Locale.ROOT, "validation loss %.3f against %.3f for word frequencies "
                    + "alone", finalLoss, unigramLoss));
        }
        if (Double.isFinite(finalAccuracy) && Double.isFinite(unigramAccuracy)) {
            parts.add(String.format(java.util.Locale.ROOT, "accuracy %.4f against %.4f for always the most frequent "
                    + "token", finalAccuracy, unigramAccuracy));
        }
        return String.join("; ", parts);
    }

    public PretrainingSummary {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a pretraining run needs a name");
        }
        if (tokens < 0 || !(seconds >= 0)) {
            throw new IllegalArgumentException("pretraining run " + name + ": tokens and seconds must be >= 0, got "
                    + tokens + " and " + seconds);
        }
        List<double[]> copy = new ArrayList<>();
        double previous = Double.NEGATIVE_INFINITY;
        for (double[] p : curve == null ? List.<double[]>of() : curve) {
            if (p == null || p.length != 2 || !(p[0] > 0) || !Double.isFinite(p[0]) || !Double.isFinite(p[1])) {
                throw new IllegalArgumentException("pretraining run " + name + ": curve point " + copy.size()
                        + " must be {tokens > 0, finite loss}");
            }
            if (!(p[0] > previous)) {
                throw new IllegalArgumentException("pretraining run " + name + ": curve tokens must increase, got "
                        + p[0] + " after " + previous);
            }
            previous = p[0];
            copy.add(p.clone());
        }
        curve = List.copyOf(copy);
    }

    /**
     * How much the validation loss fell per doubling of tokens over the last half of the run: minus the
     * least-squares slope of loss against log2(tokens), over the curve's points with tokens at least half
     * the last point's. Positive while the loss is still falling.
     *
     * @return nats per doubling, or NaN with fewer than two points in the last half
     */
    public double lossDropPerDoubling() {
        if (curve.size() < 2) {
            return Double.NaN;
        }
        double half = curve.get(curve.size() - 1)[0] / 2;
        List<double[]> last = curve.stream().filter(p -> p[0] >= half).toList();
        if (last.size() < 2) {
            return Double.NaN;
        }
        List<double[]> xy = new ArrayList<>();
        for (double[] p : last) {
            xy.add(new double[]{log2(p[0]), p[1]});
        }
        return -PretrainingSweep.slope(xy);
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
