package dev.graft.experiment;

import dev.graft.SpecException;
import dev.graft.pretrain.PretrainSpec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.finetune.FineTuneSpec;
import dev.graft.model.HeadConfig;
import dev.graft.model.Presets;
import dev.graft.tokenizer.TokenizerSpec;
import dev.graft.train.RunOptions;
import dev.graft.train.RunSpecBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * One {@code graft experiment}: every strategy on the same labeled data, label budgets and seeds.
 * Build with {@link #builder}; {@link #readConfig} reads the same fields from a JSON file (flat keys, as
 * {@code experiment.json} holds them: {@link #toMap}).
 *
 * @param task          classify, tag, multilabel or pair (multilabel and pair: the fine-tuning strategies and
 *                      bow only, {@link Strategy#appliesTo})
 * @param corpus        unlabeled text: dataset names or text files
 * @param data          a labeled dataset name (its train and test splits), or a train file and a test file
 * @param strategies    what to compare
 * @param budgets       numbers of labeled training examples; {@link #ALL} for the whole training split
 * @param seeds         labeled subsets (and training seeds) per budget
 * @param arch          model preset of graft's own models (a decoder of the same size for labels-as-text)
 * @param pretraining   the pretraining runs of graft's own: their budget, base, sweep, tokenizer, length and
 *                      in-domain text
 * @param protocol      how each neural cell is fine-tuned on its labels: folds, learning-rate grids, epochs
 * @param taptEpochs    epochs of LM fine-tuning on the task's text (ulmfit)
 * @param pretrained    the model pretrained elsewhere: a checkpoint folder or a known name (minilm)
 * @param distilled     the student of a {@code graft distill} run, for the distilled strategy, or null
 * @param lmWeight      λ of multitask training
 * @param mix           LM batches per task batch in multitask training
 * @param lmSequenceLength tokens per LM sequence in multitask training
 * @param labelRepeat   copies of each labeled document in the labels-as-text corpus (0: enough for about 5%
 *                      of the corpus' documents)
 * @param parallelCells cells trained at once, each on run.threads / parallelCells threads (pretraining always
 *                      uses all threads): small fine-tuning batches use two single-threaded runs better than one
 *                      two-threaded run
 * @param run           the experiment folder ({@code run.out}: results, report, cached pretraining; a run in it
 *                      always resumes), compute threads and the base seed (subset k of a budget uses seed + k);
 *                      an experiment's length is its cells: no {@code run.steps}, {@code run.epochs},
 *                      {@code run.maxTime} nor {@code run.overwrite}
 */
public record ExperimentSpec(HeadConfig.Task task, List<String> corpus, List<String> data, List<Strategy> strategies,
                             List<Integer> budgets, int seeds, String arch, PretrainingPlan pretraining,
                             Protocol protocol, double taptEpochs, String pretrained, Path distilled, float lmWeight,
                             double mix, int lmSequenceLength, int labelRepeat, int parallelCells, RunOptions run) {
    /** The budget meaning "every training example". */
    public static final int ALL = Integer.MAX_VALUE;
    /** The base seed when none is given ({@code graft experiment --seed}'s default). */
    public static final long DEFAULT_SEED = 0;
    private static final ObjectMapper JSON = new ObjectMapper();

    public ExperimentSpec {
        if (task == null) {
            throw new SpecException("task", "task is required: classify, tag, multilabel or pair");
        }
        if (pretraining == null || protocol == null || run == null) {
            throw new IllegalArgumentException("pretraining, protocol and run are required: start from "
                    + "ExperimentSpec.builder");
        }
        corpus = corpus == null ? List.of() : List.copyOf(corpus);
        data = data == null ? List.of() : List.copyOf(data);
        if (data.isEmpty() || data.size() > 2) {
            throw new SpecException("data", "data takes a labeled dataset name (e.g. sentiment-uci) or two files: "
                    + "train,test; got " + data);
        }
        strategies = strategies == null ? List.of() : List.copyOf(strategies);
        if (strategies.isEmpty()) {
            throw new SpecException("strategies", "no strategy given: strategies scratch,transfer,...");
        }
        boolean needsCorpus = strategies.stream().anyMatch(Strategy::needsCorpus);
        if (needsCorpus && corpus.isEmpty()) {
            throw new SpecException(List.of("strategies", "corpus"), "strategies "
                    + strategies.stream().map(Strategy::id).toList() + " need unlabeled text: give corpus NAME|FILE...");
        }
        if (task != HeadConfig.Task.CLASSIFY) {
            List<String> refused = strategies.stream().filter(s -> !s.appliesTo(task)).map(Strategy::id).toList();
            if (!refused.isEmpty()) {
                throw new SpecException(List.of("strategies", "task"), "strategies " + refused + " do not apply to task "
                        + task.id() + " (" + task.describe() + "): "
                        + (task == HeadConfig.Task.TAG ? "" : "labels-as-text scores one label word per text, and ")
                        + "the static-vector baselines pool one text into one label; use "
                        + java.util.Arrays.stream(Strategy.values()).filter(s -> s.appliesTo(task))
                                .map(Strategy::id).toList());
            }
        }
        if (task == HeadConfig.Task.TAG && strategies.contains(Strategy.LABELS_AS_TEXT)) {
            throw new SpecException("task", "labels-as-text classifies by label likelihood: it is for task "
                    + "classify only");
        }
        budgets = budgets == null ? List.of() : budgets.stream().distinct().sorted().toList();
        if (budgets.isEmpty() || budgets.get(0) < 2) {
            throw new SpecException("budgets", "budgets must be numbers >= 2 or 'all', got " + budgets);
        }
        SpecException.positive("seeds", seeds);
        Presets.get(arch);
        SpecException.positive("taptEpochs", taptEpochs);
        SpecException.nonNegative("labelRepeat", labelRepeat);
        SpecException.atLeast("lmSequenceLength", lmSequenceLength, dev.graft.task.PretrainingData.MIN_SEQUENCE_LENGTH);
        if (run.steps() != 0 || run.epochs() != 0 || run.maxTime() != null || run.overwrite()) {
            throw new SpecException(List.of("run.steps", "run.epochs", "run.maxTime", "run.overwrite"), "an "
                    + "experiment's length is its cells and a run in its folder always resumes: run.steps, "
                    + "run.epochs, run.maxTime and run.overwrite are not for it");
        }
        if (parallelCells < 1 || parallelCells > run.threads()) {
            throw new SpecException(List.of("parallelCells", "run.threads"), "parallelCells must be between 1 and "
                    + "run.threads (" + run.threads() + "), got " + parallelCells);
        }
        if (strategies.contains(Strategy.PRETRAINED) && (pretrained == null || pretrained.isBlank())) {
            throw new SpecException("pretrained", "pretrained is required by the strategy that fine-tunes a model "
                    + "trained elsewhere: give pretrained DIR|minilm");
        }
        for (Strategy s : List.of(Strategy.SETFIT, Strategy.PROBE)) {
            if (strategies.contains(s) && (pretrained == null || pretrained.isBlank())) {
                throw new SpecException("pretrained", "pretrained is required by the " + s.id() + " strategy: give "
                        + "pretrained DIR|minilm");
            }
        }
        if (strategies.contains(Strategy.DISTILLED) && distilled == null) {
            throw new SpecException("distilled", "distilled is required by the strategy that fine-tunes a graft "
                    + "distill student: give distilled DIR");
        }
        if (strategies.contains(Strategy.PROBE_DISTILLED) && distilled == null) {
            throw new SpecException("distilled", "distilled is required by the probe-distilled strategy: give "
                    + "distilled DIR");
        }
        if (distilled != null && !java.nio.file.Files.isRegularFile(distilled.resolve("config.json"))) {
            throw new SpecException("distilled", "distilled " + distilled + " is not a checkpoint folder (no "
                    + "config.json): give the folder of a graft distill run");
        }
        if (strategies.stream().anyMatch(Strategy::fitsEmbeddings) && task != HeadConfig.Task.CLASSIFY) {
            throw new SpecException("task", "the setfit and probe strategies classify texts: they need task "
                    + "classify");
        }
        if (!pretraining.sweep().isEmpty() && (!strategies.contains(Strategy.TRANSFER)
                || pretraining.base() != null)) {
            throw new SpecException(List.of("pretraining.sweep", "pretraining.base"), "pretraining.sweep runs "
                    + "transfer after shorter pretraining runs: it needs the transfer strategy and graft's own "
                    + "pretraining (not pretraining.base)");
        }
    }

    /** The experiment folder: results, report, cached pretraining. */
    public Path out() {
        return run.out();
    }

    /** Parses "0.25,0.5" items into shares of the pretraining budget. */
    public static List<Double> parseShares(List<String> items) {
        List<Double> out = new ArrayList<>();
        for (String p : commaParts(items)) {
            try {
                out.add(Double.parseDouble(p));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("pretraining share '" + p + "' is not a number (e.g. 0.25)");
            }
        }
        return out;
    }

    /** The non-empty, trimmed parts of comma-separated items. */
    private static List<String> commaParts(List<String> items) {
        List<String> out = new ArrayList<>();
        for (String item : items) {
            for (String part : item.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        }
        return out;
    }

    /** Parses "scratch=1e-4/3e-4" items (strategy=rates separated by '/') into rate grids. */
    public static Map<String, List<Float>> parseRateGrids(List<String> items) {
        Map<String, List<Float>> out = new LinkedHashMap<>();
        for (String item : items == null ? List.<String>of() : items) {
            for (String part : item.split(",")) {
                if (part.isBlank()) {
                    continue;
                }
                int eq = part.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("rate grid '" + part + "' must be STRATEGY=RATE/RATE/..., e.g. "
                            + "scratch=1e-4/3e-4/1e-3");
                }
                String strategy = Strategy.parse(part.substring(0, eq)).id();
                List<Float> rates = new ArrayList<>();
                for (String r : part.substring(eq + 1).split("/")) {
                    try {
                        rates.add(Float.parseFloat(r.trim()));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("rate '" + r + "' of " + strategy + " is not a number");
                    }
                }
                out.put(strategy, rates);
            }
        }
        return out;
    }

    /** Parses "50,200,all" items into budgets. */
    public static List<Integer> parseBudgets(List<String> items) {
        List<Integer> out = new ArrayList<>();
        for (String part : commaParts(items)) {
            String p = part.toLowerCase(Locale.ROOT);
            if (p.equals("all")) {
                out.add(ALL);
                continue;
            }
            try {
                out.add(Integer.parseInt(p));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("budget '" + part + "' is not a number or 'all'");
            }
        }
        return out;
    }


    /** "all" or the number. */
    public static String budgetLabel(int budget) {
        return budget == ALL ? "all" : Integer.toString(budget);
    }

    /** The decoder preset of the same size as {@code arch} (labels-as-text needs a causal LM). */
    public String decoderArch() {
        if (!Presets.get(arch).isEncoder()) {
            return arch;
        }
        String d = arch.replaceFirst("^bert-", "gpt-");
        try {
            Presets.get(d);
            return d;
        } catch (IllegalArgumentException e) {
            return "gpt-mini";
        }
    }

    /**
     * One setting of a JSON config file and of the run files: its key, its value in a spec (as written) and how
     * a config file's value sets it on a builder. {@link #SETTINGS} is the one list of the keys, which
     * {@link #toMap} writes and {@link #readConfig} reads.
     */
    private record Setting(String key, Function<ExperimentSpec, Object> value, BiConsumer<Builder, JsonNode> read,
                           boolean omittedWhenNull) {
        Setting(String key, Function<ExperimentSpec, Object> value, BiConsumer<Builder, JsonNode> read) {
            this(key, value, read, false);
        }
    }

    private static final List<Setting> SETTINGS = List.of(
            new Setting("task", s -> s.task.id(), (b, v) -> b.task = HeadConfig.Task.parse(v.asText())),
            new Setting("corpus", s -> s.corpus, (b, v) -> b.corpus = strings(v)),
            new Setting("data", s -> s.data, (b, v) -> b.data = strings(v)),
            new Setting("strategies", s -> s.strategies.stream().map(Strategy::id).toList(),
                    (b, v) -> b.strategies = Strategy.parseList(strings(v))),
            new Setting("budgets", s -> s.budgets.stream().map(ExperimentSpec::budgetLabel).toList(),
                    (b, v) -> b.budgets = parseBudgets(strings(v))),
            new Setting("seeds", s -> s.seeds, (b, v) -> b.seeds = integer(v)),
            new Setting("arch", s -> s.arch, (b, v) -> b.arch = v.asText()),
            new Setting("pretrain_time", s -> s.pretraining.steps() > 0 ? null : s.pretraining.time().toString(),
                    (b, v) -> b.pretrainTime = v.isNull() ? null : parseDuration(v.asText())),
            new Setting("pretrain_steps", s -> s.pretraining.steps(), (b, v) -> b.pretrainSteps = integer(v)),
            new Setting("tapt_epochs", s -> s.taptEpochs, (b, v) -> b.taptEpochs = number(v)),
            new Setting("pretrained", s -> s.pretrained, (b, v) -> b.pretrained = v.isNull() ? null : v.asText()),
            new Setting("base", s -> s.pretraining.base() == null ? null : s.pretraining.base().toString(),
                    (b, v) -> b.base = v.isNull() ? null : Path.of(v.asText())),
            new Setting("pretrain_sweep", s -> s.pretraining.sweep(),
                    (b, v) -> b.pretrainSweep = parseShares(strings(v))),
            new Setting("vocab_size", s -> s.pretraining.tokenizer().vocabSize(),
                    (b, v) -> b.tokenizer = b.tokenizer.withVocabSize(integer(v))),
            new Setting("seq_len", s -> s.pretraining.seqLen(), (b, v) -> b.seqLen = integer(v)),
            new Setting("dev_fraction", s -> s.protocol.devFraction(), (b, v) -> b.devFraction = number(v)),
            new Setting("folds", s -> s.protocol.folds(), (b, v) -> b.folds = integer(v)),
            new Setting("max_epochs", s -> s.protocol.maxEpochs(), (b, v) -> b.maxEpochs = number(v)),
            new Setting("lr_grid", ExperimentSpec::rateGridsInUse, (b, v) -> b.learningRates = rateGrids(v)),
            new Setting("lm_weight", s -> s.lmWeight, (b, v) -> b.lmWeight = (float) number(v)),
            new Setting("mix", s -> s.mix, (b, v) -> b.mix = number(v)),
            // absent at the default, so that experiments written before it read back the same
            new Setting("lm_sequence_length", s -> s.lmSequenceLength == FineTuneSpec.DEFAULT_LM_SEQUENCE_LENGTH
                    ? null : s.lmSequenceLength, (b, v) -> b.lmSequenceLength = v.isNull()
                    ? FineTuneSpec.DEFAULT_LM_SEQUENCE_LENGTH : integer(v), true),
            new Setting("label_repeat", s -> s.labelRepeat, (b, v) -> b.labelRepeat = integer(v)),
            new Setting("threads", s -> s.run.threads(), (b, v) -> b.run(r -> r.withThreads(integer(v)))),
            new Setting("parallel_cells", s -> s.parallelCells, (b, v) -> b.parallelCells = integer(v)),
            new Setting("seed", s -> s.run.seed(), (b, v) -> b.run(r -> r.withSeed(integer(v)))),
            // absent when not given, so that experiments written before it read back the same
            new Setting("distilled", s -> s.distilled == null ? null : s.distilled.toString(),
                    (b, v) -> b.distilled = v.isNull() ? null : Path.of(v.asText()), true),
            // absent when 0, for the same reason
            new Setting("in_domain_repeat",
                    s -> s.pretraining.inDomainRepeat() == 0 ? null : s.pretraining.inDomainRepeat(),
                    (b, v) -> b.inDomainRepeat = v.isNull() ? 0 : integer(v), true),
            // absent when the default, for the same reason
            new Setting("pretrain_recipe", s -> s.pretraining.recipe() == dev.graft.pretrain.PretrainSpec.Recipe.DEFAULT
                    ? null : s.pretraining.recipe().id(), (b, v) -> b.pretrainRecipe = v.isNull()
                    ? dev.graft.pretrain.PretrainSpec.Recipe.DEFAULT : dev.graft.pretrain.PretrainSpec.Recipe.parse(v.asText()),
                    true));

    /** The configuration as a map for run files and the report: every setting's value, in {@link #SETTINGS} order. */
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Setting setting : SETTINGS) {
            Object value = setting.value().apply(this);
            if (value != null || !setting.omittedWhenNull()) {
                m.put(setting.key(), value);
            }
        }
        return m;
    }

    /** The candidate learning rates of each fine-tuning strategy compared, by strategy id. */
    private Map<String, List<Float>> rateGridsInUse() {
        Map<String, List<Float>> grids = new LinkedHashMap<>();
        for (Strategy st : strategies) {
            if (st.fineTunes()) {
                grids.put(st.id(), protocol.learningRates(st));
            }
        }
        return grids;
    }

    /**
     * A spec holding every default (classification of a placeholder dataset into a placeholder folder): where
     * {@code graft experiment} reads its options' defaults.
     */
    public static ExperimentSpec defaults() {
        return builder(HeadConfig.Task.CLASSIFY, List.of("data"), Path.of("out")).build();
    }

    public static Builder builder(HeadConfig.Task task, List<String> data, Path out) {
        return new Builder(task, data, out);
    }

    /**
     * Applies the fields of a JSON config file ({@code --config exp.json}: the keys of {@link #toMap})
     * to {@code b}; an unknown key or a wrong type is an error naming the file and the key.
     */
    public static Builder readConfig(Path file, Builder b) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getMessage().lines().findFirst()
                    .orElse("") + "); fix the file");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": expected a JSON object of experiment settings");
        }
        Map<String, Setting> byKey = new LinkedHashMap<>();
        for (Setting setting : SETTINGS) {
            byKey.put(setting.key(), setting);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                if (e.getKey().equals("max_updates")) {
                    throw new IllegalArgumentException("max_updates was removed: a cap in "
                            + "updates starved the large budgets (docs/FINETUNING.md); use max_epochs");
                }
                Setting setting = byKey.get(e.getKey());
                if (setting == null) {
                    throw new IllegalArgumentException("unknown setting");
                }
                setting.read().accept(b, e.getValue());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(file + ": setting '" + e.getKey() + "': " + ex.getMessage()
                        + " (settings: " + String.join(", ", byKey.keySet()) + ")");
            }
        }
        return b;
    }

    private static List<String> strings(JsonNode v) {
        List<String> out = new ArrayList<>();
        if (v.isArray()) {
            v.forEach(x -> out.add(x.asText()));
        } else {
            out.add(v.asText());
        }
        return out;
    }

    private static Map<String, List<Float>> rateGrids(JsonNode v) {
        if (!v.isObject()) {
            throw new IllegalArgumentException("expected an object of strategy -> [rates], got " + v);
        }
        Map<String, List<Float>> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            List<Float> rates = new ArrayList<>();
            for (JsonNode r : e.getValue().isArray() ? e.getValue() : List.of(e.getValue())) {
                rates.add((float) number(r));
            }
            out.put(Strategy.parse(e.getKey()).id(), rates);
        }
        return out;
    }

    private static int integer(JsonNode v) {
        if (!v.canConvertToInt()) {
            throw new IllegalArgumentException("expected a whole number, got " + v);
        }
        return v.asInt();
    }

    private static double number(JsonNode v) {
        if (!v.isNumber()) {
            throw new IllegalArgumentException("expected a number, got " + v);
        }
        return v.asDouble();
    }

    /** "20m", "1h30m", "90s", or an ISO-8601 duration ({@link dev.graft.train.Durations#parse}). */
    public static Duration parseDuration(String s) {
        return dev.graft.train.Durations.parse(s);
    }

    /**
     * Builds an {@link ExperimentSpec} with {@code graft experiment}'s defaults ({@link PretrainingPlan#DEFAULT},
     * {@link Protocol#DEFAULT}, the run's: every core, seed {@link #DEFAULT_SEED}). The settings of the pretraining
     * plan and the protocol are set one by one and checked together at {@link #build}, as a config file and the
     * flags set them.
     */
    public static final class Builder extends RunSpecBuilder<Builder> {
        HeadConfig.Task task;
        List<String> corpus = List.of("english-corpus");
        List<String> data;
        /** Null until set: {@link Strategy#defaults} of the task at {@link #build}. */
        List<Strategy> strategies;
        List<Integer> budgets = List.of(50, 200, ALL);
        int seeds = 5;
        String arch = "bert-mini";
        Duration pretrainTime = PretrainingPlan.DEFAULT.time();
        long pretrainSteps = PretrainingPlan.DEFAULT.steps();
        Path base = PretrainingPlan.DEFAULT.base();
        List<Double> pretrainSweep = PretrainingPlan.DEFAULT.sweep();
        TokenizerSpec tokenizer = PretrainingPlan.DEFAULT.tokenizer();
        int seqLen = PretrainingPlan.DEFAULT.seqLen();
        int inDomainRepeat = PretrainingPlan.DEFAULT.inDomainRepeat();
        dev.graft.pretrain.PretrainSpec.Recipe pretrainRecipe = PretrainingPlan.DEFAULT.recipe();
        int folds = Protocol.DEFAULT.folds();
        Map<String, List<Float>> learningRates = Protocol.DEFAULT.learningRates();
        double maxEpochs = Protocol.DEFAULT.maxEpochs();
        double devFraction = Protocol.DEFAULT.devFraction();
        double taptEpochs = 3;
        String pretrained = "minilm";
        Path distilled;
        float lmWeight = 0.5f;
        double mix = 0.5;
        int lmSequenceLength = FineTuneSpec.DEFAULT_LM_SEQUENCE_LENGTH;
        int labelRepeat;
        int parallelCells = Runtime.getRuntime().availableProcessors() >= 2 ? 2 : 1;

        private Builder(HeadConfig.Task task, List<String> data, Path out) {
            super(RunOptions.defaults(out).withSeed(DEFAULT_SEED));
            this.task = task == null ? HeadConfig.Task.CLASSIFY : task;
            this.data = data;
        }

        public Builder task(HeadConfig.Task v) { task = v; return this; }
        public Builder corpus(List<String> v) { corpus = v; return this; }
        public Builder data(List<String> v) { data = v; return this; }
        public Builder strategies(List<Strategy> v) { strategies = v; return this; }
        public Builder budgets(List<Integer> v) { budgets = v; return this; }
        public Builder seeds(int v) { seeds = v; return this; }
        public Builder arch(String v) { arch = v; return this; }
        public Builder pretrainTime(Duration v) { pretrainTime = v; return this; }
        public Builder pretrainSteps(long v) { pretrainSteps = v; return this; }
        public Builder base(Path v) { base = v; return this; }
        public Builder pretrainSweep(List<Double> v) { pretrainSweep = v; return this; }
        public Builder tokenizer(UnaryOperator<TokenizerSpec> change) { tokenizer = change.apply(tokenizer); return this; }
        public Builder seqLen(int v) { seqLen = v; return this; }
        public Builder inDomainRepeat(int v) { inDomainRepeat = v; return this; }
        public Builder pretrainRecipe(dev.graft.pretrain.PretrainSpec.Recipe v) { pretrainRecipe = v; return this; }
        public Builder folds(int v) { folds = v; return this; }
        public Builder learningRates(Map<String, List<Float>> v) { learningRates = v; return this; }
        public Builder maxEpochs(double v) { maxEpochs = v; return this; }
        public Builder devFraction(double v) { devFraction = v; return this; }
        public Builder taptEpochs(double v) { taptEpochs = v; return this; }
        public Builder pretrained(String v) { pretrained = v; return this; }
        public Builder distilled(Path v) { distilled = v; return this; }
        public Builder lmWeight(float v) { lmWeight = v; return this; }
        public Builder mix(double v) { mix = v; return this; }
        public Builder lmSequenceLength(int v) { lmSequenceLength = v; return this; }
        public Builder labelRepeat(int v) { labelRepeat = v; return this; }
        public Builder parallelCells(int v) { parallelCells = v; return this; }

        public ExperimentSpec build() {
            PretrainingPlan pretraining = new PretrainingPlan(pretrainTime, pretrainSteps, base, pretrainSweep,
                    tokenizer, seqLen, inDomainRepeat, pretrainRecipe);
            Protocol protocol = new Protocol(folds, learningRates, maxEpochs, devFraction);
            return new ExperimentSpec(task, corpus, data,
                    strategies != null ? strategies : Strategy.defaults(task != null ? task : HeadConfig.Task.CLASSIFY),
                    budgets, seeds, arch, pretraining, protocol,
                    taptEpochs, pretrained, distilled, lmWeight, mix, lmSequenceLength, labelRepeat,
                    Math.min(parallelCells, run.threads()), run);
        }
    }
}
