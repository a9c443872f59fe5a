package dev.graft.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * An immutable, in-memory list of examples (classification or tagging) with the seeded operations that
 * fine-tuning and experiments need: shuffling, sub-sampling to a label budget, k-fold and dev-split
 * carving. Every operation is a pure function of the examples, their order and the seed.
 *
 * <p>Randomness is {@link java.util.Random} (its algorithm is fixed by the Java specification) driving
 * the Fisher-Yates shuffle written out in {@link #shuffle}: the same seed gives the same result on
 * every JVM.
 *
 * <p>Classification datasets are stratified by label: {@link #take}, {@link #kFold} and
 * {@link #carveDev} keep label proportions (or balance them). Tagging datasets have no per-example
 * label and are treated as one stratum.
 *
 * @param <E> {@link ClassificationExample}, {@link TaggingExample} or {@link MultiLabelExample}
 */
public final class Dataset<E> implements Iterable<E> {
    private final List<E> examples;
    private final Function<E, String> stratum;
    private final Function<E, ? extends Iterable<String>> labelsOf;

    private Dataset(List<E> examples, Function<E, String> stratum, Function<E, ? extends Iterable<String>> labelsOf) {
        this.examples = List.copyOf(examples);
        this.stratum = stratum;
        this.labelsOf = labelsOf;
    }

    /** A classification dataset, stratified by label. */
    public static Dataset<ClassificationExample> ofClassification(List<ClassificationExample> examples) {
        return new Dataset<>(examples, ClassificationExample::label, e -> List.of(e.label()));
    }

    /** A tagging dataset (one stratum). */
    public static Dataset<TaggingExample> ofTagging(List<TaggingExample> examples) {
        return new Dataset<>(examples, e -> "", TaggingExample::tags);
    }

    /**
     * A multi-label dataset: one stratum (a label combination is too rare to stratify on with few examples),
     * so sub-samples and dev carves are seeded random draws.
     */
    public static Dataset<MultiLabelExample> ofMultiLabel(List<MultiLabelExample> examples) {
        return new Dataset<>(examples, e -> "", MultiLabelExample::labels);
    }

    /** The same kind of dataset over other examples. */
    private Dataset<E> with(List<E> other) {
        return new Dataset<>(other, stratum, labelsOf);
    }

    public int size() {
        return examples.size();
    }

    public boolean isEmpty() {
        return examples.isEmpty();
    }

    public E get(int i) {
        return examples.get(i);
    }

    /** The examples, in order (unmodifiable). */
    public List<E> examples() {
        return examples;
    }

    public Stream<E> stream() {
        return examples.stream();
    }

    @Override
    public Iterator<E> iterator() {
        return examples.iterator();
    }

    /** The sorted set of labels (classification) or tags (tagging) that occur. */
    public LabelSet labelSet() {
        List<String> all = new ArrayList<>();
        for (E e : examples) {
            labelsOf.apply(e).forEach(all::add);
        }
        return LabelSet.of(all);
    }

    /** How many examples carry each label (classification) or how many tokens each tag (tagging), sorted. */
    public Map<String, Integer> labelCounts() {
        Map<String, Integer> m = new TreeMap<>();
        for (E e : examples) {
            for (String l : labelsOf.apply(e)) {
                m.merge(l, 1, Integer::sum);
            }
        }
        return m;
    }

    /** The examples in a seeded random order. */
    public Dataset<E> shuffled(long seed) {
        List<E> copy = new ArrayList<>(examples);
        shuffle(copy, new Random(seed));
        return with(copy);
    }

    /** This dataset's examples followed by {@code other}'s (the same kind of dataset). */
    public Dataset<E> concat(Dataset<E> other) {
        List<E> all = new ArrayList<>(examples.size() + other.size());
        all.addAll(examples);
        all.addAll(other.examples);
        return with(all);
    }

    /** The first {@code n} examples (all when fewer). */
    public Dataset<E> head(int n) {
        return with(examples.subList(0, Math.min(n, examples.size())));
    }

    /**
     * A sub-sample of {@code budget} examples, balanced across labels when possible: labels take turns
     * (in sorted order) claiming one more example until the budget is spent, a label dropping out when it
     * has none left, so a rare label gives all it has and the others share the rest. Which examples a
     * label gives is its seeded shuffle order, so with one seed a smaller budget's sample is contained in a
     * larger one's (learning curves are nested). The result is in seeded random order. A budget at or
     * over the size returns all examples, shuffled.
     */
    public Dataset<E> take(int budget, long seed) {
        if (budget < 0) {
            throw new IllegalArgumentException("budget must be >= 0, got " + budget);
        }
        Map<String, List<E>> byStratum = strataShuffled(seed);
        List<List<E>> pools = new ArrayList<>(byStratum.values());
        int[] taken = new int[pools.size()];
        int remaining = Math.min(budget, examples.size());
        while (remaining > 0) {
            for (int s = 0; s < pools.size() && remaining > 0; s++) {
                if (taken[s] < pools.get(s).size()) {
                    taken[s]++;
                    remaining--;
                }
            }
        }
        List<E> out = new ArrayList<>();
        for (int s = 0; s < pools.size(); s++) {
            out.addAll(pools.get(s).subList(0, taken[s]));
        }
        shuffle(out, new Random(seed ^ 0x5DEECE66DL));
        return with(out);
    }

    /**
     * A sub-sample of {@code budget} examples that keeps every label present when the budget allows (the
     * multi-label experiments' draw: a label with no training example cannot be learned, and one stratum per
     * label combination is too fine for a few labels). The examples are put in their seeded shuffle order, then
     * {@link #coveringOrder} moves forward, for each label in sorted order that no example already moved
     * carries, the first example in that order that carries it; the sample is the first {@code budget}
     * examples of the result. So a budget of at least the number of labels covers every label that occurs,
     * a smaller budget covers the first labels in sorted order, and with one seed a smaller budget's sample
     * is contained in a larger one's. The result is in seeded random order, as {@link #take}'s.
     */
    public Dataset<E> takeCoveringLabels(int budget, long seed) {
        if (budget < 0) {
            throw new IllegalArgumentException("budget must be >= 0, got " + budget);
        }
        List<E> order = new ArrayList<>(examples);
        shuffle(order, new Random(seed));
        List<E> out = new ArrayList<>(coveringOrder(order, labelsOf).subList(0, Math.min(budget, order.size())));
        shuffle(out, new Random(seed ^ 0x5DEECE66DL));
        return with(out);
    }

    /**
     * {@code order} with a covering set moved to the front: for each label in sorted order, unless an example
     * already moved carries it, the first example of {@code order} that carries it (in label order); then the
     * other examples in their order.
     */
    static <E> List<E> coveringOrder(List<E> order, Function<E, ? extends Iterable<String>> labelsOf) {
        java.util.TreeSet<String> labels = new java.util.TreeSet<>();
        for (E e : order) {
            labelsOf.apply(e).forEach(labels::add);
        }
        java.util.Set<String> covered = new java.util.HashSet<>();
        java.util.Set<E> moved = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        List<E> out = new ArrayList<>(order.size());
        for (String label : labels) {
            if (covered.contains(label)) {
                continue;
            }
            for (E e : order) {
                if (moved.contains(e)) {
                    continue;
                }
                boolean carries = false;
                for (String l : labelsOf.apply(e)) {
                    carries |= l.equals(label);
                }
                if (carries) {
                    moved.add(e);
                    out.add(e);
                    labelsOf.apply(e).forEach(covered::add);
                    break;
                }
            }
        }
        for (E e : order) {
            if (!moved.contains(e)) {
                out.add(e);
            }
        }
        return out;
    }

    /** A training part and a held-out part of a dataset. */
    public record Carve<E>(Dataset<E> train, Dataset<E> heldOut) {
    }

    /** Fold {@code index} of a k-fold partition: train on {@code train}, evaluate on {@code test}. */
    public record Fold<E>(int index, Dataset<E> train, Dataset<E> test) {
    }

    /**
     * Carves a dev split out of this dataset: {@code fraction} of each label (rounded, at least one when
     * the label has two or more examples and the fraction is positive) goes to {@code heldOut}, chosen by
     * the seeded shuffle; both parts keep the original order.
     */
    public Carve<E> carveDev(double fraction, long seed) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("dev fraction must be in [0, 1), got " + fraction);
        }
        Map<String, List<E>> byStratum = strataShuffled(seed);
        java.util.Set<E> held = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (List<E> pool : byStratum.values()) {
            int n = (int) Math.round(pool.size() * fraction);
            if (n == 0 && fraction > 0 && pool.size() >= 2) {
                n = 1;
            }
            held.addAll(pool.subList(0, Math.min(n, pool.size() - (pool.size() >= 2 ? 1 : 0))));
        }
        return partition(held);
    }

    /**
     * Carves exactly {@code count} examples out as a dev split, spread over labels in proportion to their
     * sizes (largest remainders first, ties by label order); both parts keep the original order.
     */
    public Carve<E> carveDev(int count, long seed) {
        if (count < 0 || count > examples.size()) {
            throw new IllegalArgumentException("dev size must be in [0, " + examples.size() + "], got " + count);
        }
        Map<String, List<E>> byStratum = strataShuffled(seed);
        List<List<E>> pools = new ArrayList<>(byStratum.values());
        int[] quota = new int[pools.size()];
        double[] remainder = new double[pools.size()];
        int assigned = 0;
        for (int s = 0; s < pools.size(); s++) {
            double exact = (double) count * pools.get(s).size() / Math.max(1, examples.size());
            quota[s] = (int) Math.floor(exact);
            remainder[s] = exact - quota[s];
            assigned += quota[s];
        }
        while (assigned < count) {
            int best = -1;
            for (int s = 0; s < pools.size(); s++) {
                if (quota[s] < pools.get(s).size() && (best < 0 || remainder[s] > remainder[best])) {
                    best = s;
                }
            }
            quota[best]++;
            remainder[best] = -1;
            assigned++;
        }
        java.util.Set<E> held = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (int s = 0; s < pools.size(); s++) {
            held.addAll(pools.get(s).subList(0, quota[s]));
        }
        return partition(held);
    }

    /**
     * A stratified k-fold partition: each label's examples, in seeded shuffle order, are dealt to the
     * folds in turn (the dealing continues from label to label, so fold sizes differ by at most one).
     * Fold {@code i} tests on its share and trains on the rest; both keep the original order.
     */
    public List<Fold<E>> kFold(int k, long seed) {
        if (k < 2 || k > examples.size()) {
            throw new IllegalArgumentException("k must be in [2, " + examples.size() + "] for " + examples.size()
                    + " examples, got " + k);
        }
        Map<E, Integer> foldOf = new java.util.IdentityHashMap<>();
        int next = 0;
        for (List<E> pool : strataShuffled(seed).values()) {
            for (E e : pool) {
                foldOf.put(e, next);
                next = (next + 1) % k;
            }
        }
        List<Fold<E>> folds = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            List<E> train = new ArrayList<>();
            List<E> test = new ArrayList<>();
            for (E e : examples) {
                (foldOf.get(e) == i ? test : train).add(e);
            }
            folds.add(new Fold<>(i, with(train), with(test)));
        }
        return folds;
    }

    private Carve<E> partition(java.util.Set<E> held) {
        List<E> train = new ArrayList<>();
        List<E> out = new ArrayList<>();
        for (E e : examples) {
            (held.contains(e) ? out : train).add(e);
        }
        return new Carve<>(with(train), with(out));
    }

    /** Examples grouped by stratum (sorted by stratum name), each group in seeded shuffle order. */
    private Map<String, List<E>> strataShuffled(long seed) {
        Map<String, List<E>> byStratum = new TreeMap<>();
        for (E e : examples) {
            byStratum.computeIfAbsent(stratum.apply(e), k -> new ArrayList<>()).add(e);
        }
        Random random = new Random(seed);
        Map<String, List<E>> out = new LinkedHashMap<>();
        for (var entry : byStratum.entrySet()) {
            List<E> pool = entry.getValue();
            shuffle(pool, random);
            out.put(entry.getKey(), pool);
        }
        return out;
    }

    /**
     * Fisher-Yates: for i from n-1 down to 1, swap element i with element {@code random.nextInt(i + 1)}.
     * Written out (rather than {@link Collections#shuffle}) so the procedure is pinned here.
     */
    static <T> void shuffle(List<T> list, Random random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }
}
