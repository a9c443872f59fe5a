package dev.graft.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CorpusReaderTest {
    @TempDir
    Path dir;

    private static List<String> read(Path f, CorpusReader.Options o, BadInput b) throws IOException {
        try (Stream<String> s = CorpusReader.documents(f, o, b)) {
            return s.toList();
        }
    }

    @Test
    void linesLayoutSkipsBlankLinesAndHandlesCrlfAndBom() throws IOException {
        Path f = TestFiles.bytes(dir, "c.txt", "\uFEFFfirst doc\r\n\r\nsecond doc\nthird\n".getBytes(StandardCharsets.UTF_8));
        assertThat(read(f, CorpusReader.Options.defaults(), BadInput.strict()))
                .containsExactly("first doc", "second doc", "third");
    }

    @Test
    void paragraphsLayoutJoinsBlocks() throws IOException {
        Path f = TestFiles.write(dir, "p.txt", "a1\na2\n\n\nb1\n\nc1\nc2\nc3");
        assertThat(read(f, CorpusReader.Options.defaults().withLayout(CorpusReader.Layout.PARAGRAPHS), BadInput.strict()))
                .containsExactly("a1\na2", "b1", "c1\nc2\nc3");
    }

    @Test
    void jsonlTextFieldAndGzipAreRead() throws IOException {
        Path f = TestFiles.gzip(dir, "c.jsonl.gz", "{\"text\": \"one\", \"x\": 1}\n\n{\"text\": \"two\"}\n");
        assertThat(read(f, CorpusReader.Options.defaults(), BadInput.strict())).containsExactly("one", "two");
        Path g = TestFiles.write(dir, "d.jsonl", "{\"body\": \"b\"}\n");
        assertThat(read(g, CorpusReader.Options.defaults().withTextField("body"), BadInput.strict())).containsExactly("b");
    }

    @Test
    void streamsLazily() throws IOException {
        // the bad line is only reached when the stream gets there: documents are read one at a time
        Path f = TestFiles.write(dir, "lazy.jsonl", "{\"text\": \"ok\"}\n{broken\n");
        try (Stream<String> s = CorpusReader.documents(f)) {
            Iterator<String> it = s.iterator();
            assertThat(it.next()).isEqualTo("ok");
            assertThatThrownBy(it::hasNext).isInstanceOf(BadInputException.class).hasMessageContaining("line 2");
        }
    }

    @Test
    void invalidUtf8IsReportedWithLineAndByteOffset() throws IOException {
        byte[] content = {'o', 'k', '\n', 'b', 'a', (byte) 0xC3, '(', '\n', 'f', 'i', 'n', 'e', '\n'};
        Path f = TestFiles.bytes(dir, "bad.txt", content);
        assertThatThrownBy(() -> read(f, CorpusReader.Options.defaults(), BadInput.strict()))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("bad.txt, line 2")
                .hasMessageContaining("invalid UTF-8 at byte offset 5")
                .hasMessageContaining("iconv");
        BadInput skip = BadInput.skipping();
        assertThat(read(f, CorpusReader.Options.defaults(), skip)).containsExactly("ok", "fine");
        assertThat(skip.counts()).containsEntry(BadInput.Kind.INVALID_UTF8, 1L);
        assertThat(skip.summary()).isEqualTo("skipped 1 bad record: 1 invalid UTF-8");
    }

    @Test
    void lineOverOneMebibyteIsBadInput() throws IOException {
        String longLine = "x".repeat(DataFiles.DEFAULT_MAX_LINE_BYTES + 1);
        Path f = TestFiles.write(dir, "long.txt", "short\n" + longLine + "\nend\n");
        assertThatThrownBy(() -> read(f, CorpusReader.Options.defaults(), BadInput.strict()))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("over the limit of 1048576 bytes");
        BadInput skip = BadInput.skipping();
        assertThat(read(f, CorpusReader.Options.defaults(), skip)).containsExactly("short", "end");
        assertThat(skip.counts()).containsEntry(BadInput.Kind.LINE_TOO_LONG, 1L);
        // exactly at the limit is fine
        Path ok = TestFiles.write(dir, "limit.txt", "y".repeat(DataFiles.DEFAULT_MAX_LINE_BYTES) + "\r\n");
        assertThat(read(ok, CorpusReader.Options.defaults(), BadInput.strict())).hasSize(1);
    }

    @Test
    void emptyFileIsBadInput() throws IOException {
        Path f = TestFiles.write(dir, "empty.txt", "\n\n");
        assertThatThrownBy(() -> read(f, CorpusReader.Options.defaults(), BadInput.strict()))
                .isInstanceOf(BadInputException.class).hasMessageContaining("empty.txt: the file has no documents");
        BadInput skip = BadInput.skipping();
        assertThat(read(f, CorpusReader.Options.defaults(), skip)).isEmpty();
        assertThat(skip.counts()).containsEntry(BadInput.Kind.EMPTY_FILE, 1L);
    }

    @Test
    void malformedJsonAndMissingTextField() throws IOException {
        Path f = TestFiles.write(dir, "m.jsonl", "{\"text\": \"a\"}\n{\"text\": \n{\"title\": \"t\"}\n[1,2]\n{\"text\": \"b\"}\n");
        assertThatThrownBy(() -> read(f, CorpusReader.Options.defaults(), BadInput.strict()))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(f + ", line 2: malformed JSON");
        BadInput skip = BadInput.skipping();
        assertThat(read(f, CorpusReader.Options.defaults(), skip)).containsExactly("a", "b");
        assertThat(skip.counts()).containsEntry(BadInput.Kind.MALFORMED_JSON, 2L)
                .containsEntry(BadInput.Kind.MISSING_FIELD, 1L);
        assertThat(skip.summary()).isEqualTo("skipped 3 bad records: 2 malformed JSON, 1 missing text or label");
    }

    @Test
    void missingFileIsAClearIoError() {
        assertThatThrownBy(() -> CorpusReader.documents(dir.resolve("nope.txt")))
                .isInstanceOf(java.nio.file.NoSuchFileException.class).hasMessageContaining("nope.txt");
    }
}
