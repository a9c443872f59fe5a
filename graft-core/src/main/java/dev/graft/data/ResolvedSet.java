package dev.graft.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A fetched set, ready to read: its split files, label set and card. Obtain with
 * {@link DatasetRegistry#resolve(String)}.
 *
 * @param name      set name ("brown-pos")
 * @param kind      text, classification or tagging
 * @param directory directory of the split files
 * @param files     the file of each split
 * @param labels    label set (classification) or tag set (tagging) over all splits; null for text
 * @param card      the card of the dataset providing the set
 */
public record ResolvedSet(String name, DatasetDefinition.SetKind kind, Path directory, Map<Split, Path> files,
                          LabelSet labels, DatasetCard card) {
    /** The file of one split. */
    public Path file(Split split) {
        return files.get(split);
    }

    /** The documents of a text set's split, streamed: lines, or blank-line-separated blocks. Close it. */
    public Stream<String> documents(Split split, CorpusReader.Layout layout) throws IOException {
        require(DatasetDefinition.SetKind.TEXT);
        return CorpusReader.documents(file(split), CorpusReader.Options.defaults().withLayout(layout), BadInput.strict());
    }

    /** A classification set's split, in file order. */
    public Dataset<ClassificationExample> classification(Split split) throws IOException {
        require(DatasetDefinition.SetKind.CLASSIFICATION);
        return Dataset.ofClassification(ClassificationReader.read(file(split),
                ClassificationReader.Options.defaults().withFormat(ClassificationReader.Format.JSONL), BadInput.strict()));
    }

    /** A tagging set's split, in file order. */
    public Dataset<TaggingExample> tagging(Split split) throws IOException {
        require(DatasetDefinition.SetKind.TAGGING);
        return Dataset.ofTagging(TaggingReader.read(file(split),
                TaggingReader.Options.defaults().withFormat(TaggingReader.Format.JSONL), BadInput.strict()));
    }

    private void require(DatasetDefinition.SetKind wanted) {
        if (kind != wanted) {
            throw new IllegalArgumentException(name + " is a " + kind.id() + " set, not a " + wanted.id() + " set");
        }
    }
}
