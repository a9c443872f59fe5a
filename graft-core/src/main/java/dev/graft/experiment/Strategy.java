package dev.graft.experiment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The ways to use unlabeled text and labels that {@code graft experiment} compares. Each names its
 * {@link Group} (how it uses text beyond the labels), its default learning rates and whether it reads the
 * corpus, as data; how it prepares its shared runs and runs a cell is its {@link StrategyRun}, one object
 * per strategy ({@link #run()}).
 *
 * <p>The constants' order is the order the report lists a group in (transfer, ulmfit, merged, multitask).
 */
public enum Strategy {
    /** The task model trained on the labeled examples only. */
    SCRATCH("scratch", Group.FROM_SCRATCH, FineTuneStrategy::scratch,
            "the task model trained on the labels only"),
    /** Pretrain on the corpus, then full fine-tuning. */
    TRANSFER("transfer", Group.OWN_PRETRAINING, FineTuneStrategy::transfer,
            "pretrain on the corpus, then full fine-tuning"),
    /** Pretrain, LM fine-tune on the task's text, then the ULMFiT recipe. */
    ULMFIT("ulmfit", Group.OWN_PRETRAINING, FineTuneStrategy::ulmfit,
            "pretrain, LM fine-tune on the task's text, then discriminative rates, STLR, gradual unfreezing"),
    /** The task's text added to the pretraining corpus, then full fine-tuning. */
    MERGED("merged", Group.OWN_PRETRAINING, FineTuneStrategy::merged,
            "the task's text (no labels) added to the pretraining corpus, then full fine-tuning"),
    /** LM loss on the corpus and task loss on the labels in one run, from scratch. */
    MULTITASK("multitask", Group.OWN_PRETRAINING, FineTuneStrategy::multitask,
            "LM loss on the corpus and task loss on the labels together, from scratch"),
    /** The task model with its token embeddings from static vectors (no MLM), then full fine-tuning. */
    VECTORS_INIT("vectors-init", Group.OWN_PRETRAINING, FineTuneStrategy::vectorsInit,
            "the task model with its token embeddings from static vectors trained on the corpus (no MLM), then "
                    + "full fine-tuning"),
    /** Token embeddings from static vectors, then MLM pretraining, then full fine-tuning. */
    VECTORS_INIT_MLM("vectors-init+mlm", Group.OWN_PRETRAINING, FineTuneStrategy::vectorsInitMlm,
            "token embeddings from static vectors, then pretraining on the corpus, then full fine-tuning"),
    /** Fine-tune a model pretrained elsewhere at scale. */
    PRETRAINED("pretrained", Group.PRETRAINED_ELSEWHERE, FineTuneStrategy::pretrained,
            "full fine-tuning of a model pretrained elsewhere at scale"),
    /** SetFit on a model pretrained elsewhere: contrastive pairs tune the encoder, then logistic regression. */
    SETFIT("setfit", Group.PRETRAINED_ELSEWHERE, () -> new SetFitStrategy(SetFitStrategy.Source.PRETRAINED, false),
            "SetFit on a model pretrained elsewhere: the encoder tuned on contrastive pairs of the labels, then "
                    + "logistic regression on its mean-pooled embeddings"),
    /** SetFit on graft's own base pretraining run. */
    SETFIT_OWN("setfit-own", Group.OWN_PRETRAINING, () -> new SetFitStrategy(SetFitStrategy.Source.OWN, false),
            "pretrain on the corpus, then SetFit: contrastive pairs of the labels tune the encoder, then "
                    + "logistic regression on its mean-pooled embeddings"),
    /** Full fine-tuning of a student distilled (graft distill) from a model pretrained elsewhere. */
    DISTILLED("distilled", Group.PRETRAINED_ELSEWHERE, FineTuneStrategy::distilled,
            "full fine-tuning of a small student distilled from a model pretrained elsewhere (graft distill)"),
    /** A linear probe of a model pretrained elsewhere: its embeddings as they are, logistic regression. */
    PROBE("probe", Group.PRETRAINED_ELSEWHERE, () -> new SetFitStrategy(SetFitStrategy.Source.PRETRAINED, true),
            "a model pretrained elsewhere, frozen: logistic regression on its pooled embeddings (a linear probe)"),
    /** A linear probe of graft's own base pretraining run. */
    PROBE_OWN("probe-own", Group.OWN_PRETRAINING, () -> new SetFitStrategy(SetFitStrategy.Source.OWN, true),
            "pretrain on the corpus, then logistic regression on the frozen encoder's mean-pooled embeddings"),
    /** A linear probe of a distilled student. */
    PROBE_DISTILLED("probe-distilled", Group.PRETRAINED_ELSEWHERE,
            () -> new SetFitStrategy(SetFitStrategy.Source.DISTILLED, true),
            "a student distilled from a model pretrained elsewhere (graft distill), frozen: logistic regression on "
                    + "its pooled embeddings"),
    /** TF-IDF + logistic regression (most frequent tag per word for tagging). */
    BOW("bow", Group.BASELINE, BowStrategy::new,
            "bag of words: TF-IDF uni+bigrams, logistic regression, C by cross-validation"),
    /** Labeled examples as text in a causal LM's corpus, classified by label likelihood. */
    LABELS_AS_TEXT("labels-as-text", Group.LABELS_IN_PRETRAINING, LabelsAsTextStrategy::new,
            "labeled examples written as text into a causal LM's pretraining corpus; "
                    + "classified by the likelihood of each label word"),
    /** Static word vectors trained on the corpus, pooled per sentence, logistic regression. */
    VECTORS("vectors", Group.BASELINE, () -> new VectorsStrategy(false),
            "static word vectors (PPMI-SVD on the corpus), mean-pooled, logistic regression, C by "
                    + "cross-validation"),
    /** TF-IDF features joined with pooled static vectors, logistic regression. */
    BOW_VECTORS("bow+vectors", Group.BASELINE, () -> new VectorsStrategy(true),
            "TF-IDF uni+bigrams joined with mean-pooled static vectors, logistic regression, C by "
                    + "cross-validation");

    /** How a strategy uses text beyond its labels; the report compares strategies by group. */
    public enum Group {
        /** The task model from random weights, on the labels only: the reference the others are read against. */
        FROM_SCRATCH(true, false),
        /** graft's own pretraining on the corpus (and the task's text), then fine-tuning. */
        OWN_PRETRAINING(true, true),
        /** Fine-tuning a model pretrained elsewhere at scale. */
        PRETRAINED_ELSEWHERE(true, false),
        /** A causal LM pretrained here on the corpus with the labeled examples written into it; no fine-tuning. */
        LABELS_IN_PRETRAINING(false, true),
        /** A linear model on sparse or pooled features; no neural model is trained on the labels. */
        BASELINE(false, false);

        private final boolean fineTunes;
        private final boolean pretrainsHere;

        Group(boolean fineTunes, boolean pretrainsHere) {
            this.fineTunes = fineTunes;
            this.pretrainsHere = pretrainsHere;
        }

        /** True when the group's strategies fine-tune a neural model (and so have a learning rate to choose). */
        public boolean fineTunes() {
            return fineTunes;
        }

        /** True when the group's strategies run a pretraining of their own in the experiment. */
        public boolean pretrainsHere() {
            return pretrainsHere;
        }
    }

    private final String id;
    private final Group group;
    private final java.util.function.Supplier<StrategyRun> run;
    private final String description;

    Strategy(String id, Group group, java.util.function.Supplier<StrategyRun> run, String description) {
        this.id = id;
        this.group = group;
        this.run = run;
        this.description = description;
    }

    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    public Group group() {
        return group;
    }

    /** A new instance of how this strategy prepares its shared runs and runs a cell. */
    StrategyRun run() {
        return run.get();
    }

    /** The strategies of a group, in this enum's order. */
    public static List<Strategy> inGroup(Group group) {
        return Arrays.stream(values()).filter(s -> s.group == group).toList();
    }

    /** The strategy of a result row's id ("transfer", "transfer@0.25"), or null for an id no strategy has. */
    public static Strategy ofId(String id) {
        int at = id.indexOf('@');
        String base = at < 0 ? id : id.substring(0, at);
        for (Strategy s : values()) {
            if (s.id.equals(base)) {
                return s;
            }
        }
        return null;
    }

    /**
     * True when the strategy fine-tunes a neural model with a learning rate the few-label protocol chooses
     * (a {@link FineTuneStrategy}). SetFit tunes its encoder at SetFit's fixed rate and chooses only its
     * head's regularization, and a probe tunes no encoder, so these are not counted here although their group
     * fine-tunes.
     */
    public boolean fineTunes() {
        return group.fineTunes() && !fitsEmbeddings();
    }

    /**
     * True for the strategies that fit logistic regression on an encoder's pooled embeddings (SetFit, which
     * tunes the encoder on pairs first, and the probes, which do not): classification only.
     */
    public boolean fitsEmbeddings() {
        return this == SETFIT || this == SETFIT_OWN || this == PROBE || this == PROBE_OWN || this == PROBE_DISTILLED;
    }

    /**
     * The learning rates the few-label protocol chooses from by default: a randomly initialized or briefly
     * pretrained model wants higher rates than BERT's fine-tuning range (docs/FINETUNING.md, "Why
     * fine-tuning collapsed"); ULMFiT's rate is the head's, the lower groups get it divided by 2.6 per group;
     * a model pretrained at scale is fine-tuned in the range of Devlin et al. and Turc et al. Empty for a
     * strategy that does not fine-tune.
     */
    public List<Float> defaultRates() {
        if (this == ULMFIT) {
            return List.of(1e-3f, 3e-3f);
        }
        if (!fineTunes()) {
            return List.of();
        }
        return switch (group) {
            case FROM_SCRATCH, OWN_PRETRAINING -> List.of(1e-4f, 3e-4f, 1e-3f);
            case PRETRAINED_ELSEWHERE -> List.of(3e-5f, 1e-4f);
            case LABELS_IN_PRETRAINING, BASELINE -> List.of();
        };
    }

    /**
     * True when the strategy can run on {@code task}: every strategy on classification; on tagging every
     * strategy but the static-vector baselines (they pool a text into one label; {@link ExperimentSpec} also
     * keeps labels-as-text, setfit and the probes to classification); on multi-label and sentence-pair
     * classification, the strategies that fine-tune (through the task's head) and the bag of words (one-vs-rest
     * for multi-label, the two texts joined for pairs), not labels-as-text (one label word per text) nor the
     * static-vector baselines (one pooled text per example, one label).
     */
    public boolean appliesTo(dev.graft.model.HeadConfig.Task task) {
        return switch (task) {
            case CLASSIFY -> true;
            case TAG -> this != VECTORS && this != BOW_VECTORS;
            case MULTI_LABEL, PAIR -> fineTunes() || this == BOW;
        };
    }

    /**
     * {@code graft experiment}'s strategies when none are given: the bag of words and static vectors (the
     * cheap baselines an honest answer needs), from scratch, and transfer from graft's own pretraining; the
     * vectors only where they apply (classification).
     */
    public static List<Strategy> defaults(dev.graft.model.HeadConfig.Task task) {
        return java.util.stream.Stream.of(BOW, VECTORS, SCRATCH, TRANSFER).filter(s -> s.appliesTo(task)).toList();
    }

    /** True when the strategy needs the shared pretraining run on the corpus. */
    public boolean needsBasePretraining() {
        return this == TRANSFER || this == ULMFIT || this == SETFIT_OWN || this == PROBE_OWN;
    }

    /** True when the strategy reads the unlabeled corpus (everything but scratch, pretrained and bow). */
    public boolean needsCorpus() {
        return group.pretrainsHere() || (this == VECTORS || this == BOW_VECTORS);
    }

    public static Strategy parse(String s) {
        String k = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Strategy st : values()) {
            if (st.id.equals(k)) {
                return st;
            }
        }
        throw new IllegalArgumentException("unknown strategy '" + s + "': use "
                + String.join(", ", Arrays.stream(values()).map(Strategy::id).toList()));
    }

    /** Parses a comma-separated list, keeping order and dropping repeats. */
    public static List<Strategy> parseList(List<String> items) {
        List<Strategy> out = new ArrayList<>();
        for (String item : items) {
            for (String part : item.split(",")) {
                if (!part.isBlank()) {
                    Strategy st = parse(part);
                    if (!out.contains(st)) {
                        out.add(st);
                    }
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no strategy given: use one or more of "
                    + String.join(", ", Arrays.stream(values()).map(Strategy::id).toList()));
        }
        return out;
    }
}
