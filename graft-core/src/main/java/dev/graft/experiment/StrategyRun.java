package dev.graft.experiment;

import dev.graft.data.ClassificationExample;

import java.io.IOException;

/**
 * How one {@link Strategy} prepares what its cells share and runs one cell. One object per strategy
 * ({@link FineTuneStrategy}'s six, {@link SetFitStrategy}'s two, {@link BowStrategy}, {@link LabelsAsTextStrategy},
 * {@link VectorsStrategy}'s two);
 * {@link Experiment} keeps the cells, the subsets and resume, and calls these without knowing which strategy
 * it runs.
 */
interface StrategyRun {
    /** What this strategy's cells share, run ahead of them. */
    Preparation preparation();

    /** Runs one cell: trains on the cell's labeled subset, scores on the test set. */
    <E> CellResult run(Cell<E> cell, SharedRuns shared) throws IOException;

    /**
     * What a strategy's cells share (a tokenizer, pretraining, LM fine-tuning, the imported model, the static
     * vectors), run before cells run in parallel, so those runs get every thread and happen once.
     */
    @FunctionalInterface
    interface Preparation {
        /** Nothing shared: each cell is on its own. */
        Preparation NONE = (shared, data, pending) -> { };

        /**
         * Runs what the cells share.
         *
         * @param pending whether a cell of this strategy is still to run; when not, only finished shared runs are
         *                looked up (for the report: {@link SharedRuns#lookupOnly()} is set) and nothing is trained
         */
        void prepare(SharedRuns shared, Experiment.Data<?> data, boolean pending) throws IOException;

        /** One shared run (a tokenizer, the static vectors), made when a cell is still to run, else not needed. */
        static Preparation whenPending(SharedRun run) {
            return (shared, data, pending) -> {
                if (pending) {
                    run.make(shared);
                }
            };
        }
    }

    /** One run of {@link SharedRuns} (its result is kept there). */
    @FunctionalInterface
    interface SharedRun {
        void make(SharedRuns shared) throws IOException;
    }

    /**
     * One cell's input.
     *
     * @param arm    the strategy (and for a pretraining sweep, the share of the pretraining budget)
     * @param subset the cell's labeled subset: the train part and the dev part
     * @param data   the experiment's labeled data (its test set and labels)
     * @param metric the score's name, "accuracy" or "token_accuracy"
     */
    record Cell<E>(Experiment.Arm arm, Experiment.Subset<E> subset, Experiment.Data<E> data, String metric) {
        String budget() {
            return ExperimentSpec.budgetLabel(subset.budget());
        }

        /** The whole labeled subset, train part then dev part: what a strategy without early stopping fits. */
        java.util.List<E> labeled() {
            java.util.List<E> all = new java.util.ArrayList<>(subset.train().examples());
            all.addAll(subset.dev().examples());
            return all;
        }

        /**
         * {@link #labeled()} of a cell whose examples are texts with one label (tasks classify and pair): what the
         * strategies that classify texts read (the spec refuses them for other tasks: {@link Strategy#appliesTo}).
         */
        @SuppressWarnings("unchecked")
        java.util.List<ClassificationExample> labeledTexts() {
            return (java.util.List<ClassificationExample>) labeled();
        }

        /** The test set of a cell whose examples are texts with one label (see {@link #labeledTexts()}). */
        @SuppressWarnings("unchecked")
        java.util.List<ClassificationExample> testTexts() {
            return (java.util.List<ClassificationExample>) data.test().examples();
        }
    }
}
