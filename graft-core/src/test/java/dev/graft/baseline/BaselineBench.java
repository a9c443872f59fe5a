package dev.graft.baseline;

import dev.graft.data.ClassificationExample;
import dev.graft.data.Dataset;
import dev.graft.data.DatasetRegistry;
import dev.graft.data.ResolvedSet;
import dev.graft.data.Split;
import dev.graft.data.TaggingExample;
import dev.graft.eval.ClassificationMetrics;
import dev.graft.eval.TaggingMetrics;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The baselines on the standard datasets (fetched already under the graft data home): {@link BagOfWords}
 * on sentiment-uci at several label budgets ({@link Dataset#take}, balanced, over several seeds; test
 * accuracy mean and sample standard deviation, chosen C, training time) and {@link MostFrequentTag} on
 * brown-pos with both unknown-word rules (dev and test token accuracy, accuracy on words unseen in
 * training in either form, time). Times are wall-clock and the calling thread's CPU time (one thread
 * does all the work; on a shared machine the CPU time is the figure to quote).
 *
 * <p>Arguments: budgets (default 50 200 2400) and {@code -Dbench.seeds=3}. A program, not a test: run it
 * with graft-core's test class path, e.g.
 * {@code java -cp graft-core/target/classes:graft-core/target/test-classes:$(cat cp.txt) dev.graft.baseline.BaselineBench},
 * cp.txt written by {@code mvn -o -pl graft-core dependency:build-classpath -Dmdep.outputFile=cp.txt}.
 */
public final class BaselineBench {
    private BaselineBench() {
    }

    public static void main(String[] args) throws Exception {
        int[] budgets = args.length > 0 ? java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray()
                : new int[] {50, 200, 2400};
        int seeds = Integer.getInteger("bench.seeds", 3);
        DatasetRegistry registry = DatasetRegistry.standard();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();

        ResolvedSet sentiment = registry.resolve("sentiment-uci");
        Dataset<ClassificationExample> train = sentiment.classification(Split.TRAIN);
        List<ClassificationExample> test = sentiment.classification(Split.TEST).examples();
        System.out.printf(Locale.ROOT, "sentiment-uci: %d train, %d test, labels %s%n", train.size(), test.size(),
                sentiment.labels().labels());
        for (int budget : budgets) {
            double[] accuracy = new double[seeds];
            List<String> detail = new ArrayList<>();
            for (int s = 0; s < seeds; s++) {
                long seed = s + 1;
                List<ClassificationExample> subset = train.take(budget, seed).examples();
                long wall = System.nanoTime();
                long cpu = threads.getCurrentThreadCpuTime();
                BagOfWords model = BagOfWords.train(subset, sentiment.labels(), BagOfWords.Options.defaults(seed));
                double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpu) / 1e9;
                double wallSeconds = (System.nanoTime() - wall) / 1e9;
                ClassificationMetrics m = model.evaluate(test);
                accuracy[s] = m.accuracy();
                detail.add(String.format(Locale.ROOT, "seed %d: acc %.4f macro-F1 %.4f C %s features %d folds %d "
                                + "train %.2f s wall %.2f s cpu; cv %s", seed, m.accuracy(), m.macroF1(),
                        model.chosenC(), model.features(), model.folds(), wallSeconds, cpuSeconds,
                        model.crossValidationAccuracy()));
            }
            System.out.printf(Locale.ROOT, "budget %d: test accuracy %.4f +- %.4f (mean +- sample std, %d seeds)%n",
                    Math.min(budget, train.size()), mean(accuracy), std(accuracy), seeds);
            detail.forEach(d -> System.out.println("  " + d));
        }

        ResolvedSet brown = registry.resolve("brown-pos");
        List<TaggingExample> tagTrain = brown.tagging(Split.TRAIN).examples();
        List<TaggingExample> dev = brown.tagging(Split.DEV).examples();
        List<TaggingExample> tagTest = brown.tagging(Split.TEST).examples();
        List<String> tagSet = brown.labels().labels();
        Set<String> seen = new HashSet<>();
        for (TaggingExample e : tagTrain) {
            for (String w : e.tokens()) {
                seen.add(w);
                seen.add(w.toLowerCase(Locale.ROOT));
            }
        }
        System.out.printf(Locale.ROOT, "brown-pos: %d train, %d dev, %d test sentences, %d tags%n", tagTrain.size(),
                dev.size(), tagTest.size(), tagSet.size());
        for (MostFrequentTag.UnknownWords rule : MostFrequentTag.UnknownWords.values()) {
            long wall = System.nanoTime();
            long cpu = threads.getCurrentThreadCpuTime();
            MostFrequentTag tagger = MostFrequentTag.train(tagTrain, rule);
            double trainSeconds = (System.nanoTime() - wall) / 1e9;
            double trainCpuSeconds = (threads.getCurrentThreadCpuTime() - cpu) / 1e9;
            for (var split : List.of(List.of("dev", dev), List.of("test", tagTest))) {
                @SuppressWarnings("unchecked")
                List<TaggingExample> data = (List<TaggingExample>) split.get(1);
                long t = threads.getCurrentThreadCpuTime();
                TaggingMetrics m = tagger.evaluate(data, tagSet);
                double evalSeconds = (threads.getCurrentThreadCpuTime() - t) / 1e9;
                long unknown = 0;
                long unknownRight = 0;
                for (TaggingExample e : data) {
                    List<String> predicted = tagger.predict(e.tokens());
                    for (int i = 0; i < e.size(); i++) {
                        String w = e.tokens().get(i);
                        if (!seen.contains(w) && !seen.contains(w.toLowerCase(Locale.ROOT))) {
                            unknown++;
                            if (predicted.get(i).equals(e.tags().get(i))) {
                                unknownRight++;
                            }
                        }
                    }
                }
                System.out.printf(Locale.ROOT, "  %-17s %-4s token accuracy %.4f (%d words; unknown %d, %.4f right) "
                                + "train %.2f s wall %.2f s cpu, tag+score %.2f s cpu%n", rule, split.get(0), m.tokenAccuracy(),
                        m.words(), unknown, (double) unknownRight / Math.max(1, unknown), trainSeconds, trainCpuSeconds,
                        evalSeconds);
            }
        }
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double e : v) {
            s += e;
        }
        return s / v.length;
    }

    private static double std(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = mean(v);
        double s = 0;
        for (double e : v) {
            s += (e - m) * (e - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }
}
