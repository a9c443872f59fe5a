package dev.graft.experiment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The ways to use unlabeled text and labels that {@code graft experiment} compares. */
public enum Strategy {
    /** The task model trained on the labeled examples only. */
    SCRATCH("scratch", "the task model trained on the labels only"),
    /** Pretrain on the corpus, then full fine-tuning. */
    TRANSFER("transfer", "pretrain on the corpus, then full fine-tuning"),
    /** Pretrain, LM fine-tune on the task's text, then the ULMFiT recipe. */
    ULMFIT("ulmfit", "pretrain, LM fine-tune on the task's text, then discriminative rates, STLR, gradual unfreezing"),
    /** LM loss on the corpus and task loss on the labels in one run, from scratch. */
    MULTITASK("multitask", "LM loss on the corpus and task loss on the labels together, from scratch"),
    /** The task's text added to the pretraining corpus, then full fine-tuning. */
    MERGED("merged", "the task's text (no labels) added to the pretraining corpus, then full fine-tuning"),
    /** Fine-tune a model pretrained elsewhere at scale. */
    PRETRAINED("pretrained", "full fine-tuning of a model pretrained elsewhere at scale"),
    /** TF-IDF + logistic regression (most frequent tag per word for tagging). */
    BOW("bow", "bag of words: TF-IDF uni+bigrams, logistic regression, C by cross-validation"),
    /** Labeled examples as text in a causal LM's corpus, classified by label likelihood. */
    LABELS_AS_TEXT("labels-as-text", "labeled examples written as text into a causal LM's pretraining corpus; "
            + "classified by the likelihood of each label word"),
    /** Static word vectors trained on the corpus, pooled per sentence, logistic regression. */
    VECTORS("vectors", "static word vectors (PPMI-SVD on the corpus), mean-pooled, logistic regression, C by "
            + "cross-validation"),
    /** TF-IDF features joined with pooled static vectors, logistic regression. */
    BOW_VECTORS("bow+vectors", "TF-IDF uni+bigrams joined with mean-pooled static vectors, logistic regression, C by "
            + "cross-validation");

    private final String id;
    private final String description;

    Strategy(String id, String description) {
        this.id = id;
        this.description = description;
    }

    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    /** True when the strategy fine-tunes a neural model (and so has a learning rate to choose). */
    public boolean fineTunes() {
        return this != BOW && this != LABELS_AS_TEXT && this != VECTORS && this != BOW_VECTORS;
    }

    /**
     * The learning rates the few-label protocol chooses from by default: a randomly initialized or briefly
     * pretrained model wants higher rates than BERT's fine-tuning range (docs/FINETUNING.md, "Why
     * fine-tuning collapsed"); ULMFiT's rate is the head's, the lower groups get it divided by 2.6 per group;
     * a model pretrained at scale is fine-tuned in the range of Devlin et al. and Turc et al.
     */
    public List<Float> defaultRates() {
        return switch (this) {
            case SCRATCH, TRANSFER, MULTITASK, MERGED -> List.of(1e-4f, 3e-4f, 1e-3f);
            case ULMFIT -> List.of(1e-3f, 3e-3f);
            case PRETRAINED -> List.of(3e-5f, 1e-4f);
            case BOW, LABELS_AS_TEXT -> List.of();
            case VECTORS, BOW_VECTORS -> List.of();
        };
    }

    /** True when the strategy needs the shared pretraining run on the corpus. */
    public boolean needsBasePretraining() {
        return this == TRANSFER || this == ULMFIT;
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
