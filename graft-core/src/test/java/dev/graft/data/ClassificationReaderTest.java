package dev.graft.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClassificationReaderTest {
    @TempDir
    Path dir;

    private static final ClassificationReader.Options DEFAULTS = ClassificationReader.Options.defaults();

    @Test
    void jsonlWithIdsLabelsAndExtraFields() throws IOException {
        Path f = TestFiles.write(dir, "a.jsonl", """
                {"id": "r1", "text": "good", "label": "pos", "domain": "yelp"}
                {"text": "bad", "label": 0, "year": 1999}

                {"text": "meh", "label": true}
                """);
        List<ClassificationExample> ex = ClassificationReader.read(f);
        assertThat(ex).containsExactly(
                new ClassificationExample("r1", "good", "pos", java.util.Map.of("domain", "yelp")),
                new ClassificationExample("line-2", "bad", "0", java.util.Map.of("year", "1999")),
                new ClassificationExample("line-4", "meh", "true"));
    }

    @Test
    void csvWithQuotesEmbeddedNewlinesBomAndOtherColumns() throws IOException {
        String csv = "\uFEFFid,Review,Sentiment,source\n"
                + "1,\"Great, really \"\"great\"\"\",positive,web\n"
                + "2,\"two\nlines\",negative,app\n"
                + "\n"
                + "3,plain,positive,web\n";
        Path f = TestFiles.bytes(dir, "r.csv", csv.getBytes(StandardCharsets.UTF_8));
        List<ClassificationExample> ex = ClassificationReader.read(f, DEFAULTS.withColumns("review", "sentiment"),
                BadInput.strict());
        assertThat(ex).extracting(ClassificationExample::text)
                .containsExactly("Great, really \"great\"", "two\nlines", "plain");
        assertThat(ex).extracting(ClassificationExample::id).containsExactly("1", "2", "3");
        assertThat(ex.get(1).field("source")).isEqualTo("app");
    }

    @Test
    void tsvAndGzip() throws IOException {
        Path f = TestFiles.gzip(dir, "t.tsv.gz", "text\tlabel\nhello there\tA\n\"quoted\ttab\"\tB\n");
        assertThat(ClassificationReader.read(f)).extracting(ClassificationExample::text, ClassificationExample::label)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("hello there", "A"),
                        org.assertj.core.groups.Tuple.tuple("quoted\ttab", "B"));
    }

    @Test
    void malformedJsonIsReportedWithFileAndLine() throws IOException {
        Path f = TestFiles.write(dir, "m.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\", \"label\": }\n"
                + "{\"text\": \"c\", \"label\": \"y\"} trailing\n");
        // for a command with skipBad the hint offers it (a field the CLI prints as --skip-bad); for one
        // without (or a plain read) it does not
        assertThatThrownBy(() -> ClassificationReader.read(f, DEFAULTS, BadInput.of(false)))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(f + ", line 2: malformed JSON")
                .hasMessageContaining("(skipBad)")
                .extracting(e -> ((BadInputException) e).fields()).isEqualTo(List.of("skipBad"));
        assertThatThrownBy(() -> ClassificationReader.read(f))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(f + ", line 2: malformed JSON")
                .hasMessageNotContaining("skipBad")
                .extracting(e -> ((BadInputException) e).fields()).isEqualTo(List.of());
        BadInput skip = BadInput.skipping();
        assertThat(ClassificationReader.read(f, DEFAULTS, skip)).hasSize(1);
        assertThat(skip.counts()).containsEntry(BadInput.Kind.MALFORMED_JSON, 2L);
    }

    @Test
    void missingTextOrLabel() throws IOException {
        Path f = TestFiles.write(dir, "m.jsonl", "{\"label\": \"x\"}\n{\"text\": \"t\"}\n{\"text\": \"  \", \"label\": \"x\"}\n"
                + "{\"text\": \"ok\", \"label\": \"x\"}\n");
        assertThatThrownBy(() -> ClassificationReader.read(f, DEFAULTS, BadInput.of(false)))
                .isInstanceOf(BadInputException.class)
                .hasMessage(f + ", line 1: no \"text\" field. add it, choose the field with textField, or skip such "
                        + "records (skipBad)")
                .extracting(e -> ((BadInputException) e).fields()).isEqualTo(List.of("skipBad", "textField"));
        assertThatThrownBy(() -> ClassificationReader.read(f))
                .isInstanceOf(BadInputException.class)
                .hasMessage(f + ", line 1: no \"text\" field. add it");
        BadInput skip = BadInput.skipping();
        assertThat(ClassificationReader.read(f, DEFAULTS, skip)).extracting(ClassificationExample::text).containsExactly("ok");
        assertThat(skip.counts()).containsEntry(BadInput.Kind.MISSING_FIELD, 3L);
        assertThat(skip.examples()).hasSize(3).anySatisfy(m -> assertThat(m).contains("line 2: no \"label\" field"));
    }

    @Test
    void csvHeaderWithoutTheColumnIsAnError() throws IOException {
        Path f = TestFiles.write(dir, "h.csv", "sentence,label\na,b\n");
        assertThatThrownBy(() -> ClassificationReader.read(f, DEFAULTS, BadInput.of(true)))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("line 1: the header has no column 'text' (columns: sentence, label)")
                .hasMessageContaining("name the right column with textField");
        assertThatThrownBy(() -> ClassificationReader.read(f, DEFAULTS, BadInput.skipping()))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("rename that column in the header to 'text'")
                .hasMessageNotContaining("textField");
        Path g = TestFiles.write(dir, "e.csv", "text,label\na,\n,b\nc,d\n");
        BadInput skip = BadInput.skipping();
        assertThat(ClassificationReader.read(g, DEFAULTS, skip)).hasSize(1);
        assertThat(skip.counts()).containsEntry(BadInput.Kind.MISSING_FIELD, 2L);
    }

    @Test
    void labelNotSeenInTrainingAtEvalTime() throws IOException {
        Path train = TestFiles.write(dir, "train.jsonl", "{\"text\": \"a\", \"label\": \"pos\"}\n{\"text\": \"b\", \"label\": \"neg\"}\n");
        LabelSet labels = LabelSet.ofClassification(ClassificationReader.read(train));
        Path test = TestFiles.write(dir, "test.csv", "text,label\nx,pos\ny,neutral\nz,neg\n");
        var o = DEFAULTS.withKnownLabels(labels);
        assertThatThrownBy(() -> ClassificationReader.read(test, o, BadInput.strict()))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("test.csv, line 3: label 'neutral' was not seen in training (known: neg, pos)");
        BadInput skip = BadInput.skipping();
        assertThat(ClassificationReader.read(test, o, skip)).hasSize(2);
        assertThat(skip.counts()).containsEntry(BadInput.Kind.UNKNOWN_LABEL, 1L);
    }

    @Test
    void emptyFiles() throws IOException {
        for (String name : List.of("e.jsonl", "e.csv")) {
            Path f = TestFiles.write(dir, name, "");
            assertThatThrownBy(() -> ClassificationReader.read(f))
                    .isInstanceOf(BadInputException.class).hasMessageContaining(name).hasMessageContaining("empty");
            BadInput skip = BadInput.skipping();
            assertThat(ClassificationReader.read(f, DEFAULTS, skip)).isEmpty();
            assertThat(skip.counts()).containsEntry(BadInput.Kind.EMPTY_FILE, 1L);
        }
        Path headerOnly = TestFiles.write(dir, "h.csv", "text,label\n");
        assertThatThrownBy(() -> ClassificationReader.read(headerOnly)).hasMessageContaining("no examples");
    }

    @Test
    void invalidUtf8InCsvIsReportedWithLineAndByteOffset() throws IOException {
        byte[] head = "text,label\nfine,a\n".getBytes(StandardCharsets.UTF_8); // 18 bytes
        byte[] bad = {'c', 'a', 'f', (byte) 0xE9, ',', 'b', '\n'}; // latin-1 e-acute at offset 21
        byte[] tail = "\"multi\nline\",c\n".getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + bad.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(bad, 0, all, head.length, bad.length);
        System.arraycopy(tail, 0, all, head.length + bad.length, tail.length);
        Path f = TestFiles.bytes(dir, "latin.csv", all);
        assertThatThrownBy(() -> ClassificationReader.read(f))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("latin.csv, line 3: invalid UTF-8 at byte offset 21");
        BadInput skip = BadInput.skipping();
        assertThat(ClassificationReader.read(f, DEFAULTS, skip)).extracting(ClassificationExample::label)
                .containsExactly("a", "c");
        assertThat(skip.counts()).containsEntry(BadInput.Kind.INVALID_UTF8, 1L);
    }

    @Test
    void invalidUtf8InJsonl() throws IOException {
        byte[] content = "{\"text\": \"ok\", \"label\": \"a\"}\n{\"text\": \"\u00ff\", \"label\": \"b\"}\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        Path f = TestFiles.bytes(dir, "l.jsonl", content);
        assertThatThrownBy(() -> ClassificationReader.read(f))
                .hasMessageContaining("l.jsonl, line 2: invalid UTF-8 at byte offset 39");
    }

    @Test
    void csvRecordWithWrongColumnCountAndOverlongLine() throws IOException {
        Path f = TestFiles.write(dir, "w.csv", "text,label\na,b\nc,d,e\nf,g\n" + "h".repeat(300) + ",i\n");
        var o = DEFAULTS.withMaxLineBytes(200);
        assertThatThrownBy(() -> ClassificationReader.read(f, o, BadInput.strict()))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("w.csv, line 3: record has 3 columns, the header has 2");
        BadInput skip = BadInput.skipping();
        assertThat(ClassificationReader.read(f, o, skip)).extracting(ClassificationExample::text).containsExactly("a", "f");
        assertThat(skip.counts()).containsEntry(BadInput.Kind.WRONG_COLUMN_COUNT, 1L)
                .containsEntry(BadInput.Kind.LINE_TOO_LONG, 1L);
    }

    @Test
    void jsonlLineOverOneMebibyte() throws IOException {
        String big = "{\"text\": \"" + "z".repeat(DataFiles.DEFAULT_MAX_LINE_BYTES) + "\", \"label\": \"a\"}";
        Path f = TestFiles.write(dir, "big.jsonl", "{\"text\": \"s\", \"label\": \"a\"}\n" + big + "\n");
        assertThatThrownBy(() -> ClassificationReader.read(f))
                .isInstanceOf(BadInputException.class).hasMessageContaining("big.jsonl, line 2: line is");
        BadInput skip = BadInput.skipping();
        assertThat(ClassificationReader.read(f, DEFAULTS, skip)).hasSize(1);
    }

    @Test
    void unterminatedQuoteIsAnErrorEvenWhenSkipping() throws IOException {
        Path f = TestFiles.write(dir, "q.csv", "text,label\n\"open,a\n");
        assertThatThrownBy(() -> ClassificationReader.read(f, DEFAULTS, BadInput.skipping()))
                .isInstanceOf(BadInputException.class).hasMessageContaining("cannot be parsed");
    }
}
