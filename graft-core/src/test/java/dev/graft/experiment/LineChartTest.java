package dev.graft.experiment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The chart stack: SVG text and the PNG drawn from the same layout. */
class LineChartTest {
    @Test
    void namesWithMarkupCharactersStayWellFormed() throws Exception {
        String svg = new LineChart("a <b> & \"c\"", "x", "y", true)
                .add(new LineChart.Series("s<1>&'2'", "#123456", true, new double[] {10, 100}, new double[] {1, 2},
                        null, null))
                .render(true);
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document d = f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertThat(d.getElementsByTagNameNS("*", "title").item(0).getTextContent()).isEqualTo("a <b> & \"c\"");
        assertThat(svg).contains("data-name=\"s&lt;1&gt;&amp;&#39;2&#39;\"", "stroke-dasharray=\"7 4\"");
        // an inline chart carries no namespace declaration (HTML needs none)
        assertThat(new LineChart("t", "x", "y", false)
                .add(new LineChart.Series("s", "#000000", false, new double[] {1}, new double[] {1}, null, null))
                .render(false)).startsWith("<svg ").doesNotContain("xmlns");
    }

    @Test
    void thePngDrawsTheSameChart(@TempDir Path dir) throws Exception {
        LineChart chart = new LineChart("t", "x", "y", true)
                .add(new LineChart.Series("red", "#d62728", false, new double[] {10, 100, 1000},
                        new double[] {0.5, 0.6, 0.7}, new double[] {0.45, 0.55, 0.65}, new double[] {0.55, 0.65, 0.75}))
                .add(new LineChart.Series("blue", "#1f77b4", true, new double[] {10, 1000}, new double[] {0.4, 0.8},
                        null, null));
        Path png = dir.resolve("chart.png");
        chart.writePng(png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(LineChart.WIDTH);
        assertThat(img.getHeight()).isEqualTo(LineChart.HEIGHT);
        assertThat(img.getRGB(2, 2) & 0xffffff).isEqualTo(0xffffff);
        // both series' colors are drawn (markers are filled discs of 7 pixels), and the band's tint under red
        assertThat(count(img, 0xd62728)).isGreaterThan(60);
        assertThat(count(img, 0x1f77b4)).isGreaterThan(60);
        // the band: red at 15% over white, 255 - 0.15 * (255 - c) per channel, give or take rounding
        int tinted = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                tinted += Math.abs(r - 251) <= 2 && Math.abs(g - 223) <= 2 && Math.abs(b - 223) <= 2 ? 1 : 0;
            }
        }
        assertThat(tinted).isGreaterThan(1000);
        assertThat(Files.list(dir).toList()).containsExactly(png); // no temporary file left
    }

    private static int count(BufferedImage img, int rgb) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                n += (img.getRGB(x, y) & 0xffffff) == rgb ? 1 : 0;
            }
        }
        return n;
    }

    @Test
    void roundedStepsAndCompactNumbers() {
        assertThat(LineChart.niceStep(0.076)).isCloseTo(0.1, within(1e-12));
        assertThat(LineChart.niceStep(0.03)).isCloseTo(0.05, within(1e-12));
        assertThat(LineChart.niceStep(1.5)).isCloseTo(2.0, within(1e-12));
        assertThat(LineChart.compact(1_500)).isEqualTo("1.5k");
        assertThat(LineChart.compact(5_000_000)).isEqualTo("5M");
        assertThat(LineChart.compact(12)).isEqualTo("12");
    }

    @Test
    void aLogAxisRefusesNonPositiveX() {
        assertThatThrownBy(() -> new LineChart("t", "x", "y", true)
                .add(new LineChart.Series("s", "#000000", false, new double[] {0, 1}, new double[] {1, 2}, null, null)))
                .hasMessageContaining("x must be > 0 on a log axis");
    }
}
