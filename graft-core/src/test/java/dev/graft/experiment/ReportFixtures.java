package dev.graft.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Hand-made experiment results shaped like sentiment-uci runs (at 200 labels scratch about 0.62, transfer
 * 0.64, bow 0.70, pretrained MiniLM 0.87), three seeds per cell.
 */
final class ReportFixtures {
    static final CellResult.Cost OWN = new CellResult.Cost(5_000_000L, 60_000L, 2.0e13, 1200, 30);
    static final CellResult.Cost MINILM = new CellResult.Cost(1_000_000_000L, 60_000L, 5.0e13, 0, 45);
    static final CellResult.Cost NONE = new CellResult.Cost(0, 60_000L, 1.0e9, 0, 0.5);

    private ReportFixtures() {
    }

    /** One cell per score, seeds 1, 2, 3, ... */
    static List<CellResult> cells(String strategy, String budget, int labels, CellResult.Cost cost, double... tests) {
        List<CellResult> out = new ArrayList<>();
        for (int i = 0; i < tests.length; i++) {
            out.add(CellResult.ok(strategy, budget, labels, i + 1, "accuracy", tests[i], tests[i] + 0.01,
                    Map.of("accuracy", tests[i]), cost));
        }
        return out;
    }

    /**
     * pretrained best everywhere, bow second, transfer within the paired 95% interval of scratch:
     * <pre>
     *             50                 200                all (2,400)
     * scratch     .54 .56 .58 (.56)  .60 .62 .64 (.62)  .73 .75 .77 (.75)   std .02 everywhere
     * transfer    .57 .55 .59 (.57)  .61 .64 .67 (.64)  .73 .76 .79 (.76)   std .02, .03, .03
     * bow         .60 .61 .62 (.61)  .69 .70 .71 (.70)  .79 .80 .81 (.80)   std .01
     * pretrained  .80 .81 .82 (.81)  .86 .87 .88 (.87)  .90 .91 .92 (.91)   std .01
     * </pre>
     */
    static List<CellResult> pretrainedWins() {
        List<CellResult> r = new ArrayList<>();
        r.addAll(cells("scratch", "50", 50, NONE, 0.54, 0.56, 0.58));
        r.addAll(cells("scratch", "200", 200, NONE, 0.60, 0.62, 0.64));
        r.addAll(cells("scratch", "all", 2400, NONE, 0.73, 0.75, 0.77));
        r.addAll(cells("transfer", "50", 50, OWN, 0.57, 0.55, 0.59));
        r.addAll(cells("transfer", "200", 200, OWN, 0.61, 0.64, 0.67));
        r.addAll(cells("transfer", "all", 2400, OWN, 0.73, 0.76, 0.79));
        r.addAll(cells("bow", "50", 50, NONE, 0.60, 0.61, 0.62));
        r.addAll(cells("bow", "200", 200, NONE, 0.69, 0.70, 0.71));
        r.addAll(cells("bow", "all", 2400, NONE, 0.79, 0.80, 0.81));
        r.addAll(cells("pretrained", "50", 50, MINILM, 0.80, 0.81, 0.82));
        r.addAll(cells("pretrained", "200", 200, MINILM, 0.86, 0.87, 0.88));
        r.addAll(cells("pretrained", "all", 2400, MINILM, 0.90, 0.91, 0.92));
        return r;
    }

    /** As {@link #pretrainedWins()} but transfer at .83 .84 .85 (.84), .89 .90 .91 (.90), .93 .94 .95 (.94). */
    static List<CellResult> transferWins() {
        List<CellResult> r = new ArrayList<>(pretrainedWins().stream().filter(c -> !c.strategy().equals("transfer"))
                .toList());
        r.addAll(cells("transfer", "50", 50, OWN, 0.83, 0.84, 0.85));
        r.addAll(cells("transfer", "200", 200, OWN, 0.89, 0.90, 0.91));
        r.addAll(cells("transfer", "all", 2400, OWN, 0.93, 0.94, 0.95));
        return r;
    }

    /** A pretraining run whose validation loss falls 0.12 nats per doubling over its last half. */
    static PretrainingSummary stillFalling() {
        List<double[]> curve = new ArrayList<>();
        for (int k = 0; k <= 8; k++) {
            double tokens = 625_000.0 * (k + 1); // 625k .. 5.625M, evenly spaced
            curve.add(new double[] {tokens, 9.0 - 0.12 * Math.log(tokens) / Math.log(2)});
        }
        double[] last = curve.get(curve.size() - 1);
        return new PretrainingSummary("bert-mini MLM", (long) last[0], 1200, last[1], Math.exp(last[1]), curve);
    }

    static ReportContext context(List<PretrainingSummary> pretraining) {
        return new ReportContext("graft experiment: sentiment-uci", "classify", "sentiment-uci", "accuracy",
                "scratch", """
                        {
                          "budgets" : [ "50", "200", "all" ],
                          "seeds" : 3,
                          "arch" : "bert-mini"
                        }""",
                List.of(new DataProvenance("sentiment-uci", "2015", "9f2c".repeat(16),
                        "UCI Sentiment Labelled Sentences (Kotzias et al., 2015)")),
                pretraining);
    }
}
