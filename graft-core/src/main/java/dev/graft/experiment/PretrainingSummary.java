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
 * @param unigramLoss     the validation loss word frequencies alone reach (the entropy of the validation
 *                        targets' frequencies), NaN when unknown
 */
public record PretrainingSummary(String name, long tokens, double seconds, double finalLoss, double finalPerplexity,
                                 List<double[]> curve, double unigramLoss) {
    /**
     * Nats by which a run's final validation loss must beat {@link #unigramLoss} for the run to count as having
     * learned more than word frequencies: within this margin the model predicts masked tokens about as a
     * frequency table does, its features barely depend on the input, and a classifier on top can learn little
     * more than the class prior.
     */
    public static final double FREQUENCY_ONLY_MARGIN = 0.1;

    /** A run whose frequency baseline is unknown. */
    public PretrainingSummary(String name, long tokens, double seconds, double finalLoss, double finalPerplexity,
                              List<double[]> curve) {
        this(name, tokens, seconds, finalLoss, finalPerplexity, curve, Double.NaN);
    }

    /**
     * Whether the run learned little beyond word frequencies: its final validation loss is within {@link
     * #FREQUENCY_ONLY_MARGIN} of (or above) the frequency baseline. False when either is unknown.
     */
    public boolean frequencyOnly() {
        return Double.isFinite(finalLoss) && Double.isFinite(unigramLoss)
                && finalLoss > unigramLoss - FREQUENCY_ONLY_MARGIN;
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
