package dev.graft.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Classifier}'s answer for one text: the most probable label and every label's probability.
 *
 * @param text          the text classified
 * @param label         the most probable label
 * @param labels        every label, in the model's order
 * @param probabilities the probability of each label, parallel to {@code labels} (they sum to 1)
 */
public record ClassPrediction(String text, String label, List<String> labels, double[] probabilities) {
    public ClassPrediction {
        labels = List.copyOf(labels);
        probabilities = probabilities.clone();
        if (labels.size() != probabilities.length) {
            throw new IllegalArgumentException(labels.size() + " labels but " + probabilities.length
                    + " probabilities");
        }
    }

    /** The probability of the predicted label. */
    public double probability() {
        return probability(label);
    }

    /** The probability of {@code name}; an error for a label the model does not know. */
    public double probability(String name) {
        int i = labels.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("unknown label '" + name + "': the model's labels are " + labels);
        }
        return probabilities[i];
    }

    /** Label to probability, in the model's label order. */
    public Map<String, Double> probabilityMap() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            m.put(labels.get(i), probabilities[i]);
        }
        return Collections.unmodifiableMap(m);
    }

    @Override
    public double[] probabilities() {
        return probabilities.clone();
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%s (%.3f)", label, probability());
    }
}
