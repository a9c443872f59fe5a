package dev.graft.experiment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.graft.experiment.ReportFixtures.NONE;
import static dev.graft.experiment.ReportFixtures.cells;
import static dev.graft.experiment.ReportFixtures.context;
import static dev.graft.experiment.ReportFixtures.pretrainedWins;
import static dev.graft.experiment.ReportFixtures.stillFalling;
import static dev.graft.experiment.ReportFixtures.transferWins;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExperimentReportTest {

    @Test
    void writesTheFourFiles(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("report");
        List<Path> written = ExperimentReport.write(out, pretrainedWins(), context(List.of(stillFalling())));

        assertThat(written).containsExactly(out.resolve("report.md"), out.resolve("report.html"),
                out.resolve("learning_curve.png"), out.resolve("learning_curve.svg"));
        for (Path p : written) {
            assertThat(Files.size(p)).as(p.toString()).isPositive();
        }
        BufferedImage png = ImageIO.read(out.resolve("learning_curve.png").toFile());
        assertThat(png).isNotNull();
        assertThat(png.getWidth()).isEqualTo(800);
        assertThat(png.getHeight()).isEqualTo(500);
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("tmp"));
        }
    }

    @Test
    void theSvgIsWellFormedAndDrawsEveryStrategyIncludingBow(@TempDir Path dir) throws Exception {
        ExperimentReport.write(dir, pretrainedWins(), context(List.of()));
        Document svg = parse(Files.readString(dir.resolve("learning_curve.svg")));

        assertThat(svg.getDocumentElement().getLocalName()).isEqualTo("svg");
        assertThat(svg.getDocumentElement().getNamespaceURI()).endsWith("/2000/svg");
        assertThat(seriesNames(svg)).containsExactly("scratch", "transfer", "pretrained", "bow");
        // one band per strategy (min-max over seeds); every strategy here has a spread
        assertThat(svg.getElementsByTagNameNS("*", "path").getLength()).isEqualTo(4);
    }

    @Test
    void theHtmlIsSelfContained(@TempDir Path dir) throws Exception {
        ExperimentReport.write(dir, pretrainedWins(), context(List.of(stillFalling())));
        String html = Files.readString(dir.resolve("report.html"));

        assertThat(html).startsWith("<!DOCTYPE html>").contains("<style>", "</html>");
        assertThat(html.toLowerCase()).doesNotContain("http", "<link", "<script", "src=", "url(", "@import");
        // the learning curve and the pretraining curve are inline SVG, each well-formed
        List<String> svgs = new ArrayList<>();
        for (int from = html.indexOf("<svg"); from >= 0; from = html.indexOf("<svg", from + 1)) {
            svgs.add(html.substring(from, html.indexOf("</svg>", from) + "</svg>".length()));
        }
        assertThat(svgs).hasSize(2);
        assertThat(seriesNames(parse(svgs.get(0)))).containsExactly("scratch", "transfer", "pretrained", "bow");
        assertThat(seriesNames(parse(svgs.get(1)))).containsExactly("validation loss");
    }

    @Test
    void theTableHasMeanAndIntervalPerBudgetWithTheBestInBold(@TempDir Path dir) throws Exception {
        ExperimentReport.write(dir, pretrainedWins(), context(List.of()));
        String md = Files.readString(dir.resolve("report.md"));

        // means computed by hand in ReportFixtures; ± the 95% t half-width: std · 4.303 / √3 (std .01 → .025,
        // .02 → .050, .03 → .075)
        assertThat(md).contains("36 cells: 4 strategies × 3 budgets × up to 3 seeds; 36 finished, 0 failed.")
                .contains("| strategy | 50 | 200 | all (2,400) |")
                .contains("| scratch | 0.560 ± 0.050 | 0.620 ± 0.050 | 0.750 ± 0.050 |")
                .contains("| transfer | 0.570 ± 0.050 | 0.640 ± 0.075 | 0.760 ± 0.075 |")
                .contains("| pretrained | **0.810 ± 0.025** | **0.870 ± 0.025** | **0.910 ± 0.025** |")
                .contains("| bow | 0.610 ± 0.025 | 0.700 ± 0.025 | 0.800 ± 0.025 |")
                .contains("3 seeds per cell")
                // paired: transfer − scratch at 50 is .03, -.01, .01 (mean .01, std .02, half-width .0497);
                // pretrained − scratch .26, .25, .24 (half-width .0248): only the second excludes zero (bold)
                .contains("| transfer − scratch | +0.010 [-0.040, +0.060] |")
                .contains("| pretrained − scratch | **+0.250 [+0.225, +0.275]** |")
                .contains("| pretrained − bow |").doesNotContain("| scratch − bow |");

        ExperimentReport.write(dir, transferWins(), context(List.of()));
        String md2 = Files.readString(dir.resolve("report.md"));
        assertThat(md2).contains("| transfer | **0.840 ± 0.025** | **0.900 ± 0.025** | **0.940 ± 0.025** |")
                .contains("| pretrained | 0.810 ± 0.025 | 0.870 ± 0.025 | 0.910 ± 0.025 |");
        assertThat(Files.readString(dir.resolve("report.html")))
                .contains("<td class=\"n\"><strong>0.940 ± 0.025</strong></td>");
    }

    @Test
    void failedCellsAreShownNotDropped(@TempDir Path dir) throws Exception {
        List<CellResult> r = new ArrayList<>(pretrainedWins());
        for (int seed = 1; seed <= 3; seed++) {
            r.add(CellResult.failed("ulmfit", "50", 50, seed, "accuracy", NONE, "OutOfMemoryError: Java heap space"));
        }
        r.add(CellResult.failed("bow", "200", 200, 4, "accuracy", NONE, "bad | pipe\nand a second line"));
        ExperimentReport.write(dir, r, context(List.of()));
        String md = Files.readString(dir.resolve("report.md"));

        assertThat(md).contains("| ulmfit | failed (3 seeds) | — | — |")
                .contains("| bow | 0.610 ± 0.025 (n=3) | 0.700 ± 0.025 (n=3, 1 failed) | 0.800 ± 0.025 (n=3) |")
                .contains("### Failed cells")
                .contains("| ulmfit | 50 | 2 | OutOfMemoryError: Java heap space |")
                .contains("| bow | 200 | 4 | bad \\| pipe and a second line |")
                .contains("4 of 40 cells failed");
        assertThat(Files.readString(dir.resolve("report.html"))).contains("failed (3 seeds)", "bad | pipe");
        // a strategy without a finished cell is not argued about
        assertThat(ExperimentReport.answer(r, context(List.of()))).doesNotContain("ulmfit");
    }

    @Test
    void sampleEfficiencyLinesReadStrategiesOffScratchsCurve(@TempDir Path dir) throws Exception {
        ExperimentReport.write(dir, pretrainedWins(), context(List.of()));
        String md = Files.readString(dir.resolve("report.md"));
        // scratch: 50 → .56, 200 → .62, 2400 → .75, interpolated in log(labels):
        // transfer 200 (.64): 200 · 12^(.02/.13) = 293.1;  transfer 50 (.57): 50 · 4^(.01/.06) = 63.0
        // bow 50 (.61): 50 · 4^(.05/.06) = 158.7;  bow 200 (.70): 200 · 12^(.08/.13) = 923.0
        assertThat(md).contains("- transfer with 200 labels reaches what scratch reaches with 293 labels (0.640).")
                .contains("- transfer with 50 labels reaches what scratch reaches with 63 labels (0.570).")
                .contains("- bow with 50 labels reaches what scratch reaches with 159 labels (0.610).")
                .contains("- bow with 200 labels reaches what scratch reaches with 923 labels (0.700).")
                .contains("- pretrained with 50 labels reaches what scratch reaches with more than all 2,400 "
                        + "available (0.810).")
                .doesNotContain("with 2,400 labels reaches");
    }

    @Test
    void costConfigurationDataAndPretrainingAreReported(@TempDir Path dir) throws Exception {
        ExperimentReport.write(dir, pretrainedWins(), context(List.of(stillFalling())));
        String md = Files.readString(dir.resolve("report.md"));

        // transfer: pretraining 5,000,000 tokens in 1200 s; per run 60,000 tokens, 30 s, 2e13 FLOPs; 9 runs: 270 s
        assertThat(md).contains("| transfer | 5,000,000 | 20.0 min | all | 60,000 | 30.0 s | 2.00e+13 | 4.5 min |")
                .contains("| scratch | — | — | all | 60,000 | 0.5 s | 1.00e+09 | 4.5 s |")
                .contains("\"arch\" : \"bert-mini\"")
                .contains("| sentiment-uci | 2015 | " + "9f2c".repeat(16) + " | UCI Sentiment Labelled Sentences")
                .contains("## Pretraining")
                .contains("| bert-mini MLM | 5,625,000 | 20.0 min | ")
                .contains(" | 0.120 |");
        assertThat(ExperimentReport.write(dir, pretrainedWins(), context(List.of()))).isNotEmpty();
        assertThat(Files.readString(dir.resolve("report.md"))).doesNotContain("## Pretraining");
    }

    @Test
    void theAnswerWhenThePretrainedModelWinsAndOwnPretrainingDoesNotHelp() {
        String answer = ExperimentReport.answer(pretrainedWins(), context(List.of(stillFalling())));

        assertThat(answer)
                .contains("With 50 labels, pretrained is best at 0.810 accuracy: 0.250 above scratch (0.560; beyond the "
                        + "paired 95% interval) and 0.200 above bow (0.610; beyond the paired 95% interval).")
                .contains("With all 2,400 labels, pretrained is best at 0.910 accuracy: 0.160 above scratch (0.750; "
                        + "beyond the paired 95% interval) and 0.110 above bow (0.800; beyond the paired 95% interval).")
                .contains("transfer does not beat scratch beyond the paired 95% interval at any budget (differences from "
                        + "+0.010 to +0.020)")
                .contains("At 50 labels transfer (0.570) is 0.240 below pretrained (0.810; beyond the paired 95% interval)")
                .contains("at all 2,400 labels transfer (0.760) is 0.150 below pretrained (0.910;")
                .contains("did not beat training from scratch beyond the paired 95% interval")
                .contains("was still falling by 0.120 nats per doubling of pretraining tokens over the last half of "
                        + "its 5.6M tokens")
                .contains("The pretrained model saw 200 times as many pretraining tokens (1B against 5M).")
                .doesNotContain("ulmfit", "merged", "multitask", "failed");
    }

    @Test
    void theAnswerChangesWhenTransferWins() {
        String answer = ExperimentReport.answer(transferWins(), context(List.of(stillFalling())));

        assertThat(answer)
                .contains("With 50 labels, transfer is best at 0.840 accuracy: 0.280 above scratch (0.560; beyond the "
                        + "paired 95% interval) and 0.230 above bow (0.610; beyond the paired 95% interval).")
                .contains("With all 2,400 labels, transfer is best at 0.940 accuracy: 0.190 above scratch")
                .contains("transfer beats scratch beyond the paired 95% interval at 50, 200 and all 2,400 labels (by 0.280, "
                        + "0.280, 0.190)")
                .contains("is 0.030 above pretrained (0.910; beyond the paired 95% interval)")
                .doesNotContain("did not beat", "still falling", "pretrained is best");
        assertThat(answer).isNotEqualTo(ExperimentReport.answer(pretrainedWins(), context(List.of(stillFalling()))));
    }

    @Test
    void theAnswerComparesSeveralOwnStrategiesAsAGroup() {
        List<CellResult> r = new ArrayList<>(pretrainedWins());
        // ulmfit: +0.06 over scratch on every draw at 50 beats it beyond the interval; at 200 and all the paired
        // differences change sign from draw to draw
        r.addAll(cells("ulmfit", "50", 50, ReportFixtures.OWN, 0.60, 0.62, 0.64));
        r.addAll(cells("ulmfit", "200", 200, ReportFixtures.OWN, 0.63, 0.61, 0.65));
        r.addAll(cells("ulmfit", "all", 2400, ReportFixtures.OWN, 0.74, 0.72, 0.76));
        r.add(CellResult.failed("merged", "50", 50, 1, "accuracy", NONE, "merge: vocabularies differ"));
        String answer = ExperimentReport.answer(r, context(List.of(stillFalling())));

        assertThat(answer)
                .contains("Of graft's own-pretraining strategies, transfer does not beat scratch beyond the paired 95% interval "
                        + "at any budget (differences from +0.010 to +0.020); ulmfit beats scratch beyond the paired "
                        + "95% interval at 50 labels (by 0.060) but not at 200 and all 2,400 labels.")
                .contains("At 50 labels the best of them, ulmfit (0.620), is 0.190 below pretrained (0.810; beyond the "
                        + "paired 95% interval); at all 2,400 labels the best of them, transfer (0.760), is 0.150 below "
                        + "pretrained (0.910; beyond the paired 95% interval).")
                .contains("1 of 46 cells failed and is left out of these means")
                .doesNotContain("did not beat", "still falling", "merged");
    }

    @Test
    void aBaseThatLearnedOnlyWordFrequenciesIsFlagged(@TempDir Path dir) throws Exception {
        PretrainingSummary falling = stillFalling();
        // final loss 6.50 against 6.55 for frequencies alone: within the 0.1-nat margin
        PretrainingSummary weak = new PretrainingSummary("bert-mini MLM 60 s", 160_000, 60, 6.50, Math.exp(6.50),
                falling.curve(), 6.55);
        // loss 0.19 nats better, but the masked-token accuracy is exactly the most frequent token's: one token
        // predicted everywhere (what graft demo --quick's base did)
        PretrainingSummary oneToken = new PretrainingSummary("bert-mini MLM 100 steps", 300_000, 90, 6.9517,
                Math.exp(6.9517), falling.curve(), 7.1367, 0.0483, 0.0483);
        PretrainingSummary learned = new PretrainingSummary("bert-mini MLM 4 min", 590_000, 240, 6.20,
                Math.exp(6.20), falling.curve(), 6.55, 0.12, 0.05);
        assertThat(weak.frequencyOnly()).isTrue();
        assertThat(oneToken.frequencyOnly()).isTrue();
        assertThat(learned.frequencyOnly()).isFalse();
        assertThat(falling.frequencyOnly()).as("no baseline known: not flagged").isFalse();

        assertThat(ExperimentReport.answer(pretrainedWins(), context(List.of(weak))))
                .contains("Warning: bert-mini MLM 60 s (validation loss 6.500 against 6.550 for word frequencies "
                        + "alone) ends no better than word frequencies");
        assertThat(ExperimentReport.answer(pretrainedWins(), context(List.of(oneToken))))
                .contains("bert-mini MLM 100 steps (validation loss 6.952 against 7.137 for word frequencies alone; "
                        + "accuracy 0.0483 against 0.0483 for always the most frequent token)");
        assertThat(ExperimentReport.answer(pretrainedWins(), context(List.of(learned)))).doesNotContain("Warning");
        ExperimentReport.write(dir, pretrainedWins(), context(List.of(weak, oneToken, learned)));
        String md = Files.readString(dir.resolve("report.md"));
        assertThat(md).contains("| **6.5500 (not beaten)** |").contains("| 6.5500 | 0.1200 (0.0500) |")
                .contains("| 7.1367 | **0.0483 (0.0483) (not beaten)** |")
                .contains("Warning: bert-mini MLM 60 s and bert-mini MLM 100 steps end no better than word "
                        + "frequencies");
    }

    /** A cell of a balanced 2-class test set of 100 with the given confusion matrix (rows gold) and CV score. */
    private static CellResult chanceCell(String strategy, int seed, long[][] confusion, Double cv) {
        long correct = confusion[0][0] + confusion[1][1];
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("accuracy", correct / 100.0);
        m.put("confusion", List.of(List.of(confusion[0][0], confusion[0][1]), List.of(confusion[1][0],
                confusion[1][1])));
        if (cv != null) {
            m.put("cv_score", cv);
        }
        return CellResult.ok(strategy, "50", 50, seed, "accuracy", correct / 100.0, Double.NaN, m, NONE);
    }

    @Test
    void cellsNearChanceAreExplainedFromTheirOwnNumbers() {
        List<CellResult> r = new ArrayList<>();
        // scratch: one draw answers "negative" always (0.50), two at 0.52 and 0.54; CV found nothing either
        r.add(chanceCell("scratch", 1, new long[][] {{50, 0}, {50, 0}}, 0.51));
        r.add(chanceCell("scratch", 2, new long[][] {{30, 20}, {28, 22}}, 0.53));
        r.add(chanceCell("scratch", 3, new long[][] {{31, 19}, {27, 23}}, 0.52));
        // transfer: 0.53 on test although CV scored 0.70: it fit the labels without generalizing
        r.add(chanceCell("transfer", 1, new long[][] {{27, 23}, {24, 26}}, 0.70));
        r.add(chanceCell("transfer", 2, new long[][] {{27, 23}, {24, 26}}, 0.70));
        // ulmfit: its training loss stayed at 0.69 and 0.70 (ln 2 = 0.693): it never fit its own labels
        r.add(withTrainLoss(chanceCell("ulmfit", 1, new long[][] {{0, 50}, {0, 50}}, 0.52), 0.69));
        r.add(withTrainLoss(chanceCell("ulmfit", 2, new long[][] {{0, 50}, {0, 50}}, 0.50), 0.70));
        // pretrained at 0.80 is not near chance; bow is never listed
        r.add(chanceCell("pretrained", 1, new long[][] {{40, 10}, {10, 40}}, 0.80));
        r.add(chanceCell("bow", 1, new long[][] {{50, 0}, {50, 0}}, null));
        assertThat(ReportFindings.majorityShare(r.get(0))).isEqualTo(0.5);
        assertThat(ReportFindings.predictsOneClass(r.get(0))).isTrue();
        assertThat(ReportFindings.predictsOneClass(r.get(1))).isFalse();

        List<String> lines = ExperimentReport.nearChanceLines(ResultTable.of(r));
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("scratch at 50 labels: 0.520, within 0.050 of always answering the majority "
                + "class (0.500). 1 of 3 draws predicts a single class. Cross-validation inside the labels scored 0.520 "
                + "on held-out folds: no candidate rate learned beyond the class prior from so few labels.");
        assertThat(lines.get(1)).startsWith("transfer at 50 labels: 0.530,")
                .endsWith("scored 0.700 on held-out folds: the model fit the labels it had, but what it learned did "
                        + "not carry to the test set.");
        assertThat(lines.get(2)).startsWith("ulmfit at 50 labels: 0.500,").contains("2 of 2 draws predict a single "
                + "class. Its training loss ended at 0.695 (ln 2 = 0.693 for a uniform guess): it did not fit even the "
                + "labels it trained on").endsWith("Cross-validation inside the labels scored 0.510 on held-out folds.");
    }

    private static CellResult withTrainLoss(CellResult c, double loss) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>(c.testMetrics());
        m.put("final_train_loss", loss);
        return CellResult.ok(c.strategy(), c.budget(), c.labels(), c.seed(), c.metric(), c.test(), c.dev(), m,
                c.cost());
    }

    @Test
    void theAnswerStatesOnlyWhatTheNumbersSupport() {
        // no pretrained model in the results: it is not mentioned, nor how much text it saw
        List<CellResult> noPretrained = pretrainedWins().stream().filter(c -> !c.strategy().equals("pretrained"))
                .toList();
        String answer = ExperimentReport.answer(noPretrained, context(List.of(stillFalling())));
        assertThat(answer).doesNotContain("pretrained")
                .contains("With 50 labels, bow is best at 0.610 accuracy: 0.050 above scratch (0.560; beyond the paired "
                        + "95% interval).");

        // a pretraining curve that has flattened is called flat, not falling
        List<double[]> flat = List.of(new double[] {1e6, 3.0}, new double[] {2e6, 2.995}, new double[] {4e6, 2.99});
        PretrainingSummary flatRun = new PretrainingSummary("flat run", 4_000_000, 60, 2.99, Math.exp(2.99), flat);
        assertThat(ExperimentReport.answer(pretrainedWins(), context(List.of(flatRun))))
                .contains("the validation loss of flat run had flattened (a change of -0.005 nats per doubling")
                .doesNotContain("still falling");

        // a single seed: differences are not called real
        List<CellResult> oneSeed = List.of(cells("scratch", "50", 50, NONE, 0.56).get(0),
                cells("transfer", "50", 50, NONE, 0.66).get(0));
        assertThat(ExperimentReport.answer(oneSeed, context(List.of())))
                .contains("With its only budget, 50 labels, transfer is best at 0.660 accuracy: 0.100 above scratch "
                        + "(0.560; interval unknown with one seed).")
                .contains("transfer differs from scratch by +0.100 at 50 labels, but with one seed the interval is unknown")
                .doesNotContain("beyond the paired 95% interval at", "did not beat");
    }

    @Test
    void noResultsIsAClearError(@TempDir Path dir) {
        assertThatThrownBy(() -> ExperimentReport.write(dir, List.of(), context(List.of())))
                .hasMessageContaining("no results to report");
    }

    private static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> seriesNames(Document svg) {
        List<String> names = new ArrayList<>();
        NodeList groups = svg.getElementsByTagNameNS("*", "g");
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            if (g.getAttribute("class").equals("series")) {
                names.add(g.getAttribute("data-name"));
            }
        }
        return names;
    }
}
