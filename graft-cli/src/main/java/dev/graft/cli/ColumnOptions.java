package dev.graft.cli;

import dev.graft.finetune.DataSources;
import dev.graft.task.Head;
import picocli.CommandLine.Option;

/**
 * The columns of labeled files ({@code --text-column}, {@code --label-column}, {@code --pair-column}), a picocli
 * mixin of the commands that read labeled data; the defaults are the readers' ({@link Head.Columns#defaults()}).
 */
final class ColumnOptions {
    private static final Head.Columns DEFAULTS = Head.Columns.defaults();

    @Option(names = "--text-column", descriptionKey = "textField",
            paramLabel = "<textColumn>", description = "Field (JSON Lines) or column "
            + "(CSV/TSV) of labeled files that holds the text (default: ${DEFAULT-VALUE}).")
    String text = DEFAULTS.text();

    @Option(names = "--label-column", descriptionKey = "labelField",
            paramLabel = "<labelColumn>", description = "Field or column of labeled "
            + "files that holds the label (default: label; labels, a JSON list, for multi-label data).")
    String label = DEFAULTS.label();

    @Option(names = "--pair-column", descriptionKey = "pairField",
            paramLabel = "<pairColumn>", description = "Field or column that holds the "
            + "second text of each pair (pair data; default: ${DEFAULT-VALUE}).")
    String pair = DEFAULTS.textPair();

    /** {@code sources} reading labeled files from these columns. */
    DataSources applyTo(DataSources sources) {
        return sources.withColumns(text, label).withPairColumn(pair);
    }
}
