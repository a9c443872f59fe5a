package dev.graft.experiment;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SvgChartTest {
    @Test
    void namesWithMarkupCharactersStayWellFormed() throws Exception {
        String svg = new SvgChart("a <b> & \"c\"", "x", "y", true)
                .add(new SvgChart.Series("s<1>&'2'", "#123456", true, new double[] {10, 100}, new double[] {1, 2},
                        null, null))
                .render(true);
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document d = f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertThat(d.getElementsByTagNameNS("*", "title").item(0).getTextContent()).isEqualTo("a <b> & \"c\"");
        assertThat(svg).contains("data-name=\"s&lt;1&gt;&amp;&#39;2&#39;\"", "stroke-dasharray=\"7 4\"");
        // an inline chart carries no namespace declaration (HTML needs none)
        assertThat(new SvgChart("t", "x", "y", false)
                .add(new SvgChart.Series("s", "#000000", false, new double[] {1}, new double[] {1}, null, null))
                .render(false)).startsWith("<svg ").doesNotContain("xmlns");
    }

    @Test
    void roundedStepsAndCompactNumbers() {
        assertThat(SvgChart.niceStep(0.076)).isCloseTo(0.1, within(1e-12));
        assertThat(SvgChart.niceStep(0.03)).isCloseTo(0.05, within(1e-12));
        assertThat(SvgChart.niceStep(1.5)).isCloseTo(2.0, within(1e-12));
        assertThat(SvgChart.compact(1_500)).isEqualTo("1.5k");
        assertThat(SvgChart.compact(5_000_000)).isEqualTo("5M");
        assertThat(SvgChart.compact(12)).isEqualTo("12");
    }

    @Test
    void aLogAxisRefusesNonPositiveX() {
        assertThatThrownBy(() -> new SvgChart("t", "x", "y", true)
                .add(new SvgChart.Series("s", "#000000", false, new double[] {0, 1}, new double[] {1, 2}, null, null)))
                .hasMessageContaining("x must be > 0 on a log axis");
    }
}
