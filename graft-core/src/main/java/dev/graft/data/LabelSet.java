package dev.graft.data;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * An immutable, ordered set of labels (class names or tags) with their indexes: index {@code i} is the
 * {@code i}-th label. {@link #of(Collection)} sorts; {@link #ordered(List)} keeps the given order.
 */
public final class LabelSet {
    private final List<String> labels;
    private final Map<String, Integer> index;

    private LabelSet(List<String> labels) {
        this.labels = List.copyOf(labels);
        this.index = new HashMap<>();
        for (int i = 0; i < this.labels.size(); i++) {
            if (index.put(this.labels.get(i), i) != null) {
                throw new IllegalArgumentException("label '" + this.labels.get(i) + "' appears twice");
            }
        }
    }

    /** The distinct labels in {@code labels}, sorted. */
    public static LabelSet of(Collection<String> labels) {
        return new LabelSet(new ArrayList<>(new TreeSet<>(labels)));
    }

    /** The labels in the given order (no duplicates allowed). */
    public static LabelSet ordered(List<String> labels) {
        return new LabelSet(labels);
    }

    /** The sorted labels of some classification examples. */
    public static LabelSet ofClassification(Collection<ClassificationExample> examples) {
        TreeSet<String> s = new TreeSet<>();
        for (ClassificationExample e : examples) {
            s.add(e.label());
        }
        return new LabelSet(new ArrayList<>(s));
    }

    /** The sorted tags of some tagging examples. */
    public static LabelSet ofTagging(Collection<TaggingExample> examples) {
        TreeSet<String> s = new TreeSet<>();
        for (TaggingExample e : examples) {
            s.addAll(e.tags());
        }
        return new LabelSet(new ArrayList<>(s));
    }

    public int size() {
        return labels.size();
    }

    public List<String> labels() {
        return labels;
    }

    public String label(int i) {
        return labels.get(i);
    }

    public boolean contains(String label) {
        return index.containsKey(label);
    }

    /** The index of {@code label}; an {@link IllegalArgumentException} naming the known labels when absent. */
    public int indexOf(String label) {
        Integer i = index.get(label);
        if (i == null) {
            throw new IllegalArgumentException("label '" + label + "' was not seen in training (known: "
                    + describe() + ")");
        }
        return i;
    }

    /** "a, b, c" (at most 20, then "... (N in all)"). */
    public String describe() {
        if (labels.size() <= 20) {
            return String.join(", ", labels);
        }
        return String.join(", ", labels.subList(0, 20)) + ", ... (" + labels.size() + " in all)";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelSet other && labels.equals(other.labels);
    }

    @Override
    public int hashCode() {
        return labels.hashCode();
    }

    @Override
    public String toString() {
        return "LabelSet[" + describe() + "]";
    }
}
