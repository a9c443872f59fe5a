package dev.graft.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TaggingReaderTest {
    @TempDir
    Path dir;

    private static final TaggingReader.Options DEFAULTS = TaggingReader.Options.defaults();

    @Test
    void conllWithDocstartAndLastColumnTags() throws IOException {
        Path f = TestFiles.write(dir, "ner.conll", """
                -DOCSTART- -X- -X- O

                EU NNP B-NP B-ORG
                rejects VBZ B-VP O
                German\tJJ\tB-NP\tB-MISC

                Peter NNP B-NP B-PER
                """);
        List<TaggingExample> s = TaggingReader.read(f);
        assertThat(s).hasSize(2);
        assertThat(s.get(0).tokens()).containsExactly("EU", "rejects", "German");
        assertThat(s.get(0).tags()).containsExactly("B-ORG", "O", "B-MISC");
        assertThat(s.get(0).id()).isEqualTo("line-3");
        assertThat(TaggingReader.read(f, DEFAULTS.withTagColumn(1), BadInput.strict()).get(0).tags())
                .containsExactly("NNP", "VBZ", "JJ");
    }

    @Test
    void conllWrongColumnCount() throws IOException {
        Path f = TestFiles.write(dir, "w.conll", "a DT\nb NN\n\nc NN extra\nd VB\n\ne JJ\n");
        assertThatThrownBy(() -> TaggingReader.read(f))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("w.conll, line 4: line has 3 columns, the file's first token line has 2");
        BadInput skip = BadInput.skipping();
        List<TaggingExample> s = TaggingReader.read(f, DEFAULTS, skip);
        assertThat(s).extracting(TaggingExample::tokens).containsExactly(List.of("a", "b"), List.of("e"));
        assertThat(skip.counts()).containsEntry(BadInput.Kind.WRONG_COLUMN_COUNT, 1L);
    }

    @Test
    void conllTagColumnOutOfRange() throws IOException {
        Path f = TestFiles.write(dir, "x.conll", "a DT\n");
        assertThatThrownBy(() -> TaggingReader.read(f, DEFAULTS.withTagColumn(5),
                BadInput.of(true).offering("tagColumn")))
                .isInstanceOf(BadInputException.class).hasMessageContaining("choose the tag column with tagColumn");
        assertThatThrownBy(() -> TaggingReader.read(f, DEFAULTS.withTagColumn(5), BadInput.of(true)))
                .isInstanceOf(BadInputException.class).hasMessageNotContaining("tagColumn");
    }

    @Test
    void slashFormatSplitsAtTheLastSlash() throws IOException {
        Path f = TestFiles.write(dir, "brown.pos", "The/DET cat/NOUN ate/VERB 1/2/NUM ./.\n\nIt/PRON ran/VERB\n");
        List<TaggingExample> s = TaggingReader.read(f);
        assertThat(TaggingReader.detect(f, DEFAULTS)).isEqualTo(TaggingReader.Format.SLASH);
        assertThat(s.get(0).tokens()).containsExactly("The", "cat", "ate", "1/2", ".");
        assertThat(s.get(0).tags()).containsExactly("DET", "NOUN", "VERB", "NUM", ".");
        assertThat(s.get(1).id()).isEqualTo("line-3");
    }

    @Test
    void slashFormatItemWithoutTag() throws IOException {
        Path f = TestFiles.write(dir, "s.txt", "a/DT b/NN\nc/DT d\ne/VB\n");
        assertThatThrownBy(() -> TaggingReader.read(f, DEFAULTS.withFormat(TaggingReader.Format.SLASH), BadInput.strict()))
                .isInstanceOf(BadInputException.class).hasMessageContaining("line 2: item 'd' is not word/TAG");
        BadInput skip = BadInput.skipping();
        assertThat(TaggingReader.read(f, DEFAULTS.withFormat(TaggingReader.Format.SLASH), skip)).hasSize(2);
        assertThat(skip.counts()).containsEntry(BadInput.Kind.MALFORMED_RECORD, 1L);
    }

    @Test
    void jsonlTaggingAndMismatchedLengths() throws IOException {
        Path f = TestFiles.write(dir, "t.jsonl", """
                {"id": "s1", "tokens": ["a", "b"], "tags": ["DET", "NOUN"]}
                {"tokens": ["c"], "tags": ["X", "Y"]}
                {"tokens": ["d"]}
                """);
        assertThatThrownBy(() -> TaggingReader.read(f))
                .isInstanceOf(BadInputException.class).hasMessageContaining("line 2: 1 tokens but 2 tags");
        BadInput skip = BadInput.skipping();
        List<TaggingExample> s = TaggingReader.read(f, DEFAULTS, skip);
        assertThat(s).containsExactly(new TaggingExample("s1", List.of("a", "b"), List.of("DET", "NOUN")));
        assertThat(skip.skipped()).isEqualTo(2);
    }

    @Test
    void tagNotSeenInTraining() throws IOException {
        Path f = TestFiles.write(dir, "e.conll", "a DET\nb NOUN\n\nc INTJ\n");
        var o = DEFAULTS.withKnownTags(LabelSet.of(List.of("DET", "NOUN")));
        assertThatThrownBy(() -> TaggingReader.read(f, o, BadInput.strict()))
                .hasMessageContaining("e.conll, line 4: tag 'INTJ' was not seen in training (known: DET, NOUN)");
        BadInput skip = BadInput.skipping();
        assertThat(TaggingReader.read(f, o, skip)).hasSize(1);
        assertThat(skip.counts()).containsEntry(BadInput.Kind.UNKNOWN_LABEL, 1L);
    }

    @Test
    void emptyFileAndGzip() throws IOException {
        Path e = TestFiles.write(dir, "e.conll", "-DOCSTART- O\n\n");
        assertThatThrownBy(() -> TaggingReader.read(e)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("no sentences");
        Path g = TestFiles.gzip(dir, "g.conll.gz", "x A\ny B\n");
        assertThat(TaggingReader.read(g).get(0).tags()).containsExactly("A", "B");
    }

    @Test
    void invalidUtf8DropsTheLineInSkipMode() throws IOException {
        byte[] bytes = {'a', ' ', 'X', '\n', (byte) 0xFF, ' ', 'Y', '\n', 'b', ' ', 'Z', '\n'};
        Path f = TestFiles.bytes(dir, "u.conll", bytes);
        assertThatThrownBy(() -> TaggingReader.read(f, DEFAULTS.withFormat(TaggingReader.Format.CONLL), BadInput.strict()))
                .hasMessageContaining("u.conll, line 2: invalid UTF-8 at byte offset 4");
    }
}
