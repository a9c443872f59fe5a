package dev.graft.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one line reader: numbers, offsets, line ends, byte-order mark, gzip, and the three answers to a bad line. */
class Utf8LinesTest {
    @TempDir
    Path dir;

    private static List<Utf8Lines.Line> all(Utf8Lines lines) throws IOException {
        List<Utf8Lines.Line> out = new ArrayList<>();
        Utf8Lines.Line l;
        while ((l = lines.next()) != null) {
            out.add(l);
        }
        return out;
    }

    private static Utf8Lines of(byte[] bytes, int max, Utf8Lines.OnBadLine onBad) {
        return new Utf8Lines(Path.of("t.txt"), new ByteArrayInputStream(bytes), max, onBad);
    }

    private static final Utf8Lines.OnBadLine STOP = bad -> {
        throw new IllegalArgumentException(bad.message());
    };

    @Test
    void linesWithNumbersOffsetsAndTheirEnds() throws IOException {
        byte[] bytes = "\uFEFFé1\r\n\nlast".getBytes(StandardCharsets.UTF_8); // BOM 3 bytes, é 2 bytes
        try (Utf8Lines lines = of(bytes, 100, STOP)) {
            assertThat(all(lines)).containsExactly(new Utf8Lines.Line(1, 0, "é1", "\r\n"),
                    new Utf8Lines.Line(2, 8, "", "\n"), new Utf8Lines.Line(3, 9, "last", ""));
            assertThat(lines.bytesRead()).isEqualTo(bytes.length);
        }
    }

    @Test
    void gzipIsReadTransparentlyAndAMissingFileIsNamed() throws IOException {
        Path gz = dir.resolve("c.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write("a\nb\n".getBytes(StandardCharsets.UTF_8));
        }
        try (Utf8Lines lines = Utf8Lines.open(gz, 10, STOP)) {
            assertThat(lines.nextText()).isEqualTo("a");
            assertThat(lines.nextText()).isEqualTo("b");
            assertThat(lines.nextText()).isNull();
        }
        assertThatThrownBy(() -> Utf8Lines.open(dir.resolve("none.txt"), 10, STOP))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("none.txt");
    }

    @Test
    void invalidUtf8IsStoppedDroppedOrKeptAsReplacement() throws IOException {
        byte[] bytes = {'o', 'k', '\n', 'b', 'a', (byte) 0xC3, '(', '\n', 'f', 'i', 'n', 'e', '\n'};
        assertThatThrownBy(() -> all(of(bytes, 100, STOP)))
                .hasMessage("t.txt, line 2: invalid UTF-8 at byte offset 5 (byte 0xC3). convert the file to UTF-8 "
                        + "(e.g. iconv -f latin1 -t utf-8)");
        List<Utf8Lines.BadLine> seen = new ArrayList<>();
        assertThat(all(of(bytes, 100, bad -> seen.add(bad) && false))).extracting(Utf8Lines.Line::text)
                .containsExactly("ok", "fine");
        assertThat(seen).singleElement().satisfies(b -> {
            assertThat(b.defect()).isEqualTo(Utf8Lines.Defect.INVALID_UTF8);
            assertThat(b.number()).isEqualTo(2);
            assertThat(b.byteOffset()).isEqualTo(5);
        });
        assertThat(all(of(bytes, 100, bad -> true))).extracting(Utf8Lines.Line::text)
                .containsExactly("ok", "ba\uFFFD(", "fine");
    }

    @Test
    void anOverlongLineIsStoppedDroppedOrCutAtTheLimit() throws IOException {
        byte[] bytes = ("abcd\n" + "x".repeat(7) + "\r\nab\r\n").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> all(of(bytes, 4, STOP)))
                .hasMessage("t.txt, line 2: line is 8 bytes long, over the limit of 4 bytes. split it into shorter "
                        + "records");
        assertThat(all(of(bytes, 4, bad -> false))).extracting(Utf8Lines.Line::text).containsExactly("abcd", "ab");
        assertThat(all(of(bytes, 4, bad -> true))).extracting(Utf8Lines.Line::text)
                .containsExactly("abcd", "xxxx", "ab");
        byte[] multibyte = "éééé\n".getBytes(StandardCharsets.UTF_8); // 8 bytes; the cut at 3 falls inside the second é
        assertThat(all(of(multibyte, 3, bad -> true))).extracting(Utf8Lines.Line::text).containsExactly("é\uFFFD");
    }
}
